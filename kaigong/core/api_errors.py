"""The API's error shape where DRF's exception handler (core/api.py) does not reach: a path under /api/ that no
view answers (an unknown path, or a malformed id that a URL converter refused) and Django's own error handlers
(handler404, handler500), which would answer HTML pages."""

from django.http import JsonResponse
from django.utils.translation import gettext_noop
from django.views import defaults
from django.views.decorators.csrf import csrf_exempt

from kaigong.core.api import error_body

API_PREFIX = "/api/"

NOT_FOUND = ("not_found", gettext_noop("未找到该对象,或您无权查看"))
SERVER_ERROR = ("server_error", gettext_noop("服务器出错了,请稍后再试;仍然出错请联系系统管理员"))


def is_api_request(request) -> bool:
    return request.path.startswith(API_PREFIX)


@csrf_exempt  # it changes nothing, and a POST to an unknown path is a 404, not the CSRF failure page
def api_not_found(request, *args, **kwargs):
    """Any path under /api/ that no API view matched (last in kaigong/api_urls.py): 404 in the error shape."""
    return JsonResponse(error_body(*NOT_FOUND), status=404, json_dumps_params={"ensure_ascii": False})


def page_not_found(request, exception, template_name="404.html"):
    if is_api_request(request):
        return api_not_found(request)
    return defaults.page_not_found(request, exception, template_name)


def server_error(request, template_name="500.html"):
    if is_api_request(request):
        return JsonResponse(error_body(*SERVER_ERROR), status=500, json_dumps_params={"ensure_ascii": False})
    return defaults.server_error(request, template_name)
