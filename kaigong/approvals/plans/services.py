"""Writes of the plan (一方案): recompute, save a baseline, change an item's duration or target dates; keep the
stored forecast summary current.

Target dates follow the computed schedule (early dates) until a baseline is saved and unless a person set them;
after a baseline, the targets are the project's commitment: a recompute refreshes only the forecast and fills
targets still empty, and a person who changes a target date must give the reason (FAST-41 style reasoned slip).
Every manual change of target dates leaves a PlanDateChange row; every write is audited in its transaction.

The forecast summary (ProjectPlan.forecast_groundbreaking, margin_workdays, is_feasible, late_items, computed_on)
feeds the list of infeasible plans, which must not schedule 100k projects per request. ``forecast_summary`` is the
one definition of its values; ``refresh_forecasts`` computes it for many projects (a few queries per batch of
``batch_size`` projects, writing only the rows whose summary changed); ``refresh_project_forecast`` is the same for
one project (after a checklist transition, a regeneration, a change of the planned date); ``store_forecast`` keeps
what a recompute or an edit has just computed, and ``read_project_plan`` what the plan page and the plan API have
just computed on GET. The summary is derived data: not audited (like the
checklist clocks of the daily refresh).

Decided: a project with a checklist and no plan row gets its plan row from the refresh (created with the summary,
no plan items: those come with the first recompute), so every project with a checklist is in the list's table;
``is_feasible`` is None (unknown) when the project has no planned groundbreaking date or its prerequisites form a
cycle. Without ``project_ids`` the refresh covers the projects not yet started (stage 谋划 or 前期), the only ones
the list shows; a started, paused or withdrawn project keeps its last summary until its plan page is read again.
"""

import datetime as dt
import logging
from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from kaigong.approvals.choices import ApprovalsEvent
from kaigong.approvals.models import (
    ApprovalMatter,
    Checklist,
    ChecklistItem,
    CorrectionWindow,
    PlanDateChange,
    PlanItem,
    ProjectPlan,
)
from kaigong.approvals.permissions import can_edit_plan
from kaigong.approvals.plans.planning import RUNNING_STATUSES, PlanCycleError, Schedule, build_tasks, schedule
from kaigong.approvals.plans.selectors import PlanView, compute_schedule, get_project_plan, matter_edges
from kaigong.audit.choices import AuditAction
from kaigong.audit.services import audit_value, record_event
from kaigong.core.exceptions import KaigongError, PermissionDeniedError
from kaigong.projects.choices import PRE_START_STAGES
from kaigong.projects.models import Project
from kaigong.workdays.calendar import get_calendar

UNSET = object()
SUMMARY_FIELDS = ("forecast_groundbreaking", "margin_workdays", "is_feasible", "late_items")

logger = logging.getLogger(__name__)


class PlanInputError(KaigongError):
    code = "invalid_plan_input"
    status = 400


def _check_editor(actor, project: Project) -> None:
    if actor is not None and not can_edit_plan(actor, project):
        raise PermissionDeniedError(gettext_noop("您无权修改该项目的方案"))


def _load(plan: ProjectPlan) -> tuple[list[ChecklistItem], dict[int, PlanItem]]:
    """The checklist items (locked plan items first) and {item id: PlanItem}, creating the missing plan items."""
    items = list(
        ChecklistItem.objects.filter(checklist__project_id=plan.project_id)
        .select_related("matter")
        .prefetch_related("corrections")
        .order_by("matter__approval_stage", "matter__sort_order", "id")
    )
    plan_items = {p.item_id: p for p in PlanItem.objects.select_for_update().filter(plan=plan)}
    missing = [PlanItem(plan=plan, item=item) for item in items if item.pk not in plan_items]
    if missing:
        PlanItem.objects.bulk_create(missing)
        plan_items.update(
            {p.item_id: p for p in PlanItem.objects.filter(plan=plan, item__in=[m.item for m in missing])}
        )
    return items, plan_items


def _ensure_plan(project: Project, actor, actor_label: str) -> ProjectPlan:
    if not Checklist.objects.filter(project=project).exists():
        raise PlanInputError(gettext_noop("该项目尚未生成审批清单,请先按规则生成清单"))
    plan, created = ProjectPlan.objects.select_for_update().get_or_create(project=project)
    if created:
        record_event(action=AuditAction.CREATE, actor=actor, actor_label=actor_label, obj=plan, project=project)
    return plan


