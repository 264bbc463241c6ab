"""Ledger export: the projects a user may see, filtered as on the list page, written as a .xlsx ledger.

Streaming: a write-only workbook fed from ``queryset.iterator()``, so memory stays flat in the row count.

小计 and 合计 rows are SUM formulas, so they stay right when a clerk edits an amount, and each carries its cached
value (the Decimal sum in 万元, so it never drifts by float rounding): viewers that do not calculate show it too.
openpyxl cannot store a formula's cached value (it writes ``<f>…</f><v></v>``), so ``_store_cached_values``
fills the empty ``<v>`` of those few cells in the saved sheet, one streaming pass; the workbook also keeps
``fullCalcOnLoad`` so Excel and WPS recompute on open whatever the cache says.

Every text cell is written as text: openpyxl reads a string that starts with "=" as a formula and "#N/A" and the
like as an error value, so a project named "=1+2" would become a formula; ``_LedgerSheetWriter`` marks such cells
as strings.

Print setup: landscape, fitted to one page wide, the title, unit and header rows repeated on each page; an
autofilter on the header row over the project and subtotal rows (the 合计 row stays visible below it).
"""

import datetime as dt
import re
import shutil
import tempfile
import zipfile
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
from openpyxl.worksheet.worksheet import Worksheet

from kaigong.audit.choices import AuditAction
from kaigong.audit.services import record_event
from kaigong.core.exceptions import KaigongError
from kaigong.core.sheets import sheet_value, text_cell
from kaigong.projects.choices import LedgerEvent
from kaigong.projects.ledger import extensions
from kaigong.projects.ledger.columns import AMOUNT, COLUMNS, UNIT_WAN, column_letter
from kaigong.projects.models import Project
from kaigong.projects.selectors import list_projects

