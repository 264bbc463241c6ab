"""Reads of the plan (一方案): one visible project's plan with the computed schedule, baseline comparison,
reasoned slips and the Gantt data; the list of plans whose planned groundbreaking cannot be met (from the stored
forecast summary, see plans.services.refresh_forecasts). Starts from Project.objects.visible_to(user)."""

import datetime as dt
from dataclasses import dataclass, field

import django_filters
from django.core.exceptions import ObjectDoesNotExist
from django.db import connection
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kaigong.accounts.models import Department
from kaigong.approvals.choices import ItemStatus
from kaigong.approvals.models import (
    ApprovalMatter,
    Checklist,
    ChecklistItem,
    CorrectionWindow,
    PlanDateChange,
    PlanItem,
    ProjectPlan,
)
from kaigong.approvals.permissions import can_edit_plan_expression
from kaigong.approvals.plans.planning import PlanCalendar, Schedule, build_tasks, matter_duration, schedule
from kaigong.projects.choices import PRE_START_STAGES
from kaigong.projects.models import Category, Project
from kaigong.projects.search import search_projects
from kaigong.workdays.calendar import get_calendar

# What the schedule, the page and the API read of an item (the rest is deferred: the plan reads ~25–40 rows).
ITEM_FIELDS = (
    "id",
    "checklist_id",
    "matter_id",
    "status",
    "decision",
    "accepted_on",
    "decided_on",
    "matter__id",
    "matter__code",
    "matter__name",
    "matter__approval_stage",
    "matter__sort_order",
    "matter__statutory_limit",
    "matter__committed_limit",
    "matter__benchmark_limit",
)
PLAN_ITEM_FIELDS = tuple(
    f"plan_item__{name}"
    for name in (
        "id",
        "plan_id",
        "item_id",
        "duration_workdays",
        "target_start",
        "target_finish",
        "target_set_manually",
        "baseline_start",
        "baseline_finish",
    )
)


def matter_edges() -> dict[int, list[int]]:
    """{matter id: prerequisite matter ids} of the whole catalogue (one query; a few dozen rows)."""
    through = ApprovalMatter.prerequisites.through._meta.db_table
    edges: dict[int, list[int]] = {}
    with connection.cursor() as cursor:  # read on every plan page: plain SQL, no queryset to compile
        cursor.execute(f"SELECT from_approvalmatter_id, to_approvalmatter_id FROM {through}")
        for source, target in cursor.fetchall():
            edges.setdefault(source, []).append(target)
    return edges


def compute_schedule(
    items: list[ChecklistItem],
    plan_items: dict[int, PlanItem],
    project: Project,
    *,
    today: dt.date,
    calendar=None,
    corrections=None,
) -> Schedule:
    """The schedule of loaded items (with ``matter``, and prefetched ``corrections`` unless given as {item id:
    its correction windows})."""
    durations = {pk: p.duration_workdays for pk, p in plan_items.items()}
    tasks = build_tasks(items, matter_edges(), durations, today=today, corrections=corrections)
    return schedule(
        tasks,
        today=today,
        planned_groundbreaking=project.planned_start_date,
        calendar=calendar or get_calendar(),
    )


@dataclass
class PlanRow:
    item: ChecklistItem
    plan_item: PlanItem | None
    duration: int
    duration_is_default: bool
    scheduled: bool
    early_start: dt.date | None
    early_finish: dt.date | None
    late_start: dt.date | None
    late_finish: dt.date | None
    slack: int | None
    is_critical: bool
    is_late: bool
    refused: bool  # decided with 不予许可: to be applied for again, scheduled as a new application
    actual_start: dt.date | None
    actual_finish: dt.date | None
    slip: int | None  # working days from the baseline finish to the target finish (positive: later)

    @property
    def target_start(self):
        return self.plan_item.target_start if self.plan_item else None

    @property
    def target_finish(self):
        return self.plan_item.target_finish if self.plan_item else None

    @property
    def baseline_start(self):
        return self.plan_item.baseline_start if self.plan_item else None

    @property
    def baseline_finish(self):
        return self.plan_item.baseline_finish if self.plan_item else None

    @property
    def target_set_manually(self) -> bool:
        return bool(self.plan_item and self.plan_item.target_set_manually)


