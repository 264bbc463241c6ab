"""Ledger import: read a ledger sheet (.xlsx, .xls, .csv), check every row, then write all-or-nothing.

Three steps, each usable alone (the page runs them apart, maybe in a background task; the command in one go):

1. ``read_ledger_file``: refuse bad files (not a spreadsheet, encrypted, empty, too big, too many rows), read the
   cells with python-calamine (CSV with the csv module), fill merged cells, find the header row.
2. ``LedgerImporter.check``: parse every cell, match categories, levels, departments, owners and existing
   projects by name (all preloaded into dicts: no per-row queries), validate each row as the model would.
   Nothing is written; every problem comes back with its sheet row, column header and letter.
3. ``LedgerImporter.write``: in one transaction, after checking that no matched project changed since step 2,
   create and update the projects. This is a bulk path (a sheet of 10k rows must import in seconds): projects are
   bulk-created / bulk-updated, and ``record_event`` writes one audit event per project in the same transaction,
   plus one event summarising the file. Stage changes go through ``services.change_project_stage``, new
   organizations through ``services.create_organization``.
"""

import copy
import csv
import io
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import python_calamine
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connections, transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop, override
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill

from kaigong.accounts.models import Department, Organization
from kaigong.audit.choices import AuditAction
from kaigong.audit.services import diff, record_event, record_events, snapshot
from kaigong.core.codes import is_valid_credit_code, normalize_credit_code
from kaigong.core.exceptions import KaigongError, PermissionDeniedError
from kaigong.core.text import fold
from kaigong.projects import services
from kaigong.projects.choices import STAGE_TRANSITIONS, STAGES_NEEDING_REASON, Pool, Stage
from kaigong.projects.ledger import (
    AMOUNT,
    BOOL,
    CHOICE,
    COLUMNS_BY_KEY,
    DATE,
    INT,
    NUMBER,
    REQUIRED_KEYS,
    UNIT_WAN,
    YEAR,
    CellError,
    LedgerColumn,
    column_letter,
    find_unit_note,
    is_blank,
    is_total_label,
    match_header,
    parse_bool,
    parse_choice,
    parse_date,
    parse_int,
    parse_money,
    parse_number,
    parse_text,
    parse_year,
)
from kaigong.projects.models import Category, LedgerImport, Level, Project

HEADER_SEARCH_ROWS = 15
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
ENCRYPTED_MARK = "EncryptedPackage".encode("utf-16-le")
PROGRESS_EVERY = 250
AUDIT_FIELDS = [f for f in services.PROJECT_AUDIT_FIELDS if f != "investors"]


class LedgerFileError(KaigongError):
    """A file the importer refuses as a whole (the message says why, in Chinese with English)."""

    code = "ledger_file"


def _translated(msgid: str, params: dict | None, language: str) -> str:
    with override(language):
        text = gettext(msgid)
    return text % params if params else text


def bilingual_message(msgid: str, params: dict | None = None) -> str:
    """ "中文 (English)" for command output, like str(KaigongError)."""
    zh, en = _translated(msgid, params, "zh-hans"), _translated(msgid, params, "en")
    return zh if zh == en else f"{zh} ({en})"


@dataclass
class Problem:
    """One thing wrong with the sheet: the row as Excel numbers it (None for the file), the column, the message."""

    row: int | None
    column: str
    letter: str
    message: str
    message_en: str

    @classmethod
    def make(cls, row, column: LedgerColumn | None, header: str, letter: str, msgid: str, params=None):
        return cls(
            row=row,
            column=header or (column.header if column else ""),
            letter=letter,
            message=_translated(msgid, params, "zh-hans"),
            message_en=_translated(msgid, params, "en"),
        )

    def as_dict(self) -> dict:
        return {
            "row": self.row,
            "column": self.column,
            "letter": self.letter,
            "message": self.message,
            "message_en": self.message_en,
        }

    @classmethod
    def from_dict(cls, data: dict) -> "Problem":
        return cls(**{k: data.get(k) for k in ("row", "column", "letter", "message", "message_en")})

    def location(self, language: str) -> str:
        """Where the problem is, in ``language``: "第3行 项目类别(列B)" / "Row 3 项目类别 (column B)"."""
        with override(language):
            where = gettext("第%(row)s行") % {"row": self.row} if self.row else gettext("文件")
            if self.column:
                letter = gettext("(列%(letter)s)") % {"letter": self.letter} if self.letter else ""
                where += f" {self.column}{letter}"
        return where

    def __str__(self) -> str:
        """ "第3行 项目类别(列B): 中文 (Row 3 项目类别 (column B): English)" for command output."""
        where = self.location("zh-hans")
        if self.message == self.message_en:
            return f"{where}: {self.message}"
        return f"{where}: {self.message} ({self.location('en')}: {self.message_en})"


# ---------------------------------------------------------------------------------------------------------
# 1. Reading the file


@dataclass
class LedgerSheet:
    """The cells of the sheet holding the ledger, merged cells filled, and where its header and columns are."""

    name: str
    rows: list[list]  # every row from sheet row 1, merged cells filled with their top-left value
    header_row: int  # 0-based index of the (last) header row; data starts below it
    columns: dict[str, int]  # column key → 0-based column index
    headers: dict[int, str]  # column index → the header text as the sheet writes it
    units: dict[str, str]  # money column key → 万元 / 亿元
    default_year: int | None
    data_rows: int  # rows below the header that are not blank
    merged: list = field(default_factory=list)  # merged ranges ((row0, col0), (row1, col1)), 0-based, inclusive


