"""Writes to the project registry. Pages, API, ledger importer, commands and jobs all come through here.

Each service: keyword-only arguments, an explicit actor (a User, or None with an ``actor_label`` for commands
and jobs), one transaction, an audit event written inside it, the changed object returned.
"""

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_noop

from kaigong.accounts.models import Department, Organization
from kaigong.accounts.services import keep_former_names
from kaigong.audit.choices import AuditAction
from kaigong.audit.services import diff, record_event, snapshot
from kaigong.core.exceptions import (
    KaigongError,
    PermissionDeniedError,
    StaleVersionError,
    TransitionNotAllowed,
)
from kaigong.projects import permissions
from kaigong.projects.changes import announce_projects_changed
from kaigong.projects.choices import STAGES_NEEDING_REASON, Stage
from kaigong.projects.models import BatchMembership, Category, GroundbreakingBatch, Level, Project, StageChange
from kaigong.projects.rules import (
    PROJECT_AUDIT_FIELDS,
    audit_changes,
    audited_before,
    set_fields,
    stage_effects,
    transition_refusal,
)
from kaigong.projects.rules import PROJECT_EDITABLE_FIELDS as PROJECT_EDITABLE_FIELDS  # read here by forms, views
from kaigong.projects.stage_guards import stage_objections


def _check_can_edit(project: Project | None, actor) -> None:
    if actor is None:  # commands and jobs act as the system
        return
    if project is None:
        if not permissions.can_create_projects(actor):
            raise PermissionDeniedError()
        return
    if not permissions.can_edit_project(actor, project):
        raise PermissionDeniedError(gettext_noop("您无权修改该项目"))


@transaction.atomic
def create_project(*, data: dict, actor=None, actor_label: str = "", audit: bool = True) -> Project:
    """Register a new project (stage planning unless a later pipeline position is imported)."""
    _check_can_edit(None, actor)
    if actor is not None and permissions.keeps_to_own_department(actor):
        # A department officer can only create projects its own department is responsible for.
        data = {**data, "responsible_department": actor.department}
    project = Project()
    investors = data.get("investors")
    set_fields(project, data)
    project.refresh_search_text()
    project.full_clean()
    project.save()
    if investors is not None:
        project.investors.set(investors)
    if audit:
        record_event(
            action=AuditAction.CREATE,
            actor=actor,
            actor_label=actor_label,
            obj=project,
            project=project,
            changes={
                k: [None, v] for k, v in snapshot(project, PROJECT_AUDIT_FIELDS).items() if v not in (None, "", [])
            },
        )
    return project


@transaction.atomic
def update_project(
    *,
    project: Project,
    data: dict,
    actor=None,
    expected_version: int | None = None,
    actor_label: str = "",
    action: str = AuditAction.UPDATE,
    note: str = "",
) -> Project:
    """Change a project's fields. ``expected_version`` is the version the editor saw; stale saves are refused."""
    _check_can_edit(project, actor)
    if (
        actor is not None
        and "responsible_department" in data
        and not permissions.can_hand_to_department(actor, data["responsible_department"])
    ):
        raise PermissionDeniedError(gettext_noop("部门经办人不能把项目转给其他责任单位"))
    investors = data.get("investors")
    investors_before = snapshot(project, ["investors"]) if investors is not None else {}
    version = project.version if expected_version is None else expected_version
    # Compare-and-swap on the version: atomic on SQLite and PostgreSQL alike, so two editors who both saw
    # version N cannot both win.
    if Project.objects.filter(pk=project.pk, version=version).update(version=F("version") + 1) != 1:
        raise StaleVersionError()
    # The same rules as the ledger writer's (rules.prepare_update), the changes read after full_clean.
    before = audited_before(project, data)
    set_fields(project, data)
    project.version = version + 1
    project.full_clean()
    changes, searched_changed = audit_changes(project, before)
    if searched_changed:
        project.refresh_search_text()
    project.save()
    if investors is not None:
        project.investors.set(investors)
        changes |= diff(investors_before, snapshot(project, ["investors"]))
    if changes:
        record_event(
            action=action,
            actor=actor,
            actor_label=actor_label,
            obj=project,
            project=project,
            changes=changes,
            note=note,
        )
        # What the apps built on projects derive from these attributes follows, in this transaction (the
        # checklist its rules pick, the heritage routing of a project that moved: projects/changes.py).
        announce_projects_changed(
            projects=[project], fields={project.pk: changes.keys()}, actor=actor, actor_label=actor_label
        )
    return project


