"""Writes of the heritage app: importing sites from GeoJSON, deleting them, configuring the approval chain, and
each project's heritage routing (forwarding to the next level, recording a level's reply).

Each write is audited in its transaction. Importing or deleting a site changes which projects lie in a control
zone; the checklists of exactly those projects are regenerated in the same transaction (the rules of issue 3 §3:
new heritage matters are added, not-started ones become not applicable, items with history are kept), and their
heritage routings are recomputed alongside (sync_project_routing: steps already sent are never deleted).
"""

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext, gettext_noop

from kaigong.audit.choices import AuditAction
from kaigong.audit.events import routing_actor
from kaigong.audit.models import SYSTEM_ACTOR
from kaigong.audit.services import diff, record_event, snapshot
from kaigong.core.exceptions import PermissionDeniedError, TransitionNotAllowed
from kaigong.heritage.choices import (
    OPEN_ROUTING_STATUSES,
    POSITIVE_OPINIONS,
    ROUTING_TRANSITIONS,
    HeritageEvent,
    Opinion,
    RoutingStatus,
)
from kaigong.heritage.geojson import parse_sites
from kaigong.heritage.models import (
    HeritageRouting,
    HeritageRoutingStep,
    HeritageSite,
    ProjectHeritageRouting,
    pending_levels,
)
from kaigong.heritage.permissions import CONSENT_MATTER_CODE, can_manage_heritage, can_record_routing
from kaigong.heritage.selectors import (
    get_routing,
    invalidate_zones,
    project_in_control_zone,
    projects_in_zones,
)
from kaigong.projects.changes import ProjectsChanged
from kaigong.projects.models import Project

SITE_FIELDS = ["name", "protection_level", "protection_area", "control_zone", "notes", "is_illustrative"]
ROUTING_FIELDS = ["end_level", "city_authority", "provincial_authority", "national_authority", "basis"]
PROJECT_ROUTING_FIELDS = ["status", "is_required", "end_level"]
STEP_FIELDS = ["sent_on", "replied_on", "opinion", "opinion_text", "document_number"]
RECORDER_REQUIRED = gettext_noop("只有系统管理员、重点项目办或文物部门经办人可以登记文物审批流转")


def _check_manager(actor) -> None:
    if actor is not None and not can_manage_heritage(actor):
        raise PermissionDeniedError("只有系统管理员可以导入文物保护范围或修改文物审批路径")


@dataclass
class ImportResult:
    created: list[HeritageSite] = field(default_factory=list)
    updated: list[HeritageSite] = field(default_factory=list)
    unchanged: list[HeritageSite] = field(default_factory=list)
    regenerated: list[int] = field(default_factory=list)

    @property
    def summary(self) -> dict:
        return {
            "created": len(self.created),
            "updated": len(self.updated),
            "unchanged": len(self.unchanged),
            "regenerated_checklists": len(self.regenerated),
        }


def _projects_with_checklists():
    return Project.objects.filter(checklist__isnull=False)


def _regenerate_changed(before: set[int], actor, actor_label: str) -> list[int]:
    """Regenerate the checklists of the projects whose in-zone status differs from ``before``."""
    from kaigong.approvals.checklists.services import generate_checklist

    invalidate_zones()
    after = projects_in_zones(_projects_with_checklists())
    changed = sorted(before ^ after)
    label = actor_label or str(actor or "") or SYSTEM_ACTOR
    config = get_routing()
    for project in Project.objects.filter(pk__in=changed).order_by("pk"):
        generate_checklist(project=project, actor=None, actor_label=label)
        sync_project_routing(project=project, actor=None, actor_label=label, in_zone=project.pk in after, config=config)
    return changed


# The project attributes a routing depends on: where the project lies.
LOCATION_FIELDS = ("latitude", "longitude", "site_polygon")


def follow_moved_projects(change: ProjectsChanged) -> None:
    """The projects-change handler (registered in HeritageConfig.ready): a project that moved into or out of a
    control zone has its routing follow (建设控制地带, issue 3 §5), inside the change's transaction."""
    for project in change.changed(*LOCATION_FIELDS):
        sync_project_routing(project=project, actor=None, actor_label=change.label)