ZERO = Decimal("0.00")
AMOUNT_FORMAT = "#,##0.00"
PERCENT_FORMAT = "0.00%"
DATE_FORMAT = "yyyy-mm-dd"
CHUNK_SIZE = 2000
HEADER_ROWS = 3  # title, unit, column headers: the first project is on row 4
_EMPTY_FORMULA_VALUE = re.compile(rb"<f>([^<]*)</f><v\s*(?:/>|></v>)")


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
    "owner__name", "owner__credit_code", "address", "township", "construction_content", "total_investment",
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
        row["township"],
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
    """Writes rows to a write-only sheet with the ledger's formats; knows the row it is on, for the formulas.

    ``extra`` are the columns extensions add after the ledger's own (extensions.ExportColumn); their money columns
    are summed in the 小计/合计 rows like 总投资."""

    def __init__(self, ws, extra: list[extensions.ExportColumn] = ()):
        self.ws = ws
        self.width = len(COLUMNS) + len(extra)
        own = len(COLUMNS)
        self.amount_indexes = {i for i, c in enumerate(COLUMNS) if c.kind == AMOUNT} | {
            own + j for j, c in enumerate(extra) if c.kind == extensions.MONEY
        }
        self.percent_indexes = {own + j for j, c in enumerate(extra) if c.kind == extensions.PERCENT}
        keys = [c.key for c in COLUMNS] + [f"extra:{j}" for j in range(len(extra))]
        self.keys = keys
        self.content_index = keys.index("construction_content")
        # Column key → its letter, for the sums of the 小计/合计 rows.
        money = [f"extra:{j}" for j, c in enumerate(extra) if c.kind == extensions.MONEY]
        self.summed = {
            key: column_letter(keys.index(key)) for key in ["total_investment", "annual_planned_investment", *money]
        }
        self.summed_indexes = {key: keys.index(key) for key in self.summed}
        self.bold = Font(bold=True)
        self.sum_fill = PatternFill("solid", fgColor="F2F2F2")
        self.wrap = Alignment(wrap_text=True, vertical="top")
        self.rows_written = 0
        self.cached: dict[str, Decimal] = {}  # formula text (without "=") → its value

    def append(self, row: list) -> int:
        self.ws.append(row)
        self.rows_written += 1
        return self.rows_written

    def cell(self, value, *, bold=False, fill=None, number_format=None, align=None):
        # Text stays text, even "=1+2" or "#N/A", and holds no control character .xlsx cannot carry.
        cell = text_cell(self.ws, value) if isinstance(value, str) else WriteOnlyCell(self.ws, value=value)
        if bold:
            cell.font = self.bold
        if fill is not None:
            cell.fill = fill
        if number_format:
            cell.number_format = number_format
        if align is not None:
            cell.alignment = align
        return cell

    def data_row(self, values: list) -> int:
        row = []
        for i, value in enumerate(values):
            if value is None:
                row.append(None)  # a blank figure of an extension's column: no styled cell to write
            elif i in self.amount_indexes:
                row.append(self.cell(value, number_format=AMOUNT_FORMAT))
            elif i in self.percent_indexes:
                row.append(self.cell(value, number_format=PERCENT_FORMAT))
            elif isinstance(value, dt.date):
                row.append(self.cell(value, number_format=DATE_FORMAT))
            elif i == self.content_index:
                row.append(self.cell(value, align=self.wrap))
            elif isinstance(value, str):
                row.append(sheet_value(self.ws, value))  # plain text where it is safe: cheaper than a cell
            else:
                row.append(value)  # plain values are cheaper: openpyxl reuses one cell for them
        return self.append(row)

    def sum_row(self, *, label: str, category: str, count: int, sums: dict[str, tuple[str, Decimal]]) -> int:
        """A 小计/合计 row; ``sums`` maps a column key to its formula (without "=") and the Decimal it gives."""
        values = [""] * self.width
        values[self.keys.index("name")] = f"{label}({count}个项目)"
        values[self.keys.index("category")] = category
        for key, (formula, value) in sums.items():
            values[self.keys.index(key)] = "=" + formula
            self.cached[formula] = value
        row = []
        for i, value in enumerate(values):
            cell = WriteOnlyCell(self.ws, value=value)
            if i not in self.amount_indexes:
                cell.data_type = "s"  # the label and category are text whatever they hold
            cell.font = self.bold
            cell.fill = self.sum_fill
            if i in self.amount_indexes:
                cell.number_format = AMOUNT_FORMAT
            row.append(cell)
        return self.append(row)

    def zero_sums(self) -> dict[str, Decimal]:
        return dict.fromkeys(self.summed, ZERO)

    def add_to(self, sums: dict[str, Decimal], values: list) -> None:
        for key, index in self.summed_indexes.items():
            value = values[index]
            if value is not None:
                sums[key] += value

    def subtotal_row(self, *, category: str, first: int, last: int, sums: dict[str, Decimal]) -> int:
        return self.sum_row(
            label="小计",
            category=category,
            count=last - first + 1,
            sums={key: (f"SUM({col}{first}:{col}{last})", sums[key]) for key, col in self.summed.items()},
        )

    def total_row(self, *, subtotal_rows: list[int], count: int, sums: dict[str, Decimal]) -> int:
        def formula(col: str) -> str:
            # The sum of the 小计 cells: the 合计 follows an edited amount through its 小计.
            return "SUM(" + ",".join(f"{col}{r}" for r in subtotal_rows) + ")" if subtotal_rows else "0"

        return self.sum_row(
            label="合计",
            category="",
            count=count,
            sums={key: (formula(col), sums[key]) for key, col in self.summed.items()},
        )