def read_ledger_file(path: Path | str, *, filename: str = "") -> LedgerSheet:
    """Open a ledger file and locate its header, or raise LedgerFileError saying why the file is refused."""
    path = Path(path)
    filename = filename or path.name
    size = path.stat().st_size
    max_bytes = settings.KAIGONG_IMPORT_MAX_BYTES
    if size == 0:
        raise LedgerFileError(gettext_noop("文件为空"))
    if size >= max_bytes:
        raise LedgerFileError(
            gettext_noop("文件过大(%(size)s MB),上限为 %(limit)s MB"),
            params={"size": _mb(size), "limit": _mb(max_bytes)},
        )
    with path.open("rb") as handle:
        head = handle.read(8)
    suffix = Path(filename).suffix.lower()
    if head.startswith(OLE_MAGIC):
        if ENCRYPTED_MARK in path.read_bytes():
            raise LedgerFileError(gettext_noop("文件设有密码保护(已加密),请取消密码后再导入"))
        sheets = _read_calamine(path)
    elif head.startswith(ZIP_MAGIC):
        sheets = _read_calamine(path)
    elif suffix in (".csv", ".txt"):
        sheets = [("CSV", _read_csv(path), [])]
    else:
        raise LedgerFileError(gettext_noop("无法识别的文件格式,请上传 .xlsx、.xls 或 .csv 格式的台账"))
    return _locate(sheets)


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:.1f}".rstrip("0").rstrip(".")


def _row_limit() -> int:
    return settings.KAIGONG_IMPORT_MAX_ROWS


def _read_calamine(path: Path) -> list[tuple[str, list[list], list]]:
    try:
        workbook = python_calamine.CalamineWorkbook.from_path(str(path))
    except python_calamine.PasswordError as exc:
        raise LedgerFileError(gettext_noop("文件设有密码保护(已加密),请取消密码后再导入")) from exc
    except Exception as exc:  # calamine raises several error types for files it cannot read
        raise LedgerFileError(gettext_noop("无法识别的文件格式,请上传 .xlsx、.xls 或 .csv 格式的台账")) from exc
    sheets = []
    limit = _row_limit() + HEADER_SEARCH_ROWS + 100
    with workbook:
        for meta in workbook.sheets_metadata:
            if meta.typ != python_calamine.SheetTypeEnum.WorkSheet:
                continue
            try:
                sheet = workbook.get_sheet_by_name(meta.name)
                rows = sheet.to_python(skip_empty_area=False, nrows=limit)
                merged = sheet.merged_cell_ranges or []
            except python_calamine.PasswordError as exc:
                raise LedgerFileError(gettext_noop("文件设有密码保护(已加密),请取消密码后再导入")) from exc
            except Exception as exc:
                raise LedgerFileError(gettext_noop("文件已损坏或无法读取")) from exc
            sheets.append((meta.name, rows, merged))
    return sheets


def _read_csv(path: Path) -> list[list]:
    raw = path.read_bytes()
    if b"\x00" in raw[:4096]:
        raise LedgerFileError(gettext_noop("无法识别的文件格式,请上传 .xlsx、.xls 或 .csv 格式的台账"))
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise LedgerFileError(gettext_noop("CSV 文件编码无法识别,请另存为 UTF-8 或 GBK 编码"))
    sample = text[:8192]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    rows = []
    limit = _row_limit() + HEADER_SEARCH_ROWS + 100
    for row in csv.reader(io.StringIO(text, newline=""), dialect):
        rows.append(row)
        if len(rows) >= limit:
            break
    return rows


def _fill_merged(rows: list[list], merged: list) -> list[list]:
    """Pad rows to one width and give every cell of a merged range the value of its top-left cell."""
    width = max((len(r) for r in rows), default=0)
    for _start, (_r1, c1) in merged:
        width = max(width, c1 + 1)
    rows = [list(r) + [""] * (width - len(r)) for r in rows]
    for (r0, c0), (r1, c1) in merged:
        if r0 >= len(rows):
            continue
        value = rows[r0][c0]
        for r in range(r0, min(r1, len(rows) - 1) + 1):
            for c in range(c0, c1 + 1):
                if r != r0 or c != c0:
                    rows[r][c] = value
    return rows


def _header_matches(row: list) -> dict[str, tuple[int, LedgerColumn, str | None]]:
    found: dict[str, tuple[int, LedgerColumn, str | None]] = {}
    for index, cell in enumerate(row):
        if is_blank(cell) or not isinstance(cell, str):
            continue
        column, unit = match_header(cell)
        if column is not None and column.key not in found:
            found[column.key] = (index, column, unit)
    return found


def _locate(sheets: list[tuple[str, list[list], list]]) -> LedgerSheet:
    if not sheets or all(not any(not is_blank(c) for r in rows for c in r) for _, rows, _ in sheets):
        raise LedgerFileError(gettext_noop("文件中没有数据"))
    best_missing: list[str] | None = None
    for name, raw_rows, merged in sheets:
        if not any(not is_blank(c) for r in raw_rows for c in r):
            continue
        rows = _fill_merged(raw_rows, merged)
        candidates = []
        for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
            found = _header_matches(row)
            if "name" in found and len(found) >= 2:
                candidates.append((len(found), -index, index, found))
        if not candidates:
            continue
        _, _, header_index, found = max(candidates)
        # A second header row below (e.g. 投资情况 over 总投资 | 年度计划投资) refines the columns.
        if header_index + 1 < len(rows):
            below = rows[header_index + 1]
            below_found = _header_matches(below)
            others = [
                c
                for i, c in enumerate(below)
                if not is_blank(c) and c != rows[header_index][i] and match_header(c)[0] is None
            ]
            if below_found and not others:
                for key, item in below_found.items():
                    found[key] = item
                header_index += 1
        missing = [COLUMNS_BY_KEY[k].header for k in REQUIRED_KEYS if k not in found]
        if missing:
            best_missing = missing
            continue
        return _layout(name, rows, header_index, found, merged)
    if best_missing:
        raise LedgerFileError(
            gettext_noop("表头缺少必需的列: %(columns)s"), params={"columns": "、".join(best_missing)}
        )
    raise LedgerFileError(
        gettext_noop("未找到表头行:前%(n)s行中没有可识别的列名,需要的列: %(columns)s"),
        params={"n": HEADER_SEARCH_ROWS, "columns": "、".join(COLUMNS_BY_KEY[k].header for k in REQUIRED_KEYS)},
    )