@dataclass
class PlanView:
    project: Project
    checklist: Checklist | None
    plan: ProjectPlan | None
    schedule: Schedule | None
    rows: list[PlanRow] = field(default_factory=list)
    history: list[PlanDateChange] = field(default_factory=list)
    can_edit: bool = False

    @property
    def critical_rows(self) -> list[PlanRow]:
        by_key = {row.item.pk: row for row in self.rows}
        return [by_key[k] for k in self.schedule.critical_path] if self.schedule else []

    @property
    def late_rows(self) -> list[PlanRow]:
        by_key = {row.item.pk: row for row in self.rows}
        return [by_key[k] for k in self.schedule.late_items] if self.schedule else []

    @property
    def refused_rows(self) -> list[PlanRow]:
        return [row for row in self.rows if row.refused]

    @property
    def saved(self) -> bool:
        """Recomputed or saved by a person (its plan items exist), not just a row holding the forecast summary."""
        return any(row.plan_item for row in self.rows)

    @property
    def has_baseline(self) -> bool:
        return bool(self.plan and self.plan.baseline_saved_at)

    def chart(self) -> dict:
        """Data for the Gantt chart (approvals/gantt.js): ISO dates, one row per scheduled or dated item."""

        def iso(value):
            return value.isoformat() if value else None

        rows = [
            {
                "id": row.item.pk,
                "name": row.item.matter.name,
                "critical": row.is_critical,
                "late": row.is_late,
                "plan": [iso(row.target_start), iso(row.target_finish)],
                "baseline": [iso(row.baseline_start), iso(row.baseline_finish)],
                "forecast": [iso(row.early_start), iso(row.early_finish)],
                "actual": [iso(row.actual_start), iso(row.actual_finish)],
            }
            for row in self.rows
            if row.scheduled or row.target_start or row.actual_start
        ]
        schedule = self.schedule
        return {
            "rows": rows,
            "today": iso(schedule.today if schedule else timezone.localdate()),
            "planned": iso(self.project.planned_start_date),
            "forecast": iso(schedule.forecast_groundbreaking if schedule else None),
        }


def get_project_plan(*, user, project_pk: int, today: dt.date | None = None) -> PlanView:
    """The plan page/API of one visible project (404 otherwise). Computes the schedule on read: the project with
    its checklist, plan and the user's right to edit in one query, then items, corrections, plan items, the
    catalogue's prerequisites and, once the plan has rows, its slips: five queries at most, whatever its size."""
    project = get_object_or_404(
        Project.objects.visible_to(user)
        .select_related("checklist", "plan__baseline_saved_by")
        .annotate(user_can_edit=can_edit_plan_expression(user)),
        pk=project_pk,
    )
    today = today or timezone.localdate()
    checklist = _one_to_one(project, "checklist")
    view = PlanView(project=project, checklist=checklist, plan=None, schedule=None, can_edit=project.user_can_edit)
    if checklist is None:
        return view
    view.plan = _one_to_one(project, "plan")
    items = list(
        ChecklistItem.objects.filter(checklist=checklist)
        .select_related("matter", "plan_item")
        .only(*ITEM_FIELDS, *PLAN_ITEM_FIELDS)
        .order_by("matter__approval_stage", "matter__sort_order", "id")
    )
    corrections: dict[int, list] = {}
    for window in CorrectionWindow.objects.filter(item__checklist=checklist).values_list(
        "item_id", "requested_on", "resumed_on", named=True
    ):
        corrections.setdefault(window.item_id, []).append(window)
    plan_items = {}
    if view.plan:  # an item's plan row belongs to its project's one plan
        plan_items = {item.pk: item.plan_item for item in items if _one_to_one(item, "plan_item") is not None}
    calendar = get_calendar()
    view.schedule = compute_schedule(
        items, plan_items, project, today=today, calendar=calendar, corrections=corrections
    )
    cal = PlanCalendar(calendar)
    for item in items:
        plan_item = plan_items.get(item.pk)
        dates = view.schedule.dates.get(item.pk)
        override = plan_item.duration_workdays if plan_item else None
        slip = None
        if plan_item and plan_item.baseline_finish and plan_item.target_finish:
            slip = cal.between(plan_item.baseline_finish, plan_item.target_finish)
        actual_finish = item.decided_on
        if item.accepted_on and not actual_finish and item.status not in (ItemStatus.NOT_APPLICABLE, ItemStatus.WAIVED):
            actual_finish = max(today, item.accepted_on)  # running: the bar reaches today
        view.rows.append(
            PlanRow(
                item=item,
                plan_item=plan_item,
                duration=override if override is not None else matter_duration(item.matter),
                duration_is_default=override is None,
                scheduled=bool(dates and dates.scheduled),
                early_start=dates.early_start if dates else None,
                early_finish=dates.early_finish if dates else None,
                late_start=dates.late_start if dates else None,
                late_finish=dates.late_finish if dates else None,
                slack=dates.slack if dates else None,
                is_critical=bool(dates and dates.is_critical),
                is_late=bool(dates and dates.slack is not None and dates.slack < 0),
                refused=bool(dates and dates.refused),
                actual_start=item.accepted_on,
                actual_finish=actual_finish,
                slip=slip,
            )
        )
    if plan_items:
        # The slips of this plan, newest first; each hangs on the plan item and item already loaded.
        by_pk = {plan_item.pk: plan_item for plan_item in plan_items.values()}
        view.history = list(
            PlanDateChange.objects.filter(plan_item__in=list(by_pk))
            .select_related("actor")
            .order_by("-created_at", "-id")[:100]
        )
        for change in view.history:
            change.plan_item = by_pk[change.plan_item_id]
    return view