@transaction.atomic
def import_sites(*, content: bytes | str | dict, actor, actor_label: str = "", source_name: str = "") -> ImportResult:
    """Create or update (by name) the sites of a GeoJSON file (its content, or its JSON value already read through
    geojson.parse_json); all or nothing. Raises GeoJSONImportError. Each site's simplified areas for the pages are
    stored with it."""
    _check_manager(actor)
    specs = parse_sites(content)
    before = projects_in_zones(_projects_with_checklists())
    result = ImportResult()
    existing = {
        site.name: site for site in HeritageSite.objects.select_for_update().filter(name__in=[s.name for s in specs])
    }
    for spec in specs:
        values = {
            "protection_level": spec.protection_level,
            "protection_area": spec.protection_area,
            "control_zone": spec.control_zone,
            "notes": spec.notes,
            "is_illustrative": spec.is_illustrative,
        }
        site = existing.get(spec.name)
        if site is None:
            site = HeritageSite(name=spec.name, source_name=source_name[:200], **values)
            site.set_display_geometry()
            site.full_clean()
            site.save()
            record_event(
                action=AuditAction.CREATE,
                actor=actor,
                actor_label=actor_label,
                obj=site,
                changes={k: [None, v] for k, v in snapshot(site, SITE_FIELDS).items()},
                code=HeritageEvent.IMPORT,
                note=source_name[:500],
            )
            result.created.append(site)
            continue
        old = snapshot(site, SITE_FIELDS)
        for name, value in values.items():
            setattr(site, name, value)
        changes = diff(old, snapshot(site, SITE_FIELDS))
        if not changes:
            result.unchanged.append(site)
            continue
        site.source_name = source_name[:200]
        site.set_display_geometry()
        site.full_clean()
        site.save()
        record_event(
            action=AuditAction.UPDATE,
            actor=actor,
            actor_label=actor_label,
            obj=site,
            changes=changes,
            code=HeritageEvent.IMPORT,
            note=source_name[:500],
        )
        result.updated.append(site)
    transaction.on_commit(invalidate_zones)
    result.regenerated = _regenerate_changed(before, actor, actor_label)
    return result


@transaction.atomic
def delete_site(*, site: HeritageSite, actor, actor_label: str = "") -> list[int]:
    """Delete a site; the checklists of the projects that leave every zone are regenerated. Returns their ids."""
    _check_manager(actor)
    before = projects_in_zones(_projects_with_checklists())
    record_event(
        action=AuditAction.DELETE,
        actor=actor,
        actor_label=actor_label,
        obj=site,
        changes={k: [v, None] for k, v in snapshot(site, SITE_FIELDS).items()},
    )
    site.delete()
    transaction.on_commit(invalidate_zones)
    return _regenerate_changed(before, actor, actor_label)


@transaction.atomic
def update_routing(*, actor, data: dict, actor_label: str = "") -> HeritageRouting:
    """Change the heritage approval chain (e.g. the end level: national by default, province where delegated)."""
    _check_manager(actor)
    routing, created = HeritageRouting.objects.select_for_update().get_or_create(pk=1)
    before = snapshot(routing, ROUTING_FIELDS)
    for name, value in data.items():
        if name in ROUTING_FIELDS:
            setattr(routing, name, value.strip() if isinstance(value, str) and name != "end_level" else value)
    routing.full_clean()
    routing.save()
    changes = diff(before, snapshot(routing, ROUTING_FIELDS))
    if changes or created:
        record_event(action=AuditAction.UPDATE, actor=actor, actor_label=actor_label, obj=routing, changes=changes)
    if changes:
        # The open project routings follow the new chain: levels not yet sent are added, dropped or renamed.
        open_routings = (
            ProjectHeritageRouting.objects.select_for_update()
            .filter(status__in=OPEN_ROUTING_STATUSES)
            .select_related("project")
            .order_by("pk")
        )
        for project_routing in open_routings:
            _recompute(
                project_routing,
                config=routing,
                in_zone=project_routing.is_required,
                actor=actor,
                actor_label=actor_label,
                code=HeritageEvent.CHAIN_CHANGED,
            )
    return routing


# --- a project's heritage routing ----------------------------------------------------------------------------------


def _check_recorder(actor) -> None:
    if actor is not None and not can_record_routing(actor):
        raise PermissionDeniedError(RECORDER_REQUIRED)


def _refuse(message: str, **params):
    raise TransitionNotAllowed(message, params=params)


def _set_status(routing: ProjectHeritageRouting, target: str) -> None:
    """The only writer of ProjectHeritageRouting.status, checked against ROUTING_TRANSITIONS."""
    if target == routing.status:
        return
    if target not in ROUTING_TRANSITIONS[routing.status]:
        _refuse(
            gettext_noop("文物审批流转不能从“%(before)s”变为“%(after)s”"),
            before=RoutingStatus(routing.status).label,
            after=RoutingStatus(target).label,
        )
    routing.status = target


def _plan(steps) -> list[str]:
    return [f"{step.level}: {step.authority}" for step in steps]


