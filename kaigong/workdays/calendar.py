"""Working-day arithmetic on the Chinese calendar (工作日): the one module that counts legal time limits.

Rules (行政许可法 第八十二条 and DOMAIN.md §2–3):
- A day is a workday when it is a make-up workday (调休上班日), or a Monday–Friday that is not a statutory
  holiday. Only the years an administrator has loaded completely (``CalendarYear.is_complete``) are known.
- ``add_workdays(start, n)``: the Nth working day strictly after ``start``. A period starts the day after
  acceptance, so an acceptance on a weekend or holiday (7×24 portal) counts from the next working day.
  ``n = 0`` gives ``start``; a negative ``n`` gives the Nth working day strictly before ``start``.
- ``count_workdays(start, end)``: the working days after ``start`` up to and including ``end`` (0 if
  ``end <= start``), so ``count_workdays(start, add_workdays(start, n)) == n``.
- Suspension windows (补正: the clock stops while the applicant corrects materials) are inclusive date ranges
  ``(first, last)`` whose working days are not counted.

Unloaded years: by default a result that needs a day in a year whose calendar is not loaded raises
``CalendarYearMissing`` (never silently wrong). With ``provisional=True`` the functions return a
``WorkdayResult`` whose ``missing_years`` say which years were reckoned with weekends only.

Speed: a ``WorkdayCalendar`` is an immutable snapshot holding a prefix count of workdays over the loaded span,
so each call is a few array lookups and a binary search: no database query per call. ``get_calendar()`` keeps
one snapshot per process, reloads it after an edit (services call ``invalidate_calendar``), and otherwise
re-checks a cheap stamp (count and last change of the years) at the start of each request and at most every
few seconds in long-running jobs, so edits made by another process are seen.
"""

import datetime as dt
import threading
import time
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Generic, Literal, TypeVar, overload

from django.utils.translation import gettext_noop

from kaigong.core.exceptions import KaigongError

T = TypeVar("T")
Suspension = tuple[dt.date, dt.date]

MAX_ORDINAL = dt.date.max.toordinal()
RECHECK_SECONDS = 5.0


class CalendarYearMissing(KaigongError):
    """The result needs a year whose holiday schedule is not loaded."""

    code = "calendar_year_missing"
    status = 409

    def __init__(self, years: Iterable[int]):
        self.years = tuple(sorted(years))
        super().__init__(
            gettext_noop(
                "%(years)s年的工作日历尚未载入,无法准确计算工作日;请管理员载入国务院办公厅公布的该年节假日安排"
            ),
            params={"years": "、".join(map(str, self.years))},
        )


class WorkdayInputError(KaigongError):
    code = "invalid_workday_input"
    status = 400


@dataclass(frozen=True)
class WorkdayResult(Generic[T]):
    """A result computed in provisional mode: ``missing_years`` were reckoned with weekends only."""

    value: T
    missing_years: tuple[int, ...] = ()

    @property
    def provisional(self) -> bool:
        return bool(self.missing_years)


