"""Template helpers for Kaigong pages: money in 万元/亿元, icons, sortable column headers, readable changes."""

from decimal import Decimal, InvalidOperation

from django import template
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.translation import gettext as _

from kaigong.core.money import format_wan, format_yi
from kaigong.projects.choices import Pool, Stage

register = template.Library()

# Audited fields whose stored value is a choice value: shown by their label.
CHOICE_LABELS = {"stage": Stage, "pool": Pool, "from_stage": Stage, "to_stage": Stage}
MONEY_FIELDS = {"total_investment", "annual_planned_investment"}


def _decimal(value):
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


@register.filter
def wan(value):
    """万元 amount with thousands separators, no unit: 1,155,000.5"""
    amount = _decimal(value)
    return "" if amount is None else format_wan(amount, unit=False)


@register.filter
def yi(value):
    """万元 amount shown in 亿元 without trailing zeros, no unit: 115.5"""
    amount = _decimal(value)
    return "" if amount is None else format_yi(amount, unit=False)


@register.filter
def money(value, unit="wan"):
    """'1,155,000万元' (default) or, with ``money:"yi"``, '115.5亿元'."""
    amount = _decimal(value)
    if amount is None:
        return ""
    return format_yi(amount) if unit == "yi" else format_wan(amount)


@register.simple_tag
def icon(name, label=""):
    """An icon from the vendored Bootstrap Icons sprite; decorative unless a label is given."""
    href = static("vendor/bootstrap-icons/icons.svg") + "#bi-" + name
    if label:
        return format_html('<svg class="icon" role="img" aria-label="{}"><use href="{}"></use></svg>', label, href)
    return format_html('<svg class="icon" aria-hidden="true"><use href="{}"></use></svg>', href)


@register.inclusion_tag("projects/_sort_header.html", takes_context=True)
def sort_header(context, field, label):
    """A column header that sorts by ``field``; a second click reverses the order."""
    request = context["request"]
    current = request.GET.get("ordering", "")
    if current == field:
        target, direction = f"-{field}", "asc"
    elif current == f"-{field}":
        target, direction = field, "desc"
    else:
        target, direction = field, ""
    params = request.GET.copy()
    params["ordering"] = target
    params.pop("page", None)
    return {"href": "?" + params.urlencode(), "label": label, "direction": direction}


def _display_value(field_name, value, model=None):
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if field_name in CHOICE_LABELS and isinstance(value, str):
        try:
            return str(CHOICE_LABELS[field_name](value).label)
        except ValueError:
            return value
    choices = _field_choices(model, field_name)
    if choices and not isinstance(value, list | dict) and value in choices:
        return str(choices[value])
    if field_name in MONEY_FIELDS:
        amount = _decimal(value)
        return format_wan(amount) if amount is not None else str(value)
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    if isinstance(value, dict):
        return _("(GeoJSON 图形)") if "type" in value else str(value)
    return str(value)


def _field_choices(model, field_name) -> dict:
    if model is None:
        return {}
    try:
        field = model._meta.get_field(field_name)
    except FieldDoesNotExist:
        return {}
    return dict(field.flatchoices) if getattr(field, "choices", None) else {}


def _field_label(model, field_name):
    if model is not None:
        try:
            return str(model._meta.get_field(field_name).verbose_name)
        except FieldDoesNotExist:
            pass
    if field_name == "projects":
        return _("成员项目")
    return field_name


@register.filter
def change_rows(event, model=None):
    """An audit event's {field: [before, after]} as rows of (label, before, after) for people to read."""
    if model is None and event.content_type_id:
        # get_for_id is served from ContentType's cache: no query per row.
        model = ContentType.objects.get_for_id(event.content_type_id).model_class()
    rows = []
    for name, pair in (event.changes or {}).items():
        before, after = [*pair, None, None][:2] if isinstance(pair, list) else (None, pair)
        rows.append(
            {
                "field": name,
                "label": _field_label(model, name),
                "before": _display_value(name, before, model),
                "after": _display_value(name, after, model),
            }
        )
    return rows


@register.filter
def site_name(site):
    """A sub-site stored as a string or as {"name": …}."""
    if isinstance(site, dict):
        return site.get("name") or site.get("site") or ", ".join(str(v) for v in site.values())
    return str(site)