def _recompute(
    routing: ProjectHeritageRouting,
    *,
    config: HeritageRouting,
    in_zone: bool,
    actor,
    actor_label: str,
    code: str,
    before: dict | None = None,
    created: bool = False,
) -> ProjectHeritageRouting:
    """Bring ``routing`` in step with the zones (``in_zone``) and the configured chain, and audit what changed.

    Steps already sent are records and stay as they are; only the steps not yet sent are replaced, by the levels
    still to send (models.pending_levels) while the routing is open and required, by nothing otherwise. A project
    leaving the zones before anything was sent sets the routing aside (not applicable); coming back reopens it.
    An agreed level that is now final (the end level was lowered) completes the routing.
    """
    before = before if before is not None else snapshot(routing, PROJECT_ROUTING_FIELDS)
    steps = list(routing.steps.select_for_update().order_by("order"))
    sent = [step for step in steps if step.is_sent]
    placeholders = [step for step in steps if not step.is_sent]

    routing.is_required = in_zone
    if in_zone and routing.status == RoutingStatus.NOT_APPLICABLE:
        _set_status(routing, RoutingStatus.NOT_STARTED)
    elif not in_zone and routing.status == RoutingStatus.NOT_STARTED:
        _set_status(routing, RoutingStatus.NOT_APPLICABLE)
    if routing.is_open:
        routing.end_level = config.end_level
    last = sent[-1] if sent else None
    if routing.status == RoutingStatus.IN_PROGRESS and last and last.is_positive and routing.is_final_level(last.level):
        _set_status(routing, RoutingStatus.COMPLETED)
    changes = diff(before, snapshot(routing, PROJECT_ROUTING_FIELDS))
    if changes:
        routing.full_clean()
        routing.save()

    wanted = pending_levels(config.chain(), sent) if routing.is_open and routing.is_required else []
    current = [(step.level, step.authority) for step in placeholders]
    if wanted != current:
        HeritageRoutingStep.objects.filter(pk__in=[step.pk for step in placeholders]).delete()
        start = (last.order + 1) if last else 1
        for offset, (level, authority) in enumerate(wanted):
            step = HeritageRoutingStep(routing=routing, order=start + offset, level=level, authority=authority)
            step.full_clean()
            step.save()
        changes["pending_steps"] = [
            None if created else _plan(placeholders),
            [f"{level}: {authority}" for level, authority in wanted],
        ]
    if changes or created:
        record_event(
            action=AuditAction.CREATE if created else AuditAction.UPDATE,
            actor=actor,
            actor_label=actor_label,
            obj=routing,
            project=routing.project,
            changes=changes,
            code=code,
        )
    return routing


@transaction.atomic
def sync_project_routing(
    *,
    project: Project,
    actor=None,
    actor_label: str = "",
    in_zone: bool | None = None,
    config: HeritageRouting | None = None,
) -> ProjectHeritageRouting | None:
    """The recompute of one project's heritage routing: create it (with a step per level of the configured chain)
    when the project lies in a control zone, keep it in step with the zones and the chain otherwise. Returns the
    routing, or None for a project outside every zone that never had one.

    Runs on the system's authority (the callers check who acts): site imports and deletions, chain changes, and
    the forward and reply services before they act. ``in_zone`` saves a geometry check the caller already made.
    """
    Project.objects.select_for_update().filter(pk=project.pk).values_list("pk", flat=True).first()
    in_zone = project_in_control_zone(project) if in_zone is None else in_zone
    config = config or get_routing()
    routing = ProjectHeritageRouting.objects.select_for_update().filter(project=project).first()
    if routing is None:
        if not in_zone:
            return None
        routing = ProjectHeritageRouting(project=project, end_level=config.end_level)
        routing.full_clean()
        routing.save()
        return _recompute(
            routing,
            config=config,
            in_zone=True,
            actor=actor,
            actor_label=actor_label,
            code=HeritageEvent.RECOMPUTE,
            before={name: None for name in PROJECT_ROUTING_FIELDS},
            created=True,
        )
    return _recompute(
        routing, config=config, in_zone=in_zone, actor=actor, actor_label=actor_label, code=HeritageEvent.RECOMPUTE
    )


def _check_date(on: dt.date, not_before: dt.date | None, future: str, early: str) -> None:
    today = timezone.localdate()
    if on > today:
        _refuse(future, today=today.isoformat())
    if not_before and on < not_before:
        _refuse(early, date=not_before.isoformat())


