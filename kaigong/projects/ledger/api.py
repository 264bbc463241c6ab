"""The ledger import through the API: the dry run (what the sheet would do), the import, and the template.

The same importer as the page and the command: POST /api/ledger/check/ answers the problems, the columns the
sheet has that are not read, and what the first rows will write; POST /api/ledger/import/ writes the sheet when
it has no problem (all or nothing); GET /api/ledger/template/ is the .xlsx template.

/api/ledger/imports/ is the same life as the import page, where the request never reads the sheet: POST stores
an upload and queues its check (202); GET /{id}/ follows it (a check or import whose worker died is answered
failed, with the reason); /{id}/confirm/ queues the import of a checked upload, /{id}/retry/ queues a failed or
cancelled one again as a new attempt, /{id}/cancel/ cancels one that waits or whose worker died.
"""

import time

from django.conf import settings
from django.http import FileResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import get_language, gettext_noop
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from kaigong.core.api import ErrorSerializer, error_responses
from kaigong.core.exceptions import KaigongError, PermissionDeniedError
from kaigong.projects.ledger import services, tasks
from kaigong.projects.ledger.selectors import list_ledger_imports
from kaigong.projects.ledger.template import build_ledger_template
from kaigong.projects.models import LedgerImport

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ACTOR_LABEL = "API 台账导入"


class LedgerUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="台账文件 .xlsx / .xls / .csv")


class LedgerImportSerializer(serializers.ModelSerializer):
    """An upload's state: its check, its import, its attempts."""

    message = serializers.SerializerMethodField(help_text="状态说明")
    message_en = serializers.SerializerMethodField()
    progress_percent = serializers.IntegerField(read_only=True)
    queued = serializers.SerializerMethodField(help_text="waiting for the worker to take it up")
    can_retry = serializers.SerializerMethodField()
    can_cancel = serializers.SerializerMethodField()

    class Meta:
        model = LedgerImport
        fields = [
            "id",
            "original_name",
            "status",
            "phase",
            "attempt",
            "created_at",
            "finished_at",
            "heartbeat_at",
            "total_rows",
            "processed_rows",
            "progress_percent",
            "created_count",
            "updated_count",
            "problems",
            "message",
            "message_en",
            "queued",
            "can_retry",
            "can_cancel",
        ]
        read_only_fields = fields

    def get_message(self, record) -> str:
        return (record.message or "").split("\n")[0]

    def get_message_en(self, record) -> str:
        lines = (record.message or "").split("\n")
        return lines[1] if len(lines) > 1 else lines[0]

    def get_queued(self, record) -> bool:
        return services.is_queued(record)

    def get_can_retry(self, record) -> bool:
        return record.status in (LedgerImport.Status.FAILED, LedgerImport.Status.CANCELLED)

    def get_can_cancel(self, record) -> bool:
        return services.is_queued(record) or record.status == LedgerImport.Status.CHECKED or services.is_stale(record)


_QUEUED = inline_serializer(
    "LedgerUploadQueued",
    {"import": LedgerImportSerializer(help_text="the upload, still with the worker: follow /api/ledger/imports/{id}/")},
)
_RESULT = inline_serializer(
    "LedgerCheckResult",
    {
        "ok": serializers.BooleanField(),
        "written": serializers.BooleanField(),
        "rows": serializers.IntegerField(),
        "creates": serializers.IntegerField(help_text="projects the sheet creates"),
        "updates": serializers.IntegerField(help_text="existing projects the sheet matches"),
        "created": serializers.IntegerField(),
        "updated": serializers.IntegerField(),
        "problems": serializers.ListField(child=serializers.DictField()),
        "warnings": serializers.ListField(
            child=serializers.DictField(),
            help_text="cells imported as they are but worth a look (text starting with =, +, -, @); not blocking",
        ),
        "ignored_columns": serializers.ListField(
            child=serializers.DictField(), help_text="columns of the sheet that are not imported"
        ),
        "ignored_message": serializers.CharField(help_text="未识别的列,不会导入:…"),
        "ignored_message_en": serializers.CharField(),
        "new_owners": serializers.ListField(
            child=serializers.DictField(),
            help_text=(
                "owners (建设单位) the import registers: name, credit_code (null: registered without one, "
                "missing_credit_code), action create | complete (an organization registered without a code gets it)"
            ),
        ),
        "new_owners_message": serializers.CharField(help_text="将新建的建设单位:…"),
        "new_owners_message_en": serializers.CharField(),
        "preview": serializers.ListField(
            child=serializers.DictField(), help_text="the first rows: each field's value, or before → after"
        ),
    },
)


def _require_import(user) -> None:
    if not getattr(user, "can_import", False):
        raise PermissionDeniedError(gettext_noop("只有项目办可以导入台账"))