def _store_cached_values(path: Path, sheet_xml: str, cached: Mapping[str, Decimal]) -> None:
    """Fill the empty ``<v>`` openpyxl leaves after each of our formulas with its value, in one streaming pass.

    The formulas are unique in the sheet (each names its own rows), so a formula's text says which value is its.
    Cells are matched whole: the buffer is cut after the last ``</c>``, so no cell is split between two reads.
    """
    if not cached:
        return

    values = {formula.encode(): format(value, "f").encode() for formula, value in cached.items()}

    def fill(match: re.Match) -> bytes:
        value = values.get(match.group(1))
        return match.group(0) if value is None else b"<f>" + match.group(1) + b"</f><v>" + value + b"</v>"

    patched = path.with_suffix(".tmp.xlsx")
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(patched, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename != sheet_xml:
                target.writestr(info, source.read(info.filename))
                continue
            with source.open(info) as src, target.open(info, "w") as dst:
                carry = b""
                while chunk := src.read(1 << 20):
                    data = carry + chunk
                    cut = data.rfind(b"</c>") + 4 if b"</c>" in data else 0
                    dst.write(_EMPTY_FORMULA_VALUE.sub(fill, data[:cut]))
                    carry = data[cut:]
                dst.write(_EMPTY_FORMULA_VALUE.sub(fill, carry))
    shutil.move(patched, path)


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
        extras = extensions.export_extensions(params)
        extra_columns = [column for extension in extras for column in extension.columns]
        title = ledger_title(filterset) + "".join(extension.title_note for extension in extras)
        workbook = Workbook(write_only=True)
        workbook.calculation.fullCalcOnLoad = True  # Excel and WPS recompute the 小计/合计 formulas on open
        ws = workbook.create_sheet(title="台账")
        writer = _LedgerSheetWriter(ws, extra_columns)
        width = writer.width
        last = column_letter(width - 1)
        # Print setup. The sheet's properties (fit to page) are written with its first row: set them before it.
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0  # as many pages down as the rows need
        ws.print_title_rows = f"1:{HEADER_ROWS}"
        for i, column in enumerate([*COLUMNS, *extra_columns]):
            ws.column_dimensions[column_letter(i)].width = column.width
        ws.merged_cells.add(f"A1:{last}1")
        ws.freeze_panes = "D4"
        writer.append(
            [writer.cell(title, bold=True, align=Alignment(horizontal="center", vertical="center"))]
            + [None] * (width - 1)
        )
        writer.append(
            [writer.cell(f"单位:{UNIT_WAN}")]
            + [None] * (width - 2)
            + [writer.cell(f"导出时间:{timezone.localdate():%Y-%m-%d}")]
        )
        writer.append([writer.cell(c.header, bold=True, fill=writer.sum_fill) for c in [*COLUMNS, *extra_columns]])

        labels = {
            name: {value: str(label) for value, label in Project._meta.get_field(name).choices}
            for name in ("stage", "pool", "review_regime", "project_class", "land_source", "eia_category")
        }
        count = 0
        totals = writer.zero_sums()
        subtotal_rows: list[int] = []
        group = None  # [category id, name, first row, last row, sums]

        def close_group() -> None:
            subtotal_rows.append(writer.subtotal_row(category=group[1], first=group[2], last=group[3], sums=group[4]))

        def write(batch: list[dict]) -> None:
            nonlocal count, group
            # The extensions' figures for this chunk of projects, read in bulk: a few queries a chunk, not a row.
            found = [extension.values([row["id"] for row in batch]) for extension in extras]
            blanks = [[None] * len(extension.columns) for extension in extras]
            for row in batch:
                if group is not None and group[0] != row["category_id"]:
                    close_group()
                    group = None
                count += 1
                values = _row_values(row, count, labels)
                for figures, blank in zip(found, blanks, strict=True):
                    values.extend(figures.get(row["id"], blank))
                row_index = writer.data_row(values)
                if group is None:
                    group = [row["category_id"], row["category__name"], row_index, row_index, writer.zero_sums()]
                group[3] = row_index
                writer.add_to(group[4], values)
                writer.add_to(totals, values)

        batch: list[dict] = []
        for row in queryset.values(*ROW_FIELDS).iterator(chunk_size=CHUNK_SIZE):
            batch.append(row)
            if len(batch) == CHUNK_SIZE:
                write(batch)
                batch = []
        write(batch)
        if group is not None:
            close_group()
        # The filter covers the projects and their 小计 rows; the 合计 below it stays in view whatever is filtered.
        ws.auto_filter.ref = f"A{HEADER_ROWS}:{last}{writer.rows_written}"
        writer.total_row(subtotal_rows=subtotal_rows, count=count, sums=totals)

    handle = tempfile.NamedTemporaryFile(prefix="kaigong-ledger-", suffix=".xlsx", delete=False)  # noqa: SIM115
    handle.close()
    path = Path(handle.name)
    workbook.save(path)
    _store_cached_values(path, ws.path.lstrip("/"), writer.cached)

    with transaction.atomic():
        record_event(
            action=AuditAction.EXPORT,
            actor=user,
            actor_label=actor_label,
            changes={"filters": _clean_params(params), "rows": count},
            code=LedgerEvent.EXPORT,
            note=title,
        )
    filename = f"{title}-{timezone.localdate():%Y%m%d}.xlsx"
    return LedgerExport(path=path, row_count=count, filename=filename, title=title)