def _record_step_change(step: HeritageRoutingStep, before: dict, *, actor, actor_label: str, code: str) -> None:
    record_event(
        action=AuditAction.UPDATE,
        actor=actor,
        actor_label=actor_label,
        obj=step,
        project=step.routing.project,
        changes=diff(before, snapshot(step, STEP_FIELDS)),
        code=code,
    )


@transaction.atomic
def forward_routing_step(
    *, project: Project, actor, on: dt.date | None = None, actor_label: str = ""
) -> HeritageRoutingStep:
    """Send the project's heritage request to the next level of its chain (报送), on ``on`` (default today).

    The routing is recomputed first (it is created if the project is in a zone and has none yet). Refused when the
    project lies in no zone, the routing has ended, a level has not replied yet, or the date is in the future or
    before the previous level's reply. Returns the step sent.
    """
    _check_recorder(actor)
    on = on or timezone.localdate()
    routing = sync_project_routing(project=project, actor=actor, actor_label=actor_label)
    if routing is None or not routing.is_required:
        _refuse(gettext_noop("项目不在文物建设控制地带内,无需报送文物审批"))
    if not routing.is_open:
        _refuse(
            gettext_noop("该项目的文物审批流转已结束(%(status)s),不能再报送"),
            status=RoutingStatus(routing.status).label,
        )
    steps = list(routing.steps.order_by("order"))
    awaiting = routing.step_awaiting_reply(steps)
    if awaiting is not None:
        _refuse(gettext_noop("已报送%(authority)s,尚未登记答复,不能再报送"), authority=awaiting.authority)
    step = routing.step_to_forward(steps)
    if step is None:
        _refuse(gettext_noop("没有可以报送的下一级"))
    previous = [s for s in steps if s.is_sent]
    _check_date(
        on,
        previous[-1].replied_on if previous else None,
        gettext_noop("报送日期不能晚于今天(%(today)s)"),
        gettext_noop("报送日期不能早于上一级的答复日期(%(date)s)"),
    )
    before = snapshot(step, STEP_FIELDS)
    step.sent_on = on
    step.forwarded_by = actor if actor is not None and actor.is_authenticated else None
    step.full_clean()
    step.save()
    _record_step_change(step, before, actor=actor, actor_label=actor_label, code=HeritageEvent.FORWARD)
    routing_before = snapshot(routing, PROJECT_ROUTING_FIELDS)
    _set_status(routing, RoutingStatus.IN_PROGRESS)
    routing.save()
    if changes := diff(routing_before, snapshot(routing, PROJECT_ROUTING_FIELDS)):
        record_event(
            action=AuditAction.UPDATE,
            actor=actor,
            actor_label=actor_label,
            obj=routing,
            project=project,
            changes=changes,
            code=HeritageEvent.FORWARD,
        )
    _consent_item_follows(project, "forward", on=on, actor=actor, actor_label=actor_label)
    return step


