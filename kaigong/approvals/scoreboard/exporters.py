"""The scoreboard's workbook: the departments' ranking and the matters' ranking on two sheets, audited as an export."""

import os
import tempfile

from django.db import transaction
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from kaigong.approvals.choices import ApprovalsEvent
from kaigong.approvals.scoreboard.board import Scoreboard
from kaigong.audit.choices import AuditAction
from kaigong.audit.services import record_event
from kaigong.core.sheets import sheet_row, sheet_value


def _percent(value):
    return None if value is None else float(value)


def export_scoreboard(*, board: Scoreboard, actor):
    """The board as an .xlsx in an open temporary file (already unlinked), and its file name. Audited."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("部门排名")
    title = _("审批时效排名(%(start)s 至 %(end)s 办结)") % {
        "start": board.start.isoformat(),
        "end": board.end.isoformat(),
    }
    # Names (departments, matters) are text whatever they start with: a department named "=1+2" is not a formula.
    sheet.append([sheet_value(sheet, title)])
    sheet["A1"].font = Font(bold=True, size=14)
    header = [
        _("名次"),
        _("审批部门"),
        _("办结件数"),
        _("中位用时(工作日)"),
        _("90%用时(工作日)"),
        _("标杆时限内办结占比"),
        _("超时件数"),
        _("在办件数"),
    ]
    sheet.append(header)
    for row in board.departments:
        f = row.figures
        sheet.append(
            sheet_row(
                sheet,
                [row.rank, row.name, f.decided, f.median, f.p90, _percent(f.within_benchmark), f.overdue, f.open],
            )
        )
        sheet.cell(row=sheet.max_row, column=6).number_format = "0%"
    matters = workbook.create_sheet(_("事项排名"))
    matters.append([sheet_value(matters, title)])
    matters.append(
        [
            _("审批部门"),
            _("部门内名次"),
            _("审批事项"),
            _("法定时限"),
            _("承诺时限"),
            _("标杆时限"),
            _("办结件数"),
            _("中位用时(工作日)"),
            _("90%用时(工作日)"),
            _("标杆时限内办结占比"),
            _("超时件数"),
            _("在办件数"),
        ]
    )
    for department in board.departments:
        for row in department.matters:
            f, m = row.figures, row.matter
            matters.append(
                sheet_row(
                    matters,
                    [
                        department.name,
                        row.rank,
                        m.name,
                        m.statutory_limit,
                        m.committed_limit,
                        m.benchmark_limit,
                        f.decided,
                        f.median,
                        f.p90,
                        _percent(f.within_benchmark),
                        f.overdue,
                        f.open,
                    ],
                )
            )
            matters.cell(row=matters.max_row, column=10).number_format = "0%"
    descriptor, path = tempfile.mkstemp(suffix=".xlsx")
    os.close(descriptor)
    workbook.save(path)
    handle = open(path, "rb")  # noqa: SIM115 - handed to FileResponse, which closes it
    os.unlink(path)
    with transaction.atomic():
        record_event(
            action=AuditAction.EXPORT,
            actor=actor,
            code=ApprovalsEvent.SCOREBOARD_EXPORT,
            note=title,
            changes={"params": {"start": board.start.isoformat(), "end": board.end.isoformat()}},
        )
    return handle, f"scoreboard-{board.start:%Y%m%d}-{board.end:%Y%m%d}.xlsx"