def _weekdays_before(ordinal: int) -> int:
    """Mondays–Fridays with an ordinal in [1, ordinal). Ordinal 1 (0001-01-01) is a Monday."""
    days = ordinal - 1
    return 5 * (days // 7) + min(days % 7, 5)


def _is_weekday(ordinal: int) -> bool:
    return (ordinal - 1) % 7 < 5


def _ordinal(value: dt.date) -> int:
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise WorkdayInputError(gettext_noop("日期无效"))
    return value.toordinal()


def _to_date(ordinal: int) -> dt.date:
    if not 1 <= ordinal <= MAX_ORDINAL:
        raise WorkdayInputError(gettext_noop("计算结果超出可表示的日期范围"))
    return dt.date.fromordinal(ordinal)


class WorkdayCalendar:
    """An immutable snapshot of the loaded years, their holidays and their make-up workdays."""

    def __init__(
        self,
        *,
        years: Iterable[int] = (),
        holidays: Iterable[dt.date] = (),
        makeup_workdays: Iterable[dt.date] = (),
        stamp: object = None,
    ):
        self.years = frozenset(years)
        self.stamp = stamp
        off = {d.toordinal() for d in holidays if d.year in self.years}
        on = {d.toordinal() for d in makeup_workdays if d.year in self.years}
        self._lo = self._hi = 0
        self._cum = array("l")
        if self.years:
            # Prefix counts: _cum[i] = workdays among ordinals [lo, lo + i). Unloaded years inside the span follow
            # the weekday rule (they are reported as missing, never silently trusted).
            self._lo = dt.date(min(self.years), 1, 1).toordinal()
            self._hi = dt.date(max(self.years), 12, 31).toordinal() + 1
            cum = array("l", [0]) * (self._hi - self._lo + 1)
            running = 0
            for i, ordinal in enumerate(range(self._lo, self._hi), start=1):
                if ordinal in on or (ordinal not in off and _is_weekday(ordinal)):
                    running += 1
                cum[i] = running
            self._cum = cum

    def __repr__(self) -> str:
        span = f"{min(self.years)}–{max(self.years)}" if self.years else "empty"
        return f"<WorkdayCalendar {span}, {len(self.years)} years>"

    # --- primitives on ordinals ---------------------------------------------------------------------------------

    def _w(self, x: int) -> int:
        """Workdays with an ordinal before ``x`` (relative to the span's start; only differences matter)."""
        if not self.years or x <= self._lo:
            return _weekdays_before(x) - _weekdays_before(self._lo)
        if x <= self._hi:
            return self._cum[x - self._lo]
        return self._cum[-1] + _weekdays_before(x) - _weekdays_before(self._hi)

    def _counted(self, a: int, b: int, windows: Sequence[tuple[int, int]]) -> int:
        """Counted workdays with an ordinal in [a, b): workdays outside the suspension windows."""
        if b <= a:
            return 0
        total = self._w(b) - self._w(a)
        for first, stop in windows:
            lo, hi = max(a, first), min(b, stop)
            if hi > lo:
                total -= self._w(hi) - self._w(lo)
        return total

    def missing_years(self, first: dt.date, last: dt.date) -> tuple[int, ...]:
        """Years from ``first`` to ``last`` (inclusive) whose calendar is not loaded."""
        return tuple(year for year in range(first.year, last.year + 1) if year not in self.years)

    @staticmethod
    def _windows(suspensions: Iterable[Suspension]) -> list[tuple[int, int]]:
        """Suspension windows as merged half-open ordinal ranges [first, last + 1)."""
        spans = []
        for window in suspensions or ():
            try:
                first, last = window
            except (TypeError, ValueError) as exc:
                raise WorkdayInputError(gettext_noop("中止计时的时段应为(开始日期, 结束日期)")) from exc
            if _ordinal(last) < _ordinal(first):
                raise WorkdayInputError(
                    gettext_noop("中止计时的时段%(first)s至%(last)s结束早于开始"),
                    params={"first": first.isoformat(), "last": last.isoformat()},
                )
            spans.append((first.toordinal(), last.toordinal() + 1))
        merged: list[tuple[int, int]] = []
        for first, stop in sorted(spans):
            if merged and first <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(stop, merged[-1][1]))
            else:
                merged.append((first, stop))
        return merged

    def _finish(self, value, missing: tuple[int, ...], provisional: bool):
        if provisional:
            return WorkdayResult(value, missing)
        if missing:
            raise CalendarYearMissing(missing)
        return value

    # --- the public arithmetic ----------------------------------------------------------------------------------

    def is_workday(self, day: dt.date, *, provisional: bool = False):
        ordinal = _ordinal(day)
        value = self._w(ordinal + 1) - self._w(ordinal) == 1
        return self._finish(value, self.missing_years(day, day), provisional)

    def add_workdays(
        self, start: dt.date, n: int, *, suspensions: Iterable[Suspension] = (), provisional: bool = False
    ):
        if isinstance(n, bool) or not isinstance(n, int):
            raise WorkdayInputError(gettext_noop("工作日数须为整数"))
        s = _ordinal(start)
        if n == 0:
            return self._finish(start, (), provisional)
        windows = self._windows(suspensions)
        slack = 14 + sum(stop - first for first, stop in windows)
        if n > 0:
            # Smallest x > s with counted(s+1 .. x) >= n.
            low, high = s + 1, s + 2 * n + slack
            while self._counted(s + 1, high + 1, windows) < n:
                if high > MAX_ORDINAL:
                    raise WorkdayInputError(gettext_noop("计算结果超出可表示的日期范围"))
                high = s + 2 * (high - s)
            while low < high:
                mid = (low + high) // 2
                if self._counted(s + 1, mid + 1, windows) >= n:
                    high = mid
                else:
                    low = mid + 1
            result = _to_date(low)
            return self._finish(result, self.missing_years(_to_date(s + 1), result), provisional)
        # Negative n: the largest x < s with counted(x .. s-1) >= |n|.
        m = -n
        low, high = s - 2 * m - slack, s - 1
        while self._counted(low, s, windows) < m:
            if low < 1:
                raise WorkdayInputError(gettext_noop("计算结果超出可表示的日期范围"))
            low = s - 2 * (s - low)
        while low < high:
            mid = (low + high + 1) // 2
            if self._counted(mid, s, windows) >= m:
                low = mid
            else:
                high = mid - 1
        result = _to_date(low)
        return self._finish(result, self.missing_years(result, _to_date(s - 1)), provisional)

    def count_workdays(
        self, start: dt.date, end: dt.date, *, suspensions: Iterable[Suspension] = (), provisional: bool = False
    ):
        s, e = _ordinal(start), _ordinal(end)
        windows = self._windows(suspensions)
        if e <= s:
            return self._finish(0, (), provisional)
        value = self._counted(s + 1, e + 1, windows)
        return self._finish(value, self.missing_years(_to_date(s + 1), end), provisional)


