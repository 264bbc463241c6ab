"""The dry run's preview: what each field of the first rows will become, so the clerk sees it before confirming."""

import datetime as dt
from dataclasses import dataclass, field, replace
from decimal import Decimal

from django.utils.translation import gettext

from kaigong.core.money import format_wan, strip_zeros
from kaigong.projects.choices import Pool, Stage
from kaigong.projects.ledger.checker import DIRECT_FIELDS, LedgerResult
from kaigong.projects.ledger.columns import COLUMNS, FK_FIELDS
from kaigong.projects.ledger.owners import NewOwner
from kaigong.projects.ledger.reader import IgnoredColumn, LedgerSheet, is_data_row
from kaigong.projects.models import Project

PREVIEW_ROWS = 10
# The fields a preview shows, in the ledger's column order; a new project always shows its amounts (a missing
# annual plan is 0, which the clerk must see).
_PREVIEW_FIELDS = [c.key for c in COLUMNS if c.key in (*DIRECT_FIELDS, *FK_FIELDS, "stage", "pool")]
_ALWAYS_SHOWN = ("total_investment", "annual_planned_investment")


@dataclass
class PreviewChange:
    field: str
    label: str  # the field's name in the active language
    before: str  # "" for a new project
    after: str

    def as_dict(self) -> dict:
        return {"field": self.field, "label": self.label, "before": self.before, "after": self.after}


@dataclass
class PreviewRow:
    row: int  # the sheet row
    name: str
    creating: bool
    changes: list[PreviewChange]

    def as_dict(self) -> dict:
        return {
            "row": self.row,
            "name": self.name,
            "action": "create" if self.creating else "update",
            "changes": [change.as_dict() for change in self.changes],
        }


def _shown(name: str, value) -> str:
    """A field's value as the preview shows it, in the active language."""
    if value is None or value == "":
        return ""
    if name == "stage":
        return str(Stage(value).label)
    if name == "pool":
        return str(Pool(value).label)
    model_field = Project._meta.get_field(name)
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return gettext("是") if value else gettext("否")
    if isinstance(value, Decimal):
        return format_wan(value) if name in _MONEY_FIELDS else strip_zeros(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


_MONEY_FIELDS = {c.key for c in COLUMNS if c.money}


def preview_rows(result: LedgerResult, *, limit: int = PREVIEW_ROWS) -> list[PreviewRow]:
    """The first ``limit`` checked rows: a new project's values, an existing project's changed fields as before →
    after (an existing project whose row changes nothing is shown with no change)."""
    rows = []
    for plan in result.plans[:limit]:
        after = dict(plan.data)
        if plan.stage:
            after["stage"] = plan.stage
        owner_after = plan.new_owner[1] if plan.new_owner else None
        changes = []
        for name in _PREVIEW_FIELDS:
            label = str(Project._meta.get_field(name).verbose_name)
            if name == "owner" and owner_after:
                before = _shown(name, plan.project.owner) if plan.project is not None else ""
                changes.append(PreviewChange(name, label, before, owner_after))
                continue
            if plan.creating:
                if name in after or name in _ALWAYS_SHOWN:
                    value = after.get(name, getattr(Project(), name) if name in _ALWAYS_SHOWN else None)
                    changes.append(PreviewChange(name, label, "", _shown(name, value)))
                continue
            if name not in after:
                continue  # a column the sheet lacks or a blank cell: the project keeps its value
            old, new = getattr(plan.project, name), after[name]
            if old != new:
                changes.append(PreviewChange(name, label, _shown(name, old), _shown(name, new)))
        name = plan.data.get("name") or (plan.project.name if plan.project is not None else "")
        rows.append(PreviewRow(plan.row, name, plan.creating, changes))
    return rows


def preview_sheet(sheet: LedgerSheet, limit: int) -> LedgerSheet:
    """The sheet cut after its first ``limit`` rows that may hold projects (headings and totals kept above)."""
    seen = 0
    end = len(sheet.rows)
    for index in range(sheet.header_row + 1, len(sheet.rows)):
        if is_data_row(sheet.rows[index]):
            seen += 1
            if seen == limit:
                end = index + 1
                break
    return replace(sheet, rows=sheet.rows[:end])


@dataclass
class LedgerPreview:
    ignored: list[IgnoredColumn] = field(default_factory=list)
    rows: list[PreviewRow] = field(default_factory=list)
    new_owners: list[NewOwner] = field(default_factory=list)  # the owners the import will register
    warnings: list = field(default_factory=list)  # Problem: cells imported as typed but worth a look
