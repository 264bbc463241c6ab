"""Excel export of checklist item lists (the warning list, a department's inbox), audited as an export.

A write-only workbook fed from ``queryset.iterator()``: memory stays flat in the row count.
"""

from django.utils.translation import gettext as _

from kaigong.approvals.choices import ApprovalsEvent
from kaigong.approvals.workbooks import export_table


def _columns():
    return [
        (_("项目名称"), lambda i: i.checklist.project.name),
        (_("项目代码"), lambda i: i.checklist.project.project_code),
        (_("审批阶段"), lambda i: str(i.matter.get_approval_stage_display())),
        (_("审批事项"), lambda i: i.matter.name),
        (_("审批部门"), lambda i: i.matter.department.name if i.matter.department_id else ""),
        (_("状态"), lambda i: str(i.get_status_display())),
        (_("申报日期"), lambda i: i.submitted_on),
        (_("受理日期"), lambda i: i.accepted_on),
        (_("法定时限到期日"), lambda i: i.statutory_due),
        (_("承诺时限到期日"), lambda i: i.committed_due),
        (_("标杆时限到期日"), lambda i: i.benchmark_due),
        (_("已用工作日"), lambda i: i.elapsed_today),
        (_("剩余工作日"), lambda i: i.remaining_today),
        (_("预警"), lambda i: str(i.get_warning_level_display())),
        (_("计时暂停(补正)自"), lambda i: i.clock_stopped_on),
        (_("暂估(日历未载入)"), lambda i: _("是") if i.clock_provisional else ""),
    ]


def export_items(*, queryset, title: str, actor, params: dict):
    """The items as an .xlsx in an open temporary file (already unlinked), and the row count. Audited."""
    return export_table(
        objects=queryset.iterator(chunk_size=2000),
        columns=_columns(),
        sheet_title=_("事项清单"),
        title=title,
        actor=actor,
        params=params,
        code=ApprovalsEvent.ITEMS_EXPORT,
    )
