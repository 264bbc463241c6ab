"""Where a year's holiday schedule comes from: the ``chinesecalendar`` package, or a CSV/JSON file.

Both produce ``Schedule`` objects (one year: its holidays and make-up workdays, validated), and
``write_schedule`` stores one. Nothing here imports the app's models, so the seed migration can use these
functions with its historical models (``apps.get_model``) and the services can use them with the real ones.

File rules (documented in docs/workdays.md):
- CSV ``date,kind,name`` (header optional; 日期,类型,名称 also accepted; UTF-8 or GB18030) or JSON
  ``[{"date": "2027-01-01", "kind": "holiday", "name": "元旦"}, ...]`` (or ``{"notice": "...", "days": [...]}``).
- kind: ``holiday`` / ``makeup_workday`` (also 法定节假日, 节假日, 放假, 休 / 调休上班日, 调休, 上班, 班).
- Every date in one year, no date twice; a make-up workday must fall on a Saturday or Sunday (refused otherwise).
- A holiday on a Saturday or Sunday is accepted with a note: published holiday periods include weekend days
  (2024-02-10, a Saturday, is part of the Spring Festival holiday), and keeping them keeps the names.
- All or nothing: one error refuses the whole file, listing every problem found.
"""

import csv
import datetime as dt
import io
import json
import re
from dataclasses import dataclass, field

from django.utils.translation import gettext_noop

from kaigong.core.exceptions import KaigongError
from kaigong.core.text import fold
from kaigong.workdays.choices import DayKind

MAX_FILE_BYTES = 1024 * 1024
MAX_ROWS = 400
MIN_YEAR = 1949
MAX_YEAR = 2100

KIND_ALIASES = {
    "holiday": DayKind.HOLIDAY,
    "法定节假日": DayKind.HOLIDAY,
    "节假日": DayKind.HOLIDAY,
    "假日": DayKind.HOLIDAY,
    "放假": DayKind.HOLIDAY,
    "休": DayKind.HOLIDAY,
    "makeup_workday": DayKind.MAKEUP_WORKDAY,
    "makeupworkday": DayKind.MAKEUP_WORKDAY,
    "workday": DayKind.MAKEUP_WORKDAY,
    "调休上班日": DayKind.MAKEUP_WORKDAY,
    "调休上班": DayKind.MAKEUP_WORKDAY,
    "调休": DayKind.MAKEUP_WORKDAY,
    "上班": DayKind.MAKEUP_WORKDAY,
    "班": DayKind.MAKEUP_WORKDAY,
}
HEADER_CELLS = {"date", "日期"}


class ScheduleProblem(KaigongError):
    """One problem in a schedule file, with its line (CSV) or item number (JSON)."""

    code = "invalid_schedule_row"


class ScheduleFileError(KaigongError):
    """A schedule file that cannot be loaded. Nothing from it is stored. ``problems`` lists every problem found."""

    code = "invalid_schedule_file"
    status = 400

    def __init__(self, problems: list[KaigongError]):
        self.problems = problems
        super().__init__(
            gettext_noop("工作日历文件有误,未载入任何日期(共%(count)s处)"), params={"count": len(problems)}
        )

    def __str__(self) -> str:
        return "\n".join([super().__str__(), *(f"- {problem}" for problem in self.problems)])


class ChinesecalendarYearMissing(KaigongError):
    code = "chinesecalendar_year_missing"
    status = 400


@dataclass(frozen=True)
class ScheduleDay:
    date: dt.date
    kind: str
    name: str = ""


@dataclass
class Schedule:
    """One year's exceptions to the weekday rule, validated. ``notes`` are accepted oddities worth showing."""

    year: int
    days: list[ScheduleDay]
    notice: str = ""
    notes: list[KaigongError] = field(default_factory=list)

    @property
    def holiday_count(self) -> int:
        return sum(1 for day in self.days if day.kind == DayKind.HOLIDAY)

    @property
    def makeup_workday_count(self) -> int:
        return sum(1 for day in self.days if day.kind == DayKind.MAKEUP_WORKDAY)


# --- chinesecalendar -------------------------------------------------------------------------------------------


