"""Import of a month's progress sheet (月报表) as county offices fill it: check every row, then write all or nothing.

The sheet: a title ("侯马市2024年重点项目1–10月进展情况表"), merged one- or two-row headers, a unit note (单位:万元) or
units in the headers ((亿元)), subtotal and section rows (合计, 小计, 一、产业类项目), and the columns of the table:
序号, 项目名称, 项目代码, 本月完成投资, 1–N月累计完成投资, 完成率, 形象进度, 形象进度阶段, 存在问题及需协调事项,
是否入库纳统, 入库纳统时间, plus whatever else an office keeps (备注, 联系人 …), listed as not read.

The file is read under the ledger reader's limits (kaigong.projects.ledger.reader: hostile files refused before any
cell is read, merged cells filled); its columns are found with this module's own map, since the reader's header
search looks for the project register's columns. Headers are matched after ``fold_header`` (traditional characters,
full width, units), amounts parsed like the ledger's (``parse_money``).

What is typed and what is computed: 本月完成投资 is the report; 1–N月累计 is computed from the months reported, so the
typed figure only checks it (a warning naming both when they disagree), and 完成率 is ignored.

Like the ledger import, the worker runs it in two steps (``check_progress_import``, then ``run_progress_import``
once confirmed); the second checks again, then writes every row through services.submit_report / correct_report in
one transaction with an import event, or nothing.
"""

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext_noop, override

from kaigong.audit.choices import AuditAction
from kaigong.audit.services import record_event
from kaigong.core.exceptions import KaigongError, PermissionDeniedError, translated
from kaigong.core.money import format_wan
from kaigong.core.sheets import starts_like_formula
from kaigong.core.text import fold
from kaigong.progress import permissions, selectors, services
from kaigong.progress.choices import ImportStatus, ProgressEvent, ReportStatus
from kaigong.progress.models import ProgressImport, ProgressReport
from kaigong.projects.ledger import reader
from kaigong.projects.ledger.columns import (
    COLUMNS_BY_KEY,
    UNIT_WAN,
    UNIT_YI,
    CellError,
    column_letter,
    find_unit_note,
    fold_header,
    is_blank,
    is_total_label,
    parse_bool,
    parse_date,
    parse_money,
    parse_text,
)
from kaigong.projects.ledger.problems import Problem
from kaigong.projects.ledger.reader import IgnoredColumn, LedgerFileError
from kaigong.projects.models import Project

# --- the sheet's columns -----------------------------------------------------------------------------------------

AMOUNT = "amount"
TEXT = "text"
BOOL = "bool"
DATE = "date"
COMPUTED = "computed"  # typed by the office, computed by Kaigong: not read


@dataclass(frozen=True)
class ProgressColumn:
    key: str
    header: str  # as the template writes it
    kind: str = TEXT
    names: frozenset[str] = frozenset()


def _column(key: str, header: str, kind: str = TEXT, aliases: tuple[str, ...] = ()) -> ProgressColumn:
    return ProgressColumn(key, header, kind, frozenset(fold_header(n)[0] for n in (header, *aliases)))


COLUMNS = [
    _column("row_number", "序号", TEXT, ("编号", "序")),
    _column("name", "项目名称", TEXT, ("项目名", "名称", "项目")),
    _column("project_code", "项目代码", TEXT, COLUMNS_BY_KEY["project_code"].aliases),
    _column(
        "monthly_investment",
        "本月完成投资",
        AMOUNT,
        (
            *("本月", "本月完成", "当月完成投资", "当月完成", "本月完成投资额", "本月投资", "月度完成投资"),
            "本月实际完成投资",
        ),
    ),
    # 1–10月累计完成投资 and its variants are recognised by _CUMULATIVE below.
    _column("year_to_date", "1–N月累计完成投资", AMOUNT, ("本年累计完成投资", "年度累计完成投资", "累计完成投资")),
    _column("completion_rate", "完成率", COMPUTED, ("投资完成率", "年度投资完成率", "年度计划完成率", "完成比例")),
    _column(
        "visible_progress",
        "形象进度",
        TEXT,
        ("工程形象进度", "项目形象进度", "形象进度情况", "项目进展情况", "进展情况", "目前进展", "工程进度"),
    ),
    _column("visible_stage", "形象进度阶段", TEXT, ("进度阶段", "形象进度节点")),
    _column(
        "problems",
        "存在问题及需协调事项",
        TEXT,
        (
            *("存在问题", "存在的问题", "存在问题和需协调事项", "存在的问题及需协调事项", "存在问题及协调事项"),
            *("需协调解决的问题", "需协调解决事项", "存在问题及需协调解决事项", "问题及需协调事项"),
        ),
    ),
    _column("registered_in_statistics", "是否入库纳统", BOOL, COLUMNS_BY_KEY["registered_in_statistics"].aliases),
    _column("statistics_registered_on", "入库纳统时间", DATE, COLUMNS_BY_KEY["statistics_registered_on"].aliases),
]
COLUMNS_BY_NAME = {name: column for column in COLUMNS for name in column.names}
PROGRESS_COLUMNS = {column.key: column for column in COLUMNS}
REQUIRED_KEYS = ("name", "monthly_investment")
TEXT_KEYS = ("name", "project_code", "visible_progress", "visible_stage", "problems")
# "1-10月累计完成投资", "1至10月累计", "1~10月份累计完成投资额", "10月累计完成投资" (after fold_header, which drops
# the dash): the months are the import's.
_CUMULATIVE = re.compile(r"^(?:1月?[-–—~至到])?(\d{1,2})月份?末?累计(?:完成)?(?:投资)?额?$")
_BRACKETED = re.compile(r"[(（\[【].*?[)）\]】]")
_TITLE_YEAR = re.compile(r"(20\d{2})年")
_TITLE_MONTHS = re.compile(r"(?:1\s*[-–—~至到]\s*)?(\d{1,2})\s*月")
_SECTION = re.compile(r"^(?:[一二三四五六七八九十]+(?:[、.．,，]|$)|[(（][一二三四五六七八九十]+[)）])")
_COUNTED = re.compile(r"[(（]\s*\d+\s*个(?:项目)?\s*[)）]$")
_PROBLEM_SPLIT = re.compile(r"[；;]|\n|(?:^|\s)(?=(?:\d{1,2}[.．、)）]|[(（]\d{1,2}[)）]|[①-⑳])\D)")
_PROBLEM_NUMBER = re.compile(r"^\s*(?:\d{1,2}[.．、)）]|[(（]\d{1,2}[)）]|[①-⑳])\s*")
_NO_PROBLEM = {"", "无", "暂无", "没有", "/", "-", "—", "——", "无问题", "暂无问题", "无需协调"}
HEADER_SEARCH_ROWS = reader.HEADER_SEARCH_ROWS
PREVIEW_ROWS = 500


