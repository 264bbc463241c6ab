"""Ledger export: the projects a user may see, filtered as on the list page, written as a .xlsx ledger.

Streaming: a write-only workbook fed from ``queryset.iterator()``, so memory stays flat in the row count.
Subtotals and the total are summed as Decimals in 万元, so they never drift by float rounding.
"""

import datetime as dt
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_noop
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill

from kaigong.audit.choices import AuditAction
from kaigong.audit.services import record_event
from kaigong.core.exceptions import KaigongError
from kaigong.projects.ledger import AMOUNT, COLUMNS, UNIT_WAN, column_letter
from kaigong.projects.models import Project
from kaigong.projects.selectors import list_projects

ZERO = Decimal("0.00")
AMOUNT_FORMAT = "#,##0.00"
DATE_FORMAT = "yyyy-mm-dd"
CHUNK_SIZE = 2000


@dataclass
class LedgerExport:
    path: Path
    row_count: int
    filename: str
    title: str


def _clean_params(params: Mapping | None) -> dict:
    """The filter parameters as a plain JSON-safe dict (lists kept for repeated keys like ?stage=a&stage=b)."""
    if not params:
        return {}
    result = {}
    keys = params.keys()
    for key in keys:
        values = params.getlist(key) if hasattr(params, "getlist") else [params[key]]
        values = [str(v) for v in (values if isinstance(values, list | tuple) else [values]) if str(v) != ""]
        if values:
            result[key] = values[0] if len(values) == 1 else values
    return result


def ledger_title(filterset) -> str:
    """ "侯马市2024年产业类重点项目台账": the city (settings.KAIGONG_CITY_NAME), year and category filtered on."""
    data = filterset.form.cleaned_data if filterset.is_bound and filterset.is_valid() else {}
    city = settings.KAIGONG_CITY_NAME
    year = data.get("year")
    category = data.get("category")
    parts = [city]
    if year:
        parts.append(f"{int(year)}年")
    if category:
        parts.append(category.name)
    parts.append("重点项目台账")
    return "".join(parts)


# The columns read for each row: plain values, no model instances (a third of the time at 100k rows).
ROW_FIELDS = (
    "id", "name", "project_code", "category_id", "category__name", "level__name", "stage", "year", "pool",
    "owner__name", "owner__credit_code", "address", "construction_content", "total_investment",
    "annual_planned_investment", "planned_start_date", "planned_completion_date", "actual_start_date",
    "registered_in_statistics", "statistics_registered_on", "liaison_leader", "responsible_department__name",
    "contact_person", "contact_phone", "remarks", "review_regime", "project_class", "land_source", "eia_category",
    "annual_energy_use", "building_area", "is_simple_low_risk",
)  # fmt: skip


def _row_values(row: dict, number: int, labels: dict) -> list:
    # Choice labels come from dicts made once per export: get_FOO_display() per row costs a translation lookup.
    return [
        number,
        row["id"],
        row["name"],
        row["project_code"],
        row["category__name"],
        row["level__name"] or "",
        labels["stage"][row["stage"]],
        row["year"],
        labels["pool"][row["pool"]],
        row["owner__name"] or "",
        row["owner__credit_code"] or "",
        row["address"],
        row["construction_content"],
        row["total_investment"],
        row["annual_planned_investment"],
        row["planned_start_date"],
        row["planned_completion_date"],
        row["actual_start_date"],
        "是" if row["registered_in_statistics"] else "否",
        row["statistics_registered_on"],
        row["liaison_leader"],
        row["responsible_department__name"] or "",
        row["contact_person"],
        row["contact_phone"],
        row["remarks"],
        labels["review_regime"].get(row["review_regime"], ""),
        labels["project_class"].get(row["project_class"], ""),
        labels["land_source"].get(row["land_source"], ""),
        labels["eia_category"].get(row["eia_category"], ""),
        row["annual_energy_use"],
        row["building_area"],
        "是" if row["is_simple_low_risk"] else "否",
    ]