def _apply(plan: ProjectPlan, project: Project, *, today: dt.date) -> tuple[Schedule, int]:
    """Recompute, move the targets that follow the schedule, store the forecast. Returns (schedule, targets moved)."""
    items, plan_items = _load(plan)
    result = compute_schedule(items, plan_items, project, today=today)
    baselined = plan.baseline_saved_at is not None
    moved = []
    for item in items:
        plan_item, dates = plan_items[item.pk], result.dates.get(item.pk)
        if dates is None or not dates.scheduled or plan_item.target_set_manually:
            continue
        if baselined and plan_item.target_start is not None:
            continue  # after a baseline, targets move only by a reasoned change
        new = (dates.early_start, dates.early_finish)
        if (plan_item.target_start, plan_item.target_finish) != new:
            plan_item.target_start, plan_item.target_finish = new
            moved.append(plan_item)
    if moved:
        PlanItem.objects.bulk_update(moved, ["target_start", "target_finish", "updated_at"])
    store_forecast(plan=plan, result=result, today=today)
    return result, len(moved)


@transaction.atomic
def recompute_plan(*, project: Project, actor, actor_label: str = "", today: dt.date | None = None) -> ProjectPlan:
    """Create the plan if needed, add plan items for new checklist items, recompute the schedule and forecast."""
    _check_editor(actor, project)
    plan = _ensure_plan(project, actor, actor_label)
    before = (plan.forecast_groundbreaking, plan.is_feasible)
    _result, moved = _apply(plan, project, today=today or timezone.localdate())
    changes = {}
    if before[0] != plan.forecast_groundbreaking:
        changes["forecast_groundbreaking"] = [audit_value(before[0]), audit_value(plan.forecast_groundbreaking)]
    if before[1] != plan.is_feasible:
        changes["is_feasible"] = [before[1], plan.is_feasible]
    if moved:
        changes["targets_moved"] = [None, moved]
    record_event(
        action=AuditAction.UPDATE,
        actor=actor,
        actor_label=actor_label,
        obj=plan,
        project=project,
        changes=changes,
        code=ApprovalsEvent.RECOMPUTE,
    )
    return plan


@transaction.atomic
def save_baseline(*, project: Project, actor, actor_label: str = "", today: dt.date | None = None) -> ProjectPlan:
    """Snapshot every item's target dates as the baseline (replacing an earlier baseline; audited)."""
    _check_editor(actor, project)
    plan = _ensure_plan(project, actor, actor_label)
    _apply(plan, project, today=today or timezone.localdate())
    plan_items = list(PlanItem.objects.filter(plan=plan).select_related("item__matter"))
    previous = {}
    for p in plan_items:
        if (p.baseline_start, p.baseline_finish) != (p.target_start, p.target_finish):
            previous[p.item.matter.code] = [
                [audit_value(p.baseline_start), audit_value(p.baseline_finish)],
                [audit_value(p.target_start), audit_value(p.target_finish)],
            ]
        p.baseline_start, p.baseline_finish = p.target_start, p.target_finish
    PlanItem.objects.bulk_update(plan_items, ["baseline_start", "baseline_finish", "updated_at"])
    old_saved = plan.baseline_saved_at
    plan.baseline_saved_at, plan.baseline_saved_by = timezone.now(), actor
    plan.save(update_fields=["baseline_saved_at", "baseline_saved_by", "updated_at"])
    record_event(
        action=AuditAction.UPDATE,
        actor=actor,
        actor_label=actor_label,
        obj=plan,
        project=project,
        changes={"baseline": [audit_value(old_saved), audit_value(plan.baseline_saved_at)], "items": previous},
        code=ApprovalsEvent.BASELINE,
    )
    return plan