def match_progress_header(text: object) -> tuple[ProgressColumn | None, str | None]:
    """The progress column a header cell names (or None) and the unit it states: "本月完成投資(億元)" →
    (本月完成投资, 亿元); "1-10月累计完成投资" → (1–N月累计完成投资, None)."""
    name, unit = fold_header(text)
    if not name:
        return None, unit
    column = COLUMNS_BY_NAME.get(name)
    if column is None and cumulative_month(text) is not None:
        column = PROGRESS_COLUMNS["year_to_date"]
    return column, unit


def cumulative_month(text: object) -> int | None:
    """The N of a "1–N月累计完成投资" header (fold_header would drop the dash and run 1 and N together)."""
    match = _CUMULATIVE.match(_BRACKETED.sub("", fold("" if text is None else str(text))))
    return int(match[1]) if match and 1 <= int(match[1]) <= 12 else None


@dataclass
class ProgressSheet:
    """The cells of the sheet holding the progress table and where its header and columns are."""

    name: str
    rows: list[list]
    header_row: int  # 0-based index of the (last) header row
    columns: dict[str, int]  # key → 0-based column index
    headers: dict[int, str]  # column index → the header as the sheet writes it
    units: dict[str, str]  # amount key → 万元 / 亿元
    ignored: list[IgnoredColumn]  # columns not read (备注, 联系人 …)
    computed: list[IgnoredColumn]  # columns Kaigong computes (完成率): not read either
    stated_month: tuple[int | None, int | None, int | None] = (None, None, None)  # (year, month, sheet row)
    merged: list = field(default_factory=list)  # merged ranges ((row0, col0), (row1, col1)), 0-based, as read


def _workbook(path: Path, filename: str) -> list[tuple[str, list[list], list]]:
    """The sheets of a file, under the ledger reader's refusals (size, encryption, zip bombs, extents, long cells).
    The reader's read_ledger_file would then look for the project register's header, which this sheet lacks."""
    size = path.stat().st_size
    if size == 0:
        raise LedgerFileError(gettext_noop("文件为空"))
    if size >= reader.settings.KAIGONG_IMPORT_MAX_BYTES:
        raise LedgerFileError(
            gettext_noop("文件过大(%(size)s MB),上限为 %(limit)s MB"),
            params={"size": reader._mb(size), "limit": reader._mb(reader.settings.KAIGONG_IMPORT_MAX_BYTES)},
        )
    with path.open("rb") as handle:
        head = handle.read(8)
    if head.startswith(reader.OLE_MAGIC):
        if reader.ENCRYPTED_MARK in path.read_bytes():
            raise LedgerFileError(gettext_noop("文件设有密码保护(已加密),请取消密码后再导入"))
        sheets = reader._read_calamine(path)
    elif head.startswith(reader.ZIP_MAGIC):
        reader._check_xlsx(path)
        sheets = reader._read_calamine(path)
    elif Path(filename).suffix.lower() in (".csv", ".txt"):
        sheets = [("CSV", reader._read_csv(path), [])]
    else:
        raise LedgerFileError(gettext_noop("无法识别的文件格式,请上传 .xlsx、.xls 或 .csv 格式的台账"))
    for name, rows, merged in sheets:
        reader._check_cells(name, rows, merged)
    return sheets


