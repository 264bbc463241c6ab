"""Writes of the checklists: generation from the rules, item transitions, the clocks' daily refresh, notices, and the
groundbreaking guard.

Each service: keyword-only arguments, an explicit actor (a User, or None with ``actor_label`` for commands and
jobs), one transaction, audit events written inside it, the changed object returned.
"""

import datetime as dt
import logging
from collections import defaultdict, namedtuple

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy, gettext_noop

from kaigong.approvals.choices import (
    ACTION_SOURCES,
    ACTION_TARGETS,
    CLOSED_STATUSES,
    ITEM_TRANSITIONS,
    ApprovalsEvent,
    Decision,
    ItemAction,
    ItemStatus,
    WarningLevel,
)
from kaigong.approvals.clocks import Clock, apply_clock, compute_clock, counts_on
from kaigong.approvals.models import (
    ApprovalMatter,
    Checklist,
    ChecklistItem,
    ChecklistRule,
    CorrectionWindow,
    WarningNotice,
)
from kaigong.approvals.permissions import action_allowed_for, can_edit_checklist, warning_recipients
from kaigong.approvals.plans.planning import GROUNDBREAKING_STAGES
from kaigong.approvals.plans.services import refresh_forecasts, refresh_project_forecast
from kaigong.approvals.rules import evaluate, project_facts
from kaigong.audit.choices import AuditAction
from kaigong.audit.services import diff, record_event, record_events, snapshot
from kaigong.core.exceptions import KaigongError, PermissionDeniedError, TransitionNotAllowed
from kaigong.projects.changes import ProjectsChanged
from kaigong.projects.choices import Stage
from kaigong.projects.models import Project
from kaigong.projects.stage_guards import StageObjection

ITEM_AUDIT_FIELDS = [
    "status",
    "required_by",
    "status_reason",
    "is_required",
    "use_commitment",
    "submitted_on",
    "accepted_on",
    "decided_on",
    "decision",
    "document_number",
]
NO_LONGER_REQUIRED = gettext_noop("项目属性变化后,清单规则不再要求该事项")

logger = logging.getLogger(__name__)


# --- checklists ---------------------------------------------------------------------------------------------


def active_rules() -> list[ChecklistRule]:
    """The active rules of active matters, read once (pass them to generate_checklist when generating many)."""
    return list(
        ChecklistRule.objects.filter(is_active=True, matter__is_active=True).only("name", "matter_id", "condition")
    )


def required_matters(project: Project, rules=None) -> dict[int, list[str]]:
    """{matter id: [names of the active rules that require it]} for ``project``."""
    if rules is None:
        rules = active_rules()
    facts = project_facts(project)
    required: dict[int, list[str]] = defaultdict(list)
    for rule in rules:
        if evaluate(rule.condition, facts):
            required[rule.matter_id].append(rule.name)
    return dict(required)


def _item_changes(item: ChecklistItem, before: dict) -> dict:
    return diff(before, snapshot(item, ITEM_AUDIT_FIELDS))