@transaction.atomic
def update_plan_item(
    *,
    project: Project,
    item_id: int,
    actor,
    actor_label: str = "",
    duration_workdays=UNSET,
    target_start=UNSET,
    target_finish=UNSET,
    reason: str = "",
    today: dt.date | None = None,
) -> PlanItem:
    """Change an item's expected duration (None: back to the default) and/or its target dates.

    Target dates set here are kept by later recomputes; clearing both hands them back to the schedule. Once a
    baseline is saved, a change of target dates needs a reason. Each change of target dates is kept as a
    PlanDateChange and audited.
    """
    _check_editor(actor, project)
    reason = (reason or "").strip()
    if not ChecklistItem.objects.filter(pk=item_id, checklist__project=project).exists():
        raise PlanInputError(gettext_noop("该事项不在本项目的审批清单中"))
    plan = _ensure_plan(project, actor, actor_label)
    _load(plan)  # creates the plan item if the checklist grew since the last recompute
    plan_item = PlanItem.objects.select_for_update().select_related("item__matter").get(plan=plan, item_id=item_id)
    changes: dict = {}
    if duration_workdays is not UNSET and duration_workdays != plan_item.duration_workdays:
        if duration_workdays is not None and not 0 <= duration_workdays <= 999:
            raise ValidationError({"duration_workdays": [gettext_noop("预计用时须为0至999个工作日")]})
        changes["duration_workdays"] = [plan_item.duration_workdays, duration_workdays]
        plan_item.duration_workdays = duration_workdays
    old = (plan_item.target_start, plan_item.target_finish)
    new = (
        old[0] if target_start is UNSET else target_start,
        old[1] if target_finish is UNSET else target_finish,
    )
    if new != old:
        if new[0] and new[1] and new[1] < new[0]:
            raise ValidationError({"target_finish": [gettext_noop("目标完成日期不能早于目标开始日期")]})
        if plan.baseline_saved_at is not None and not reason:
            raise ValidationError({"reason": [gettext_noop("方案已保存基线,调整目标日期须填写原因")]})
        plan_item.target_start, plan_item.target_finish = new
        plan_item.target_set_manually = new != (None, None)
        changes["target_start"] = [audit_value(old[0]), audit_value(new[0])]
        changes["target_finish"] = [audit_value(old[1]), audit_value(new[1])]
        PlanDateChange.objects.create(
            plan_item=plan_item,
            old_start=old[0],
            new_start=new[0],
            old_finish=old[1],
            new_finish=new[1],
            reason=reason[:300],
            actor=actor,
            actor_label=actor_label or (str(actor) if actor else ""),
        )
    if not changes:
        return plan_item
    plan_item.full_clean(exclude=["plan", "item"])
    plan_item.save()
    record_event(
        action=AuditAction.UPDATE,
        actor=actor,
        actor_label=actor_label,
        obj=plan_item,
        project=project,
        changes=changes,
        note=reason[:500],
    )
    _apply(plan, project, today=today or timezone.localdate())
    plan_item.refresh_from_db()
    return plan_item


# --- the stored forecast summary ------------------------------------------------------------------------------


def forecast_summary(result: Schedule | None) -> dict:
    """The values stored on ProjectPlan for the list of infeasible plans (None: no schedule, e.g. a cycle).

    ``late_items``: [{"item": checklist item id, "matter": matter name, "slack": working days, "refused": bool}],
    most negative slack first, as the schedule orders them.
    """
    if result is None:
        return {"forecast_groundbreaking": None, "margin_workdays": None, "is_feasible": None, "late_items": []}
    late = []
    for key in result.late_items:
        dates = result.dates[key]
        late.append({"item": key, "matter": dates.label, "slack": dates.slack, "refused": dates.refused})
    return {
        "forecast_groundbreaking": result.forecast_groundbreaking,
        "margin_workdays": result.margin,
        "is_feasible": result.feasible,
        "late_items": late,
    }


def _copy_summary(plan: ProjectPlan, summary: dict, today: dt.date) -> str:
    """Put ``summary`` on ``plan``: "changed" (a value differs), "dated" (only the date is older) or ""."""
    if any(getattr(plan, name) != summary[name] for name in SUMMARY_FIELDS):
        for name in SUMMARY_FIELDS:
            setattr(plan, name, summary[name])
        plan.computed_on = today
        return "changed"
    if plan.computed_on != today:
        plan.computed_on = today
        return "dated"
    return ""


def store_forecast(*, plan: ProjectPlan | None, result: Schedule | None, today: dt.date) -> bool:
    """Keep the summary of a schedule just computed (plan page, API, recompute) when it differs from the stored one.

    One UPDATE, only when something changed; returns whether the summary changed.
    """
    if plan is None:
        return False
    state = _copy_summary(plan, forecast_summary(result), today)
    if state:
        fields = (*SUMMARY_FIELDS, "computed_on") if state == "changed" else ("computed_on",)
        ProjectPlan.objects.filter(pk=plan.pk).update(**{name: getattr(plan, name) for name in fields})
    return state == "changed"


def read_project_plan(*, user, project_pk: int, today: dt.date | None = None) -> PlanView:
    """The plan of one visible project as the plan page and the plan API show it (404 otherwise): the schedule is
    computed on read (plans.selectors.get_project_plan) and its forecast summary kept when it differs from the
    stored one, so the list of late plans agrees with the plan a person has just read."""
    view = get_project_plan(user=user, project_pk=project_pk, today=today)
    if view.schedule is not None:
        store_forecast(plan=view.plan, result=view.schedule, today=view.schedule.today)
    return view


ITEM_SCHEDULE_FIELDS = ("id", "checklist_id", "matter_id", "status", "decision", "accepted_on", "decided_on")
MATTER_SCHEDULE_FIELDS = (
    "id",
    "name",
    "approval_stage",
    "sort_order",
    "statutory_limit",
    "committed_limit",
    "benchmark_limit",
)