def _one_to_one(instance, name: str):
    """A reverse one-to-one read through select_related: the related row, or None when there is none."""
    try:
        return getattr(instance, name)
    except ObjectDoesNotExist:
        return None


# --- the list of infeasible plans -----------------------------------------------------------------------------

LATE_ORDERINGS = {"margin": ("margin_workdays", "id"), "-margin": ("-margin_workdays", "-id")}


class LatePlanFilterSet(django_filters.FilterSet):
    """Filters of the list of infeasible plans, shared by the page, the API and the Excel export."""

    q = django_filters.CharFilter(
        label=_("项目"), method="filter_q", help_text=_("项目名称、项目代码、建设单位或拼音首字母")
    )
    category = django_filters.ModelChoiceFilter(
        label=_("项目类别"), field_name="project__category", queryset=Category.objects.all()
    )
    responsible_department = django_filters.ModelChoiceFilter(
        label=_("责任单位"), field_name="project__responsible_department", queryset=Department.objects.all()
    )
    year = django_filters.NumberFilter(label=_("计划年度"), field_name="project__year")
    ordering = django_filters.ChoiceFilter(
        label=_("排序"),
        choices=[("margin", _("余量从小到大")), ("-margin", _("余量从大到小"))],
        method="filter_ordering",
        help_text=_("默认余量从小到大,即拖期最多的在前"),
        empty_label=None,
    )

    class Meta:
        model = ProjectPlan
        fields: list = []

    def filter_q(self, queryset, name, value):
        return queryset.filter(project__in=search_projects(Project.objects.all(), value))

    def filter_ordering(self, queryset, name, value):
        return queryset.order_by(*LATE_ORDERINGS[value])


def list_late_plans(*, user, params=None):
    """Plans of the projects ``user`` sees, not yet started, whose planned groundbreaking date cannot be met, by
    their stored forecast summary; tightest margin first. Returns (queryset, filterset)."""
    queryset = (
        ProjectPlan.objects.filter(
            is_feasible=False,
            project__in=Project.objects.visible_to(user),
            project__stage__in=PRE_START_STAGES,
            project__planned_start_date__isnull=False,
        )
        .select_related("project__category", "project__responsible_department")
        .order_by(*LATE_ORDERINGS["margin"])
    )
    filterset = LatePlanFilterSet(data=params or None, queryset=queryset)
    queryset = filterset.qs if (filterset.is_valid() or not filterset.is_bound) else queryset.none()
    return queryset, filterset