@transaction.atomic
def generate_checklist(
    *, project: Project, actor=None, actor_label: str = "", rules=None, refresh_forecast: bool = True
) -> Checklist:
    """Apply the rules to ``project``: add newly required matters, mark matters no longer required and not
    started as not applicable (with the reason), bring back such matters when required again. Items with
    history are never deleted; every change is audited. The plan's forecast summary follows (callers generating
    many checklists pass ``refresh_forecast=False`` and refresh the forecasts in one batch afterwards)."""
    if actor is not None and not can_edit_checklist(actor, project):
        raise PermissionDeniedError(gettext_noop("您无权为该项目生成审批清单"))
    checklist, created = Checklist.objects.get_or_create(project=project)
    if created:
        record_event(action=AuditAction.CREATE, actor=actor, actor_label=actor_label, obj=checklist, project=project)
    required = required_matters(project, rules)
    items = {item.matter_id: item for item in checklist.items.select_for_update().select_related("matter")}
    matters = ApprovalMatter.objects.in_bulk([m for m in required if m not in items])
    checklist.project = project
    new_items = ChecklistItem.objects.bulk_create(
        [
            ChecklistItem(checklist=checklist, matter=matters[matter_id], required_by=required[matter_id])
            for matter_id in sorted(required)
            if matter_id not in items
        ]
    )
    events = [
        {
            "action": AuditAction.CREATE,
            "actor": actor,
            "actor_label": actor_label,
            "obj": item,
            "project": project,
            "changes": {"required_by": [None, item.required_by]},
        }
        for item in new_items
    ]
    for matter_id, item in items.items():
        before = snapshot(item, ITEM_AUDIT_FIELDS)
        rules_now = required.get(matter_id, [])
        fields = []
        if item.required_by != rules_now:
            item.required_by = rules_now
            fields.append("required_by")
        if rules_now and not item.is_required:
            item.is_required = True
            fields.append("is_required")
            # Set aside by a regeneration (not by a person), now required again.
            if item.status == ItemStatus.NOT_APPLICABLE and item.status_reason == NO_LONGER_REQUIRED:
                item.status, item.status_reason = ItemStatus.NOT_STARTED, ""
                fields += ["status", "status_reason"]
        elif not rules_now and item.is_required:
            item.is_required = False
            fields.append("is_required")
            if item.status == ItemStatus.NOT_STARTED:
                item.status, item.status_reason = ItemStatus.NOT_APPLICABLE, NO_LONGER_REQUIRED
                fields += ["status", "status_reason"]
        if fields:
            item.save(update_fields=[*fields, "updated_at"])
            changes = _item_changes(item, before)
            if changes:
                events.append(
                    {
                        "action": AuditAction.UPDATE,
                        "actor": actor,
                        "actor_label": actor_label,
                        "obj": item,
                        "project": project,
                        "changes": changes,
                        "code": ApprovalsEvent.REGENERATE,
                    }
                )
    if events:
        record_events(events)
    checklist.generated_at = timezone.now()
    checklist.save(update_fields=["generated_at"])
    if refresh_forecast:
        refresh_project_forecast(project=project)
    return checklist


def regenerate_changed_checklists(change: ProjectsChanged) -> list[Checklist]:
    """The projects-change handler (registered in ApprovalsConfig.ready): changed attributes may change what the
    rules require, so the checklists of the changed projects that have one are regenerated, inside the change's
    transaction. The rules are read once and the plans' forecasts refreshed in one batch, whether one project
    changed (update_project) or ten thousand (a ledger import). The writer already checked who acts, so the
    regeneration runs on the system's authority and is audited under the writer's name."""
    ids = {project.pk for project in change.projects}
    with_checklist = set(Checklist.objects.filter(project__in=ids).values_list("project_id", flat=True))
    projects = [project for project in change.projects if project.pk in with_checklist]
    if not projects:
        return []
    rules = active_rules()
    checklists = [
        generate_checklist(project=project, actor=None, actor_label=change.label, rules=rules, refresh_forecast=False)
        for project in projects
    ]
    refresh_forecasts(project_ids=[project.pk for project in projects])
    return checklists


# --- item transitions ---------------------------------------------------------------------------------------


def _refuse(message: str, **params):
    raise TransitionNotAllowed(message, params=params)


def _check_date(on: dt.date, after: dt.date | None, label_after: str) -> None:
    today = timezone.localdate()
    if on > today:
        _refuse(gettext_noop("日期不能晚于今天(%(today)s)"), today=today.isoformat())
    if after and on < after:
        _refuse(gettext_noop("日期不能早于%(what)s(%(date)s)"), what=gettext_lazy(label_after), date=after.isoformat())


