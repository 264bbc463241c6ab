"""The audited table workbook of approvals' lists (the warning list, a department's inbox, the late plans).

A write-only workbook fed from an iterator: memory stays flat in the row count.
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
from kaigong.core.sheets import sheet_value, text_cell

DATE_FORMAT = "yyyy-mm-dd"


def export_table(*, objects, columns, sheet_title: str, title: str, actor, params: dict, code: str):
    """A title row, the export time, a header and one row per object (``columns``: (label, read) pairs) as an
    .xlsx in an open temporary file (already unlinked), and the row count; the export is audited."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title)
    title_cell = text_cell(sheet, title)
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
    for obj in objects:
        row = []
        for _label, read in columns:
            value = read(obj)
            if isinstance(value, dt.date):
                value = WriteOnlyCell(sheet, value=value)
                value.number_format = DATE_FORMAT
            row.append(sheet_value(sheet, value))
        sheet.append(row)
        rows += 1
    descriptor, path = tempfile.mkstemp(suffix=".xlsx")
    os.close(descriptor)
    workbook.save(path)
    handle = open(path, "rb")  # noqa: SIM115 - handed to FileResponse, which closes it
    os.unlink(path)
    with transaction.atomic():
        record_event(
            action=AuditAction.EXPORT, actor=actor, code=code, note=title, changes={"params": params, "rows": rows}
        )
    return handle, rows