def read_progress_file(path: Path | str, *, filename: str = "") -> ProgressSheet:
    """Open a progress sheet and locate its header, or raise LedgerFileError saying why the file is refused."""
    path = Path(path)
    sheets = _workbook(path, filename or path.name)
    missing = None
    for name, raw_rows, merged in sheets:
        if not any(not is_blank(c) for r in raw_rows for c in r):
            continue
        rows = reader._fill_merged(raw_rows, merged)
        best = None
        for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
            found = {}
            for cell in row:
                column = match_progress_header(cell)[0] if isinstance(cell, str) else None
                if column is not None:
                    found[column.key] = True
            # The most columns wins; on a tie the lower row (a two-row header's cells merged down are in both).
            if "name" in found and len(found) >= 2 and (best is None or len(found) >= best[0]):
                best = (len(found), index)
        if best is None:
            continue
        sheet = _layout(name, rows, best[1], list(merged))
        missing = [PROGRESS_COLUMNS[k].header for k in REQUIRED_KEYS if k not in sheet.columns]
        if not missing:
            return sheet
    if missing:
        raise LedgerFileError(gettext_noop("表头缺少必需的列: %(columns)s"), params={"columns": "、".join(missing)})
    if not any(any(not is_blank(c) for r in rows for c in r) for _, rows, _ in sheets):
        raise LedgerFileError(gettext_noop("文件中没有数据"))
    raise LedgerFileError(
        gettext_noop("未找到表头行:前%(n)s行中没有可识别的列名,需要的列: %(columns)s"),
        params={"n": HEADER_SEARCH_ROWS, "columns": "、".join(PROGRESS_COLUMNS[k].header for k in REQUIRED_KEYS)},
    )


def _header_text(cell: object) -> str:
    return "" if is_blank(cell) else re.sub(r"\s+", "", str(cell))


def _layout(name: str, rows: list[list], header_index: int, merged: list) -> ProgressSheet:
    header = rows[header_index]
    # The row above is a group row (投资完成情况(亿元) merged over 本月 | 累计 | 完成率) when it holds at least two
    # different cells; a title merged across the sheet holds one.
    above = rows[header_index - 1] if header_index > 0 else None
    if above is not None and len({_header_text(c) for c in above if not is_blank(c)}) < 2:
        above = None
    columns: dict[str, int] = {}
    headers: dict[int, str] = {}
    header_units: dict[int, str | None] = {}
    ignored, computed = [], []
    unnamed: dict[int, str] = {}  # columns without a header of their own: listed only if they hold data
    for index, cell in enumerate(header):
        text = _header_text(cell)
        group = _header_text(above[index]) if above is not None else ""
        own = bool(text)
        if not text and group:  # a column named only in the upper row, or a note there (单位:万元)
            text, group = group, ""
        if not text:
            unnamed[index] = ""
            continue
        column, unit = match_progress_header(text)
        if column is None and group and group != text:
            column, unit = match_progress_header(group)
            text = group if column is not None else text
        group_unit = fold_header(group)[1] if group and group != text else None
        if column is None and not own:
            unnamed[index] = text
        elif column is None:
            ignored.append(IgnoredColumn(column_letter(index), text))
        elif column.kind == COMPUTED:
            computed.append(IgnoredColumn(column_letter(index), text))
        elif column.key in columns:
            ignored.append(IgnoredColumn(column_letter(index), text, headers[columns[column.key]]))
        else:
            columns[column.key] = index
            headers[index] = text
            header_units[index] = unit or group_unit
    sheet_unit = None
    year = month = stated_row = None
    for row_index, row in enumerate(rows[: header_index + 1]):
        for cell in row:
            if not isinstance(cell, str):
                continue
            sheet_unit = sheet_unit or find_unit_note(cell)
            if row_index < header_index - (1 if above is not None else 0) and year is None:
                folded = fold(cell)
                year_match, month_match = _TITLE_YEAR.search(folded), _TITLE_MONTHS.search(folded)
                if year_match and month_match:
                    year, month, stated_row = int(year_match[1]), int(month_match[1]), row_index + 1
    if "year_to_date" in columns and month is None:
        month = cumulative_month(headers[columns["year_to_date"]])
        stated_row = header_index + 1 if month else None
    with_data = {
        index
        for cells in rows[header_index + 1 :]
        for index in unnamed
        if index < len(cells) and not is_blank(cells[index]) and reader.is_data_row(cells)
    }
    ignored += [IgnoredColumn(column_letter(index), unnamed[index]) for index in sorted(with_data)]
    ignored.sort(key=lambda column: (len(column.letter), column.letter))
    units = {
        key: header_units.get(index) or sheet_unit or UNIT_WAN
        for key, index in columns.items()
        if PROGRESS_COLUMNS[key].kind == AMOUNT
    }
    return ProgressSheet(
        name=name,
        rows=rows,
        header_row=header_index,
        columns=columns,
        headers=headers,
        units=units,
        ignored=ignored,
        computed=computed,
        stated_month=(year, month, stated_row),
        merged=merged,
    )