# --- the process-wide calendar -------------------------------------------------------------------------------

_lock = threading.Lock()
_cached: WorkdayCalendar | None = None
_checked_at = float("-inf")


def _stamp() -> tuple:
    from django.db.models import Count, Max

    from kaigong.workdays.models import CalendarYear

    row = CalendarYear.objects.aggregate(n=Count("id"), latest=Max("updated_at"))
    return (row["n"], row["latest"])


def load_calendar() -> WorkdayCalendar:
    """A fresh snapshot of the complete years from the database (three queries)."""
    from kaigong.workdays.choices import DayKind
    from kaigong.workdays.models import CalendarDay, CalendarYear

    stamp = _stamp()
    years = list(CalendarYear.objects.filter(is_complete=True).values_list("year", flat=True))
    holidays, makeup = [], []
    for date, kind in CalendarDay.objects.filter(calendar_year__is_complete=True).values_list("date", "kind"):
        (makeup if kind == DayKind.MAKEUP_WORKDAY else holidays).append(date)
    return WorkdayCalendar(years=years, holidays=holidays, makeup_workdays=makeup, stamp=stamp)


def get_calendar() -> WorkdayCalendar:
    """The process's calendar snapshot, reloaded when the stored years changed."""
    global _cached, _checked_at
    calendar = _cached
    if calendar is not None and time.monotonic() - _checked_at < RECHECK_SECONDS:
        return calendar
    with _lock:
        if _cached is None or _cached.stamp != _stamp():
            _cached = load_calendar()
        _checked_at = time.monotonic()
        return _cached


def invalidate_calendar(**_kwargs) -> None:
    """Forget the snapshot (after an edit): the next use reloads it."""
    global _cached
    _cached = None


def recheck_calendar(**_kwargs) -> None:
    """Make the next use compare the stamp with the database (connected to ``request_started``)."""
    global _checked_at
    _checked_at = float("-inf")


# --- module-level shortcuts on the process calendar (or a given snapshot) -------------------------------------


@overload
def is_workday(
    day: dt.date, *, calendar: WorkdayCalendar | None = None, provisional: Literal[False] = False
) -> bool: ...
@overload
def is_workday(
    day: dt.date, *, calendar: WorkdayCalendar | None = None, provisional: Literal[True]
) -> WorkdayResult[bool]: ...
def is_workday(day, *, calendar=None, provisional=False):
    """Whether ``day`` is a working day."""
    return (calendar or get_calendar()).is_workday(day, provisional=provisional)


@overload
def add_workdays(
    start: dt.date,
    n: int,
    *,
    suspensions: Iterable[Suspension] = (),
    calendar: WorkdayCalendar | None = None,
    provisional: Literal[False] = False,
) -> dt.date: ...
@overload
def add_workdays(
    start: dt.date,
    n: int,
    *,
    suspensions: Iterable[Suspension] = (),
    calendar: WorkdayCalendar | None = None,
    provisional: Literal[True],
) -> WorkdayResult[dt.date]: ...
def add_workdays(start, n, *, suspensions=(), calendar=None, provisional=False):
    """The Nth working day strictly after ``start`` (a weekend or holiday ``start`` counts from the next workday)."""
    return (calendar or get_calendar()).add_workdays(start, n, suspensions=suspensions, provisional=provisional)


@overload
def count_workdays(
    start: dt.date,
    end: dt.date,
    *,
    suspensions: Iterable[Suspension] = (),
    calendar: WorkdayCalendar | None = None,
    provisional: Literal[False] = False,
) -> int: ...
@overload
def count_workdays(
    start: dt.date,
    end: dt.date,
    *,
    suspensions: Iterable[Suspension] = (),
    calendar: WorkdayCalendar | None = None,
    provisional: Literal[True],
) -> WorkdayResult[int]: ...
def count_workdays(start, end, *, suspensions=(), calendar=None, provisional=False):
    """Working days after ``start`` up to and including ``end``, suspension windows excluded."""
    return (calendar or get_calendar()).count_workdays(start, end, suspensions=suspensions, provisional=provisional)