def _layout(name: str, rows: list[list], header_index: int, found: dict, merged: list) -> LedgerSheet:
    columns = {key: index for key, (index, _, _) in found.items()}
    # Keep the column whose header matched first; two keys must not share a column.
    headers = {}
    for key, (index, _, _) in found.items():
        header_cell = rows[header_index][index]
        headers[index] = re.sub(r"\s+", "", str(header_cell)) if not is_blank(header_cell) else key
    sheet_unit = None
    default_year = None
    for row in rows[: header_index + 1]:
        for cell in row:
            if isinstance(cell, str):
                sheet_unit = sheet_unit or find_unit_note(cell)
                if default_year is None:
                    match = re.search(r"(20\d{2})\s*年", fold(cell))
                    if match:
                        default_year = int(match.group(1))
    units = {}
    for key, (index, column, unit) in found.items():
        if column.kind != AMOUNT:
            continue
        above = None
        if header_index > 0:
            above = match_header(rows[header_index - 1][index])[1]
        units[key] = unit or above or sheet_unit or UNIT_WAN
    data_rows = sum(1 for row in rows[header_index + 1 :] if any(not is_blank(c) for c in row))
    limit = _row_limit()
    if data_rows > limit:
        raise LedgerFileError(
            gettext_noop("数据行过多(超过 %(limit)s 行),请拆分后分批导入"), params={"limit": f"{limit:,}"}
        )
    if data_rows == 0:
        raise LedgerFileError(gettext_noop("表头下没有数据行"))
    return LedgerSheet(
        name=name,
        rows=rows,
        header_row=header_index,
        columns=columns,
        headers=headers,
        units=units,
        default_year=default_year,
        data_rows=data_rows,
        merged=list(merged),
    )


# ---------------------------------------------------------------------------------------------------------
# 2. Checking


_SECTION = re.compile(r"^[(（]?[一二三四五六七八九十百\d]+[)）]?[、.．,，\s]")
_STAGE_NAMES = {
    "谋划": Stage.PLANNING,
    "储备": Stage.PLANNING,
    "谋划储备": Stage.PLANNING,
    "前期": Stage.PREPARATION,
    "前期手续": Stage.PREPARATION,
    "新开工": Stage.STARTED,
    "开工": Stage.STARTED,
    "已开工": Stage.STARTED,
    "在建": Stage.CONSTRUCTION,
    "续建": Stage.CONSTRUCTION,
    "在建续建": Stage.CONSTRUCTION,
    "竣工": Stage.COMPLETED,
    "已竣工": Stage.COMPLETED,
    "投产": Stage.OPERATING,
    "运营": Stage.OPERATING,
    "投产运营": Stage.OPERATING,
    "暂停": Stage.PAUSED,
    "停工": Stage.PAUSED,
    "退库": Stage.WITHDRAWN,
    "已退库": Stage.WITHDRAWN,
}
_POOL_NAMES = {
    "储备库": Pool.PLANNING,
    "谋划库": Pool.PLANNING,
    "储备": Pool.PLANNING,
    "谋划储备库": Pool.PLANNING,
    "实施库": Pool.IMPLEMENTATION,
    "实施": Pool.IMPLEMENTATION,
    "已退库": Pool.WITHDRAWN,
    "退库": Pool.WITHDRAWN,
}
# Fields written from the sheet (project_id, row_number and owner_credit_code are only for matching).
_DIRECT_FIELDS = (
    "review_regime",
    "project_class",
    "land_source",
    "eia_category",
    "annual_energy_use",
    "building_area",
    "is_simple_low_risk",
    "name",
    "project_code",
    "year",
    "address",
    "construction_content",
    "total_investment",
    "annual_planned_investment",
    "planned_start_date",
    "planned_completion_date",
    "registered_in_statistics",
    "statistics_registered_on",
    "liaison_leader",
    "contact_person",
    "contact_phone",
    "remarks",
)
_FK_FIELDS = ("category", "level", "owner", "responsible_department")
_MODEL_FIELD_NAMES = [f.name for f in Project._meta.concrete_fields]


@lru_cache(maxsize=8192)
def _dict_key(text: str) -> str:
    """The key names are matched by: folded (traditional → simplified, full-width → ASCII, no spaces), lower."""
    return fold(text).lower()


def _stored_name_key(text: str) -> str:
    """The same key for a name stored in the database (already simplified): NFKC only, far cheaper than fold."""
    return _SPACES.sub("", unicodedata.normalize("NFKC", text)).lower()


_SPACES = re.compile(r"[\s\u3000]+")


@dataclass
class RowPlan:
    row: int  # sheet row, 1-based
    project: Project | None  # the existing project (None: create)
    data: dict  # field → value to set
    stage: str | None = None
    actual_start_date: object = None
    new_owner: tuple[str, str] | None = None  # (credit code, name) of an organization to create
    version: int | None = None  # the matched project's version when checked

    @property
    def creating(self) -> bool:
        return self.project is None


@dataclass
class LedgerResult:
    total_rows: int = 0
    problems: list[Problem] = field(default_factory=list)
    plans: list[RowPlan] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    written: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems


ProgressCallback = Callable[[int, int], None]