def is_progress_row(sheet: ProgressSheet, cells: list) -> bool:
    """A row that may report a project: not blank, not a heading merged across the row, not a 合计/小计, not a
    section (一、产业类项目, "工业项目(12个)")."""
    filled = [c for c in cells if not is_blank(c)]
    if not filled or all(c == filled[0] for c in filled[1:]):
        return False
    if any(isinstance(c, str) and is_total_label(c) for c in filled[:3]):
        return False
    for key in ("row_number", "name"):
        index = sheet.columns.get(key)
        text = fold(str(cells[index])) if index is not None and not is_blank(cells[index]) else ""
        if text and (_SECTION.match(text) or _COUNTED.search(text)):
            return False
    return True


def split_problems(text: str) -> list[str]:
    """存在问题及需协调事项 as separate problems: split at ；/; and at numbered lines (1. 2、 (3) ④); "无" is none."""
    parts = []
    for part in _PROBLEM_SPLIT.split(text or ""):
        part = _PROBLEM_NUMBER.sub("", part or "").strip(" \t。,，.、")
        if fold(part) not in _NO_PROBLEM:
            parts.append(part)
    return parts


# --- checking ----------------------------------------------------------------------------------------------------


@dataclass
class RowPlan:
    """What one row of the sheet writes: a new report, the edit of one not yet accepted, or a correction."""

    row: int  # as Excel numbers it
    project: Project
    report: ProgressReport | None  # the project's current report for the month, if any
    data: dict
    problems: list[str]
    typed_year_to_date: Decimal | None
    year_to_date: Decimal  # what the reports will compute

    @property
    def action(self) -> str:
        if self.report is None:
            return "new"
        return "correct" if self.report.status == ReportStatus.ACCEPTED else "resubmit"

    def as_dict(self) -> dict:
        return {
            "row": self.row,
            "project_id": self.project.pk,
            "project": self.project.name,
            "project_code": self.project.project_code,
            "action": self.action,
            "monthly_investment": str(self.data["monthly_investment"]),
            "year_to_date": str(self.year_to_date),
            "typed_year_to_date": None if self.typed_year_to_date is None else str(self.typed_year_to_date),
            "visible_progress": self.data.get("visible_progress", ""),
            "visible_stage": self.data.get("visible_stage", ""),
            "registered_in_statistics": self.data.get("registered_in_statistics"),
            "problems": self.problems,
        }


@dataclass
class ProgressResult:
    """The check of a sheet: a plan per row, every problem (blocking) and warning (said, not blocking)."""

    month: dt.date
    plans: list[RowPlan] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    ignored: list[IgnoredColumn] = field(default_factory=list)
    computed: list[IgnoredColumn] = field(default_factory=list)
    total_rows: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    def counts(self) -> dict[str, int]:
        actions = [plan.action for plan in self.plans]
        return {name: actions.count(name) for name in ("new", "resubmit", "correct")}


ACTION_LABELS = {
    "new": gettext_noop("新报送"),
    "resubmit": gettext_noop("修改未审核月报"),
    "correct": gettext_noop("更正已审核月报"),
}


