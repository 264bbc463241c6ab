"""The page links of includes/pagination.html."""

from django import template
from django.template.defaulttags import querystring

register = template.Library()


@register.simple_tag(takes_context=True)
def page_querystring(context, number, param="page", query=None):
    """``{% querystring %}`` with ``param`` (default "page") set to ``number``: the request's query string (or
    ``query``, a QueryDict) kept, so filters and sorting survive paging. The parameter's name may be a variable,
    which ``{% querystring %}`` does not allow."""
    return querystring(context, query or None, **{param or "page": number})