def _check_can_start(project: Project, *, actor, reason: str) -> None:
    """Groundbreaking needs the project code; what other apps object to (the approvals: pre-start items still
    undecided, projects.stage_guards) stops it too, unless the office proceeds with a recorded reason."""
    if not (project.project_code or "").strip():
        raise KaigongError(gettext_noop("变更为新开工须先填写项目代码"), field="project_code")
    for objection in stage_objections(project=project, stage=Stage.STARTED):
        if not objection.waivable:
            raise KaigongError(objection.msgid, params=objection.params, field="stage")
        if actor is not None and not actor.can_edit_all_projects:
            raise KaigongError(
                gettext_noop("%(objection)s;只有项目办可以填写原因后继续"),
                params={"objection": objection},
                field="stage",
            )
        if not reason:
            raise KaigongError(
                gettext_noop("%(objection)s;须填写原因才能变更为新开工"),
                params={"objection": objection},
                field="reason",
            )


@transaction.atomic
def change_project_stage(
    *,
    project: Project,
    stage: str,
    actor=None,
    reason: str = "",
    effective_date: dt.date | None = None,
    expected_version: int | None = None,
    actor_label: str = "",
) -> Project:
    """Move a project along the pipeline, checked against STAGE_TRANSITIONS; records who, when, why."""
    _check_can_edit(project, actor)
    if stage not in Stage.values:
        raise TransitionNotAllowed(gettext_noop("未知的项目阶段: %(stage)s"), params={"stage": stage})
    refusal = transition_refusal(project.stage, stage)  # the ledger check asks the same
    if refusal is not None:
        raise TransitionNotAllowed(refusal[0], params=refusal[1])
    reason = (reason or "").strip()
    if stage in STAGES_NEEDING_REASON and not reason:
        raise KaigongError(gettext_noop("暂停或退库须填写原因"), field="reason")
    today = timezone.localdate()
    effective = effective_date or today
    if effective > today:
        raise KaigongError(
            gettext_noop("生效日期不能晚于今天(%(today)s)"), params={"today": today.isoformat()}, field="effective_date"
        )
    if stage == Stage.STARTED:
        _check_can_start(project, actor=actor, reason=reason)
    version = project.version if expected_version is None else expected_version
    if Project.objects.filter(pk=project.pk, version=version).update(version=F("version") + 1) != 1:
        raise StaleVersionError()
    before = snapshot(project, PROJECT_AUDIT_FIELDS)
    from_stage = project.stage
    # The dates and pool the move brings (rules.stage_effects, shared with the ledger writer's new rows).
    for name, value in stage_effects(
        project, from_stage=from_stage, to_stage=stage, effective=effective, reason=reason
    ).items():
        setattr(project, name, value)
    project.version = version + 1
    project.full_clean()
    project.save()
    StageChange.objects.create(
        project=project,
        from_stage=from_stage,
        to_stage=stage,
        effective_date=effective,
        reason=reason,
        actor=actor if actor is not None and actor.is_authenticated else None,
    )
    record_event(
        action=AuditAction.STAGE_CHANGE,
        actor=actor,
        actor_label=actor_label,
        obj=project,
        project=project,
        changes=diff(before, snapshot(project, PROJECT_AUDIT_FIELDS)),
        note=reason,
    )
    return project


@transaction.atomic
def delete_project(*, project: Project, actor=None, actor_label: str = "", reason: str = "") -> None:
    """Remove a project registered by mistake (only the office may); its audit history is kept."""
    if actor is not None and not actor.can_edit_all_projects:
        raise PermissionDeniedError(gettext_noop("只有项目办可以删除项目"))
    record_event(
        action=AuditAction.DELETE,
        actor=actor,
        actor_label=actor_label,
        obj=project,
        project=project,
        changes={k: [v, None] for k, v in snapshot(project, PROJECT_AUDIT_FIELDS).items() if v not in (None, "", [])},
        note=reason,
    )
    project.delete()


def refresh_owner_search_text(organization: Organization, fields: frozenset[str]) -> None:
    """Registered on accounts.changes (ProjectsConfig.ready): the owner's name is part of its projects' search
    text, so renaming an organization refreshes the search text of the projects it owns, in the rename's
    transaction."""
    if "name" not in fields:
        return
    projects = list(organization.owned_projects.select_related("owner"))
    for project in projects:
        project.refresh_search_text()
    Project.objects.bulk_update(projects, ["search_text"])


@transaction.atomic
def update_dictionary_aliases(
    *, entry: Category | Level | Department, aliases: str, actor=None, actor_label: str = ""
) -> Category | Level | Department:
    """Change the aliases a category, level or department answers to (one a line): the ledger importer and search
    match them as its name. full_clean() refuses an alias another entry of the same dictionary already answers to."""
    if actor is not None and not actor.can_edit_all_projects:
        raise PermissionDeniedError()
    before = snapshot(entry, ["aliases"])
    entry.aliases = aliases
    entry.full_clean()
    entry.save(update_fields=["aliases"])
    changes = diff(before, snapshot(entry, ["aliases"]))
    if changes:
        record_event(action=AuditAction.UPDATE, actor=actor, actor_label=actor_label, obj=entry, changes=changes)
    return entry