class LedgerImporter:
    """Checks and writes one ledger sheet on behalf of ``actor`` (a User, or None for a command)."""

    def __init__(self, *, actor=None, actor_label: str = "", filename: str = ""):
        if actor is not None and not getattr(actor, "can_import", False):
            raise PermissionDeniedError(gettext_noop("只有项目办可以导入台账"))
        self.actor = actor
        self.actor_label = actor_label
        self.filename = filename

    # -- reference data, loaded once -----------------------------------------------------------------------

    def _load_reference(self) -> None:
        self.categories: dict[str, Category] = {}
        for category in Category.objects.all():
            for key in (category.name, category.code, category.name.removesuffix("类")):
                self.categories.setdefault(_dict_key(key), category)
        self.levels: dict[str, Level] = {}
        for level in Level.objects.all():
            for key in (level.name, level.code, level.name.removesuffix("级")):
                self.levels.setdefault(_dict_key(key), level)
        self.departments: dict[str, Department] = {}
        for department in Department.objects.all():
            self.departments.setdefault(_dict_key(department.name), department)
            if department.short_name:
                self.departments.setdefault(_dict_key(department.short_name), department)
        self.orgs_by_code: dict[str, Organization] = {}
        self.orgs_by_name: dict[str, list[Organization]] = {}
        for org in Organization.objects.all():
            self.orgs_by_code[org.credit_code] = org
            self.orgs_by_name.setdefault(_dict_key(org.name), []).append(org)
        self.stages = {_dict_key(k): v for k, v in _STAGE_NAMES.items()}
        for value, label in Stage.choices:
            self.stages[_dict_key(str(label))] = value
            self.stages[value] = value
        self.pools = {_dict_key(k): v for k, v in _POOL_NAMES.items()}
        for value, label in Pool.choices:
            self.pools[_dict_key(str(label))] = value
            self.pools[value] = value
        # id, code, name and year of every project: small tuples, so a 100k registry stays cheap.
        self.project_ids: set[int] = set()
        self.code_owner: dict[str, int] = {}
        self.name_year: dict[tuple[str, int], list[int]] = {}
        for pk, code, name, year in Project.objects.values_list("id", "project_code", "name", "year").iterator(
            chunk_size=5000
        ):
            self.project_ids.add(pk)
            if code:
                self.code_owner[code] = pk
            self.name_year.setdefault((_stored_name_key(name), year), []).append(pk)

    def _load_projects(self, ids: set[int]) -> dict[int, Project]:
        """The projects the sheet refers to, their relations filled from the preloaded dictionaries."""
        categories = {c.pk: c for c in self.categories.values()}
        levels = {level.pk: level for level in self.levels.values()}
        departments = {d.pk: d for d in self.departments.values()}
        organizations = self.orgs_by_code.values()
        orgs = {o.pk: o for o in organizations}
        projects: dict[int, Project] = {}
        id_list = sorted(ids)
        for start in range(0, len(id_list), 2000):
            for project in Project.objects.filter(pk__in=id_list[start : start + 2000]):
                project.category = categories[project.category_id]
                project.level = levels.get(project.level_id)
                project.owner = orgs.get(project.owner_id)
                project.responsible_department = departments.get(project.responsible_department_id)
                projects[project.pk] = project
        return projects

    # -- checking --------------------------------------------------------------------------------------------

    def check(self, sheet: LedgerSheet, *, progress: ProgressCallback | None = None) -> LedgerResult:
        """Parse and validate every data row; nothing is written. The result lists every problem."""
        self._load_reference()
        result = LedgerResult()
        parsed_rows = list(self._parse_rows(sheet, result))
        result.total_rows = len(parsed_rows)

        # Which existing projects the sheet refers to, found without a query per row.
        wanted: set[int] = set()
        for _, values, _ in parsed_rows:
            pk = values.get("project_id")
            if pk in self.project_ids:
                wanted.add(pk)
            code = values.get("project_code")
            if code and code in self.code_owner:
                wanted.add(self.code_owner[code])
            elif not pk and not code and values.get("name"):
                year = values.get("year") or sheet.default_year
                match = self.name_year.get((_stored_name_key(fold(values["name"])), year), [])
                if len(match) == 1:
                    wanted.add(match[0])
        self.projects = self._load_projects(wanted)

        seen_projects: dict[int, int] = {}
        seen_codes: dict[str, int] = {}
        seen_new: dict[tuple[str, int], int] = {}
        new_orgs: dict[str, tuple[str, int]] = {}
        total = len(parsed_rows)
        for done, (row_number, values, cells) in enumerate(parsed_rows, start=1):
            plan = self._plan_row(sheet, row_number, values, cells, result, seen_projects, seen_codes, seen_new)
            if plan is not None and plan.new_owner:
                code, name = plan.new_owner
                if code in new_orgs and _dict_key(new_orgs[code][0]) != _dict_key(name):
                    self._problem(
                        result,
                        sheet,
                        row_number,
                        "owner",
                        gettext_noop("统一社会信用代码 %(code)s 在第%(row)s行对应的建设单位名称不同"),
                        {"code": code, "row": new_orgs[code][1]},
                    )
                new_orgs.setdefault(code, (name, row_number))
            if plan is not None:
                result.plans.append(plan)
            if progress and (done % PROGRESS_EVERY == 0 or done == total):
                progress(done, total)
        result.problems.sort(key=lambda p: (p.row or 0, len(p.letter or ""), p.letter or ""))
        return result

    def _problem(self, result, sheet, row, key, msgid, params=None) -> None:
        column = COLUMNS_BY_KEY.get(key)
        index = sheet.columns.get(key)
        header = sheet.headers.get(index, "") if index is not None else (column.header if column else "")
        letter = column_letter(index) if index is not None else ""
        result.problems.append(Problem.make(row, column, header, letter, msgid, params))

    def _parse_rows(self, sheet: LedgerSheet, result: LedgerResult):
        """Yield (sheet row, parsed values, raw cells) for each data row; cell errors go to result.problems."""
        name_index = sheet.columns["name"]
        category_index = sheet.columns.get("category")
        section_category = None
        label_indexes = [i for i in (sheet.columns.get("row_number"), name_index, category_index) if i is not None]
        for index in range(sheet.header_row + 1, len(sheet.rows)):
            cells = sheet.rows[index]
            row_number = index + 1
            filled = [c for c in cells if not is_blank(c)]
            if not filled:
                continue
            first_labels = [cells[i] for i in label_indexes if i < len(cells)] + filled[:2]
            if any(isinstance(c, str) and is_total_label(c) for c in first_labels):
                continue
            distinct = {str(c).strip() for c in filled}
            if len(distinct) == 1:
                # A section heading ("一、产业类项目", maybe merged across the row) or a note, not a project;
                # a heading that names a category gives it to the rows below that leave it blank.
                text = next(iter(distinct))
                category = self._category_from_section(text)
                only_name = len(filled) == 1 and not is_blank(cells[name_index])
                if category is not None:
                    section_category = category
                    continue
                if _SECTION.match(text):
                    section_category = None
                    continue
                if not only_name:
                    continue
            values: dict = {}
            for key, col in sheet.columns.items():
                raw = cells[col] if col < len(cells) else None
                column = COLUMNS_BY_KEY[key]
                try:
                    values[key] = self._parse_cell(column, raw, sheet.units.get(key, UNIT_WAN))
                except CellError as exc:
                    self._problem(result, sheet, row_number, key, exc.msgid, exc.params)
                    values[key] = _INVALID
            if values.get("category") in (None, "") and section_category is not None:
                values["category"] = section_category
            yield row_number, values, cells

    def _category_from_section(self, text: str) -> Category | None:
        """ "一、产业类项目(14个)" → the 产业类 category, when a section row names one."""
        folded = _dict_key(_SECTION.sub("", fold(text)))
        folded = re.sub(r"[(（].*$", "", folded).removesuffix("项目")
        return self.categories.get(folded) or self.categories.get(folded.removesuffix("类"))

    def _parse_cell(self, column: LedgerColumn, raw, unit: str):
        kind = column.kind
        if kind == AMOUNT:
            return parse_money(raw, unit)
        if kind == DATE:
            return parse_date(raw)
        if kind == BOOL:
            return parse_bool(raw)
        if kind == CHOICE:
            return parse_choice(column.key, raw)
        if kind == NUMBER:
            return parse_number(raw)
        if kind == YEAR:
            return parse_year(raw)
        if kind == INT:
            return parse_int(raw) if column.key == "project_id" else parse_text(raw)
        return parse_text(raw)

    def _plan_row(self, sheet, row, values, cells, result, seen_projects, seen_codes, seen_new) -> RowPlan | None:
        problems_before = len(result.problems)

        def problem(key, msgid, params=None):
            self._problem(result, sheet, row, key, msgid, params)

        code = values.get("project_code")
        if code is _INVALID:
            code = None
        code = (code or "").strip() if isinstance(code, str) else code
        pk = values.get("project_id")
        project = None
        if pk is not None and pk is not _INVALID:
            if pk not in self.projects:
                problem("project_id", gettext_noop("项目ID %(id)s 不存在"), {"id": pk})
            else:
                project = self.projects[pk]
                if code and self.code_owner.get(code, pk) != pk:
                    problem("project_code", gettext_noop("项目代码 %(code)s 已被其他项目使用"), {"code": code})
        elif code and code in self.code_owner:
            project = self.projects.get(self.code_owner[code])
        elif not code and pk is None and isinstance(values.get("name"), str) and values.get("name"):
            year = values.get("year") if isinstance(values.get("year"), int) else sheet.default_year
            match = self.name_year.get((_stored_name_key(fold(values["name"])), year), [])
            if len(match) == 1:
                project = self.projects.get(match[0])

        # The same project twice in one sheet is an error, not a second update.
        if project is not None:
            if project.pk in seen_projects:
                problem(
                    "project_id" if "project_id" in sheet.columns else "name",
                    gettext_noop("与第%(row)s行是同一项目"),
                    {"row": seen_projects[project.pk]},
                )
            seen_projects.setdefault(project.pk, row)
        if code:
            if code in seen_codes:
                problem(
                    "project_code",
                    gettext_noop("项目代码 %(code)s 与第%(row)s行重复"),
                    {"code": code, "row": seen_codes[code]},
                )
            seen_codes.setdefault(code, row)
        if project is None and isinstance(values.get("name"), str) and values.get("name"):
            year = values.get("year") if isinstance(values.get("year"), int) else sheet.default_year
            key = (_dict_key(values["name"]), year)
            if key in seen_new and not code:
                problem("name", gettext_noop("与第%(row)s行是同一项目(名称和年度相同)"), {"row": seen_new[key]})
            seen_new.setdefault(key, row)

        data: dict = {}
        for name in _DIRECT_FIELDS:
            value = values.get(name)
            if value is _INVALID or value is None or value == "":
                continue
            data[name] = value
        if code:
            data["project_code"] = code
        if "year" not in data and project is None and sheet.default_year:
            data["year"] = sheet.default_year

        lookups = {
            "category": (self.categories, gettext_noop("未知的项目类别“%(value)s”,请先在类别字典中添加")),
            "level": (self.levels, gettext_noop("未知的项目级别“%(value)s”")),
            "responsible_department": (self.departments, gettext_noop("未知的责任单位“%(value)s”,请先添加该部门")),
        }
        for key, (table, msgid) in lookups.items():
            value = values.get(key)
            if value is _INVALID or value in (None, ""):
                continue
            if isinstance(value, Category):
                data[key] = value
                continue
            found = table.get(_dict_key(value))
            if found is None and key == "category":
                found = table.get(_dict_key(value).removesuffix("项目")) or table.get(
                    _dict_key(value).removesuffix("项目").removesuffix("类")
                )
            if found is None:
                problem(key, msgid, {"value": value})
            else:
                data[key] = found

        stage = None
        value = values.get("stage")
        if value not in (None, "", _INVALID):
            stage = self.stages.get(_dict_key(value))
            if stage is None:
                problem("stage", gettext_noop("未知的项目阶段“%(value)s”"), {"value": value})
        value = values.get("pool")
        if value not in (None, "", _INVALID):
            pool = self.pools.get(_dict_key(value))
            if pool is None:
                problem("pool", gettext_noop("未知的项目库“%(value)s”,应为储备库、实施库或已退库"), {"value": value})
            else:
                data["pool"] = pool

        new_owner = self._resolve_owner(values, data, problem)

        id_given = pk is not None and pk is not _INVALID
        if project is None and not id_given:
            for key in ("name", "category", "total_investment", "year"):
                if key not in data and values.get(key) in (None, ""):
                    problem(key, gettext_noop("新项目须填写%(column)s"), {"column": COLUMNS_BY_KEY[key].header})
        elif stage is not None and stage != project.stage and stage not in STAGE_TRANSITIONS[project.stage]:
            problem(
                "stage",
                gettext_noop("项目不能从“%(from)s”变更为“%(to)s”"),
                {"from": Stage(project.stage).label, "to": Stage(stage).label},
            )

        if code and project is None and code in self.code_owner:
            problem("project_code", gettext_noop("项目代码 %(code)s 已被其他项目使用"), {"code": code})

        if len(result.problems) == problems_before:
            self._validate_model(sheet, row, project, data, stage, values, result)
        if len(result.problems) != problems_before:
            return None
        return RowPlan(
            row=row,
            project=project,
            data=data,
            stage=stage,
            actual_start_date=values.get("actual_start_date")
            if values.get("actual_start_date") is not _INVALID
            else None,
            new_owner=new_owner,
            version=project.version if project is not None else None,
        )

    def _resolve_owner(self, values, data, problem) -> tuple[str, str] | None:
        name = values.get("owner")
        name = name if isinstance(name, str) else ""
        raw_code = values.get("owner_credit_code")
        code = normalize_credit_code(raw_code) if isinstance(raw_code, str) else ""
        if code:
            if not is_valid_credit_code(code):
                problem("owner_credit_code", gettext_noop("统一社会信用代码 %(code)s 不正确"), {"code": code})
                return None
            org = self.orgs_by_code.get(code)
            if org is not None:
                data["owner"] = org
                return None
            if not name:
                problem("owner", gettext_noop("新建设单位须填写名称(信用代码 %(code)s)"), {"code": code})
                return None
            return code, name
        if name:
            matches = self.orgs_by_name.get(_dict_key(name), [])
            if len(matches) == 1:
                data["owner"] = matches[0]
            elif len(matches) > 1:
                problem("owner", gettext_noop("有多个名为“%(name)s”的单位,请填写统一社会信用代码"), {"name": name})
            else:
                problem(
                    "owner", gettext_noop("未知的建设单位“%(name)s”,请填写其统一社会信用代码以便新建"), {"name": name}
                )
        return None

    def _validate_model(self, sheet, row, project, data, stage, values, result) -> None:
        """Run the model's own field and row checks on an in-memory copy (no queries)."""
        candidate = copy.copy(project) if project is not None else Project()
        for name, value in data.items():
            setattr(candidate, name, value)
        if project is None and stage is not None:
            candidate.stage = stage  # stage-write: in-memory copy, only validated
        errors: dict[str, list[ValidationError]] = {}
        for step in (
            lambda: candidate.clean_fields(exclude=[f for f in _MODEL_FIELD_NAMES if f not in data or f in _FK_FIELDS]),
            candidate.clean,
        ):
            try:
                step()
            except ValidationError as exc:
                for key, items in exc.update_error_dict({}).items():
                    errors.setdefault(key, []).extend(items)
        for key, items in errors.items():
            target = key if key in sheet.columns or key in COLUMNS_BY_KEY else "name"
            index = sheet.columns.get(target)
            column = COLUMNS_BY_KEY.get(target)
            header = sheet.headers.get(index, "") if index is not None else (column.header if column else "")
            letter = column_letter(index) if index is not None else ""
            seen = set()
            for item in items:
                texts = []
                for language in ("zh-hans", "en"):
                    with override(language):
                        for message in ValidationError(item).messages:
                            texts.append(str(message))
                            break
                if texts[0] in seen:
                    continue
                seen.add(texts[0])
                result.problems.append(Problem(row, header, letter, texts[0], texts[1]))

    # -- writing ---------------------------------------------------------------------------------------------

    def write(self, result: LedgerResult, *, progress: ProgressCallback | None = None) -> LedgerResult:
        """Write a checked sheet: all rows or none. Raises KaigongError if the check found problems."""
        if result.problems:
            raise KaigongError(gettext_noop("台账存在问题,未导入"))
        note = f"台账导入: {self.filename}" if self.filename else "台账导入"
        now = timezone.now()
        with transaction.atomic():
            self._verify_unchanged(result)
            new_orgs = {}
            for plan in result.plans:
                if plan.new_owner and plan.new_owner[0] not in new_orgs:
                    code, name = plan.new_owner
                    new_orgs[code] = services.create_organization(
                        data={"name": name, "credit_code": code}, actor=self.actor, actor_label=self.actor_label
                    )
                if plan.new_owner:
                    plan.data["owner"] = new_orgs[plan.new_owner[0]]
            creates = [p for p in result.plans if p.creating]
            updates = [p for p in result.plans if not p.creating]
            self._create(creates, note, now)
            changed = self._update(updates, note, now)
            result.created = len(creates)
            result.updated = changed
            result.unchanged = len(updates) - changed
            record_event(
                action=AuditAction.IMPORT,
                actor=self.actor,
                actor_label=self.actor_label,
                changes={
                    "file": self.filename,
                    "rows": result.total_rows,
                    "created": result.created,
                    "updated": result.updated,
                    "unchanged": result.unchanged,
                },
                note=note,
            )
            result.written = True
        if progress:
            progress(result.total_rows, result.total_rows)
        return result

    def _verify_unchanged(self, result: LedgerResult) -> None:
        """Refuse to write over a project someone changed since the check (optimistic concurrency)."""
        planned = {p.project.pk: p.version for p in result.plans if p.project is not None}
        ids = sorted(planned)
        for start in range(0, len(ids), 2000):
            chunk = ids[start : start + 2000]
            current = dict(Project.objects.select_for_update().filter(pk__in=chunk).values_list("id", "version"))
            for pk in chunk:
                if current.get(pk) != planned[pk]:
                    raise KaigongError(gettext_noop("检查之后有项目被他人修改或删除,请重新检查台账"))
        codes = [p.data["project_code"] for p in result.plans if p.creating and p.data.get("project_code")]
        for start in range(0, len(codes), 2000):
            if Project.objects.filter(project_code__in=codes[start : start + 2000]).exists():
                raise KaigongError(gettext_noop("检查之后有项目代码被其他项目使用,请重新检查台账"))

    def _event(self, action: str, project: Project, changes: dict, note: str) -> dict:
        return {
            "action": action,
            "actor": self.actor,
            "actor_label": self.actor_label,
            "obj": project,
            "project": project,
            "changes": changes,
            "note": note,
        }

    def _create(self, plans: list[RowPlan], note: str, now) -> None:
        objects = []
        for plan in plans:
            project = Project(**plan.data)
            project.project_code = (project.project_code or "").strip()
            project.refresh_search_text()
            if plan.stage:
                # The project's current position, registered as it is (not a move: nothing to transition from).
                project.stage = plan.stage  # stage-write: a new project registered at its current stage, audited
                if plan.stage in (Stage.STARTED, Stage.CONSTRUCTION, Stage.COMPLETED, Stage.OPERATING):
                    project.actual_start_date = plan.actual_start_date
                    if project.pool == Pool.PLANNING and "pool" not in plan.data:
                        project.pool = Pool.IMPLEMENTATION
                if plan.stage == Stage.WITHDRAWN:
                    project.pool = Pool.WITHDRAWN
                    project.withdrawal_reason = "台账导入"
            objects.append(project)
        Project.objects.bulk_create(objects, batch_size=500)
        record_events(
            [
                self._event(
                    AuditAction.CREATE,
                    project,
                    {k: [None, v] for k, v in snapshot(project, AUDIT_FIELDS).items() if v not in (None, "", [])},
                    note,
                )
                for project in objects
            ]
        )

    def _update(self, plans: list[RowPlan], note: str, now) -> int:
        changed_projects = []
        events = []
        stage_moves = []
        fields: set[str] = set()
        for plan in plans:
            project = plan.project
            before = snapshot(project, AUDIT_FIELDS)
            for name, value in plan.data.items():
                setattr(project, name, value)
            if SEARCHED_FIELDS.intersection(plan.data):
                project.refresh_search_text()
            changes = diff(before, snapshot(project, AUDIT_FIELDS))
            if changes:
                project.version += 1
                project.updated_at = now
                fields.update(plan.data)
                changed_projects.append(project)
                events.append(self._event(AuditAction.IMPORT, project, changes, note))
            if plan.stage and plan.stage != project.stage:
                stage_moves.append(plan)
        if changed_projects:
            _bulk_save(changed_projects, sorted(fields | {"version", "updated_at", "search_text"}))
            record_events(events)
        moved = set()
        for plan in stage_moves:
            effective = plan.actual_start_date if plan.stage == Stage.STARTED else None
            reason = "台账导入" if plan.stage in STAGES_NEEDING_REASON else ""
            services.change_project_stage(
                project=plan.project,
                stage=plan.stage,
                actor=self.actor,
                actor_label=self.actor_label,
                reason=reason,
                effective_date=effective,
            )
            moved.add(plan.project.pk)
        self._regenerate_checklists(changed_projects)
        return len({p.pk for p in changed_projects} | moved)

    def _regenerate_checklists(self, projects: list[Project]) -> None:
        """Changed attributes may change what the checklist rules require (一清单), as update_project does."""
        from kaigong.approvals.models import Checklist  # approvals builds on projects
        from kaigong.approvals.services import generate_checklist

        with_checklist = set(
            Checklist.objects.filter(project__in=[p.pk for p in projects]).values_list("project_id", flat=True)
        )
        for project in projects:
            if project.pk in with_checklist:
                generate_checklist(project=project, actor=None, actor_label=self.actor_label or str(self.actor or ""))


