"""API conventions shared by every app: pagination and the one error shape.

Every error answers ``{"error": {"code": ..., "message": "中文", "message_en": "English", "fields": {...}}}``.
"""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext_noop
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from kaigong.core.exceptions import KaigongError, translated
from kaigong.core.pagination import DeferredJoinPaginator


class ChoiceLabelField(serializers.CharField):
    """The label of a choices field's value, as get_FOO_display gives it, for list endpoints: a lookup in the
    choices, instead of DRF inspecting the signature of a bound get_FOO_display for every row."""

    def __init__(self, *, choices, **kwargs):
        self.labels = dict(choices)
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value) -> str:
        return str(self.labels.get(value, value))


class KaigongPagination(PageNumberPagination):
    django_paginator_class = DeferredJoinPaginator  # the page's keys first, then its rows with their joins
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


def error_body(code: str, msgid: str, fields: dict | None = None) -> dict:
    """The error shape for a message id: the message in Chinese and in English."""
    zh, en = translated(msgid, language="zh-hans"), translated(msgid, language="en")
    body = {"error": {"code": code, "message": zh, "message_en": en}}
    if fields:
        body["error"]["fields"] = fields
    return body


def error_response(code: str, msgid: str, http_status: int, fields: dict | None = None) -> Response:
    return Response(error_body(code, msgid, fields), status=http_status)


def _flatten(detail, prefix: str = "") -> dict[str, list[str]]:
    """DRF's error detail as {field: [messages]}, what ErrorDetailSerializer promises: a nested serializer's or a
    list's errors get a dotted key ("suspensions.0", "investors.1.name") instead of a nested dict or list."""
    if isinstance(detail, dict):
        fields: dict[str, list[str]] = {}
        for key, value in detail.items():
            fields.update(_flatten(value, f"{prefix}.{key}" if prefix else str(key)))
        return fields
    if isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            return {prefix: [str(item) for item in detail]} if detail else {}
        fields = {}
        for index, item in enumerate(detail):
            fields.update(_flatten(item, f"{prefix}.{index}" if prefix else str(index)))
        return fields
    return {prefix: [str(detail)]}


def exception_handler(exc, context):
    if isinstance(exc, KaigongError):
        body = {"error": {"code": exc.code, "message": exc.message, "message_en": exc.message_en}}
        if exc.field:
            body["error"]["fields"] = {exc.field: [exc.message]}
        return Response(body, status=exc.status)
    if isinstance(exc, DjangoValidationError):
        fields = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        return error_response(
            "validation_error", gettext_noop("输入有误,请检查各字段"), status.HTTP_400_BAD_REQUEST, fields
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        fields = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        return error_response(
            "validation_error", gettext_noop("输入有误,请检查各字段"), response.status_code, _flatten(fields)
        )
    mapping = {
        exceptions.NotAuthenticated: ("not_authenticated", gettext_noop("请先登录")),
        exceptions.AuthenticationFailed: ("authentication_failed", gettext_noop("身份验证失败")),
        exceptions.PermissionDenied: ("permission_denied", gettext_noop("您没有执行此操作的权限")),
        exceptions.NotFound: ("not_found", gettext_noop("未找到该对象,或您无权查看")),
        exceptions.MethodNotAllowed: ("method_not_allowed", gettext_noop("不支持该请求方法")),
        exceptions.Throttled: ("throttled", gettext_noop("请求过于频繁,请稍后再试")),
        exceptions.UnsupportedMediaType: ("unsupported_media_type", gettext_noop("不支持的内容类型")),
        exceptions.ParseError: ("parse_error", gettext_noop("请求内容无法解析")),
        exceptions.NotAcceptable: ("not_acceptable", gettext_noop("无法提供所请求的格式")),
    }
    for exc_class, (code, msgid) in mapping.items():
        if isinstance(exc, exc_class):
            response.data = error_response(code, msgid, response.status_code).data
            return response
    response.data = {"error": {"code": "error", "message": str(exc), "message_en": str(exc)}}
    return response


# --- OpenAPI description of the error shape (used by every app's extend_schema) ---


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="stable machine code: validation_error, stale_version, not_found …")
    message = serializers.CharField(help_text="中文说明")
    message_en = serializers.CharField(help_text="English message")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="{field: [messages]} for validation errors",
    )


class ErrorSerializer(serializers.Serializer):
    """The one error shape every endpoint answers with."""

    error = ErrorDetailSerializer()


ERROR_DESCRIPTIONS = {
    400: "Invalid input (validation_error with fields) or a refused rule such as transition_not_allowed",
    401: "Not authenticated (no or bad token)",
    403: "Permission denied for this role",
    404: "Not found, or not visible to this user",
    409: "Stale version: the object was changed by someone else since it was read",
}


def error_responses(*statuses: int) -> dict:
    """{status: OpenApiResponse(ErrorSerializer)} for extend_schema(responses=...)."""
    return {code: OpenApiResponse(ErrorSerializer, description=ERROR_DESCRIPTIONS[code]) for code in statuses}


# --- What every operation can answer, said once for the whole schema (SPECTACULAR_SETTINGS POSTPROCESSING_HOOKS) ---

PAGE_PARAMETERS = {"page": {"minimum": 1}, "page_size": {"minimum": 1, "maximum": KaigongPagination.max_page_size}}
NOT_FILTERS = {"page", "page_size", "format", "ordering"}
COMMON_ERRORS = {
    401: "Not authenticated (no or bad token)",
    404: "Not found, or not visible to this user; for a list, a page past the last one",
    400: "A filter's value is not valid (validation_error with fields), e.g. an id that does not exist",
    415: "The body is in a content type the endpoint does not read, or a multipart body that cannot be read",
}


def _error_response(description: str) -> dict:
    return {
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        "description": description,
    }


def document_common_errors(result, generator, request, public):
    """The answers no view's extend_schema lists but every one can give, added where missing: 401 without login
    (every endpoint but the token's requires it); 404 for an id in the path (unknown, or not visible) and for a page
    past the last; 400 for a list's filter given a value it refuses; 415 for a body the endpoint cannot read. Pages
    start at 1 and page_size is 1–500."""
    for path in result.get("paths", {}).values():
        for method, operation in path.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            parameters = operation.get("parameters", [])
            query = {p["name"] for p in parameters if p.get("in") == "query"}
            for parameter in parameters:
                if parameter.get("in") == "query" and parameter["name"] in PAGE_PARAMETERS:
                    parameter.setdefault("schema", {}).update(PAGE_PARAMETERS[parameter["name"]])
            security = operation.get("security") or [{}]
            statuses = [] if {} in security else [401]  # an endpoint open to anyone (the token's) never answers 401
            if any(p.get("in") == "path" for p in parameters) or "page" in query:
                statuses.append(404)
            if method == "get" and query - NOT_FILTERS:
                statuses.append(400)
            if "requestBody" in operation:
                statuses.append(415)
            responses = operation["responses"]
            for code in statuses:
                responses.setdefault(str(code), _error_response(COMMON_ERRORS[code]))
    return result