class ProgressChecker:
    """Checks every row of a progress sheet for ``actor``'s upload of ``month``; nothing is written."""

    def __init__(self, *, actor, month: dt.date, correction_reason: str = "", today: dt.date | None = None):
        self.actor = actor
        self.month = month
        self.correction_reason = (correction_reason or "").strip()
        self.today = today or timezone.localdate()
        self.settings = selectors.get_settings()

    def _problem(self, result, row, sheet, key, msgid, params=None, *, warning=False) -> None:
        index = sheet.columns.get(key) if key else None
        header = sheet.headers.get(index, "") if index is not None else ""
        letter = column_letter(index) if index is not None else ""
        (result.warnings if warning else result.problems).append(Problem.make(row, None, header, letter, msgid, params))

    def check(self, sheet: ProgressSheet) -> ProgressResult:
        result = ProgressResult(month=self.month, ignored=list(sheet.ignored), computed=list(sheet.computed))
        self._check_month(sheet, result)
        candidates = self._candidates()
        by_code, by_name = {}, {}
        for project in candidates:
            if project.project_code:
                by_code[fold(project.project_code).upper()] = project
            by_name.setdefault(fold(project.name), []).append(project)
        parsed = []
        for index in range(sheet.header_row + 1, len(sheet.rows)):
            cells = sheet.rows[index]
            if not is_progress_row(sheet, cells):
                continue
            result.total_rows += 1
            row = index + 1
            before = len(result.problems)
            values = self._parse(sheet, cells, row, result)
            project = self._match(sheet, values, row, result, by_code, by_name)
            if project is not None and len(result.problems) == before:
                parsed.append((row, project, values))
        if result.total_rows == 0:
            self._problem(result, None, sheet, None, gettext_noop("表头下没有数据行"))
        self._plan(sheet, parsed, result)
        return result

    def _check_month(self, sheet: ProgressSheet, result: ProgressResult) -> None:
        if self.month > selectors.current_month(self.today):
            self._problem(result, None, sheet, None, gettext_noop("不能报送未来月份的进度"))
        year, month, row = sheet.stated_month
        if month is not None and (month != self.month.month or (year is not None and year != self.month.year)):
            stated = f"{year}年{month}月" if year else f"{month}月"
            self._problem(
                result,
                row,
                sheet,
                None,
                gettext_noop("表中写的是%(stated)s,导入选择的月份是%(month)s,请核对"),
                {"stated": stated, "month": f"{self.month.year}年{self.month.month}月"},
            )

    def _candidates(self) -> list[Project]:
        """The projects the uploader may report for: rows are matched among these alone, so a row naming anyone
        else's project is "not found", as a project that does not exist."""
        projects = Project.objects.visible_to(self.actor).only(
            "id", "name", "project_code", "owner_id", "responsible_department_id", "stage"
        )
        return [p for p in projects if permissions.can_report(self.actor, p)]

    def _cell(self, sheet: ProgressSheet, cells: list, key: str):
        index = sheet.columns.get(key)
        return cells[index] if index is not None and index < len(cells) else None

    def _parse(self, sheet: ProgressSheet, cells: list, row: int, result: ProgressResult) -> dict:
        values: dict = {}
        for key in TEXT_KEYS:
            values[key] = parse_text(self._cell(sheet, cells, key))
            if key in sheet.columns and starts_like_formula(values[key]):
                self._problem(
                    result,
                    row,
                    sheet,
                    key,
                    gettext_noop("以“%(start)s”开头的文本按文本导入,不作为公式"),
                    {"start": values[key][0]},
                    warning=True,
                )
        amount_refused = False
        for key in ("monthly_investment", "year_to_date"):
            try:
                values[key] = parse_money(self._cell(sheet, cells, key), sheet.units.get(key, UNIT_WAN))
            except CellError as exc:
                self._problem(result, row, sheet, key, exc.msgid, exc.params)
                values[key] = None
                amount_refused = amount_refused or key == "monthly_investment"
                continue
            if values[key] is not None and values[key] < 0:
                self._problem(result, row, sheet, key, gettext_noop("金额不能为负数"))
        if values["monthly_investment"] is None and not amount_refused:
            self._problem(result, row, sheet, "monthly_investment", gettext_noop("请填写本月完成投资"))
        for key, parse in (("registered_in_statistics", parse_bool), ("statistics_registered_on", parse_date)):
            try:
                values[key] = parse(self._cell(sheet, cells, key))
            except CellError as exc:
                self._problem(result, row, sheet, key, exc.msgid, exc.params)
                values[key] = None
        stage = values["visible_stage"]
        if stage and stage not in self.settings.visible_stages:
            self._problem(
                result,
                row,
                sheet,
                "visible_stage",
                gettext_noop("形象进度阶段“%(stage)s”不在设置的列表中(%(stages)s)"),
                {"stage": stage, "stages": "、".join(self.settings.visible_stages)},
            )
        if len(values["visible_progress"]) > 500:
            self._problem(result, row, sheet, "visible_progress", gettext_noop("形象进度不超过500字"))
        values["problem_list"] = split_problems(values["problems"])
        if len(values["problem_list"]) > services.MAX_PROBLEMS:
            self._problem(
                result,
                row,
                sheet,
                "problems",
                gettext_noop("每份月报最多 %(max)s 条问题"),
                {"max": services.MAX_PROBLEMS},
            )
        if any(len(text) > 1000 for text in values["problem_list"]):
            self._problem(result, row, sheet, "problems", gettext_noop("每条问题不超过1000字"))
        return values

    def _match(self, sheet, values, row, result, by_code, by_name) -> Project | None:
        code, name = values["project_code"], values["name"]
        if code:
            project = by_code.get(fold(code).upper())
            if project is None:
                self._problem(
                    result,
                    row,
                    sheet,
                    "project_code",
                    gettext_noop("未找到项目代码为“%(code)s”的项目,或您无权报送该项目"),
                    {"code": code},
                )
            elif name and fold(name) != fold(project.name):
                self._problem(
                    result,
                    row,
                    sheet,
                    "name",
                    gettext_noop("项目名称“%(name)s”与项目代码对应的项目“%(project)s”不一致,按项目代码导入"),
                    {"name": name, "project": project.name},
                    warning=True,
                )
            return project
        if not name:
            self._problem(result, row, sheet, "name", gettext_noop("请填写项目名称或项目代码"))
            return None
        matches = by_name.get(fold(name), [])
        if not matches:
            self._problem(
                result,
                row,
                sheet,
                "name",
                gettext_noop("未找到名称为“%(name)s”的项目,或您无权报送该项目"),
                {"name": name},
            )
            return None
        if len(matches) > 1:
            self._problem(
                result,
                row,
                sheet,
                "name",
                gettext_noop("名称“%(name)s”对应%(count)s个项目,请填写项目代码"),
                {"name": name, "count": len(matches)},
            )
            return None
        return matches[0]

    def _plan(self, sheet: ProgressSheet, parsed: list, result: ProgressResult) -> None:
        ids = [project.pk for _, project, _ in parsed]
        in_scope = set(
            Project.objects.filter(selectors.reporting_scope(self.month), pk__in=ids).values_list("pk", flat=True)
        )
        reports = {
            r.project_id: r
            for r in ProgressReport.objects.filter(selectors.CURRENT, project_id__in=ids, month=self.month)
            .select_related("project")
            .prefetch_related("problems")
        }
        earlier = dict(
            ProgressReport.objects.filter(
                selectors.CURRENT, project_id__in=ids, month__gte=self.month.replace(month=1), month__lt=self.month
            )
            .values("project_id")
            .annotate(total=Sum("monthly_investment"))
            .values_list("project_id", "total")
        )
        seen: dict[int, int] = {}
        for row, project, values in parsed:
            key = "project_code" if values["project_code"] else "name"
            if project.pk in seen:
                self._problem(
                    result, row, sheet, key, gettext_noop("与第%(other)s行是同一个项目"), {"other": seen[project.pk]}
                )
                continue
            seen[project.pk] = row
            if project.pk not in in_scope:
                self._problem(
                    result,
                    row,
                    sheet,
                    key,
                    gettext_noop("该项目%(month)s不在月报范围内(须为新开工、在建或当年竣工的项目,且已开工)"),
                    {"month": f"{self.month:%Y-%m}"},
                )
                continue
            report = reports.get(project.pk)
            if report is not None and report.status == ReportStatus.ACCEPTED and not self.correction_reason:
                self._problem(
                    result,
                    row,
                    sheet,
                    key,
                    gettext_noop("该项目%(month)s的月报已审核锁定;如需更正,请在上传时选择“更正”并填写原因"),
                    {"month": f"{self.month:%Y-%m}"},
                )
                continue
            data = {
                "monthly_investment": values["monthly_investment"],
                "registered_in_statistics": bool(values["registered_in_statistics"]),
                "statistics_registered_on": values["statistics_registered_on"],
            }
            for name in ("visible_progress", "visible_stage"):
                if name in sheet.columns:
                    data[name] = values[name]
            if "registered_in_statistics" not in sheet.columns and report is not None:
                data["registered_in_statistics"] = report.registered_in_statistics
            if "statistics_registered_on" not in sheet.columns and report is not None:
                data["statistics_registered_on"] = report.statistics_registered_on
            already = {p.description for p in report.problems.all()} if report is not None else set()
            plan = RowPlan(
                row=row,
                project=project,
                report=report,
                data=data,
                problems=[text for text in values["problem_list"] if text not in already],
                typed_year_to_date=values["year_to_date"],
                year_to_date=(earlier.get(project.pk) or Decimal("0")) + values["monthly_investment"],
            )
            if plan.typed_year_to_date is not None and _differs(
                plan.typed_year_to_date, plan.year_to_date, sheet.units.get("year_to_date", UNIT_WAN)
            ):
                self._problem(
                    result,
                    row,
                    sheet,
                    "year_to_date",
                    gettext_noop(
                        "表中1–%(month)s月累计完成投资为%(typed)s,按已报月报计算为%(computed)s,以计算值为准,请核对"
                    ),
                    {
                        "month": self.month.month,
                        "typed": format_wan(plan.typed_year_to_date),
                        "computed": format_wan(plan.year_to_date),
                    },
                    warning=True,
                )
            result.plans.append(plan)