@transaction.atomic
def transition_item(
    *,
    item: ChecklistItem,
    action: str,
    actor,
    actor_label: str = "",
    on: dt.date | None = None,
    reason: str = "",
    decision: str = "",
    document_number: str = "",
    use_commitment: bool = False,
) -> ChecklistItem:
    """Take ``action`` on ``item``: the only writer of ChecklistItem.status, checked against ITEM_TRANSITIONS.

    ``on`` is the date the step happened (default today). Deciding needs a decision and a document number (文号).
    A matter submitted under 告知承诺制 (``use_commitment``) is decided, approved, when it is accepted.
    """
    if action not in ACTION_TARGETS:
        _refuse(gettext_noop("未知的操作: %(action)s"), action=action)
    item = ChecklistItem.objects.select_for_update().select_related("matter", "checklist__project").get(pk=item.pk)
    project = item.checklist.project
    if actor is not None and not action_allowed_for(actor, item, action):
        raise PermissionDeniedError(gettext_noop("您无权对该事项执行此操作"))
    if item.status not in ACTION_SOURCES[action]:
        _refuse(
            gettext_noop("事项当前状态为“%(status)s”,不能执行“%(action)s”"),
            status=ItemStatus(item.status).label,
            action=ItemAction(action).label,
        )
    target = ACTION_TARGETS[action]
    on = on or timezone.localdate()
    reason = (reason or "").strip()
    document_number = (document_number or "").strip()
    before = snapshot(item, ITEM_AUDIT_FIELDS)
    correction = None

    if action == ItemAction.SUBMIT:
        if use_commitment and not item.matter.allows_commitment:
            _refuse(gettext_noop("该事项不适用告知承诺制"))
        _check_date(on, None, "")
        item.submitted_on, item.use_commitment = on, bool(use_commitment)
    elif action == ItemAction.WITHDRAW:
        item.submitted_on, item.use_commitment = None, False
    elif action == ItemAction.ACCEPT:
        _check_date(on, item.submitted_on, gettext_noop("申报日期"))
        item.accepted_on = on
        if item.use_commitment:
            if not document_number:
                _refuse(gettext_noop("告知承诺制事项受理即办结,请填写文号"))
            target = ItemStatus.DECIDED
            item.decided_on, item.decision, item.document_number = on, Decision.APPROVED, document_number
    elif action == ItemAction.REQUEST_CORRECTION:
        last = item.corrections.exclude(resumed_on=None).order_by("-resumed_on").first()
        _check_date(on, last.resumed_on if last else item.accepted_on, gettext_noop("受理日期"))
        correction = CorrectionWindow(item=item, requested_on=on, reason=reason, actor=actor)
        item.clock_stopped_on = on
    elif action == ItemAction.RESUME:
        correction = item.corrections.filter(resumed_on=None).order_by("-requested_on").first()
        _check_date(on, correction.requested_on, gettext_noop("补正通知日期"))
        correction.resumed_on = on
        item.clock_stopped_on = None
    elif action == ItemAction.DECIDE:
        if decision not in Decision.values:
            _refuse(gettext_noop("请选择办理结果(准予许可或不予许可)"))
        if not document_number:
            _refuse(gettext_noop("办结须填写文号"))
        last = item.corrections.exclude(resumed_on=None).order_by("-resumed_on").first()
        _check_date(on, max(filter(None, [item.accepted_on, last and last.resumed_on])), gettext_noop("受理日期"))
        item.decided_on, item.decision, item.document_number = on, decision, document_number
    elif action in (ItemAction.MARK_NOT_APPLICABLE, ItemAction.WAIVE):
        if not reason:
            _refuse(gettext_noop("请填写原因"))
        item.status_reason = reason[:300]
    elif action == ItemAction.REINSTATE:
        item.status_reason = ""

    if target not in ITEM_TRANSITIONS[item.status]:  # the table is the law even when the code above is wrong
        _refuse(gettext_noop("不允许的状态变更"))
    item.status = target
    if correction is not None:
        correction.full_clean()
        correction.save()
    level_before = item.warning_level
    _refresh_item_clock(item, today=timezone.localdate())
    item.save()
    if _turned(level_before, item.warning_level):
        _notify_after_commit([(item.pk, item.warning_level)])
    changes = _item_changes(item, before)
    record_event(
        action=AuditAction.UPDATE,
        actor=actor,
        actor_label=actor_label,
        obj=item,
        project=project,
        changes=changes,
        code=action,
        note=reason[:500],
    )
    refresh_project_forecast(project=project)  # the plan's forecast summary (the late-plan list) follows
    return item


ALERT_LEVELS = (WarningLevel.YELLOW, WarningLevel.RED)


def _turned(before: str, after: str) -> bool:
    """An item 'turns' yellow or red when its light moves into one of them (green → yellow, yellow → red …)."""
    if after == WarningLevel.RED:
        return before != WarningLevel.RED
    return after == WarningLevel.YELLOW and before not in ALERT_LEVELS