DICTIONARY_AUDIT_FIELDS = {
    Category: ["name", "code", "sort_order", "is_active", "aliases"],
    Level: ["name", "code", "sort_order", "aliases"],
}


def _check_can_configure(actor) -> None:
    if actor is not None and not actor.can_configure:
        raise PermissionDeniedError(gettext_noop("只有系统管理员可以管理用户、部门和字典，如需修改请联系系统管理员。"))


@transaction.atomic
def create_dictionary_entry(
    *, model: type[Category | Level], data: dict, actor=None, actor_label: str = ""
) -> Category | Level:
    """A new category or level (the administrator's, in /admin/)."""
    _check_can_configure(actor)
    entry = model(**data)
    entry.full_clean()
    entry.save()
    created = snapshot(entry, DICTIONARY_AUDIT_FIELDS[model])
    record_event(
        action=AuditAction.CREATE,
        actor=actor,
        actor_label=actor_label,
        obj=entry,
        changes={k: [None, v] for k, v in created.items() if v not in (None, "")},
    )
    return entry


@transaction.atomic
def update_dictionary_entry(
    *, entry: Category | Level, data: dict, actor=None, actor_label: str = ""
) -> Category | Level:
    """Change a category or level. A renamed one keeps answering to its former name and code (they join its
    aliases): the ledgers the counties keep sending still name it the old way, and each of their rows would
    otherwise be refused as 未知的项目类别."""
    _check_can_configure(actor)
    fields = DICTIONARY_AUDIT_FIELDS[type(entry)]
    before = snapshot(entry, fields)
    for name, value in data.items():
        setattr(entry, name, value)
    keep_former_names(entry, before, type(entry).NAME_FIELDS)
    entry.full_clean()
    entry.save()
    changes = diff(before, snapshot(entry, fields))
    if changes:
        record_event(action=AuditAction.UPDATE, actor=actor, actor_label=actor_label, obj=entry, changes=changes)
    return entry


@transaction.atomic
def delete_dictionary_entry(*, entry: Category | Level, actor=None, actor_label: str = "") -> None:
    """Remove a category or level created by mistake (the database refuses one that projects still use)."""
    _check_can_configure(actor)
    stored = snapshot(entry, DICTIONARY_AUDIT_FIELDS[type(entry)])
    record_event(
        action=AuditAction.DELETE,
        actor=actor,
        actor_label=actor_label,
        obj=entry,
        changes={k: [v, None] for k, v in stored.items() if v not in (None, "")},
    )
    entry.delete()


@transaction.atomic
def save_batch(
    *,
    batch: GroundbreakingBatch | None = None,
    data: dict,
    members: Iterable[tuple[Project, int | None] | tuple[Project, int | None, str]] | None = None,
    actor=None,
    actor_label: str = "",
) -> GroundbreakingBatch:
    """Create or change a groundbreaking batch; ``members`` is [(project, featured_order or None), …], each
    optionally with the venue (会场) the project takes part from: (project, featured_order, site)."""
    if actor is not None and not actor.can_edit_all_projects:
        raise PermissionDeniedError()
    fields = ["name", "date", "main_site", "sub_sites", "description"]
    creating = batch is None
    batch = batch or GroundbreakingBatch()
    before = {} if creating else snapshot(batch, fields)
    for name, value in data.items():
        setattr(batch, name, value)
    batch.full_clean()
    batch.save()
    changes = diff(before, snapshot(batch, fields))
    if members is not None:
        old = _member_names(batch)
        batch.memberships.all().delete()
        BatchMembership.objects.bulk_create(
            [
                BatchMembership(batch=batch, project=member[0], featured_order=member[1], site=_site(member))
                for member in members
            ]
        )
        new = _member_names(batch)
        if old != new:
            changes["projects"] = [old, new]
    if changes or creating:
        record_event(
            action=AuditAction.CREATE if creating else AuditAction.UPDATE,
            actor=actor,
            actor_label=actor_label,
            obj=batch,
            changes=changes,
        )
    return batch


def _site(member: tuple) -> str:
    return (member[2] or "").strip() if len(member) > 2 else ""


def _member_names(batch: GroundbreakingBatch) -> list[str]:
    """The batch's members as its history lists them: each project's name, and its venue when it has one."""
    rows = batch.memberships.values_list("project__name", "site")
    return sorted(f"{name}（{site}）" if site else name for name, site in rows)