def _differs(typed: Decimal, computed: Decimal, unit: str) -> bool:
    """Whether a typed cumulative disagrees with the computed one beyond the rounding of what was typed (2.3 亿元
    typed for 23,041 万元 agrees)."""
    scale = Decimal(10000) if unit == UNIT_YI else Decimal(1)
    typed_in_unit, computed_in_unit = typed / scale, computed / scale
    places = max(0, -typed_in_unit.normalize().as_tuple().exponent)
    step = Decimal(1).scaleb(-min(places, 6))
    return computed_in_unit.quantize(step) != typed_in_unit.quantize(step)


# --- writing -----------------------------------------------------------------------------------------------------


class ImportRowError(KaigongError):
    """A row the services refused while writing (the registry changed since the check): nothing is written."""

    def __init__(self, row: int, cause: KaigongError):
        self.row, self.cause = row, cause
        super().__init__(ROW_NOT_WRITTEN, params={"row": row, "message": cause.message})

    def status_line(self) -> str:
        """Both languages, the refusal's own message in each."""
        zh = translated(ROW_NOT_WRITTEN, {"row": self.row, "message": self.cause.message}, language="zh-hans")
        en = translated(ROW_NOT_WRITTEN, {"row": self.row, "message": self.cause.message_en}, language="en")
        return (zh if zh == en else f"{zh}\n{en}")[:500]


ROW_NOT_WRITTEN = gettext_noop("第%(row)s行未能写入:%(message)s。未写入任何数据")


