"""Checking a ledger sheet: every row parsed, matched and validated; nothing is written.

Parses every cell (one parser per column, chosen once), matches categories, levels, departments, owners and
existing projects by ID, code or name and year (a few queries for the whole sheet, into dicts: no per-row
queries), and validates each row by Project's own field rules and Project.clean (``validation.py``), with
Django's messages. A stage move meets what ``services.change_project_stage`` holds it to (the transitions, a
start's code and date, the other apps' objections). Every problem comes back with its sheet row, column header
and letter; the rows without one come back as plans for the writer.
"""

import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from django.db import connections
from django.utils import timezone
from django.utils.translation import gettext_noop

from kaigong.accounts.models import Department, Organization
from kaigong.core.codes import credit_code_problem, normalize_credit_code
from kaigong.core.dictionaries import entry_names
from kaigong.core.sheets import FORMULA_STARTS, starts_like_formula
from kaigong.core.text import dictionary_key, fold
from kaigong.projects.choices import Pool, Stage
from kaigong.projects.ledger.bulk import PROGRESS_EVERY, ProgressCallback, chunks, without_cycle_collection
from kaigong.projects.ledger.columns import (
    AMOUNT,
    BOOL,
    CHOICE,
    COLUMNS,
    COLUMNS_BY_KEY,
    DATE,
    FK_FIELDS,
    INT,
    LOOKUP,
    NUMBER,
    TEXT,
    UNIT_WAN,
    YEAR,
    CellError,
    LedgerColumn,
    column_letter,
    is_blank,
    is_total_label,
    parse_bool,
    parse_choice,
    parse_date,
    parse_int,
    parse_money,
    parse_number,
    parse_text,
    parse_year,
)
from kaigong.projects.ledger.owners import NewOwner, merge_new_owners
from kaigong.projects.ledger.problems import Problem
from kaigong.projects.ledger.reader import IgnoredColumn, LedgerSheet, is_data_row
from kaigong.projects.ledger.validation import field_problems
from kaigong.projects.models import Category, Level, Project
from kaigong.projects.rules import PROJECT_EDITABLE_FIELDS, transition_refusal
from kaigong.projects.stage_guards import stage_objections

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
# The fields a row writes as its cells give them: each column naming a field an update may set, but the relations
# and the pool (matched by their names); project_id, row_number and owner_credit_code only match, the stage and the
# actual start go by the stage rules.
DIRECT_FIELDS = tuple(c.key for c in COLUMNS if c.key in PROJECT_EDITABLE_FIELDS and c.key not in (*FK_FIELDS, "pool"))
_LOOKUP_MESSAGES = {
    "category": gettext_noop("未知的项目类别“%(value)s”,请先在类别字典中添加"),
    "level": gettext_noop("未知的项目级别“%(value)s”"),
    "responsible_department": gettext_noop("未知的责任单位“%(value)s”,请先添加该部门"),
}


# Text columns whose text starting with =, +, -, @ is warned about. Not the phone: "+86 138…" is how a phone number
# is written, not a formula. Amounts, dates and numbers are read as numbers ("-5" is minus five), never warned.
_FORMULA_WARNED_KEYS = tuple(c.key for c in COLUMNS if c.kind in (TEXT, LOOKUP) and c.key != "contact_phone")
_FORMULA_FIRST = (*FORMULA_STARTS, " ", "\t", "\n", "\r", "\u3000", "\xa0")


def formula_warnings(sheet: LedgerSheet) -> list[Problem]:
    """A warning for each text cell of a data row that starts as a formula would (=, +, -, @): it is imported as
    the text it is, and exported as text again (``kaigong.core.sheets``), but the clerk should know. A formula cell
    is read by its value (calamine gives the value Excel saved), so only typed text is met here."""
    columns = [(key, sheet.columns[key]) for key in _FORMULA_WARNED_KEYS if key in sheet.columns]
    warnings = []
    for index in range(sheet.header_row + 1, len(sheet.rows)):
        cells = sheet.rows[index]
        width = len(cells)
        for key, column in columns:
            cell = cells[column] if column < width else None
            # A quick look at the first character first (a sheet has a million text cells); the cell is stripped
            # on import, so one starting with a space is looked at too.
            if type(cell) is not str or not cell.startswith(_FORMULA_FIRST):
                continue
            text = parse_text(cell)
            if not starts_like_formula(text) or not is_data_row(cells):
                continue
            warnings.append(
                Problem.make(
                    index + 1,
                    COLUMNS_BY_KEY[key],
                    sheet.headers.get(column, ""),
                    column_letter(column),
                    gettext_noop("以“%(start)s”开头的文本按文本导入,不作为公式"),
                    {"start": text[0]},
                )
            )
    return warnings