def chinesecalendar_years() -> list[int]:
    """The years the installed ``chinesecalendar`` package has schedules for (2004–2026 in version 1.11)."""
    from chinese_calendar import constants

    return sorted({d.year for d in constants.holidays} | {d.year for d in constants.workdays})


def read_chinesecalendar(years=None) -> list[Schedule]:
    """The package's holiday and make-up workday tables, one ``Schedule`` per year (all covered years by default)."""
    import chinese_calendar
    from chinese_calendar import constants

    covered = chinesecalendar_years()
    wanted = covered if years is None else sorted(set(years))
    missing = [year for year in wanted if year not in covered]
    if missing:
        raise ChinesecalendarYearMissing(
            gettext_noop("chinesecalendar 数据包不含%(years)s年的节假日安排(包含%(first)s–%(last)s年)"),
            params={"years": "、".join(map(str, missing)), "first": covered[0], "last": covered[-1]},
        )
    chinese_names = {holiday.value: holiday.chinese for holiday in constants.Holiday}
    by_year: dict[int, list[ScheduleDay]] = {year: [] for year in wanted}
    for table, kind in ((constants.holidays, DayKind.HOLIDAY), (constants.workdays, DayKind.MAKEUP_WORKDAY)):
        for date, english in table.items():
            if date.year in by_year:
                by_year[date.year].append(ScheduleDay(date, str(kind), chinese_names.get(english, english)))
    notice = f"chinesecalendar {getattr(chinese_calendar, '__version__', '')}".strip()
    return [
        Schedule(year=year, days=sorted(days, key=lambda d: d.date), notice=notice) for year, days in by_year.items()
    ]


# --- files -----------------------------------------------------------------------------------------------------


def _problem(msgid: str, line: int, **params) -> ScheduleProblem:
    return ScheduleProblem(msgid, params={"line": line, **params})


def _parse_date(text: str) -> dt.date | None:
    match = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?", fold(text))
    if not match:
        return None
    try:
        return dt.date(*map(int, match.groups()))
    except ValueError:
        return None


def validate_rows(rows: list[tuple[int, str, str, str]], *, notice: str = "") -> Schedule:
    """Rows of (line, date text, kind text, name) → a validated ``Schedule``, or ``ScheduleFileError``."""
    problems: list[KaigongError] = []
    notes: list[KaigongError] = []
    days: list[ScheduleDay] = []
    seen: dict[dt.date, int] = {}
    if not rows:
        raise ScheduleFileError([KaigongError(gettext_noop("文件中没有任何日期"))])
    if len(rows) > MAX_ROWS:
        raise ScheduleFileError([KaigongError(gettext_noop("文件行数过多(最多%(max)s行)"), params={"max": MAX_ROWS})])
    for line, date_text, kind_text, name in rows:
        date = _parse_date(date_text or "")
        kind = KIND_ALIASES.get(fold(kind_text or "").lower())
        if date is None:
            problems.append(
                _problem(gettext_noop("第%(line)s行: 日期“%(value)s”无效,应为 YYYY-MM-DD"), line, value=date_text)
            )
        if kind is None:
            problems.append(
                _problem(
                    gettext_noop("第%(line)s行: 类型“%(value)s”无效,应为 holiday 或 makeup_workday"),
                    line,
                    value=kind_text,
                )
            )
        if date is None or kind is None:
            continue
        if date in seen:
            problems.append(
                _problem(
                    gettext_noop("第%(line)s行: 日期%(date)s与第%(other)s行重复"),
                    line,
                    date=date.isoformat(),
                    other=seen[date],
                )
            )
            continue
        seen[date] = line
        if kind == DayKind.MAKEUP_WORKDAY and date.weekday() < 5:
            problems.append(
                _problem(gettext_noop("第%(line)s行: 调休上班日%(date)s不是周六或周日"), line, date=date.isoformat())
            )
            continue
        if kind == DayKind.HOLIDAY and date.weekday() >= 5:
            notes.append(
                _problem(
                    gettext_noop("第%(line)s行: 节假日%(date)s是周末,按放假期间的一天保留"), line, date=date.isoformat()
                )
            )
        days.append(ScheduleDay(date, str(kind), fold_name(name)))
    years = sorted({date.year for date in seen})
    if len(years) > 1:
        problems.insert(
            0,
            KaigongError(
                gettext_noop("文件中的日期须在同一年内,实际跨%(years)s年"), params={"years": "、".join(map(str, years))}
            ),
        )
    elif years and not MIN_YEAR <= years[0] <= MAX_YEAR:
        problems.insert(0, KaigongError(gettext_noop("年份须在1949至2100之间")))
    if problems:
        raise ScheduleFileError(problems)
    return Schedule(year=years[0], days=sorted(days, key=lambda d: d.date), notice=notice.strip()[:200], notes=notes)