def write_plans(result: ProgressResult, *, actor, correction_reason: str = "", record: ProgressImport | None = None):
    """Write every row through the services in one transaction, with the import's own event; all or nothing.
    Returns (new reports, edited or corrected ones)."""
    if result.problems:
        raise KaigongError(gettext_noop("检查发现问题,未写入任何数据"))
    created = updated = 0
    with transaction.atomic():
        for plan in result.plans:
            try:
                if plan.action == "correct":
                    services.correct_report(
                        report=plan.report,
                        reason=correction_reason,
                        data=plan.data,
                        problems=plan.problems,
                        actor=actor,
                    )
                else:
                    services.submit_report(
                        project=plan.project, month=result.month, data=plan.data, problems=plan.problems, actor=actor
                    )
            except KaigongError as exc:
                raise ImportRowError(plan.row, exc) from exc
            if plan.action == "new":
                created += 1
            else:
                updated += 1
        counts = result.counts()
        record_event(
            action=AuditAction.IMPORT,
            actor=actor,
            obj=record,
            changes={"month": f"{result.month:%Y-%m}", "rows": len(result.plans), **counts},
            code=ProgressEvent.IMPORTED,
            note=(record.original_name if record is not None else "")[:200],
        )
        if record is not None:
            _finish(
                record,
                ImportStatus.DONE,
                created_count=created,
                updated_count=updated,
                finished_at=timezone.now(),
                message=record_message(
                    gettext_noop("导入完成:新报送%(created)s份月报,修改或更正%(updated)s份"),
                    {"created": created, "updated": updated},
                ),
            )
    return created, updated


# --- the upload's record -----------------------------------------------------------------------------------------

RUNNING = (ImportStatus.PENDING, ImportStatus.CHECKING, ImportStatus.IMPORTING)
MISSING_FILE = gettext_noop("上传的文件已不存在,请重新上传")


class ImportStateError(KaigongError):
    """Confirm or cancel asked of an upload in a state that does not allow it (the API answers 409)."""

    code = "import_state"
    status = 409


def record_message(msgid: str, params: dict | None = None) -> str:
    """A status line in Chinese, then English on a second line (as the ledger's uploads keep theirs)."""
    zh, en = translated(msgid, params, language="zh-hans"), translated(msgid, params, language="en")
    return (zh if zh == en else f"{zh}\n{en}")[:500]


def message_in(record: ProgressImport, language: str) -> str:
    """The record's status line in ``language``."""
    lines = (record.message or "").split("\n")
    return lines[1] if language.startswith("en") and len(lines) > 1 else lines[0]


def can_import_progress(user) -> bool:
    """Anyone who reports for projects may upload a sheet for them (the rows are checked one by one)."""
    return bool(user is not None and user.is_authenticated and user.is_active) and (
        user.can_edit_all_projects or bool(user.department_id) or bool(user.organization_id)
    )


def visible_imports(user):
    """The uploads ``user`` may see: the office sees all, others their own."""
    if not (user and user.is_authenticated):
        return ProgressImport.objects.none()
    if user.can_edit_all_projects:
        return ProgressImport.objects.all()
    return ProgressImport.objects.filter(uploaded_by=user)


def create_progress_import(*, upload, month: dt.date, user, correction_reason: str = "") -> ProgressImport:
    """Store an uploaded sheet as it is, waiting for its check: the web request never reads it."""
    if not can_import_progress(user):
        raise PermissionDeniedError(gettext_noop("您无权导入月报"))
    name = Path(upload.name).name
    record = ProgressImport(
        original_name=name[:255],
        month=month.replace(day=1),
        uploaded_by=user,
        status=ImportStatus.PENDING,
        # The upload's choice to correct accepted reports, and why, travels with it to the worker.
        preview={"correction_reason": (correction_reason or "").strip()[:300]},
    )
    record.full_clean(exclude=["file"])
    record.file.save(name, upload, save=False)
    record.save()
    return record


def correction_reason_of(record: ProgressImport) -> str:
    return (record.preview or {}).get("correction_reason", "")


def _set(record: ProgressImport, **fields) -> None:
    ProgressImport.objects.filter(pk=record.pk).update(**fields)
    for name, value in fields.items():
        setattr(record, name, value)


def _finish(record: ProgressImport, status: str, **fields) -> None:
    _set(record, status=status, **fields)


def stored_preview(result: ProgressResult, correction_reason: str) -> dict:
    """What the page and the API show beside the problems: the rows it would write, the warnings, the columns
    not read, in both languages where worded."""
    stored = {
        "correction_reason": correction_reason,
        "counts": result.counts(),
        "rows": [plan.as_dict() for plan in result.plans[:PREVIEW_ROWS]],
        "warnings": [warning.as_dict() for warning in result.warnings],
        "ignored_columns": [column.as_dict() for column in result.ignored],
        "computed_columns": [column.as_dict() for column in result.computed],
    }
    for language in ("zh-hans", "en"):
        with override(language):
            stored[language] = {
                "ignored_message": reader.ignored_columns_message(result.ignored, language),
                "computed_message": _computed_message(result.computed, language),
            }
    return stored


def _computed_message(columns: list[IgnoredColumn], language: str) -> str:
    if not columns:
        return ""
    separator = "、" if language.startswith("zh") else ", "
    return translated(
        gettext_noop("由系统计算、不导入的列:%(columns)s"),
        {"columns": separator.join(column.label(language) for column in columns)},
        language=language,
    )


