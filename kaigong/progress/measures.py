"""The measures of the monthly table (DOMAIN.md §7b), pure functions of plain values: no database, no settings.

- 完成率 (completion rate) = 1–N月累计完成投资 / 年度计划投资; None when the annual plan is zero or unknown.
- 序时进度 (time progress) = N / 12 for a report of month N, or (N − 1) / 12 where the office does not count the
  reporting month (ProgressSettings.time_progress_counts_reporting_month).
- the gap = (完成率 − 序时进度) × 100 percentage points: "1–10月完成率97.2%，超序时进度13.8个百分点" (97.2 − 83.3).
- the ratio to time progress (完成率 / 序时进度, in percent): the Wuhan rule lights yellow below 80% of time progress.
- months past the planned start while not started, and months since the start while not registered in the
  statistics (入库纳统): counted in calendar months between the two months (March → May is 2).

Rates are Decimal fractions (0.9720) rounded half-up to 4 places; points and percents to 2 places, so a page, the
bulletin and the API print the same figure.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

RATE = Decimal("0.0001")
POINTS = Decimal("0.01")
HUNDRED = Decimal(100)
TWELVE = Decimal(12)


def month_index(month: dt.date) -> int:
    """Months since year 0: subtracting two gives the calendar months between them."""
    return month.year * 12 + month.month - 1


def months_between(earlier: dt.date, later: dt.date) -> int:
    """Calendar months from ``earlier``'s month to ``later``'s (negative when ``later`` is before)."""
    return month_index(later) - month_index(earlier)


def time_progress(month: dt.date, *, counts_reporting_month: bool = True) -> Decimal:
    """序时进度 of a report of ``month``, as a fraction: 10月 → 10/12 = 0.8333."""
    elapsed = month.month if counts_reporting_month else month.month - 1
    return (Decimal(elapsed) / TWELVE).quantize(RATE, ROUND_HALF_UP)


def completion_rate(year_to_date: Decimal, annual_plan: Decimal | None) -> Decimal | None:
    """完成率 as a fraction (0.9720), None when there is no annual plan to measure against."""
    if not annual_plan:
        return None
    return (Decimal(year_to_date) / Decimal(annual_plan)).quantize(RATE, ROUND_HALF_UP)


def gap_points(rate: Decimal | None, progress: Decimal) -> Decimal | None:
    """超(负数: 低于)序时进度的百分点: (完成率 − 序时进度) × 100."""
    if rate is None:
        return None
    return ((rate - progress) * HUNDRED).quantize(POINTS, ROUND_HALF_UP)


def percent_of_time_progress(rate: Decimal | None, progress: Decimal) -> Decimal | None:
    """完成率 as a percentage of 序时进度 (Wuhan: yellow below 80, red below 60); None before any time has passed."""
    if rate is None or not progress:
        return None
    return (rate / progress * HUNDRED).quantize(POINTS, ROUND_HALF_UP)


def as_percent(rate: Decimal | None) -> Decimal | None:
    """0.9720 → 97.20 (for pages and sentences)."""
    return None if rate is None else (rate * HUNDRED).quantize(POINTS, ROUND_HALF_UP)


@dataclass(frozen=True)
class ProjectFacts:
    """What the measures of one project in one month are computed from (read by progress.selectors in bulk)."""

    month: dt.date
    stage: str
    annual_plan: Decimal
    year_to_date: Decimal | None  # None: no report of the year up to this month
    reported: bool  # a current report of this very month exists
    in_reporting_scope: bool  # the project owes a report for this month
    window_closed: bool  # this month's reporting window has closed (not reporting is only a fault after it)
    planned_start: dt.date | None
    actual_start: dt.date | None
    started: bool
    registered_in_statistics: bool
    statistics_registered_on: dt.date | None


@dataclass(frozen=True)
class Measures:
    month: dt.date
    year_to_date: Decimal
    completion_rate: Decimal | None
    time_progress: Decimal
    gap_points: Decimal | None
    percent_of_time_progress: Decimal | None
    not_reported: bool
    months_past_planned_start: int | None
    months_unregistered: int | None

    def facts(self, stage: str) -> dict:
        """The names the warning rules read (progress.rules.ATTRIBUTES); rates as percentages, as people write them."""
        return {
            "completion_rate": as_percent(self.completion_rate),
            "time_progress": as_percent(self.time_progress),
            "gap_points": self.gap_points,
            "percent_of_time_progress": self.percent_of_time_progress,
            "not_reported": self.not_reported,
            "months_past_planned_start": self.months_past_planned_start,
            "months_unregistered": self.months_unregistered,
            "stage": stage,
        }


def measure(facts: ProjectFacts, *, counts_reporting_month: bool = True) -> Measures:
    """Every measure of one project in one month."""
    progress = time_progress(facts.month, counts_reporting_month=counts_reporting_month)
    ytd = facts.year_to_date if facts.year_to_date is not None else Decimal("0")
    # Investment measures only for projects in the monthly cycle: a project not started owes no investment yet.
    rate = completion_rate(ytd, facts.annual_plan) if facts.in_reporting_scope else None
    months_late = None
    if not facts.started and facts.planned_start is not None:
        months_late = max(months_between(facts.planned_start, facts.month), 0)
    unregistered = None
    if facts.started and facts.actual_start is not None and not _registered_by(facts):
        unregistered = max(months_between(facts.actual_start, facts.month), 0)
    return Measures(
        month=facts.month,
        year_to_date=ytd,
        completion_rate=rate,
        time_progress=progress,
        gap_points=gap_points(rate, progress),
        percent_of_time_progress=percent_of_time_progress(rate, progress),
        not_reported=facts.in_reporting_scope and facts.window_closed and not facts.reported,
        months_past_planned_start=months_late,
        months_unregistered=unregistered,
    )


def _registered_by(facts: ProjectFacts) -> bool:
    """Registered in the statistics by the end of the month measured."""
    if not facts.registered_in_statistics:
        return False
    on = facts.statistics_registered_on
    return on is None or months_between(on, facts.month) >= 0