# The fields Project.search_text is built from.
SEARCHED_FIELDS = frozenset({"name", "project_code", "owner"})


def _bulk_save(projects: list[Project], fields: list[str]) -> None:
    """UPDATE each project's ``fields`` in one executemany: Django's bulk_update builds CASE expressions that
    SQLite evaluates slowly (20 s for 10k rows), while executemany runs the same statement per row in C
    (SQLite) or pipelined (psycopg). Values go through each field's get_db_prep_save, as save() does."""
    connection = connections[Project.objects.db]
    model_fields = [Project._meta.get_field(name) for name in fields]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(f.column)} = %s" for f in model_fields)
    sql = (
        f"UPDATE {quote(Project._meta.db_table)} SET {assignments} "  # table and column names come from the model
        f"WHERE {quote(Project._meta.pk.column)} = %s"
    )
    params = [[f.get_db_prep_save(getattr(p, f.attname), connection) for f in model_fields] + [p.pk] for p in projects]
    with connection.cursor() as cursor:
        for start in range(0, len(params), 1000):
            cursor.executemany(sql, params[start : start + 1000])


class _Invalid:
    """Marks a cell that failed to parse (its problem is already recorded)."""

    def __repr__(self) -> str:  # pragma: no cover
        return "<invalid>"


_INVALID = _Invalid()