def _check(record: ProgressImport, actor) -> ProgressResult:
    sheet = read_progress_file(record.file.path, filename=record.original_name)
    checker = ProgressChecker(actor=actor, month=record.month, correction_reason=correction_reason_of(record))
    return checker.check(sheet)


def check_progress_import(record: ProgressImport) -> ProgressImport:
    """The dry run, by the worker: every problem and the rows it would write stored on the record; nothing else."""
    updated = ProgressImport.objects.filter(pk=record.pk, status=ImportStatus.PENDING).update(
        status=ImportStatus.CHECKING
    )
    if not updated:
        record.refresh_from_db()
        return record
    record.status = ImportStatus.CHECKING  # stage-write: the in-memory copy of the row the UPDATE above moved
    try:
        result = _check(record, record.uploaded_by)
    except KaigongError as exc:
        _finish(record, ImportStatus.FAILED, message=record_message(exc.msgid, exc.params), finished_at=timezone.now())
        return record
    except FileNotFoundError:
        _finish(record, ImportStatus.FAILED, message=record_message(MISSING_FILE), finished_at=timezone.now())
        return record
    counts = result.counts()
    _finish(
        record,
        ImportStatus.CHECKED,
        total_rows=result.total_rows,
        problems=[p.as_dict() for p in result.problems],
        preview=stored_preview(result, correction_reason_of(record)),
        message=record_message(
            gettext_noop("检查完成:%(rows)s行,将新报送%(new)s份、修改%(resubmit)s份、更正%(correct)s份月报"),
            {"rows": result.total_rows, **counts},
        )
        if result.ok
        else record_message(gettext_noop("检查发现%(count)s个问题,未写入任何数据"), {"count": len(result.problems)}),
    )
    return record


def claim_progress_import(record: ProgressImport, *, actor) -> ProgressImport:
    """Claim a checked upload without problems for its import: a second click finds it no longer 'checked'."""
    if actor is not None and record.uploaded_by_id != actor.pk and not actor.can_edit_all_projects:
        raise PermissionDeniedError(gettext_noop("您无权导入月报"))
    claimed = not record.problems and ProgressImport.objects.filter(pk=record.pk, status=ImportStatus.CHECKED).update(
        status=ImportStatus.IMPORTING
    )
    if not claimed:
        raise ImportStateError(gettext_noop("只有检查通过的月报表才能导入"))
    record.refresh_from_db()
    return record


def run_progress_import(record: ProgressImport, *, actor) -> ProgressImport:
    """The import of a claimed upload, by the worker: checked again (reports may have changed), then all or nothing,
    the record set done in the same transaction as the reports."""
    if record.status != ImportStatus.IMPORTING:
        raise ImportStateError(gettext_noop("只有检查通过的月报表才能导入"))
    try:
        result = _check(record, actor)
        if result.problems:
            _finish(
                record,
                ImportStatus.CHECKED,
                problems=[p.as_dict() for p in result.problems],
                preview=stored_preview(result, correction_reason_of(record)),
                message=record_message(
                    gettext_noop("检查发现%(count)s个问题,未写入任何数据"), {"count": len(result.problems)}
                ),
            )
            return record
        write_plans(result, actor=actor, correction_reason=correction_reason_of(record), record=record)
    except ImportRowError as exc:
        _finish(record, ImportStatus.FAILED, message=exc.status_line(), finished_at=timezone.now())
    except KaigongError as exc:
        _finish(record, ImportStatus.FAILED, message=record_message(exc.msgid, exc.params), finished_at=timezone.now())
    except FileNotFoundError:
        _finish(record, ImportStatus.FAILED, message=record_message(MISSING_FILE), finished_at=timezone.now())
    return record


def fail_progress_import(record: ProgressImport) -> ProgressImport:
    """A check or import that crashed: marked failed, so the page stops polling."""
    ProgressImport.objects.filter(pk=record.pk, status__in=RUNNING).update(
        status=ImportStatus.FAILED,
        finished_at=timezone.now(),
        message=record_message(gettext_noop("导入过程出错,请联系管理员")),
    )
    record.refresh_from_db()
    return record


def cancel_progress_import(*, record: ProgressImport, actor) -> ProgressImport:
    """Cancel an upload waiting for its check or for confirmation; nothing was written."""
    if actor is not None and record.uploaded_by_id != actor.pk and not actor.can_edit_all_projects:
        raise PermissionDeniedError(gettext_noop("您无权导入月报"))
    cancelled = ProgressImport.objects.filter(
        pk=record.pk, status__in=(ImportStatus.PENDING, ImportStatus.CHECKED)
    ).update(
        status=ImportStatus.CANCELLED,
        finished_at=timezone.now(),
        message=record_message(gettext_noop("已取消,未写入任何数据")),
    )
    if not cancelled:
        raise ImportStateError(gettext_noop("正在处理或已完成的月报表不能取消"))
    record.refresh_from_db()
    return record


def action_label(action: str) -> str:
    return ACTION_LABELS.get(action, action)