def _notify_after_commit(alerts: list[tuple[int, str]]) -> None:
    """After the transaction commits, write a notice per (item, level) to the office and the approving department.

    Idempotent: one notice per person, item and level (a unique constraint; conflicts are ignored).
    """
    if not alerts:
        return

    def write():
        items = dict(
            ChecklistItem.objects.filter(pk__in=[i for i, _level in alerts]).values_list("pk", "matter__department_id")
        )
        office, officers = warning_recipients(set(items.values()))
        notices = [
            WarningNotice(recipient_id=user_id, item_id=item_id, level=level)
            for item_id, level in alerts
            if item_id in items
            for user_id in {*office, *officers.get(items[item_id], [])}
        ]
        WarningNotice.objects.bulk_create(notices, ignore_conflicts=True, batch_size=2000)

    transaction.on_commit(write)


def _refresh_item_clock(item: ChecklistItem, *, today: dt.date, calendar=None) -> list[str]:
    corrections = list(item.corrections.all()) if item.accepted_on else []
    return apply_clock(item, compute_clock(item, corrections, today=today, calendar=calendar), today=today)


def _write_clocks(pending: dict[tuple, list[int]]) -> None:
    """One UPDATE per distinct set of new clock values (items accepted the same day for the same matter move
    together), chunked: far cheaper than bulk_update's per-row CASE expressions."""
    for values, pks in pending.items():
        fields = dict(values)
        for start in range(0, len(pks), 500):
            ChecklistItem.objects.filter(pk__in=pks[start : start + 500]).update(**fields)


# The slices of a ChecklistItem and a CorrectionWindow the clock reads (the refresh reads plain values).
_Row = namedtuple("_Row", "matter status accepted_on decided_on")
_Window = namedtuple("_Window", "requested_on resumed_on")


REFRESH_FIELDS = ("pk", "matter_id", "status", "accepted_on", "decided_on", "clock_provisional", "clock_computed_on")


def refresh_clocks(*, today: dt.date | None = None, batch_size: int = 5000, flush_every: int = 20000) -> dict:
    """Recompute the clock and light of every running item (the daily job; `kaigong approvals refresh`).

    An item that turns yellow or red gets in-app notices (after commit). Idempotent: running it twice on the same
    day changes nothing and notifies no one the second time. Returns counts.

    Every running item is checked against a fresh computation; only the items whose clock really changed are
    written. The working-day count itself is read live (clocks.clock_today: the stored count moves on by the
    working days since it was computed), so an item whose light and due dates stay the same is not rewritten just
    because a day passed. Items with the same matter, status, dates and correction windows have the same clock:
    it is computed once. Reads plain values in primary-key batches (corrections in one query per batch); writes are
    grouped by their new values, every ``flush_every`` changed items in one transaction.
    """
    from kaigong.approvals.choices import CLOCK_STATUSES
    from kaigong.workdays.calendar import get_calendar

    today = today or timezone.localdate()
    calendar = get_calendar()
    matters = ApprovalMatter.objects.in_bulk()
    counts = {"checked": 0, "changed": 0, "yellow": 0, "red": 0, "alerts": 0}
    failed: list[int] = []  # items whose clock cannot be computed: logged and skipped, never the whole job
    columns = (*REFRESH_FIELDS, *Clock.FIELDS)
    queryset = ChecklistItem.objects.filter(status__in=CLOCK_STATUSES).order_by("pk").values_list(*columns)
    memo: dict[tuple, Clock] = {}
    pending: dict[tuple, list[int]] = defaultdict(list)
    alerts: list[tuple[int, str]] = []
    waiting = 0

    def flush():
        nonlocal waiting
        with transaction.atomic():
            _notify_after_commit(list(alerts))
            _write_clocks(pending)
        counts["changed"] += waiting
        pending.clear()
        alerts.clear()
        waiting = 0

    last_pk = 0
    while True:
        batch = list(queryset.filter(pk__gt=last_pk)[:batch_size])
        if not batch:
            break
        last_pk = batch[-1][0]
        windows = defaultdict(list)
        for item_id, requested_on, resumed_on in (
            CorrectionWindow.objects.filter(item_id__gt=batch[0][0] - 1, item_id__lte=last_pk)
            .order_by("pk")
            .values_list("item_id", "requested_on", "resumed_on")
        ):
            windows[item_id].append((requested_on, resumed_on))
        for values in batch:
            stored = dict(zip(columns, values, strict=True))
            pk = stored["pk"]
            counts["checked"] += 1
            key = (
                stored["matter_id"],
                stored["status"],
                stored["accepted_on"],
                stored["decided_on"],
                tuple(windows.get(pk, ())),
            )
            try:
                clock = memo.get(key)
                if clock is None:
                    row = _Row(matters[key[0]], key[1], key[2], key[3])
                    windows_of = [_Window(*w) for w in key[4]]
                    clock = memo[key] = compute_clock(row, windows_of, today=today, calendar=calendar)
                clock_changed = _clock_changed(stored, clock, today=today, calendar=calendar)
            except (KaigongError, OverflowError, ValueError) as exc:
                logger.warning("clock of checklist item %s failed: %s", pk, exc)
                failed.append(pk)
                continue
            level_before = stored["warning_level"]
            if clock_changed:
                values_now = {name: getattr(clock, name) for name in Clock.FIELDS}
                values_now["clock_provisional"] = clock.provisional
                values_now["clock_computed_on"] = today
                pending[tuple(sorted(values_now.items()))].append(pk)
                waiting += 1
            if _turned(level_before, clock.warning_level):
                alerts.append((pk, clock.warning_level))
                counts["alerts"] += 1
            counts[clock.warning_level] = counts.get(clock.warning_level, 0) + 1
        if waiting >= flush_every:
            flush()
    if waiting or alerts:
        flush()
    result = {k: counts.get(k, 0) for k in ("checked", "changed", "green", "yellow", "red", "alerts")}
    return {**result, "failed": len(failed), "failed_items": failed}


