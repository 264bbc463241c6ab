"""Reads of the plan (一方案): one visible project's plan with the computed schedule, baseline comparison,
reasoned slips and the Gantt data; the list of plans whose planned groundbreaking cannot be met (from the stored
forecast summary, see plan_services.refresh_forecasts). Starts from Project.objects.visible_to(user)."""

import datetime as dt
from dataclasses import dataclass, field

import django_filters
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kaigong.accounts.models import Department
from kaigong.approvals.choices import ItemStatus
from kaigong.approvals.models import Checklist, ChecklistItem, CorrectionWindow, PlanDateChange, PlanItem, ProjectPlan
from kaigong.approvals.plan_services import can_edit_plan, compute_schedule
from kaigong.approvals.planning import PlanCalendar, Schedule, matter_duration
from kaigong.projects.choices import PRE_START_STAGES
from kaigong.projects.filters import search_projects
from kaigong.projects.models import Category, Project
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
    """The plan page/API of one visible project (404 otherwise). Computes the schedule on read (a few queries)."""
    project = get_object_or_404(Project.objects.visible_to(user), pk=project_pk)
    today = today or timezone.localdate()
    checklist = Checklist.objects.filter(project=project).first()
    view = PlanView(
        project=project, checklist=checklist, plan=None, schedule=None, can_edit=can_edit_plan(user, project)
    )
    if checklist is None:
        return view
    view.plan = ProjectPlan.objects.filter(project=project).select_related("baseline_saved_by").first()
    items = list(
        ChecklistItem.objects.filter(checklist=checklist)
        .select_related("matter")
        .only(*ITEM_FIELDS)
        .prefetch_related(
            Prefetch("corrections", CorrectionWindow.objects.only("item_id", "requested_on", "resumed_on"))
        )
        .order_by("matter__approval_stage", "matter__sort_order", "id")
    )
    plan_items = {p.item_id: p for p in PlanItem.objects.filter(plan=view.plan)} if view.plan else {}
    calendar = get_calendar()
    view.schedule = compute_schedule(items, plan_items, project, today=today, calendar=calendar)
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
    if view.plan:
        view.history = list(
            PlanDateChange.objects.filter(plan_item__plan=view.plan)
            .select_related("plan_item__item__matter", "actor")
            .order_by("-created_at", "-id")[:100]
        )
    return view


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