def _dict_key(text: str) -> str:
    """The key dictionary values (categories, levels, departments, stages, pools) and owners' names are matched by:
    traditional → simplified, full-width → ASCII, lower case, no spaces, no punctuation (kaigong.core.text)."""
    return dictionary_key(text)


def _dictionary(entries, name_fields: tuple[str, ...], *, suffix: str = "") -> dict:
    """key → entry for a dictionary (categories, levels, departments): by name, short name or code and by alias,
    then (where no entry has that key already) by the name without its suffix (产业 for 产业类, 市 for 市级)."""
    entries = list(entries)
    table: dict = {}
    for entry in entries:
        for name in entry_names(entry, name_fields):
            table.setdefault(_dict_key(name), entry)
    if suffix:
        for entry in entries:
            for name in entry_names(entry, name_fields):
                table.setdefault(_dict_key(name).removesuffix(suffix), entry)
    table.pop("", None)
    return table


def _stored_name_key(text: str) -> str:
    """The same key for a name stored in the database (already simplified): NFKC only, far cheaper than fold."""
    return _SPACES.sub("", unicodedata.normalize("NFKC", text)).lower()


_SPACES = re.compile(r"[\s\u3000]+")


def _cell_parser(column: LedgerColumn, unit: str) -> Callable[[object], object]:
    """The parser for one column's cells, chosen once per sheet (its unit bound in)."""
    kind = column.kind
    if kind == AMOUNT:
        return partial(parse_money, unit=unit)
    if kind == DATE:
        return parse_date
    if kind == BOOL:
        return parse_bool
    if kind == CHOICE:
        return partial(parse_choice, column.key)
    if kind == NUMBER:
        return parse_number
    if kind == YEAR:
        return parse_year
    if kind == INT and column.key == "project_id":
        return parse_int
    return parse_text  # text, lookups (matched by name afterwards) and the row number


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
    warnings: list[Problem] = field(default_factory=list)  # said, not blocking: text that looks like a formula
    ignored: list[IgnoredColumn] = field(default_factory=list)  # the sheet's columns not read
    new_owners: list["NewOwner"] = field(default_factory=list)  # organizations the import registers
    plans: list[RowPlan] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    written: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems


class LedgerChecker:
    """Checks one ledger sheet: ``check`` finds its problems and plans its rows, writing nothing."""

    # -- reference data, loaded once -----------------------------------------------------------------------

    def _load_reference(self) -> None:
        self.categories = _dictionary(Category.objects.all(), Category.NAME_FIELDS, suffix="类")
        self.levels = _dictionary(Level.objects.all(), Level.NAME_FIELDS, suffix="级")
        self.departments = _dictionary(Department.objects.all(), Department.NAME_FIELDS)
        self.lookups = {"category": self.categories, "level": self.levels, "responsible_department": self.departments}
        self.orgs_by_pk: dict[int, Organization] = {}
        self.orgs_by_code: dict[str, Organization] = {}
        self.orgs_by_name: dict[str, list[Organization]] = {}
        for org in Organization.objects.all():
            self.orgs_by_pk[org.pk] = org
            if org.credit_code:
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
        self.new_project = Project()  # a new project's defaults, for checking the rows that create one

    def _load_keys(self, sheet: LedgerSheet, parsed_rows: list) -> None:
        """What identifies the stored projects the sheet may refer to: the IDs and codes it gives that exist, and
        the name key of every project of a year the rows use (a row without ID or code is matched by name and
        year). Three narrow queries (chunked) instead of reading the whole registry."""
        low, high = connections[Project.objects.db].ops.integer_field_range(Project._meta.pk.get_internal_type())
        ids, codes, years = set(), set(), set()
        if sheet.default_year:
            years.add(sheet.default_year)
        for _, values, _, _ in parsed_rows:
            pk, code, year = values.get("project_id"), values.get("project_code"), values.get("year")
            if type(pk) is int and (low is None or low <= pk) and (high is None or pk <= high):
                ids.add(pk)
            if isinstance(code, str) and code:
                codes.add(code)
            if isinstance(year, int):
                years.add(year)
        self.project_ids: set[int] = set()
        for chunk in chunks(sorted(ids)):
            self.project_ids.update(Project.objects.filter(pk__in=chunk).values_list("id", flat=True))
        self.code_owner: dict[str, int] = {}
        for chunk in chunks(sorted(codes)):
            self.code_owner.update(Project.objects.filter(project_code__in=chunk).values_list("project_code", "id"))
        self.name_year: dict[tuple[str, int], list[int]] = {}
        names = Project.objects.filter(year__in=sorted(years)).values_list("id", "name", "year").order_by("id")
        for pk, name, year in names.iterator(chunk_size=5000):
            self.name_year.setdefault((_stored_name_key(name), year), []).append(pk)

    def _load_projects(self, ids: set[int]) -> dict[int, Project]:
        """The projects the sheet refers to, their relations filled from the preloaded dictionaries."""
        categories = {c.pk: c for c in self.categories.values()}
        levels = {level.pk: level for level in self.levels.values()}
        departments = {d.pk: d for d in self.departments.values()}
        orgs = self.orgs_by_pk
        projects: dict[int, Project] = {}
        related = [
            (Project._meta.get_field(name), table)
            for name, table in (
                ("category", categories),
                ("level", levels),
                ("owner", orgs),
                ("responsible_department", departments),
            )
        ]
        for chunk in chunks(sorted(ids)):
            for project in Project.objects.filter(pk__in=chunk):
                for relation, table in related:  # as `project.category = …` would, without its checks
                    relation.set_cached_value(project, table.get(getattr(project, relation.attname)))
                projects[project.pk] = project
        return projects

    # -- checking --------------------------------------------------------------------------------------------

    @without_cycle_collection
    def check(self, sheet: LedgerSheet, *, progress: ProgressCallback | None = None) -> LedgerResult:
        """Parse and validate every data row; nothing is written. The result lists every problem."""
        self._load_reference()
        result = LedgerResult(ignored=list(sheet.ignored), warnings=formula_warnings(sheet))
        parsed_rows = list(self._parse_rows(sheet, result))
        result.total_rows = len(parsed_rows)
        self._load_keys(sheet, parsed_rows)

        # Which existing projects the sheet refers to, found without a query per row.
        wanted: set[int] = set()
        for _, values, _, folded_name in parsed_rows:
            pk = values.get("project_id")
            if pk in self.project_ids:
                wanted.add(pk)
            code = values.get("project_code")
            if code and code in self.code_owner:
                wanted.add(self.code_owner[code])
            elif not pk and not code and values.get("name"):
                year = values.get("year") or sheet.default_year
                match = self.name_year.get((_stored_name_key(folded_name), year), [])
                if len(match) == 1:
                    wanted.add(match[0])
        self.projects = self._load_projects(wanted)

        seen_projects: dict[int, int] = {}
        seen_codes: dict[str, int] = {}
        seen_new: dict[tuple[str, int], int] = {}
        new_owners: dict[str, NewOwner] = {}
        total = len(parsed_rows)
        for done, (row_number, values, _, folded_name) in enumerate(parsed_rows, start=1):
            plan = self._plan_row(sheet, row_number, values, folded_name, result, seen_projects, seen_codes, seen_new)
            if plan is not None and plan.new_owner:
                self._note_new_owner(result, sheet, row_number, plan.new_owner, new_owners)
            if plan is not None:
                result.plans.append(plan)
            if progress and (done % PROGRESS_EVERY == 0 or done == total):
                progress(done, total)
        result.new_owners = merge_new_owners(new_owners)
        result.problems.sort(key=lambda p: (p.row or 0, len(p.letter or ""), p.letter or ""))
        return result

    def _problem(self, result, sheet, row, key, msgid, params=None) -> None:
        column = COLUMNS_BY_KEY.get(key)
        index = sheet.columns.get(key)
        header = sheet.headers.get(index, "") if index is not None else (column.header if column else "")
        letter = column_letter(index) if index is not None else ""
        result.problems.append(Problem.make(row, column, header, letter, msgid, params))

    def _parse_rows(self, sheet: LedgerSheet, result: LedgerResult):
        """Yield (sheet row, parsed values, raw cells, folded name) for each data row; cell errors go to
        result.problems. The name is folded once here: matching it by name and year needs it twice."""
        name_index = sheet.columns["name"]
        category_index = sheet.columns.get("category")
        section_category = None
        label_indexes = [i for i in (sheet.columns.get("row_number"), name_index, category_index) if i is not None]
        parsers = [
            (key, col, _cell_parser(COLUMNS_BY_KEY[key], sheet.units.get(key, UNIT_WAN)))
            for key, col in sheet.columns.items()
        ]
        for index in range(sheet.header_row + 1, len(sheet.rows)):
            cells = sheet.rows[index]
            row_number = index + 1
            filled = [c for c in cells if not is_blank(c)]
            if not filled:
                continue
            first_labels = [cells[i] for i in label_indexes if i < len(cells)] + filled[:2]
            if any(isinstance(c, str) and is_total_label(c) for c in first_labels):
                continue
            first = str(filled[0]).strip()
            if all(str(c).strip() == first for c in filled[1:]):
                # A section heading ("一、产业类项目", maybe merged across the row) or a note, not a project;
                # a heading that names a category gives it to the rows below that leave it blank.
                category = self._category_from_section(first)
                only_name = len(filled) == 1 and not is_blank(cells[name_index])
                if category is not None:
                    section_category = category
                    continue
                if _SECTION.match(first):
                    section_category = None
                    continue
                if not only_name:
                    continue
            values: dict = {}
            width = len(cells)
            for key, col, parse in parsers:
                try:
                    values[key] = parse(cells[col] if col < width else None)
                except CellError as exc:
                    self._problem(result, sheet, row_number, key, exc.msgid, exc.params)
                    values[key] = _INVALID
            if values.get("category") in (None, "") and section_category is not None:
                values["category"] = section_category
            name = values.get("name")
            yield row_number, values, cells, fold(name) if isinstance(name, str) and name else None

    def _category_from_section(self, text: str) -> Category | None:
        """ "一、产业类项目(14个)" → the 产业类 category, when a section row names one."""
        folded = re.sub(r"[(（].*$", "", _SECTION.sub("", fold(text)))  # before the key drops the brackets
        folded = _dict_key(folded).removesuffix("项目")
        return self.categories.get(folded) or self.categories.get(folded.removesuffix("类"))

    def _plan_row(self, sheet, row, values, folded_name, result, seen_projects, seen_codes, seen_new) -> RowPlan | None:
        problems_before = len(result.problems)

        def problem(key, msgid, params=None):
            self._problem(result, sheet, row, key, msgid, params)

        code = values.get("project_code")
        if code is _INVALID:
            code = None
        code = (code or "").strip() if isinstance(code, str) else code
        pk = values.get("project_id")
        name = values.get("name")
        has_name = isinstance(name, str) and bool(name)
        year = values.get("year") if isinstance(values.get("year"), int) else sheet.default_year
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
        elif not code and pk is None and has_name:
            match = self.name_year.get((_stored_name_key(folded_name), year), [])
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
        if project is None and has_name:
            key = (folded_name.lower(), year)  # _dict_key(name)
            if key in seen_new and not code:
                problem("name", gettext_noop("与第%(row)s行是同一项目(名称和年度相同)"), {"row": seen_new[key]})
            seen_new.setdefault(key, row)

        data: dict = {}
        for field_name in DIRECT_FIELDS:
            value = values.get(field_name)
            if value is _INVALID or value is None or value == "":
                continue
            data[field_name] = value
        if code:
            data["project_code"] = code
        if "year" not in data and project is None and sheet.default_year:
            data["year"] = sheet.default_year

        for key, table in self.lookups.items():
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
                problem(key, _LOOKUP_MESSAGES[key], {"value": value})
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
        elif (
            project is not None  # None: an unknown project ID, already a problem
            and stage is not None
            and stage != project.stage
            and (refusal := transition_refusal(project.stage, stage)) is not None
        ):
            problem("stage", *refusal)  # as services.change_project_stage refuses it
        # A move to 新开工 (or a new row registered at 新开工) that the transitions allow: the start's own rules.
        if stage == Stage.STARTED and (
            (project is None and not id_given)
            or (
                project is not None
                and project.stage != Stage.STARTED
                and transition_refusal(project.stage, stage) is None
            )
        ):
            self._check_start(project, data, values, problem)

        if code and project is None and code in self.code_owner:
            problem("project_code", gettext_noop("项目代码 %(code)s 已被其他项目使用"), {"code": code})

        if len(result.problems) == problems_before:
            result.problems.extend(field_problems(sheet, row, project, data, stage, self.new_project))
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

    def _check_start(self, project, data, values, problem) -> None:
        """A row moving a project to 新开工 meets what services.change_project_stage holds a move to (a project code,
        a start not after today, no objection of another app), as row problems: a sheet records no reason. A new
        row registered at 新开工 meets the same rules (it has no checklist yet, so no app objects to it)."""
        if not (data.get("project_code") or (project is not None and project.project_code)):
            problem("project_code", gettext_noop("变更为新开工须先填写项目代码"))
        start, today = values.get("actual_start_date"), timezone.localdate()
        if isinstance(start, dt.date) and start > today:
            problem(
                "actual_start_date", gettext_noop("实际开工时间不能晚于今天(%(today)s)"), {"today": today.isoformat()}
            )
        for objection in stage_objections(project=project, stage=Stage.STARTED) if project is not None else ():
            problem("stage", gettext_noop("%(objection)s;请在项目页面变更阶段并填写原因"), {"objection": objection})

    def _resolve_owner(self, values, data, problem) -> tuple[str, str] | None:
        name = values.get("owner")
        name = name if isinstance(name, str) else ""
        raw_code = values.get("owner_credit_code")
        code = normalize_credit_code(raw_code) if isinstance(raw_code, str) else ""
        if code:
            wrong = credit_code_problem(code)
            if wrong is not None:  # what is wrong, said: the length, a character and where, or the check character
                problem("owner_credit_code", wrong[1], wrong[2])
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
            # No code: an organization of that name (whatever the script, width and punctuation), else a new one,
            # registered without a code for the office to complete (缺统一社会信用代码).
            matches = self.orgs_by_name.get(_dict_key(name), [])
            if len(matches) == 1:
                data["owner"] = matches[0]
            elif len(matches) > 1:
                problem("owner", gettext_noop("有多个名为“%(name)s”的单位,请填写统一社会信用代码"), {"name": name})
            else:
                return "", name
        return None

    def _codeless_namesake(self, name: str) -> Organization | None:
        """The one organization of that name registered without a code, whose code a row now gives (else None)."""
        matches = [org for org in self.orgs_by_name.get(_dict_key(name), []) if not org.credit_code]
        return matches[0] if len(matches) == 1 else None

    def _note_new_owner(self, result, sheet, row: int, new_owner: tuple[str, str], seen: dict) -> None:
        """Gather the owners the sheet registers: one per credit code, or per name when a row gives no code."""
        code, name = new_owner
        key = code or "name:" + _dict_key(name)
        owner = seen.get(key)
        if owner is None:
            existing = self._codeless_namesake(name) if code else None
            seen[key] = NewOwner(name=name, credit_code=code, row=row, existing=existing)
        elif code and _dict_key(owner.name) != _dict_key(name):
            self._problem(
                result,
                sheet,
                row,
                "owner",
                gettext_noop("统一社会信用代码 %(code)s 在第%(row)s行对应的建设单位名称不同"),
                {"code": code, "row": owner.row},
            )
        else:
            owner.rows += 1

    def list_new_owners(self, sheet: LedgerSheet) -> list[NewOwner]:
        """The owners a sheet would register, as check finds them, from its owner columns alone: the upload's page
        lists them without checking the whole sheet again (the record keeps the problems, not the plans)."""
        if "owner" not in sheet.columns:
            return []
        self._load_reference()
        owner_index, code_index = sheet.columns["owner"], sheet.columns.get("owner_credit_code")
        scratch = LedgerResult()
        seen: dict[str, NewOwner] = {}
        for index in range(sheet.header_row + 1, len(sheet.rows)):
            cells = sheet.rows[index]
            if not is_data_row(cells):
                continue
            values = {}
            for key, column in (("owner", owner_index), ("owner_credit_code", code_index)):
                if column is not None and column < len(cells):
                    try:
                        values[key] = parse_text(cells[column])
                    except CellError:
                        values[key] = _INVALID
            new_owner = self._resolve_owner(values, {}, lambda *args: None)
            if new_owner is not None:
                self._note_new_owner(scratch, sheet, index + 1, new_owner, seen)
        return merge_new_owners(seen)


class _Invalid:
    """Marks a cell that failed to parse (its problem is already recorded)."""

    def __repr__(self) -> str:  # pragma: no cover
        return "<invalid>"


_INVALID = _Invalid()
