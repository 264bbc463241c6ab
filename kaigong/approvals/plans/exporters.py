"""Excel export of the list of plans whose planned groundbreaking date cannot be met, audited as an export.

The same write-only workbook as the item lists (kaigong.approvals.workbooks.export_table): memory stays flat in the
row count. The values are the stored forecast summary the list shows (see plans.services.refresh_forecasts).
"""

from django.utils.translation import gettext as _

from kaigong.approvals.choices import ApprovalsEvent
from kaigong.approvals.workbooks import export_table


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
    return export_table(
        objects=queryset.iterator(chunk_size=2000),
        columns=_columns(),
        sheet_title=_("无法按期开工"),
        title=title,
        actor=actor,
        params=params,
        code=ApprovalsEvent.LATE_PLANS_EXPORT,
    )