def _record_body(record: LedgerImport) -> dict:
    """The check (and import) of an upload as the worker stored it, in the API's shape; the preview's field names
    in the request's language."""
    stored = record.preview or {}
    zh, en = stored.get("zh-hans", {}), stored.get("en", {})
    shown = en if (get_language() or "").startswith("en") else zh
    return {
        "ok": not record.problems,
        "written": record.status == LedgerImport.Status.DONE,
        "rows": record.total_rows,
        "creates": stored.get("creates", 0),
        "updates": stored.get("updates", 0),
        "created": record.created_count,
        "updated": record.updated_count,
        "problems": record.problems,
        "warnings": stored.get("warnings", []),
        "ignored_columns": stored.get("ignored_columns", []),
        "ignored_message": zh.get("ignored_message", ""),
        "ignored_message_en": en.get("ignored_message", ""),
        "new_owners": stored.get("new_owners", []),
        "new_owners_message": "\n".join(zh.get("new_owner_lines", [])),
        "new_owners_message_en": "\n".join(en.get("new_owner_lines", [])),
        "preview": [{k: v for k, v in row.items() if k != "creating"} for row in shown.get("rows", [])],
    }


def _wait(record: LedgerImport) -> bool:
    """Wait for the worker to finish what it was handed (at once with the immediate backend); False after
    KAIGONG_IMPORT_API_WAIT_SECONDS."""
    deadline = time.monotonic() + float(getattr(settings, "KAIGONG_IMPORT_API_WAIT_SECONDS", 60))
    while True:
        record.refresh_from_db()
        if record.status not in services.RUNNING:
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.2)


def _failed(record: LedgerImport) -> Response:
    error = (record.preview or {}).get("error", {})
    lines = (record.message or "").split("\n")
    body = {"code": error.get("code", "error"), "message": lines[0], "message_en": lines[-1]}
    return Response({"error": body}, status=error.get("status", 400))


def _queued(record: LedgerImport) -> Response:
    """Still with the worker: the upload to follow at /api/ledger/imports/{id}/."""
    return Response({"import": LedgerImportSerializer(record).data}, status=202)


class _LedgerUploadView(APIView):
    """The upload is stored and handed to the worker; the request waits for its answer, never reading the sheet."""

    permission_classes = [IsAuthenticated]
    parser_classes = [MultiPartParser, FormParser]
    serializer_class = LedgerUploadSerializer
    write = False

    def post(self, request):
        _require_import(request.user)
        serializer = LedgerUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        record = services.create_ledger_import(
            upload=_within_limit(serializer.validated_data["file"]), user=request.user
        )
        tasks.start_check(record)
        if not _wait(record):
            return _queued(record)
        if record.status != LedgerImport.Status.CHECKED:
            return _failed(record)
        if not self.write:
            return Response(_record_body(record))
        if record.problems:
            message = KaigongError(gettext_noop("台账存在问题,未导入"))
            error = {"code": "ledger_problems", "message": message.message, "message_en": message.message_en}
            return Response({"error": error, **_record_body(record)}, status=400)
        tasks.start_import(record, actor=request.user)
        if not _wait(record):
            return _queued(record)
        if record.status == LedgerImport.Status.FAILED:
            return _failed(record)
        if record.status != LedgerImport.Status.DONE:  # checked again before writing, and a problem found
            message = KaigongError(gettext_noop("台账存在问题,未导入"))
            error = {"code": "ledger_problems", "message": message.message, "message_en": message.message_en}
            return Response({"error": error, **_record_body(record)}, status=400)
        return Response(_record_body(record))


def _within_limit(upload):
    limit = settings.KAIGONG_IMPORT_MAX_BYTES
    if upload.size >= limit:
        raise KaigongError(
            gettext_noop("文件过大(%(size)s MB),上限为 %(limit)s MB"),
            params={"size": f"{upload.size / 1048576:.1f}", "limit": f"{limit / 1048576:g}"},
            field="file",
        )
    return upload


class LedgerCheckView(_LedgerUploadView):
    """The dry run: nothing is written."""

    @extend_schema(
        summary="Check a ledger sheet (dry run)",
        description=(
            "Reads and checks the sheet as the import page does and writes nothing. Lists every problem (row, "
            "column, message in Chinese and English), every column of the sheet that will not be imported, and "
            "for the first rows what each field will become (before → after for existing projects). The upload is "
            "stored and checked by the background worker (the request never reads the sheet) and the answer waits "
            "for it; when the worker has not finished within a minute, 202 with the upload to follow."
        ),
        request={"multipart/form-data": LedgerUploadSerializer},
        responses={200: _RESULT, 202: _QUEUED, **error_responses(400, 401, 403)},
    )
    def post(self, request):
        return super().post(request)


class LedgerImportView(_LedgerUploadView):
    """Check, then write all rows or none."""

    write = True

    @extend_schema(
        summary="Import a ledger sheet",
        description=(
            "Checks the sheet and, when no row has a problem, writes every row in one transaction; otherwise "
            "answers 400 with the problems and writes nothing. The background worker checks and writes (the request "
            "never reads the sheet) and the answer waits for it; when it has not finished within a minute, 202 with "
            "the upload to follow at /api/ledger/imports/{id}/."
        ),
        request={"multipart/form-data": LedgerUploadSerializer},
        responses={200: _RESULT, 202: _QUEUED, **error_responses(400, 401, 403)},
    )
    def post(self, request):
        return super().post(request)