def _schedule_batch(checklists: list[tuple[int, int, dt.date | None]], *, matters, edges, calendar, today, failed):
    """{project id: its forecast summary} for (project id, checklist id, planned date) rows: three queries. A project
    whose schedule cannot be computed (its dates beyond the working-day calendar) is logged, added to ``failed`` and
    left out: one project never stops the city's forecast."""
    checklist_ids = [checklist_id for _project, checklist_id, _planned in checklists]
    items = defaultdict(list)
    # No ORDER BY (the models' default orderings join the catalogue): sorted per project below.
    for item in ChecklistItem.objects.filter(checklist_id__in=checklist_ids).only(*ITEM_SCHEDULE_FIELDS).order_by():
        item.matter = matters[item.matter_id]
        items[item.checklist_id].append(item)
    corrections = defaultdict(list)
    for window in CorrectionWindow.objects.filter(
        item__checklist_id__in=checklist_ids, item__status__in=RUNNING_STATUSES
    ).order_by("requested_on", "id"):
        corrections[window.item_id].append(window)
    durations = dict(
        PlanItem.objects.filter(item__checklist_id__in=checklist_ids, duration_workdays__isnull=False)
        .order_by()
        .values_list("item_id", "duration_workdays")
    )
    summaries = {}
    for project_id, checklist_id, planned in checklists:
        # The order of the plan page (stage, catalogue order, id), so ties break the same way.
        rows = sorted(items[checklist_id], key=lambda i: (i.matter.approval_stage, i.matter.sort_order, i.pk))
        try:
            tasks = build_tasks(rows, edges, durations, today=today, corrections=corrections)
            try:
                result = schedule(tasks, today=today, planned_groundbreaking=planned, calendar=calendar)
            except PlanCycleError:
                result = None  # a catalogue cycle: the plan page shows the error; the summary stays unknown
            summaries[project_id] = forecast_summary(result)
        except (KaigongError, OverflowError, ValueError) as exc:
            logger.warning("forecast of project %s failed: %s", project_id, exc)
            failed.append(project_id)
    return summaries


def refresh_forecasts(*, project_ids=None, today: dt.date | None = None, batch_size: int = 500) -> dict:
    """Recompute and store the forecast summary of many projects (the daily job, and after changes); returns counts.

    ``project_ids``: these projects (any stage); default: every project with a checklist not yet started. Each batch
    of ``batch_size`` projects costs a fixed number of queries (checklists, items, correction windows, duration
    overrides, plans, then at most three writes), whatever its size; the catalogue and the calendar are read once.
    Writes only plans whose summary changed (plus the date of those computed on an earlier day); creates the missing
    plan rows. Idempotent: a second run on the same day writes nothing.
    """
    today = today or timezone.localdate()
    calendar = get_calendar()
    matters = ApprovalMatter.objects.only(*MATTER_SCHEDULE_FIELDS).in_bulk()
    edges = matter_edges()
    checklists = Checklist.objects.order_by("project_id").values_list("project_id", "id", "project__planned_start_date")
    if project_ids is None:
        checklists = checklists.filter(project__stage__in=PRE_START_STAGES)
    else:
        checklists = checklists.filter(project_id__in=list(project_ids))
    counts = {"projects": 0, "created": 0, "changed": 0, "infeasible": 0, "unknown": 0, "failed": 0}
    failed: list[int] = []
    last = 0
    while True:
        batch = list(checklists.filter(project_id__gt=last)[:batch_size])
        if not batch:
            break
        last = batch[-1][0]
        summaries = _schedule_batch(batch, matters=matters, edges=edges, calendar=calendar, today=today, failed=failed)
        plans = {plan.project_id: plan for plan in ProjectPlan.objects.filter(project_id__in=list(summaries))}
        created, changed, dated = [], [], []
        for project_id, summary in summaries.items():
            counts["projects"] += 1
            counts["infeasible"] += summary["is_feasible"] is False
            counts["unknown"] += summary["is_feasible"] is None
            plan = plans.get(project_id)
            if plan is None:
                created.append(ProjectPlan(project_id=project_id, computed_on=today, **summary))
                continue
            state = _copy_summary(plan, summary, today)
            if state == "changed":
                changed.append(plan)
            elif state == "dated":
                dated.append(plan.pk)
        if created or changed or dated:
            with transaction.atomic():
                # A plan created meanwhile by a recompute keeps its own, equally fresh, summary.
                ProjectPlan.objects.bulk_create(created, ignore_conflicts=True)
                ProjectPlan.objects.bulk_update(changed, [*SUMMARY_FIELDS, "computed_on"])
                if dated:
                    ProjectPlan.objects.filter(pk__in=dated).update(computed_on=today)
        counts["created"] += len(created)
        counts["changed"] += len(changed)
    counts["failed"] = len(failed)
    counts["failed_projects"] = failed
    return counts


def refresh_project_forecast(*, project: Project, today: dt.date | None = None) -> dict:
    """``refresh_forecasts`` for one project (whatever its stage); nothing to do without a checklist."""
    return refresh_forecasts(project_ids=[project.pk], today=today)
