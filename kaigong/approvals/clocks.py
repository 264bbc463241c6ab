"""The clock of an accepted checklist item: due dates, working days elapsed and remaining, the warning light.

Counting (行政许可法 第八十二条, DOMAIN.md §2): working days on the workday calendar, the period starting the day
after acceptance (受理). A correction request (补正) stops the clock: the days from the request up to and
including the day the corrected materials are accepted again are not counted (an open request stops it up to
today). A year whose calendar is not loaded is reckoned with weekends only and the clock says ``provisional``.

The light follows the limit the department answers for: the committed limit (承诺时限) where set, else the
statutory limit (法定时限). Red: overdue (more working days used than the limit). Yellow: at least
``KAIGONG_WARNING_USED_SHARE`` of the limit used (default 0.8) or at most ``KAIGONG_WARNING_DAYS_LEFT`` working
days left (default 2). Green otherwise. Both thresholds are Django settings, read at call time.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings

from kaigong.approvals.choices import CLOCK_STATUSES, ItemStatus, WarningLevel
from kaigong.workdays.calendar import WorkdayCalendar, add_workdays, count_workdays

DEFAULT_USED_SHARE = Decimal("0.8")
DEFAULT_DAYS_LEFT = 2


@dataclass(frozen=True)
class Thresholds:
    used_share: Decimal
    days_left: int


def warning_thresholds() -> Thresholds:
    share = Decimal(str(getattr(settings, "KAIGONG_WARNING_USED_SHARE", DEFAULT_USED_SHARE)))
    return Thresholds(share, int(getattr(settings, "KAIGONG_WARNING_DAYS_LEFT", DEFAULT_DAYS_LEFT)))


@dataclass(frozen=True)
class Clock:
    statutory_due: dt.date | None = None
    committed_due: dt.date | None = None
    benchmark_due: dt.date | None = None
    elapsed_workdays: int | None = None
    remaining_workdays: int | None = None
    warning_level: str = WarningLevel.NONE
    provisional: bool = False
    actual_workdays: int | None = None
    beat_benchmark: bool | None = None

    FIELDS = (
        "statutory_due",
        "committed_due",
        "benchmark_due",
        "elapsed_workdays",
        "remaining_workdays",
        "warning_level",
        "actual_workdays",
        "beat_benchmark",
    )


def light(elapsed: int, limit: int | None, thresholds: Thresholds) -> str:
    if not limit:
        return WarningLevel.NONE
    if elapsed > limit:
        return WarningLevel.RED
    if Decimal(elapsed) >= thresholds.used_share * limit or limit - elapsed <= thresholds.days_left:
        return WarningLevel.YELLOW
    return WarningLevel.GREEN


def suspension_windows(corrections, today: dt.date) -> list[tuple[dt.date, dt.date]]:
    """Correction windows as inclusive date ranges; an open one runs to ``today``."""
    windows = []
    for correction in corrections:
        last = correction.resumed_on or max(today, correction.requested_on)
        windows.append((correction.requested_on, last))
    return windows


def compute_clock(item, corrections, *, today: dt.date, calendar: WorkdayCalendar | None = None) -> Clock:
    """The clock of ``item`` (a ChecklistItem) on ``today``, given its correction windows."""
    matter = item.matter
    if item.accepted_on is None or item.status not in (*CLOCK_STATUSES, ItemStatus.DECIDED):
        return Clock()
    windows = suspension_windows(corrections, today)
    missing: set[int] = set()

    def due(limit):
        if not limit:
            return None
        result = add_workdays(item.accepted_on, limit, suspensions=windows, calendar=calendar, provisional=True)
        missing.update(result.missing_years)
        return result.value

    dues = {
        "statutory_due": due(matter.statutory_limit),
        "committed_due": due(matter.committed_limit),
        "benchmark_due": due(matter.benchmark_limit),
    }
    if item.status == ItemStatus.DECIDED:
        end = item.decided_on or item.accepted_on
        counted = count_workdays(item.accepted_on, end, suspensions=windows, calendar=calendar, provisional=True)
        missing.update(counted.missing_years)
        beat = None if not matter.benchmark_limit else counted.value <= matter.benchmark_limit
        return Clock(
            **dues,
            elapsed_workdays=counted.value,
            provisional=bool(missing),
            actual_workdays=counted.value,
            beat_benchmark=beat,
        )
    counted = count_workdays(item.accepted_on, today, suspensions=windows, calendar=calendar, provisional=True)
    missing.update(counted.missing_years)
    limit = matter.committed_limit or matter.statutory_limit
    return Clock(
        **dues,
        elapsed_workdays=counted.value,
        remaining_workdays=None if not limit else limit - counted.value,
        warning_level=light(counted.value, limit, warning_thresholds()),
        provisional=bool(missing),
    )


def apply_clock(item, clock: Clock, *, today: dt.date) -> list[str]:
    """Copy ``clock`` onto ``item``; the names of the fields that changed (for save/bulk_update)."""
    changed = []
    for name in Clock.FIELDS:
        if getattr(item, name) != getattr(clock, name):
            setattr(item, name, getattr(clock, name))
            changed.append(name)
    if item.clock_provisional != clock.provisional:
        item.clock_provisional = clock.provisional
        changed.append("clock_provisional")
    if changed or item.clock_computed_on != today:
        item.clock_computed_on = today
        changed.append("clock_computed_on")
    return changed


def clock_today(item, *, today: dt.date, calendar: WorkdayCalendar | None = None) -> tuple[int | None, int | None]:
    """Working days (elapsed, remaining) of ``item`` (a ChecklistItem) on ``today``, read from its stored clock.

    The stored ``elapsed_workdays`` / ``remaining_workdays`` hold the count on ``clock_computed_on``. A running clock
    (status accepted: no open 补正) moves on by the working days since then; a stopped or decided one stays. So the
    count is always right on read, and the daily refresh writes an item only when something else changes (its
    light, a due date) instead of every running item every day.
    """
    return counts_on(
        today,
        status=item.status,
        elapsed=item.elapsed_workdays,
        remaining=item.remaining_workdays,
        computed_on=item.clock_computed_on,
        calendar=calendar,
    )


def counts_on(
    today: dt.date, *, status, elapsed, remaining, computed_on, calendar: WorkdayCalendar | None = None
) -> tuple[int | None, int | None]:
    """(elapsed, remaining) on ``today`` from a count taken on ``computed_on`` (see clock_today)."""
    if elapsed is None or status != ItemStatus.ACCEPTED or computed_on is None or today <= computed_on:
        return elapsed, remaining
    moved = count_workdays(computed_on, today, calendar=calendar, provisional=True).value
    return elapsed + moved, None if remaining is None else remaining - moved
