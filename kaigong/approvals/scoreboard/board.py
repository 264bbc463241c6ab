"""Department scoreboard (向全国最短时限看齐): how each approving department and each matter measures against its
limits over a chosen period.

Definitions (hand-checkable; tests in tests/test_scoreboard.py):

- The period selects the items **decided** (办结) in it: ``start <= decided_on <= end``, with their actual working
  days (``actual_workdays``, recorded at decision by kaigong.approvals.clocks).
- ``median``: the usual median (the mean of the two middle values for an even count).
- ``p90``: the nearest-rank 90th percentile: the ⌈0.9·n⌉-th smallest value (for 10 values the 9th, for 5 the 5th).
- ``within_benchmark``: the share of decided items with a benchmark limit that took no more working days than it
  (``beat_benchmark``); None when no decided item had a benchmark.
- ``overdue``: decided items of the period that took longer than the limit the department answers for (the
  committed limit where set, else the statutory), plus open items red today.
- ``open``: items waiting on the department today (submitted, accepted, or in correction), whatever the period.
- Ranking: share within the benchmark (higher first; none last), then the median (lower first), then the name.

Who sees it (approvals.permissions.can_see_scoreboard): every government role (administrator, office, leader,
department officers: it is a public ranking inside government, so a department sees the others too); enterprises
do not. The figures are aggregates over all
items of the city, not scoped to the projects a user sees: they reveal no project.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from statistics import median as _median

from django.db.models import Count, Q

from kaigong.approvals.choices import ItemStatus, WarningLevel
from kaigong.approvals.models import ApprovalMatter, ChecklistItem

OPEN_STATUSES = (ItemStatus.SUBMITTED, ItemStatus.ACCEPTED, ItemStatus.CORRECTION_REQUESTED)


def percentile_nearest_rank(values: list[int], share: float = 0.9) -> int | None:
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1]


def median(values: list[int]) -> Decimal | None:
    if not values:
        return None
    return Decimal(str(_median(values))).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass
class Figures:
    """The measured figures of a matter or a department over the period."""

    durations: list[int] = field(default_factory=list)
    benchmarked: int = 0
    beat: int = 0
    late_decided: int = 0
    open_red: int = 0
    open: int = 0

    def add(self, other: Figures) -> None:
        self.durations += other.durations
        self.benchmarked += other.benchmarked
        self.beat += other.beat
        self.late_decided += other.late_decided
        self.open_red += other.open_red
        self.open += other.open

    @property
    def decided(self) -> int:
        return len(self.durations)

    @property
    def median(self) -> Decimal | None:
        return median(self.durations)

    @property
    def p90(self) -> int | None:
        return percentile_nearest_rank(self.durations)

    @property
    def within_benchmark(self) -> Decimal | None:
        """Share (0–1, two decimals) of benchmarked decided items within the benchmark."""
        if not self.benchmarked:
            return None
        return (Decimal(self.beat) / Decimal(self.benchmarked)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)

    @property
    def overdue(self) -> int:
        return self.late_decided + self.open_red


@dataclass
class MatterRow:
    matter: ApprovalMatter
    figures: Figures
    rank: int = 0


@dataclass
class DepartmentRow:
    department_id: int | None
    name: str
    figures: Figures
    matters: list[MatterRow]
    rank: int = 0


@dataclass
class Scoreboard:
    start: dt.date
    end: dt.date
    departments: list[DepartmentRow]

    @property
    def matters(self) -> list[MatterRow]:
        rows = [row for department in self.departments for row in department.matters]
        _rank(rows, lambda r: r.matter.name)
        return rows


def _sort_key(figures: Figures, name: str):
    share = figures.within_benchmark
    return (share is None, -(share or 0), figures.median if figures.median is not None else Decimal(10**6), name)


def _rank(rows, name_of) -> None:
    rows.sort(key=lambda row: _sort_key(row.figures, name_of(row)))
    for index, row in enumerate(rows, start=1):
        row.rank = index


def default_period(today: dt.date) -> tuple[dt.date, dt.date]:
    """The year to date."""
    return dt.date(today.year, 1, 1), today


def get_scoreboard(*, user, start: dt.date, end: dt.date, department_id: int | None = None) -> Scoreboard:
    """The ranked board for decisions in ``start``–``end`` (inclusive). Five queries whatever the item count."""
    matters = ApprovalMatter.objects.filter(department__isnull=False).select_related("department")
    if department_id:
        matters = matters.filter(department_id=department_id)
    matters = {m.pk: m for m in matters}
    figures: dict[int, Figures] = defaultdict(Figures)
    decided = ChecklistItem.objects.filter(
        matter_id__in=matters, status=ItemStatus.DECIDED, decided_on__gte=start, decided_on__lte=end
    ).exclude(actual_workdays=None)
    for matter_id, days, beat in decided.values_list("matter_id", "actual_workdays", "beat_benchmark").iterator(
        chunk_size=5000
    ):
        row = figures[matter_id]
        matter = matters[matter_id]
        row.durations.append(days)
        if beat is not None:
            row.benchmarked += 1
            row.beat += bool(beat)
        limit = matter.committed_limit or matter.statutory_limit
        if limit and days > limit:
            row.late_decided += 1
    open_counts = (
        ChecklistItem.objects.filter(matter_id__in=matters, status__in=OPEN_STATUSES)
        .values("matter_id")
        .annotate(n=Count("id"), red=Count("id", filter=Q(warning_level=WarningLevel.RED)))
    )
    for row in open_counts:
        figures[row["matter_id"]].open = row["n"]
        figures[row["matter_id"]].open_red = row["red"]

    by_department: dict[int, DepartmentRow] = {}
    for matter_id, matter in matters.items():
        department = matter.department
        entry = by_department.get(department.pk)
        if entry is None:
            entry = by_department[department.pk] = DepartmentRow(department.pk, department.label, Figures(), [])
        matter_figures = figures.get(matter_id, Figures())
        entry.matters.append(MatterRow(matter, matter_figures))
        entry.figures.add(matter_figures)
    departments = list(by_department.values())
    for entry in departments:
        _rank(entry.matters, lambda r: r.matter.name)
    _rank(departments, lambda r: r.name)
    return Scoreboard(start=start, end=end, departments=departments)


def as_dict(board: Scoreboard) -> dict:
    """The board as plain data (API, chart)."""

    def numbers(f: Figures) -> dict:
        return {
            "decided": f.decided,
            "median": None if f.median is None else float(f.median),
            "p90": f.p90,
            "within_benchmark": None if f.within_benchmark is None else float(f.within_benchmark),
            "overdue": f.overdue,
            "open": f.open,
        }

    return {
        "start": board.start.isoformat(),
        "end": board.end.isoformat(),
        "departments": [
            {
                "rank": d.rank,
                "department_id": d.department_id,
                "name": d.name,
                **numbers(d.figures),
                "matters": [
                    {
                        "rank": m.rank,
                        "code": m.matter.code,
                        "name": m.matter.name,
                        "statutory_limit": m.matter.statutory_limit,
                        "committed_limit": m.matter.committed_limit,
                        "benchmark_limit": m.matter.benchmark_limit,
                        **numbers(m.figures),
                    }
                    for m in d.matters
                ],
            }
            for d in board.departments
        ],
    }