# Clock fields compared as stored; the working-day counts are compared as they stand today (clocks.counts_on).
STABLE_CLOCK_FIELDS = ("statutory_due", "committed_due", "benchmark_due", "warning_level", "actual_workdays")


def _clock_changed(stored: dict, clock: Clock, *, today, calendar) -> bool:
    """Whether the stored clock differs from ``clock`` in anything but the days a running clock moves on by."""
    if any(stored[name] != getattr(clock, name) for name in STABLE_CLOCK_FIELDS):
        return True
    if stored["beat_benchmark"] != clock.beat_benchmark or stored["clock_provisional"] != clock.provisional:
        return True
    if stored["clock_computed_on"] is None:
        return True
    now = counts_on(
        today,
        status=stored["status"],
        elapsed=stored["elapsed_workdays"],
        remaining=stored["remaining_workdays"],
        computed_on=stored["clock_computed_on"],
        calendar=calendar,
    )
    return now != (clock.elapsed_workdays, clock.remaining_workdays)


def mark_notices_read(*, user) -> int:
    """Mark all of ``user``'s unread notices read (their own inbox: not audited). Returns how many."""
    return WarningNotice.objects.filter(recipient=user, read_at=None).update(read_at=timezone.now())


# --- groundbreaking ------------------------------------------------------------------------------------------------


def groundbreaking_objections(project: Project, stage: str) -> list[StageObjection]:
    """A stage guard (projects.stage_guards, registered in ApprovalsConfig.ready): moving to 新开工 while required
    items that gate groundbreaking (the plan's GROUNDBREAKING_STAGES) are undecided; the office may proceed with a
    recorded reason."""
    if stage != Stage.STARTED or project.pk is None:
        return []
    names = list(
        ChecklistItem.objects.filter(
            checklist__project_id=project.pk, is_required=True, matter__approval_stage__in=GROUNDBREAKING_STAGES
        )
        .exclude(status__in=CLOSED_STATUSES)
        .order_by("matter__approval_stage", "matter__sort_order", "id")
        .values_list("matter__name", flat=True)
    )
    if not names:
        return []
    shown = "、".join(names[:3]) + ("等" if len(names) > 3 else "")
    return [
        StageObjection(
            gettext_noop("前期手续尚有%(count)s项未办结(%(names)s)"),
            {"count": len(names), "names": shown},
            waivable=True,
        )
    ]