class LedgerTemplateView(APIView):
    """The ledger template (.xlsx): the recognised headers, their units and one example row."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Download the ledger template",
        responses={(200, XLSX): OpenApiResponse(OpenApiTypes.BINARY), **error_responses(401, 403)},
    )
    def get(self, request):
        _require_import(request.user)
        path = build_ledger_template()
        handle = path.open("rb")
        path.unlink()
        return FileResponse(handle, as_attachment=True, filename="重点项目台账模板.xlsx", content_type=XLSX)


# --- /api/ledger/imports/: uploads handed to the worker ----------------------------------------------------------


def _get_import(request, pk: int) -> LedgerImport:
    _require_import(request.user)
    record = get_object_or_404(LedgerImport, pk=pk)
    services.recover_stale_imports(record=record)
    return record


class LedgerImportListView(APIView):
    """Recent uploads; POST stores one and queues its check."""

    permission_classes = [IsAuthenticated]
    parser_classes = [MultiPartParser, FormParser]
    serializer_class = LedgerImportSerializer

    @extend_schema(
        summary="List recent ledger uploads",
        responses={200: LedgerImportSerializer(many=True), **error_responses(401, 403)},
    )
    def get(self, request):
        _require_import(request.user)
        return Response(LedgerImportSerializer(list_ledger_imports(user=request.user), many=True).data)

    @extend_schema(
        summary="Upload a ledger sheet for checking",
        description=(
            "Stores the file as it is and queues its check for the background worker; the request never reads "
            "the sheet. Follow the upload at /api/ledger/imports/{id}/ until it is checked, then confirm it."
        ),
        request={"multipart/form-data": LedgerUploadSerializer},
        responses={202: LedgerImportSerializer, **error_responses(400, 401, 403)},
    )
    def post(self, request):
        _require_import(request.user)
        serializer = LedgerUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        record = services.create_ledger_import(
            upload=_within_limit(serializer.validated_data["file"]), user=request.user
        )
        tasks.start_check(record)
        return Response(LedgerImportSerializer(record).data, status=202)


class LedgerImportDetailView(APIView):
    """One upload; a check or import whose worker stopped beating is answered failed, with the reason."""

    permission_classes = [IsAuthenticated]
    serializer_class = LedgerImportSerializer

    @extend_schema(
        summary="Follow a ledger upload", responses={200: LedgerImportSerializer, **error_responses(401, 403, 404)}
    )
    def get(self, request, pk: int):
        return Response(LedgerImportSerializer(_get_import(request, pk)).data)


class _LedgerImportActionView(APIView):
    permission_classes = [IsAuthenticated]
    serializer_class = LedgerImportSerializer
    accepted = 202

    def act(self, record: LedgerImport, user) -> None:
        raise NotImplementedError

    def post(self, request, pk: int):
        record = _get_import(request, pk)
        self.act(record, request.user)
        record.refresh_from_db()
        return Response(LedgerImportSerializer(record).data, status=self.accepted)


_ACTION_ERRORS = error_responses(400, 401, 403, 404) | {
    409: OpenApiResponse(ErrorSerializer, description="The upload's state does not allow it (import_state)")
}


class LedgerImportConfirmView(_LedgerImportActionView):
    @extend_schema(
        summary="Import a checked ledger upload",
        description="Queues the import of an upload checked without problems: all rows or none.",
        request=None,
        responses={202: LedgerImportSerializer, **_ACTION_ERRORS},
    )
    def post(self, request, pk: int):
        return super().post(request, pk)

    def act(self, record, user):
        tasks.start_import(record, actor=user)


class LedgerImportRetryView(_LedgerImportActionView):
    @extend_schema(
        summary="Retry a failed or cancelled ledger upload",
        description=(
            "Queues the same stored file again as a new attempt: its import when the import failed (checked "
            "again first), else its check. 409 when the upload is not failed or cancelled."
        ),
        request=None,
        responses={202: LedgerImportSerializer, **_ACTION_ERRORS},
    )
    def post(self, request, pk: int):
        return super().post(request, pk)

    def act(self, record, user):
        tasks.retry(record, actor=user)


class LedgerImportCancelView(_LedgerImportActionView):
    accepted = 200

    @extend_schema(
        summary="Cancel a ledger upload",
        description=(
            "Cancels an upload that waits (for its check, the worker or confirmation) or whose worker died; "
            "409 while a worker is still processing it."
        ),
        request=None,
        responses={200: LedgerImportSerializer, **_ACTION_ERRORS},
    )
    def post(self, request, pk: int):
        return super().post(request, pk)

    def act(self, record, user):
        services.cancel_ledger_import(record=record, actor=user)
