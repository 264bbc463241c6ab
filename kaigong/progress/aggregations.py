"""The monthly table's figures for a group of projects: by category, level, department, township or batch, or for
any filtered list (the same figures: "what you filter is what you count").

The population of a month is the year's key projects (计划年度 = the month's year, not withdrawn) among those the
viewer sees, narrowed by the list's filters. For each group: the number of projects, the annual plan, 1–N月累计
(the sum of the months' figures of the current reports, January to the month), 完成率 and its gap to 序时进度, the
starts and completions planned up to the month's end against the actual ones, and the lights of the month.

Three grouped queries whatever the number of projects (projects, reports, lights), merged here.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, F, Q, QuerySet, Sum

from kaigong.progress import measures
from kaigong.progress.models import ProgressReport, ProjectProgress
from kaigong.progress.selectors import CURRENT, get_settings, month_end
from kaigong.projects.choices import Stage
from kaigong.projects.models import Project

# group name → the Project path of its key and of its label (None: the key is its own label)
GROUPS: dict[str, tuple[str, str | None]] = {
    "category": ("category_id", "category__name"),
    "level": ("level_id", "level__name"),
    "department": ("responsible_department_id", "responsible_department__name"),
    "township": ("township", None),
    "batch": ("batch_memberships__batch_id", "batch_memberships__batch__name"),
}
ZERO = Decimal("0")


@dataclass
class GroupFigures:
    key: object
    label: str
    projects: int = 0
    annual_plan: Decimal = ZERO
    year_to_date: Decimal = ZERO
    planned_starts: int = 0
    actual_starts: int = 0
    planned_completions: int = 0
    actual_completions: int = 0
    lights: dict = field(default_factory=lambda: {"red": 0, "yellow": 0, "green": 0})
    completion_rate: Decimal | None = None  # fraction
    time_progress: Decimal | None = None
    gap_points: Decimal | None = None

    def finish(self, progress: Decimal) -> "GroupFigures":
        self.completion_rate = measures.completion_rate(self.year_to_date, self.annual_plan)
        self.time_progress = progress
        self.gap_points = measures.gap_points(self.completion_rate, progress)
        return self

    @property
    def completion_percent(self) -> Decimal | None:
        return measures.as_percent(self.completion_rate)


def population(projects: QuerySet, month: dt.date) -> QuerySet:
    """The month's projects among ``projects`` (already scoped to the viewer and filtered)."""
    return projects.filter(year=month.year).exclude(stage=Stage.WITHDRAWN)


def _year_window(month: dt.date) -> tuple[dt.date, dt.date]:
    return month.replace(month=1, day=1), month_end(month)


def aggregate(*, projects: QuerySet, month: dt.date, group_by: str | None) -> list[GroupFigures]:
    """Figures per group (``group_by`` a key of GROUPS), largest annual plan first; ``None``: one row, the total."""
    month = month.replace(day=1)
    if group_by is not None and group_by not in GROUPS:
        raise ValueError(group_by)
    settings = get_settings()
    progress = measures.time_progress(month, counts_reporting_month=settings.time_progress_counts_reporting_month)
    start, end = _year_window(month)
    ids = population(projects, month).values("pk")
    key_path, label_path = GROUPS[group_by] if group_by else (None, None)
    key_fields = [key_path] + ([label_path] if label_path else []) if key_path else []

    rows: dict[object, GroupFigures] = {}

    def row_for(values: dict, prefix: str = "") -> GroupFigures:
        key = values.get(prefix + key_path) if key_path else None
        if key not in rows:
            label = values.get(prefix + label_path) if label_path else key
            rows[key] = GroupFigures(key=key, label=label or "")
        return rows[key]

    planned_starts = Q(planned_start_date__gte=start, planned_start_date__lte=end)
    planned_completions = Q(planned_completion_date__gte=start, planned_completion_date__lte=end)
    actual_completions = Q(actual_completion_date__gte=start, actual_completion_date__lte=end)
    for values in (
        Project.objects.filter(pk__in=ids)
        .values(*key_fields)
        .annotate(
            n=Count("pk"),
            plan=Sum("annual_planned_investment"),
            planned_starts=Count("pk", filter=planned_starts),
            actual_starts=Count("pk", filter=Q(actual_start_date__gte=start, actual_start_date__lte=end)),
            planned_completions=Count("pk", filter=planned_completions),
            actual_completions=Count("pk", filter=actual_completions),
        )
        .order_by()
    ):
        figures = row_for(values)
        figures.projects += values["n"]
        figures.annual_plan += values["plan"] or ZERO
        figures.planned_starts += values["planned_starts"]
        figures.actual_starts += values["actual_starts"]
        figures.planned_completions += values["planned_completions"]
        figures.actual_completions += values["actual_completions"]

    report_keys = [f"project__{name}" for name in key_fields]
    for values in (
        ProgressReport.objects.filter(CURRENT, project__in=ids, month__gte=start, month__lte=month)
        .values(*report_keys)
        .annotate(ytd=Sum("monthly_investment"))
        .order_by()
    ):
        row_for(values, "project__").year_to_date += values["ytd"] or ZERO

    light_keys = [f"project__{name}" for name in key_fields]
    for values in (
        ProjectProgress.objects.filter(project__in=ids, measured_month=month)
        .exclude(warning_level="")
        .values(*light_keys, level=F("warning_level"))
        .annotate(n=Count("pk"))
        .order_by()
    ):
        row_for(values, "project__").lights[values["level"]] += values["n"]

    result = [figures.finish(progress) for figures in rows.values()]
    result.sort(key=lambda figures: (-figures.annual_plan, str(figures.label)))
    return result


def totals(*, projects: QuerySet, month: dt.date) -> GroupFigures:
    rows = aggregate(projects=projects, month=month, group_by=None)
    if rows:
        rows[0].label = ""
        return rows[0]
    settings = get_settings()
    progress = measures.time_progress(month, counts_reporting_month=settings.time_progress_counts_reporting_month)
    return GroupFigures(key=None, label="").finish(progress)