def import_ledger(
    path: Path | str,
    *,
    actor=None,
    actor_label: str = "",
    filename: str = "",
    dry_run: bool = False,
    progress: ProgressCallback | None = None,
) -> LedgerResult:
    """Read, check and (unless ``dry_run`` or a problem was found) write a ledger file. Used by the command."""
    filename = filename or Path(path).name
    sheet = read_ledger_file(path, filename=filename)
    importer = LedgerImporter(actor=actor, actor_label=actor_label, filename=filename)
    result = importer.check(sheet, progress=progress)
    if result.problems or dry_run:
        return result
    return importer.write(result, progress=progress)


# ---------------------------------------------------------------------------------------------------------
# The LedgerImport record: the page's upload, checked and imported (inline or by the background task)


def list_ledger_imports(*, user, limit: int = 20):
    """Recent uploads (the office sees all of them)."""
    if not getattr(user, "can_import", False):
        return LedgerImport.objects.none()
    return LedgerImport.objects.select_related("uploaded_by")[:limit]


def create_ledger_import(*, upload, user) -> LedgerImport:
    """Store an uploaded file and count its rows; a bad file is refused (LedgerFileError) and not kept."""
    if not getattr(user, "can_import", False):
        raise PermissionDeniedError(gettext_noop("只有项目办可以导入台账"))
    record = LedgerImport(original_name=Path(upload.name).name[:255], uploaded_by=user)
    record.file.save(Path(upload.name).name, upload, save=False)
    try:
        sheet = read_ledger_file(record.file.path, filename=record.original_name)
    except LedgerFileError:
        record.file.delete(save=False)
        raise
    record.total_rows = sheet.data_rows
    record.save()
    return record


