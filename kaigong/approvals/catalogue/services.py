"""Writes of the approval catalogue: matters (审批事项) with their prerequisites, and checklist rules; the seed.

Each service: keyword-only arguments, an explicit actor (a User, or None with ``actor_label`` for commands and
jobs), one transaction, audit events written inside it, the changed object returned. Only administrators write
(approvals.permissions.can_edit_catalogue).
"""

from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_noop

from kaigong.approvals.choices import ApprovalsEvent
from kaigong.approvals.models import ApprovalMatter, ChecklistRule
from kaigong.approvals.permissions import can_edit_catalogue
from kaigong.audit.choices import AuditAction
from kaigong.audit.services import diff, record_event, snapshot
from kaigong.core.exceptions import PermissionDeniedError

MATTER_FIELDS = [
    "code",
    "name",
    "approval_stage",
    "department",
    "legal_basis",
    "statutory_limit",
    "committed_limit",
    "benchmark_limit",
    "benchmark_source",
    "required_materials",
    "allows_commitment",
    "is_milestone",
    "is_local_configuration",
    "is_active",
    "sort_order",
]
MATTER_AUDIT_FIELDS = [*MATTER_FIELDS, "prerequisites"]
RULE_FIELDS = ["name", "matter", "condition", "description", "is_active"]


def _check_catalogue_editor(actor) -> None:
    if actor is not None and not can_edit_catalogue(actor):
        raise PermissionDeniedError(gettext_noop("只有系统管理员可以修改审批事项目录和清单规则"))


def _prerequisite_cycle(matter: ApprovalMatter, prerequisites) -> list[ApprovalMatter] | None:
    """A chain matter → prerequisite → … → matter that the new prerequisites would close, or None."""
    edges = defaultdict(set)
    for source, target in ApprovalMatter.prerequisites.through.objects.values_list(
        "from_approvalmatter_id", "to_approvalmatter_id"
    ):
        if source != matter.pk:
            edges[source].add(target)
    edges[matter.pk] = {p.pk for p in prerequisites}
    names = dict(ApprovalMatter.objects.values_list("pk", "name"))
    names[matter.pk] = matter.name
    stack = [(p.pk, [matter.pk, p.pk]) for p in prerequisites]
    seen = set()
    while stack:
        node, path = stack.pop()
        if node == matter.pk:
            return [names[n] for n in path]
        if node in seen:
            continue
        seen.add(node)
        stack.extend((nxt, [*path, nxt]) for nxt in edges.get(node, ()))
    return None


def _save_matter(matter: ApprovalMatter, prerequisites) -> None:
    matter.full_clean()
    matter.save()
    if prerequisites is not None:
        prerequisites = list(prerequisites)
        if any(p.pk == matter.pk for p in prerequisites):
            raise ValidationError({"prerequisites": [gettext_noop("事项不能以自身为前置事项")]})
        cycle = _prerequisite_cycle(matter, prerequisites)
        if cycle:
            raise ValidationError(
                {"prerequisites": [gettext_noop("前置事项形成循环: %(cycle)s") % {"cycle": " → ".join(cycle)}]}
            )
        matter.prerequisites.set(prerequisites)


@transaction.atomic
def create_matter(*, actor, data: dict, prerequisites=None, actor_label: str = "") -> ApprovalMatter:
    _check_catalogue_editor(actor)
    matter = ApprovalMatter(**{k: v for k, v in data.items() if k in MATTER_FIELDS})
    _save_matter(matter, prerequisites or [])
    record_event(
        action=AuditAction.CREATE,
        actor=actor,
        actor_label=actor_label,
        obj=matter,
        changes={k: [None, v] for k, v in snapshot(matter, MATTER_AUDIT_FIELDS).items()},
    )
    return matter


@transaction.atomic
def update_matter(
    *, matter: ApprovalMatter, actor, data: dict, prerequisites=None, actor_label: str = ""
) -> ApprovalMatter:
    _check_catalogue_editor(actor)
    matter = ApprovalMatter.objects.select_for_update().get(pk=matter.pk)
    before = snapshot(matter, MATTER_AUDIT_FIELDS)
    for name, value in data.items():
        if name in MATTER_FIELDS:
            setattr(matter, name, value)
    _save_matter(matter, prerequisites)
    changes = diff(before, snapshot(matter, MATTER_AUDIT_FIELDS))
    if changes:
        record_event(action=AuditAction.UPDATE, actor=actor, actor_label=actor_label, obj=matter, changes=changes)
    return matter


@transaction.atomic
def create_rule(*, actor, data: dict, actor_label: str = "") -> ChecklistRule:
    _check_catalogue_editor(actor)
    rule = ChecklistRule(**{k: v for k, v in data.items() if k in RULE_FIELDS})
    rule.full_clean()
    rule.save()
    record_event(
        action=AuditAction.CREATE,
        actor=actor,
        actor_label=actor_label,
        obj=rule,
        changes={k: [None, v] for k, v in snapshot(rule, RULE_FIELDS).items()},
    )
    return rule


@transaction.atomic
def update_rule(*, rule: ChecklistRule, actor, data: dict, actor_label: str = "") -> ChecklistRule:
    _check_catalogue_editor(actor)
    rule = ChecklistRule.objects.select_for_update().get(pk=rule.pk)
    before = snapshot(rule, RULE_FIELDS)
    for name, value in data.items():
        if name in RULE_FIELDS:
            setattr(rule, name, value)
    rule.full_clean()
    rule.save()
    changes = diff(before, snapshot(rule, RULE_FIELDS))
    if changes:
        record_event(action=AuditAction.UPDATE, actor=actor, actor_label=actor_label, obj=rule, changes=changes)
    return rule


@transaction.atomic
def delete_rule(*, rule: ChecklistRule, actor, actor_label: str = "") -> None:
    """Delete a rule. Checklists keep their items; the next regeneration applies the remaining rules."""
    _check_catalogue_editor(actor)
    record_event(
        action=AuditAction.DELETE,
        actor=actor,
        actor_label=actor_label,
        obj=rule,
        changes={k: [v, None] for k, v in snapshot(rule, RULE_FIELDS).items()},
    )
    rule.delete()


@transaction.atomic
def seed_catalogue(*, actor_label: str) -> dict:
    """Add the seed departments, matters and rules that are missing (kaigong approvals seed); audited."""
    from django.apps import apps

    from kaigong.approvals.data.catalogue import seed_catalogue as seed

    created = seed(apps)
    for kind in ("departments", "matters", "rules"):
        for obj in created[kind]:
            record_event(action=AuditAction.CREATE, actor_label=actor_label, obj=obj, code=ApprovalsEvent.SEED)
    return created