class _LedgerSheetWriter:
    """Writes rows to a write-only sheet with the ledger's formats."""

    def __init__(self, ws):
        self.ws = ws
        self.amount_indexes = {i for i, c in enumerate(COLUMNS) if c.kind == AMOUNT}
        self.bold = Font(bold=True)
        self.sum_fill = PatternFill("solid", fgColor="F2F2F2")

    def cell(self, value, *, bold=False, fill=None, number_format=None, align=None):
        cell = WriteOnlyCell(self.ws, value=value)
        if bold:
            cell.font = self.bold
        if fill is not None:
            cell.fill = fill
        if number_format:
            cell.number_format = number_format
        if align is not None:
            cell.alignment = align
        return cell

    def data_row(self, values: list) -> None:
        row = []
        for i, value in enumerate(values):
            if i in self.amount_indexes:
                row.append(self.cell(value, number_format=AMOUNT_FORMAT))
            elif isinstance(value, dt.date):
                row.append(self.cell(value, number_format=DATE_FORMAT))
            else:
                row.append(value)
        self.ws.append(row)

    def sum_row(self, *, label: str, category: str, count: int, total: Decimal, annual: Decimal) -> None:
        values = [""] * len(COLUMNS)
        keys = [c.key for c in COLUMNS]
        values[keys.index("name")] = f"{label}({count}个项目)"
        values[keys.index("category")] = category
        values[keys.index("total_investment")] = total
        values[keys.index("annual_planned_investment")] = annual
        row = []
        for i, value in enumerate(values):
            row.append(
                self.cell(
                    value,
                    bold=True,
                    fill=self.sum_fill,
                    number_format=AMOUNT_FORMAT if i in self.amount_indexes else None,
                )
            )
        self.ws.append(row)


def export_ledger(*, user, params: Mapping | None = None, actor_label: str = "") -> LedgerExport:
    """Write the ledger of the projects ``user`` may see, filtered by ``params``, to a temporary .xlsx file.

    The caller owns the file (the page streams and unlinks it; the command moves it). Writes one audit event.
    ``user`` may be None for a command acting as the system: then every project is exported.
    """
    # A command has no user and acts as the system: the whole registry, filtered the same way.
    queryset, filterset = list_projects(user=user, params=params, for_export=True, as_system=user is None)
    if filterset.is_bound and not filterset.is_valid():
        fields = "; ".join(f"{k}: {' '.join(map(str, v))}" for k, v in filterset.errors.items())
        raise KaigongError(gettext_noop("筛选条件不正确: %(fields)s"), params={"fields": fields})
    # Category first (subtotal rows follow each category), then the list's own order within it.
    ordering = [o for o in queryset.query.order_by if o not in ("category__sort_order", "category_id")]
    queryset = queryset.order_by("category__sort_order", "category__name", "category_id", *ordering)

    with translation.override("zh-hans"):
        title = ledger_title(filterset)
        workbook = Workbook(write_only=True)
        ws = workbook.create_sheet(title="台账")
        writer = _LedgerSheetWriter(ws)
        for i, column in enumerate(COLUMNS):
            ws.column_dimensions[column_letter(i)].width = column.width
        last = column_letter(len(COLUMNS) - 1)
        ws.merged_cells.add(f"A1:{last}1")
        ws.freeze_panes = "D4"
        ws.append(
            [writer.cell(title, bold=True, align=Alignment(horizontal="center", vertical="center"))]
            + [None] * (len(COLUMNS) - 1)
        )
        ws.append([f"单位:{UNIT_WAN}"] + [None] * (len(COLUMNS) - 2) + [f"导出时间:{timezone.localdate():%Y-%m-%d}"])
        ws.append([writer.cell(c.header, bold=True, fill=writer.sum_fill) for c in COLUMNS])

        labels = {
            name: {value: str(label) for value, label in Project._meta.get_field(name).choices}
            for name in ("stage", "pool", "review_regime", "project_class", "land_source", "eia_category")
        }
        count = 0
        total = annual = ZERO
        group = None  # (category id, name, count, total, annual)
        for row in queryset.values(*ROW_FIELDS).iterator(chunk_size=CHUNK_SIZE):
            if group is not None and group[0] != row["category_id"]:
                writer.sum_row(label="小计", category=group[1], count=group[2], total=group[3], annual=group[4])
                group = None
            if group is None:
                group = [row["category_id"], row["category__name"], 0, ZERO, ZERO]
            count += 1
            group[2] += 1
            group[3] += row["total_investment"]
            group[4] += row["annual_planned_investment"]
            total += row["total_investment"]
            annual += row["annual_planned_investment"]
            writer.data_row(_row_values(row, count, labels))
        if group is not None:
            writer.sum_row(label="小计", category=group[1], count=group[2], total=group[3], annual=group[4])
        writer.sum_row(label="合计", category="", count=count, total=total, annual=annual)

    handle = tempfile.NamedTemporaryFile(prefix="kaigong-ledger-", suffix=".xlsx", delete=False)  # noqa: SIM115
    handle.close()
    path = Path(handle.name)
    workbook.save(path)

    with transaction.atomic():
        record_event(
            action=AuditAction.EXPORT,
            actor=user,
            actor_label=actor_label,
            changes={"filters": _clean_params(params), "rows": count},
            note=f"台账导出 {count} 个项目: {title}",
        )
    filename = f"{title}-{timezone.localdate():%Y%m%d}.xlsx"
    return LedgerExport(path=path, row_count=count, filename=filename, title=title)