def _set(record: LedgerImport, **fields) -> None:
    for name, value in fields.items():
        setattr(record, name, value)
    LedgerImport.objects.filter(pk=record.pk).update(**fields)


def _progress_saver(record: LedgerImport) -> ProgressCallback:
    def save(done: int, total: int) -> None:
        _set(record, processed_rows=done, total_rows=total)

    return save


def check_ledger_import(record: LedgerImport) -> LedgerImport:
    """The dry run of an upload: stores every problem on the record, writes no project."""
    _set(record, status=LedgerImport.Status.CHECKING, processed_rows=0, message="")
    try:
        sheet = read_ledger_file(record.file.path, filename=record.original_name)
        importer = LedgerImporter(actor=None, filename=record.original_name)
        result = importer.check(sheet, progress=_progress_saver(record))
    except KaigongError as exc:
        _set(record, status=LedgerImport.Status.FAILED, message=str(exc)[:500], finished_at=timezone.now())
        return record
    creates = sum(1 for p in result.plans if p.creating)
    _set(
        record,
        status=LedgerImport.Status.CHECKED,
        total_rows=result.total_rows,
        processed_rows=result.total_rows,
        problems=[p.as_dict() for p in result.problems],
        message=bilingual_message(
            gettext_noop("检查完成:%(rows)s行,将新增%(created)s个、更新%(updated)s个项目"),
            {"rows": result.total_rows, "created": creates, "updated": len(result.plans) - creates},
        )
        if result.ok
        else bilingual_message(gettext_noop("检查发现%(count)s个问题"), {"count": len(result.problems)}),
    )
    return record


