"""Writes to the parties: organizations (建设单位, investors). Pages, API, admin, ledger importer and commands all
come through here.

Each service: keyword-only arguments, an explicit actor (a User, or None with an ``actor_label`` for commands
and jobs), one transaction, an audit event written inside it, the changed object returned.
"""

from django.db import transaction

from kaigong.accounts.changes import announce_organization_changed
from kaigong.accounts.models import Organization
from kaigong.audit.choices import AuditAction
from kaigong.audit.services import diff, record_event, snapshot
from kaigong.core.exceptions import PermissionDeniedError

ORGANIZATION_AUDIT_FIELDS = ["name", "credit_code", "kind", "contact_person", "contact_phone", "address"]


@transaction.atomic
def create_organization(*, data: dict, actor=None, actor_label: str = "") -> Organization:
    if actor is not None and not actor.can_create_projects:
        raise PermissionDeniedError()
    organization = Organization(**data)
    organization.full_clean()
    organization.save()
    record_event(
        action=AuditAction.CREATE,
        actor=actor,
        actor_label=actor_label,
        obj=organization,
        changes={k: [None, v] for k, v in data.items() if v},
    )
    return organization


@transaction.atomic
def update_organization(*, organization: Organization, data: dict, actor=None, actor_label: str = "") -> Organization:
    """Change an organization; the apps that follow organizations (accounts/changes.py) are told which fields
    changed, inside this transaction (projects: the owner's name is part of its projects' search text)."""
    if actor is not None and not actor.can_edit_all_projects:
        raise PermissionDeniedError()
    before = snapshot(organization, ORGANIZATION_AUDIT_FIELDS)
    for name, value in data.items():
        setattr(organization, name, value)
    organization.full_clean()
    organization.save()
    changes = diff(before, snapshot(organization, ORGANIZATION_AUDIT_FIELDS))
    announce_organization_changed(organization=organization, fields=changes)
    if changes:
        record_event(action=AuditAction.UPDATE, actor=actor, actor_label=actor_label, obj=organization, changes=changes)
    return organization
