"""Reads of the workday calendar for pages, API and CLI. The calendar is public to every signed-in user."""

import calendar as pycalendar
import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.shortcuts import get_object_or_404

from kaigong.workdays.calendar import (
    CalendarYearMissing,
    WorkdayResult,
    add_workdays,
    count_workdays,
    get_calendar,
)
from kaigong.workdays.choices import DayKind
from kaigong.workdays.models import CalendarDay, CalendarYear


def list_calendar_years():
    """Every stored year, newest first, with its holiday and make-up workday counts (one query)."""
    return CalendarYear.objects.annotate(
        holiday_count=Count("days", filter=Q(days__kind=DayKind.HOLIDAY)),
        makeup_workday_count=Count("days", filter=Q(days__kind=DayKind.MAKEUP_WORKDAY)),
    ).order_by("-year")


def get_calendar_year(*, year: int) -> CalendarYear:
    """One stored year with its days prefetched (404 when it is not stored)."""
    queryset = list_calendar_years().prefetch_related("days")
    return get_object_or_404(queryset, year=year)


def get_calendar_day(*, year: int, date: dt.date) -> CalendarDay:
    return get_object_or_404(CalendarDay.objects.select_related("calendar_year"), calendar_year__year=year, date=date)


@dataclass
class CalculatorAnswer:
    """What the calculator shows: the value, and whether it is provisional or refused (and why)."""

    value: object = None
    missing_years: tuple[int, ...] = ()
    error: CalendarYearMissing | None = None

    @property
    def provisional(self) -> bool:
        return bool(self.missing_years)

    @property
    def is_date(self) -> bool:
        return isinstance(self.value, dt.date)


def _answer(result: WorkdayResult) -> CalculatorAnswer:
    error = CalendarYearMissing(result.missing_years) if result.missing_years else None
    return CalculatorAnswer(value=result.value, missing_years=result.missing_years, error=error)


def calculate_add(*, start: dt.date, n: int, suspensions=()) -> CalculatorAnswer:
    """The Nth working day after ``start``, with the provisional (weekends-only) value and the refusal if any."""
    return _answer(add_workdays(start, n, suspensions=suspensions, provisional=True))


def calculate_count(*, start: dt.date, end: dt.date, suspensions=()) -> CalculatorAnswer:
    return _answer(count_workdays(start, end, suspensions=suspensions, provisional=True))


@dataclass
class MonthGrid:
    year: int
    month: int
    weeks: list[list[dict | None]] = field(default_factory=list)


def year_month_grids(calendar_year: CalendarYear) -> list[MonthGrid]:
    """Twelve month grids (weeks Monday-first) marking each day workday / weekend / holiday / make-up workday."""
    days = {day.date: day for day in calendar_year.days.all()}
    grids = []
    for month in range(1, 13):
        grid = MonthGrid(calendar_year.year, month)
        for week in pycalendar.Calendar(firstweekday=0).monthdatescalendar(calendar_year.year, month):
            row = []
            for date in week:
                if date.month != month:
                    row.append(None)
                    continue
                day = days.get(date)
                kind = day.kind if day else ("weekend" if date.weekday() >= 5 else "workday")
                row.append({"date": date, "kind": kind, "name": day.name if day else ""})
            grid.weeks.append(row)
        grids.append(grid)
    return grids


def loaded_years() -> list[int]:
    """The complete years the arithmetic uses (from the cached snapshot)."""
    return sorted(get_calendar().years)