def run_ledger_import(record: LedgerImport, *, actor) -> LedgerImport:
    """The real import of a checked upload: checked again (the registry may have changed), then all-or-nothing."""
    if record.status != LedgerImport.Status.IMPORTING:  # claimed by tasks.start_import
        raise KaigongError(gettext_noop("只有检查通过的台账才能导入"))
    _set(record, processed_rows=0, message="")
    try:
        sheet = read_ledger_file(record.file.path, filename=record.original_name)
        importer = LedgerImporter(actor=actor, filename=record.original_name)
        result = importer.check(sheet, progress=_progress_saver(record))
        if result.problems:
            _set(
                record,
                status=LedgerImport.Status.CHECKED,
                problems=[p.as_dict() for p in result.problems],
                message=bilingual_message(gettext_noop("检查发现%(count)s个问题"), {"count": len(result.problems)}),
            )
            return record
        importer.write(result)
    except KaigongError as exc:
        _set(record, status=LedgerImport.Status.FAILED, message=str(exc)[:500], finished_at=timezone.now())
        return record
    _set(
        record,
        status=LedgerImport.Status.DONE,
        processed_rows=result.total_rows,
        created_count=result.created,
        updated_count=result.updated,
        finished_at=timezone.now(),
        message=bilingual_message(
            gettext_noop("导入完成:新增%(created)s个项目,更新%(updated)s个项目"),
            {"created": result.created, "updated": result.updated},
        ),
    )
    return record


# ---------------------------------------------------------------------------------------------------------
# The error report: the original sheet with a 错误 column


def build_error_report(path: Path | str, problems: list[Problem], *, filename: str = "") -> Path:
    """A .xlsx copy of the uploaded sheet (title, unit note, header, every row) with an added 错误 column."""
    import tempfile

    sheet = read_ledger_file(path, filename=filename)
    by_row: dict[int, list[str]] = {}
    file_level = []
    for problem in problems:
        text = f"{problem.column}: {problem.message}" if problem.column else problem.message
        if problem.row:
            by_row.setdefault(problem.row, []).append(text)
        else:
            file_level.append(text)
    width = max((len(r) for r in sheet.rows), default=0)
    workbook = Workbook(write_only=True)
    ws = workbook.create_sheet(title="错误报告")
    red = Font(color="C00000", bold=True)
    fill = PatternFill("solid", fgColor="FDE9E7")
    covered = set()  # cells inside a merged range, except its top-left one: blank again, merged again below
    for (r0, c0), (r1, c1) in sheet.merged:
        covered.update((r, c) for r in range(r0, r1 + 1) for c in range(c0, c1 + 1) if (r, c) != (r0, c0))
        ws.merged_cells.add(f"{column_letter(c0)}{r0 + 1}:{column_letter(c1)}{r1 + 1}")
    for index, row in enumerate(sheet.rows):
        row_number = index + 1
        values = [None if is_blank(c) or (index, i) in covered else c for i, c in enumerate(row)]
        values += [None] * (width - len(row))
        if index == sheet.header_row:
            cell = WriteOnlyCell(ws, value="错误")
            cell.font = red
            values.append(cell)
        elif row_number in by_row:
            cell = WriteOnlyCell(ws, value="; ".join(by_row[row_number]))
            cell.font = red
            cell.fill = fill
            values.append(cell)
        elif index == 0 and file_level:
            values.append("; ".join(file_level))
        ws.append(values)
    handle = tempfile.NamedTemporaryFile(prefix="kaigong-errors-", suffix=".xlsx", delete=False)  # noqa: SIM115
    handle.close()
    workbook.save(handle.name)
    return Path(handle.name)
