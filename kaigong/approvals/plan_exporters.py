"""Excel export of the list of plans whose planned groundbreaking date cannot be met, audited as an export.

A write-only workbook fed from ``queryset.iterator()`` (as kaigong.approvals.exporters): memory stays flat in the
row count. The values are the stored forecast summary the list shows (see plan_services.refresh_forecasts).
"""

import datetime as dt
import os
import tempfile

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from kaigong.audit.choices import AuditAction
from kaigong.audit.services import record_event

DATE_FORMAT = "yyyy-mm-dd"


def describe_late_items(late_items: list[dict]) -> str:
    """The late items as one cell, most negative slack first: 施工许可(-3)、环评(-1,需重新申报)."""
    parts = []
    for late in late_items:
        text = _("%(matter)s(%(slack)s,需重新申报)") if late.get("refused") else _("%(matter)s(%(slack)s)")
        parts.append(text % {"matter": late["matter"], "slack": late["slack"]})
    return "、".join(parts)


def _columns():
    return [
        (_("项目名称"), lambda p: p.project.name),
        (_("项目代码"), lambda p: p.project.project_code),
        (_("项目类别"), lambda p: p.project.category.name),
        (_("责任单位"), lambda p: p.project.responsible_department.name if p.project.responsible_department_id else ""),
        (_("计划年度"), lambda p: p.project.year),
        (_("计划开工日期"), lambda p: p.project.planned_start_date),
        (_("预测最早开工日期"), lambda p: p.forecast_groundbreaking),
        (_("余量(工作日)"), lambda p: p.margin_workdays),
        (_("拖期事项(机动时间,工作日)"), lambda p: describe_late_items(p.late_items)),
        (_("计算日期"), lambda p: p.computed_on),
    ]


def export_late_plans(*, queryset, title: str, actor, params: dict):
    """The plans as an .xlsx in an open temporary file (already unlinked), and the row count. Audited."""
    columns = _columns()
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_("无法按期开工"))
    title_cell = WriteOnlyCell(sheet, value=title)
    title_cell.font = Font(bold=True, size=14)
    sheet.append([title_cell])
    sheet.append([_("导出时间:%(time)s") % {"time": timezone.localtime().strftime("%Y-%m-%d %H:%M")}])
    header = []
    for label, _read in columns:
        cell = WriteOnlyCell(sheet, value=label)
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    rows = 0
    for plan in queryset.iterator(chunk_size=2000):
        row = []
        for _label, read in columns:
            value = read(plan)
            if isinstance(value, dt.date):
                value = WriteOnlyCell(sheet, value=value)
                value.number_format = DATE_FORMAT
            row.append(value)
        sheet.append(row)
        rows += 1
    descriptor, path = tempfile.mkstemp(suffix=".xlsx")
    os.close(descriptor)
    workbook.save(path)
    handle = open(path, "rb")  # noqa: SIM115 - handed to FileResponse, which closes it
    os.unlink(path)
    with transaction.atomic():
        record_event(action=AuditAction.EXPORT, actor=actor, note=f"{title}: {rows}", changes={"params": params})
    return handle, rows
