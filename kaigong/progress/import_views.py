"""Pages of the progress sheet import: upload a month's sheet, see its check (the dry run), confirm, follow it, and
download the month's empty sheet. Included under "import/" in the progress namespace.

Views parse input, check permission and render; the sheet is read by the worker (tasks), never in the request.
"""

import datetime as dt
import re

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kaigong.core.dates import validate_plausible_date
from kaigong.core.exceptions import KaigongError
from kaigong.progress import importer, tasks
from kaigong.progress.choices import ImportStatus
from kaigong.progress.import_template import build_progress_template, template_filename
from kaigong.progress.models import ProgressImport
from kaigong.projects.ledger.problems import Problem

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PROBLEMS_PER_PAGE = 100
_MONTH = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?\s*$")


def parse_month(raw: str | None) -> dt.date | None:
    """ "2024-10" (as <input type="month"> sends it), 2024/10 or 2024年10月 → the month's first day."""
    match = _MONTH.match(raw or "")
    if not match or not 1 <= int(match[2]) <= 12 or not 2000 <= int(match[1]) <= 2100:
        return None
    return dt.date(int(match[1]), int(match[2]), 1)


def default_month() -> dt.date:
    """The month being reported: last month until this month's window opens."""
    today = timezone.localdate()
    first = today.replace(day=1)
    return first if today.day >= 20 else (first - dt.timedelta(days=1)).replace(day=1)


class MonthInput(forms.CharField):
    widget = forms.TextInput(attrs={"type": "month"})
    default_validators = [validate_plausible_date]

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        month = parse_month(value)
        if month is None:
            raise forms.ValidationError(_("月份格式应为 2024-10"))
        return month


class ProgressImportForm(forms.Form):
    """The month's sheet (size-checked like the ledger's upload), the month, and the choice to correct accepted
    reports."""

    file = forms.FileField(
        label=_("月报表文件"),
        help_text=_("支持 .xlsx、.xls、.csv;可包含标题行、两行合并表头、单位说明和合计行"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.xls,.csv"}),
        error_messages={"empty": _("文件为空"), "required": _("请选择要导入的月报表")},
    )
    month = MonthInput(label=_("月份"), error_messages={"required": _("请选择月份")})
    correct = forms.BooleanField(
        label=_("更正已审核的月报"),
        required=False,
        help_text=_("表中有已审核锁定的月报时,勾选并填写原因,将作为更正版本提交审核"),
    )
    correction_reason = forms.CharField(label=_("更正原因"), required=False, max_length=300)
    field_order = ["month", "file", "correct", "correction_reason"]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.KAIGONG_IMPORT_MAX_BYTES
        if upload.size >= limit:
            raise forms.ValidationError(
                _("文件过大(%(size)s MB),上限为 %(limit)s MB"),
                params={"size": f"{upload.size / 1048576:.1f}", "limit": f"{limit / 1048576:g}"},
            )
        return upload

    def clean(self):
        data = super().clean()
        reason = (data.get("correction_reason") or "").strip()
        if data.get("correct") and not reason:
            self.add_error("correction_reason", _("更正已审核的月报须说明原因"))
        data["correction_reason"] = reason if data.get("correct") else ""
        return data


def _require_import(user) -> None:
    if not importer.can_import_progress(user):
        raise PermissionDenied


def _get_import(request, pk: int) -> ProgressImport:
    _require_import(request.user)
    return get_object_or_404(importer.visible_imports(request.user).select_related("uploaded_by"), pk=pk)


def _status(record: ProgressImport) -> dict:
    return {
        "record": record,
        "running": record.status in importer.RUNNING,
        "status_line": importer.message_in(record, get_language()),
        "can_cancel": record.status in (ImportStatus.PENDING, ImportStatus.CHECKED),
    }


@login_required
@require_http_methods(["GET", "POST"])
def import_upload(request):
    _require_import(request.user)
    initial = {"month": f"{default_month():%Y-%m}"}
    form = ProgressImportForm(request.POST or None, request.FILES or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                # Stored as it is and handed to the worker: this request never reads the sheet.
                record = importer.create_progress_import(
                    upload=form.cleaned_data["file"],
                    month=form.cleaned_data["month"],
                    user=request.user,
                    correction_reason=form.cleaned_data["correction_reason"],
                )
            except KaigongError as exc:
                form.add_error(None, exc.message_active)
            else:
                tasks.start_check(record)
                return redirect("progress:import-detail", pk=record.pk)
        status = 400
    context = {
        "form": form,
        "imports": importer.visible_imports(request.user).select_related("uploaded_by")[:20],
        "max_rows": settings.KAIGONG_IMPORT_MAX_ROWS,
        "max_mb": f"{settings.KAIGONG_IMPORT_MAX_BYTES / 1048576:g}",
        "template_month": f"{default_month():%Y-%m}",
    }
    return render(request, "progress/import/upload.html", context, status=status)


@login_required
@require_GET
def import_detail(request, pk: int):
    record = _get_import(request, pk)
    page_obj = Paginator([Problem.from_dict(p) for p in record.problems], PROBLEMS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    preview = record.preview or {}
    language = "en" if get_language().startswith("en") else "zh-hans"
    rows = [row | {"action_label": importer.action_label(row["action"])} for row in preview.get("rows", [])]
    context = {
        **_status(record),
        "page_obj": page_obj,
        "preview": preview,
        "rows": rows,
        "messages_in_language": preview.get(language, {}),
        "can_confirm": record.status == ImportStatus.CHECKED and not record.problems,
    }
    return render(request, "progress/import/detail.html", context)


@login_required
@require_GET
def import_progress(request, pk: int):
    """The htmx fragment the detail page polls while a check or import runs."""
    record = _get_import(request, pk)
    response = render(request, "progress/import/_status.html", _status(record))
    if record.status not in importer.RUNNING and request.htmx:
        response["HX-Refresh"] = "true"  # finished: reload the page to show the result
    return response


def _act(request, pk: int, work):
    """Confirm or cancel: the upload's state may refuse it (said as a message on its page)."""
    record = _get_import(request, pk)
    try:
        work(record)
    except KaigongError as exc:
        messages.error(request, exc.message_active)
    return redirect("progress:import-detail", pk=record.pk)


@login_required
@require_POST
def import_confirm(request, pk: int):
    return _act(request, pk, lambda record: tasks.start_import(record, actor=request.user))


@login_required
@require_POST
def import_cancel(request, pk: int):
    return _act(request, pk, lambda record: importer.cancel_progress_import(record=record, actor=request.user))


@login_required
@require_GET
def import_template(request):
    """The month's empty sheet for the projects the user reports for, with their names and codes filled in."""
    _require_import(request.user)
    month = parse_month(request.GET.get("month")) or default_month()
    content = build_progress_template(user=request.user, month=month)
    return FileResponse(content, as_attachment=True, filename=template_filename(month), content_type=XLSX)
