"""Page glue for service errors: what every view would otherwise catch itself."""

from django.core.exceptions import PermissionDenied
from django.core.handlers.exception import response_for_exception

from kaigong.core.exceptions import PermissionDeniedError


class ServiceErrorMiddleware:
    """A PermissionDeniedError a page's service raised and the view left uncaught answers as Django answers
    PermissionDenied: the 403 page (handler403) with the message in the page's language.

    The API never gets here: DRF's exception handler (core.api.exception_handler) answers inside the view.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, PermissionDeniedError):
            return response_for_exception(request, PermissionDenied(exception.message_active))
        return None
