"""Ledger pages: export the filtered list, upload a sheet, see its check, confirm the import, follow progress.

Views parse input, check permission and render; reading and writing is done by the exporter, services, selectors
and tasks of this package.
"""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kaigong.core.exceptions import KaigongError
from kaigong.projects.ledger import tasks
from kaigong.projects.ledger.exporter import export_ledger
from kaigong.projects.ledger.problems import Problem
from kaigong.projects.ledger.report import build_error_report
from kaigong.projects.ledger.selectors import list_ledger_imports, message_in, preview_ledger_import
from kaigong.projects.ledger.services import (
    RUNNING,
    cancel_ledger_import,
    create_ledger_import,
    is_queued,
    is_stale,
    recover_stale_imports,
)
from kaigong.projects.ledger.template import build_ledger_template
from kaigong.projects.models import LedgerImport

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PROBLEMS_PER_PAGE = 100


class LedgerImportForm(forms.Form):
    file = forms.FileField(
        label=_("台账文件"),
        help_text=_("支持 .xlsx、.xls、.csv;可包含标题行、合并单元格、单位说明和合计行"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.xls,.csv"}),
        error_messages={"empty": _("文件为空"), "required": _("请选择要导入的台账文件")},
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.KAIGONG_IMPORT_MAX_BYTES
        if upload.size >= limit:
            raise forms.ValidationError(
                _("文件过大(%(size)s MB),上限为 %(limit)s MB"),
                params={"size": f"{upload.size / 1048576:.1f}", "limit": f"{limit / 1048576:g}"},
            )
        return upload


def _require_import(user) -> None:
    if not getattr(user, "can_import", False):
        raise PermissionDenied


def _get_import(request, pk: int) -> LedgerImport:
    """The upload, its worker's death noticed first: a stale check or import is marked failed as it is read."""
    _require_import(request.user)
    record = get_object_or_404(LedgerImport.objects.select_related("uploaded_by"), pk=pk)
    recover_stale_imports(record=record)
    return record


def _actions(record: LedgerImport) -> dict:
    queued = is_queued(record)
    return {
        "queued": queued,
        "can_retry": record.status in (LedgerImport.Status.FAILED, LedgerImport.Status.CANCELLED),
        "can_cancel": queued or record.status == LedgerImport.Status.CHECKED or is_stale(record),
    }


@login_required
@require_GET
def ledger_export(request):
    """The list page's current filters → a .xlsx ledger of the projects the user may see."""
    try:
        export = export_ledger(user=request.user, params=request.GET)
    except KaigongError as exc:
        return render(request, "projects/ledger/export_error.html", {"error": exc}, status=400)
    handle = export.path.open("rb")
    export.path.unlink()  # the open handle keeps the data until the response is sent
    return FileResponse(handle, as_attachment=True, filename=export.filename, content_type=XLSX)


@login_required
@require_http_methods(["GET", "POST"])
def ledger_import(request):
    _require_import(request.user)
    form = LedgerImportForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            # Stored as it is and handed to the worker: this request never reads the sheet.
            record = create_ledger_import(upload=form.cleaned_data["file"], user=request.user)
            tasks.start_check(record)
            return redirect("projects:ledger-import-detail", pk=record.pk)
        status = 400
    context = {
        "form": form,
        "imports": list_ledger_imports(user=request.user),
        "max_rows": settings.KAIGONG_IMPORT_MAX_ROWS,
        "max_mb": f"{settings.KAIGONG_IMPORT_MAX_BYTES / 1048576:g}",
    }
    return render(request, "projects/ledger/import.html", context, status=status)


@login_required
@require_GET
def ledger_import_detail(request, pk: int):
    record = _get_import(request, pk)
    paginator = Paginator([Problem.from_dict(p) for p in record.problems], PROBLEMS_PER_PAGE)
    page_obj = paginator.get_page(request.GET.get("page"))
    running = record.status in RUNNING
    preview = None
    if record.status in (LedgerImport.Status.CHECKED, LedgerImport.Status.DONE):
        preview = preview_ledger_import(record, language=get_language())
    context = {
        "record": record,
        "status_line": message_in(record.message, get_language()),
        "page_obj": page_obj,
        "running": running,
        "can_confirm": record.status == LedgerImport.Status.CHECKED and not record.problems,
        "preview": preview,
        "ignored_message": preview["ignored_message"] if preview else "",
        "new_owner_lines": preview["new_owner_lines"] if preview else [],
        **_actions(record),
    }
    return render(request, "projects/ledger/detail.html", context)


@login_required
@require_GET
def ledger_import_progress(request, pk: int):
    """The htmx fragment the detail page polls every second while a check or import runs."""
    record = _get_import(request, pk)
    running = record.status in RUNNING
    context = {
        "record": record,
        "running": running,
        "status_line": message_in(record.message, get_language()),
        **_actions(record),
    }
    response = render(request, "projects/ledger/_progress.html", context)
    if not running and request.htmx:
        response["HX-Refresh"] = "true"  # finished: reload the page to show the result
    return response


@login_required
@require_POST
def ledger_import_confirm(request, pk: int):
    record = _get_import(request, pk)
    try:
        tasks.start_import(record, actor=request.user)
    except KaigongError as exc:
        messages.error(request, exc.message_active)
    return redirect("projects:ledger-import-detail", pk=record.pk)


@login_required
@require_POST
def ledger_import_retry(request, pk: int):
    """A failed or cancelled upload, queued again from its stored file as a new attempt."""
    record = _get_import(request, pk)
    try:
        tasks.retry(record, actor=request.user)
    except KaigongError as exc:
        messages.error(request, exc.message_active)
    return redirect("projects:ledger-import-detail", pk=record.pk)


@login_required
@require_POST
def ledger_import_cancel(request, pk: int):
    """Cancel an upload that waits, or whose worker died."""
    record = _get_import(request, pk)
    try:
        cancel_ledger_import(record=record, actor=request.user)
    except KaigongError as exc:
        messages.error(request, exc.message_active)
    return redirect("projects:ledger-import-detail", pk=record.pk)


@login_required
@require_GET
def ledger_import_errors(request, pk: int):
    """The uploaded sheet with a 错误 column, to fix and upload again."""
    record = _get_import(request, pk)
    if not record.problems:
        raise Http404
    try:
        path = build_error_report(
            record.file.path, [Problem.from_dict(p) for p in record.problems], filename=record.original_name
        )
    except (KaigongError, FileNotFoundError) as exc:
        raise Http404 from exc
    handle = path.open("rb")
    path.unlink()
    stem = record.original_name.rsplit(".", 1)[0]
    return FileResponse(handle, as_attachment=True, filename=f"{stem}-错误报告.xlsx", content_type=XLSX)


@login_required
@require_GET
def ledger_template(request):
    """An empty ledger (.xlsx) with the headers the importer recognises, their units and one example row."""
    _require_import(request.user)
    path = build_ledger_template()
    handle = path.open("rb")
    path.unlink()
    return FileResponse(handle, as_attachment=True, filename="重点项目台账模板.xlsx", content_type=XLSX)
