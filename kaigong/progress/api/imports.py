"""/api/progress/imports/: a month's progress sheet through the API, the same life as the import page.

POST stores an upload (multipart: file, month "YYYY-MM", optional correction_reason to correct accepted reports) and
queues its check (202); GET /{id}/ follows it: the problems with their row and column, and the rows it would write
(the dry run); /{id}/confirm/ queues the import of an upload checked without problems (all rows or none);
/{id}/cancel/ cancels one waiting. GET template/?month=YYYY-MM is the month's empty sheet for the projects the caller
reports for. The request never reads a sheet: the worker does (kaigong.progress.tasks).
"""

from django.conf import settings
from django.http import FileResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from kaigong.core.api import ErrorSerializer, error_responses
from kaigong.core.dates import validate_plausible_date
from kaigong.core.exceptions import KaigongError, PermissionDeniedError
from kaigong.progress import importer, tasks
from kaigong.progress.import_template import build_progress_template, template_filename
from kaigong.progress.import_views import default_month, parse_month
from kaigong.progress.models import ProgressImport

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ImportMonthField(serializers.CharField):
    default_error_messages = {"invalid": _("月份格式应为 2024-10")}

    def to_internal_value(self, data):
        month = parse_month(super().to_internal_value(data))
        if month is None:
            self.fail("invalid")
        return month


class ProgressUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="月报表 .xlsx / .xls / .csv")
    month = ImportMonthField(help_text="the month reported, YYYY-MM", validators=[validate_plausible_date])
    correction_reason = serializers.CharField(
        required=False, allow_blank=True, max_length=300, help_text="更正原因: given, accepted reports are corrected"
    )


class ProgressImportSerializer(serializers.ModelSerializer):
    """An upload's state: its check (problems, the rows it would write, warnings), its import."""

    month = serializers.DateField(format="%Y-%m", read_only=True)
    message = serializers.SerializerMethodField(help_text="状态说明")
    message_en = serializers.SerializerMethodField()
    can_confirm = serializers.SerializerMethodField()
    can_cancel = serializers.SerializerMethodField()

    class Meta:
        model = ProgressImport
        fields = [
            "id",
            "original_name",
            "month",
            "status",
            "created_at",
            "finished_at",
            "total_rows",
            "created_count",
            "updated_count",
            "problems",
            "preview",
            "message",
            "message_en",
            "can_confirm",
            "can_cancel",
        ]
        read_only_fields = fields

    def get_message(self, record) -> str:
        return importer.message_in(record, "zh-hans")

    def get_message_en(self, record) -> str:
        return importer.message_in(record, "en")

    def get_can_confirm(self, record) -> bool:
        return record.status == "checked" and not record.problems

    def get_can_cancel(self, record) -> bool:
        return record.status in ("pending", "checked")


def _require_import(user) -> None:
    if not importer.can_import_progress(user):
        raise PermissionDeniedError(gettext_noop("您无权导入月报"))


def _get_import(request, pk: int) -> ProgressImport:
    _require_import(request.user)
    return get_object_or_404(importer.visible_imports(request.user), pk=pk)


class ProgressImportListView(APIView):
    """The caller's recent uploads (the office sees all); POST stores one and queues its check."""

    permission_classes = [IsAuthenticated]
    parser_classes = [MultiPartParser, FormParser]
    serializer_class = ProgressImportSerializer

    @extend_schema(
        summary="List recent progress sheet uploads",
        responses={200: ProgressImportSerializer(many=True), **error_responses(401, 403)},
    )
    def get(self, request):
        _require_import(request.user)
        records = importer.visible_imports(request.user)[:50]
        return Response(ProgressImportSerializer(records, many=True).data)

    @extend_schema(
        summary="Upload a month's progress sheet for checking",
        description=(
            "Stores the file and queues its check (the dry run) for the background worker. Follow the upload at "
            "/api/progress/imports/{id}/ until it is checked, then confirm it."
        ),
        request={"multipart/form-data": ProgressUploadSerializer},
        responses={202: ProgressImportSerializer, **error_responses(400, 401, 403)},
    )
    def post(self, request):
        _require_import(request.user)
        serializer = ProgressUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = serializer.validated_data["file"]
        limit = settings.KAIGONG_IMPORT_MAX_BYTES
        if upload.size >= limit:
            raise KaigongError(
                gettext_noop("文件过大(%(size)s MB),上限为 %(limit)s MB"),
                params={"size": f"{upload.size / 1048576:.1f}", "limit": f"{limit / 1048576:g}"},
                field="file",
            )
        record = importer.create_progress_import(
            upload=upload,
            month=serializer.validated_data["month"],
            user=request.user,
            correction_reason=serializer.validated_data.get("correction_reason", ""),
        )
        record = tasks.start_check(record)
        return Response(ProgressImportSerializer(record).data, status=202)


class ProgressImportDetailView(APIView):
    permission_classes = [IsAuthenticated]
    serializer_class = ProgressImportSerializer

    @extend_schema(
        summary="Follow a progress sheet upload",
        responses={200: ProgressImportSerializer, **error_responses(401, 403, 404)},
    )
    def get(self, request, pk: int):
        return Response(ProgressImportSerializer(_get_import(request, pk)).data)


_ACTION_ERRORS = error_responses(401, 403, 404) | {
    409: OpenApiResponse(ErrorSerializer, description="The upload's state does not allow it (import_state)")
}


class _ProgressImportActionView(APIView):
    permission_classes = [IsAuthenticated]
    serializer_class = ProgressImportSerializer
    answered = 200

    def act(self, record: ProgressImport, user) -> ProgressImport:
        raise NotImplementedError

    def post(self, request, pk: int):
        record = self.act(_get_import(request, pk), request.user)
        return Response(ProgressImportSerializer(record).data, status=self.answered)


class ProgressImportConfirmView(_ProgressImportActionView):
    answered = 202

    @extend_schema(
        summary="Import a checked progress sheet",
        description="Queues the import of an upload checked without problems: every row or none.",
        request=None,
        responses={202: ProgressImportSerializer, **_ACTION_ERRORS},
    )
    def post(self, request, pk: int):
        return super().post(request, pk)

    def act(self, record, user):
        return tasks.start_import(record, actor=user)


class ProgressImportCancelView(_ProgressImportActionView):
    @extend_schema(
        summary="Cancel a progress sheet upload",
        description="Cancels an upload waiting for its check or for confirmation; 409 otherwise.",
        request=None,
        responses={200: ProgressImportSerializer, **_ACTION_ERRORS},
    )
    def post(self, request, pk: int):
        return super().post(request, pk)

    def act(self, record, user):
        return importer.cancel_progress_import(record=record, actor=user)


class ProgressImportTemplateView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Download the month's progress sheet to fill in",
        parameters=[OpenApiParameter("month", str, description="YYYY-MM; default the month being reported")],
        responses={(200, XLSX): OpenApiResponse(OpenApiTypes.BINARY), **error_responses(401, 403)},
    )
    def get(self, request):
        _require_import(request.user)
        month = parse_month(request.query_params.get("month")) or default_month()
        content = build_progress_template(user=request.user, month=month)
        return FileResponse(content, as_attachment=True, filename=template_filename(month), content_type=XLSX)