def fold_name(name) -> str:
    """Holiday names as typed: simplified characters, full-width folded, trimmed (春節 → 春节)."""
    return fold(name or "")[:100]


def _decode(content: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ScheduleFileError([KaigongError(gettext_noop("文件编码无法识别,请保存为 UTF-8"))])


def _rows_from_csv(text: str) -> list[tuple[int, str, str, str]]:
    rows = []
    for line, cells in enumerate(csv.reader(io.StringIO(text)), start=1):
        cells = [cell.strip() for cell in cells]
        if not any(cells):
            continue
        if not rows and fold(cells[0]).lower() in HEADER_CELLS:
            continue
        cells += [""] * (3 - len(cells))
        rows.append((line, cells[0], cells[1], cells[2]))
    return rows


def _rows_from_json(text: str) -> tuple[list[tuple[int, str, str, str]], str]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ScheduleFileError(
            [
                KaigongError(
                    gettext_noop("JSON 格式有误(第%(line)s行): %(error)s"),
                    params={"line": exc.lineno, "error": exc.msg},
                )
            ]
        ) from exc
    notice = ""
    if isinstance(data, dict):
        notice = str(data.get("notice") or "")
        data = data.get("days")
    if not isinstance(data, list):
        raise ScheduleFileError(
            [KaigongError(gettext_noop('JSON 应为日期对象的列表: [{"date": ..., "kind": ..., "name": ...}]'))]
        )
    rows = []
    for number, item in enumerate(data, start=1):
        if not isinstance(item, dict):
            item = {}
        rows.append((number, str(item.get("date") or ""), str(item.get("kind") or ""), str(item.get("name") or "")))
    return rows, notice


def parse_schedule_file(content: bytes, filename: str = "") -> Schedule:
    """A CSV or JSON schedule file (by extension, else by its first character) → a validated ``Schedule``."""
    if len(content) > MAX_FILE_BYTES:
        raise ScheduleFileError([KaigongError(gettext_noop("文件过大(最大1 MB)"))])
    text = _decode(content)
    name = filename.lower()
    is_json = name.endswith(".json") or (not name.endswith(".csv") and text.lstrip()[:1] in ("[", "{"))
    if is_json:
        rows, notice = _rows_from_json(text)
        return validate_rows(rows, notice=notice)
    return validate_rows(_rows_from_csv(text))


# --- storing ---------------------------------------------------------------------------------------------------


def write_schedule(year_model, day_model, schedule: Schedule, *, source: str, now) -> tuple[object, int]:
    """Store ``schedule`` as a complete year, replacing that year's days. Returns (calendar year, days replaced).

    Takes the model classes so the seed migration (historical models) and the services (real models) share it.
    The caller holds the transaction and decides whether replacing an existing year is allowed.
    """
    calendar_year, created = year_model.objects.get_or_create(
        year=schedule.year,
        defaults={"source": source, "is_complete": True, "notice": schedule.notice, "loaded_at": now},
    )
    replaced = 0
    if not created:
        replaced, _ = day_model.objects.filter(calendar_year=calendar_year).delete()
        calendar_year.source = source
        calendar_year.is_complete = True
        calendar_year.notice = schedule.notice or calendar_year.notice
        calendar_year.loaded_at = now
        calendar_year.save()
    day_model.objects.bulk_create(
        [day_model(calendar_year=calendar_year, date=d.date, kind=d.kind, name=d.name) for d in schedule.days]
    )
    return calendar_year, replaced