@transaction.atomic
def record_routing_reply(
    *,
    step: HeritageRoutingStep,
    actor,
    opinion: str,
    on: dt.date | None = None,
    opinion_text: str = "",
    document_number: str = "",
    actor_label: str = "",
) -> HeritageRoutingStep:
    """Record a level's reply (答复) to the request sent to it, dated ``on`` (default today).

    不同意 at any level ends the routing as refused; 同意 or 有条件同意 at the final level completes it, at a lower
    level lets the request go to the next level; 退回补充 lets it be sent to the same level again. A reply that
    ends the routing needs its document number (文号); 有条件同意 needs its conditions. The date may be neither in
    the future nor before the step was sent.
    """
    _check_recorder(actor)
    step = HeritageRoutingStep.objects.select_for_update().select_related("routing__project").get(pk=step.pk)
    routing = ProjectHeritageRouting.objects.select_for_update().select_related("project").get(pk=step.routing_id)
    step.routing = routing
    routing_before = snapshot(routing, PROJECT_ROUTING_FIELDS)
    if not step.is_sent:
        _refuse(gettext_noop("%(authority)s尚未报送,不能登记答复"), authority=step.authority)
    if step.replied_on is not None:
        _refuse(gettext_noop("%(authority)s的答复已登记,不能重复登记"), authority=step.authority)
    if opinion not in Opinion.values:
        _refuse(gettext_noop("请选择答复意见:同意、有条件同意、不同意或退回补充"))
    opinion_text = (opinion_text or "").strip()
    document_number = (document_number or "").strip()
    config = get_routing()
    if routing.is_open:  # the final level is the one configured now
        routing.end_level = config.end_level
    ends = opinion == Opinion.REFUSED or (opinion in POSITIVE_OPINIONS and routing.is_final_level(step.level))
    if opinion == Opinion.CONDITIONAL and not opinion_text:
        _refuse(gettext_noop("有条件同意须填写所附条件"))
    if ends and not document_number:
        _refuse(gettext_noop("最终意见须填写文号"))
    on = on or timezone.localdate()
    _check_date(
        on,
        step.sent_on,
        gettext_noop("答复日期不能晚于今天(%(today)s)"),
        gettext_noop("答复日期不能早于报送日期(%(date)s)"),
    )
    before = snapshot(step, STEP_FIELDS)
    step.replied_on, step.opinion = on, opinion
    step.opinion_text, step.document_number = opinion_text, document_number[:100]
    step.recorded_by = actor if actor is not None and actor.is_authenticated else None
    step.recorded_by_label = (str(actor) if step.recorded_by else actor_label)[:150]
    step.recorded_at = timezone.now()
    step.full_clean()
    step.save()
    _record_step_change(step, before, actor=actor, actor_label=actor_label, code=HeritageEvent.reply(opinion))
    if opinion == Opinion.REFUSED:
        _set_status(routing, RoutingStatus.REFUSED)
    elif ends:
        _set_status(routing, RoutingStatus.COMPLETED)
    # The levels still to send follow from the reply: the next level, the same one again, or none.
    _recompute(
        routing,
        config=config,
        in_zone=routing.is_required,
        actor=actor,
        actor_label=actor_label,
        code=HeritageEvent.reply(opinion),
        before=routing_before,
    )
    if opinion == Opinion.RETURNED:
        _consent_item_follows(
            routing.project, "returned", on=on, actor=actor, actor_label=actor_label, reason=opinion_text
        )
    elif ends:
        _consent_item_follows(
            routing.project,
            "refused" if opinion == Opinion.REFUSED else "approved",
            on=on,
            actor=actor,
            actor_label=actor_label,
            document_number=document_number,
        )
    return step


def _consent_item_follows(project: Project, event: str, *, on: dt.date, actor, actor_label: str, **details) -> None:
    """The project's heritage-consent checklist item (文物部门审批设计方案) follows its routing, in the same
    transaction, through the checklist's own service (so its clock, lights, audit and forecast follow too):

    - the first forward submits and accepts it (受理: its clock starts) on the forward date; a forward after a
      return for supplement resumes it (补正后重新受理);
    - 退回补充 stops its clock (要求补正) with the reply's text as the reason;
    - the final reply decides it: 同意 / 有条件同意 at the final level as 准予许可, 不同意 as 不予许可, with the
      reply's 文号 and date.

    Each step applies only where the item's status allows it: an item the department already moved by hand (say,
    decided before the routing was recorded), set aside (not applicable) or absent is left as it is. The routing's
    recorder was checked by the caller; the item's audit names them with the routing as the cause.
    """
    from kaigong.approvals.checklists.services import transition_item
    from kaigong.approvals.choices import Decision, ItemAction, ItemStatus
    from kaigong.approvals.models import ChecklistItem

    item = ChecklistItem.objects.filter(checklist__project=project, matter__code=CONSENT_MATTER_CODE).first()
    if item is None:
        return
    who = str(actor) if actor is not None and actor.is_authenticated else actor_label
    label = routing_actor(who)

    def move(action: str, **kwargs) -> None:
        nonlocal item
        try:
            item = transition_item(item=item, action=action, actor=None, actor_label=label[:150], on=on, **kwargs)
        except TransitionNotAllowed as exc:  # say which record refused; the whole step is rolled back
            reason = lazy(lambda e=exc: gettext(e.msgid) % e.params if e.params else gettext(e.msgid), str)()
            _refuse(gettext_noop("清单中的文物审批事项无法随流转更新:%(reason)s"), reason=reason)

    if event == "forward":
        if item.status in (ItemStatus.NOT_STARTED, ItemStatus.PREPARING):
            move(ItemAction.SUBMIT)
        if item.status == ItemStatus.SUBMITTED and not item.use_commitment:
            move(ItemAction.ACCEPT)
        elif item.status == ItemStatus.CORRECTION_REQUESTED:
            move(ItemAction.RESUME)
    elif event == "returned" and item.status == ItemStatus.ACCEPTED:
        move(ItemAction.REQUEST_CORRECTION, reason=details.get("reason") or "文物部门退回补充")
    elif event in ("approved", "refused") and item.status == ItemStatus.ACCEPTED:
        decision = Decision.APPROVED if event == "approved" else Decision.REFUSED
        move(ItemAction.DECIDE, decision=decision, document_number=details["document_number"])
