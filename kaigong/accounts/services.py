"""Writes to the parties: organizations (建设单位, investors); and to people's access: unlocking an account locked by
too many failed logins, issuing and revoking API tokens. Pages, API, admin, ledger importer and commands all come
through here.

Each service: keyword-only arguments, an explicit actor (a User, or None with an ``actor_label`` for commands
and jobs), one transaction, an audit event written inside it, the changed object returned.
"""

from axes.handlers.proxy import AxesProxyHandler
from django.db import transaction
from django.utils.translation import gettext_noop
from rest_framework.authtoken.models import Token

from kaigong.accounts.changes import announce_organization_changed
from kaigong.accounts.choices import AccountEvent
from kaigong.accounts.models import Organization, User
from kaigong.audit.choices import AuditAction
from kaigong.audit.services import diff, record_event, snapshot
from kaigong.core.exceptions import KaigongError, PermissionDeniedError

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


# --- access ----------------------------------------------------------------------------------------------------


class NothingToUnlockError(KaigongError):
    code = "not_locked"


@transaction.atomic
def unlock_account(*, username: str = "", address: str = "", actor=None, actor_label: str = "") -> int:
    """Forget the failed logins of an account (``username``) and/or an address, so they may log in again before
    the lockout ends: the office's and the administrator's. Returns how many failure records were removed."""
    if actor is not None and not actor.can_edit_all_projects:
        raise PermissionDeniedError()
    if not username and not address:
        raise KaigongError(gettext_noop("请填写要解锁的用户名或地址。"))
    removed = 0
    if username:
        removed += AxesProxyHandler.reset_attempts(username=username)
    if address:
        removed += AxesProxyHandler.reset_attempts(ip_address=address)
    if not removed:
        raise NothingToUnlockError(gettext_noop("该账号或地址没有登录失败记录，无需解锁。"))
    record_event(
        action=AuditAction.UPDATE,
        actor=actor,
        actor_label=actor_label,
        obj=User.objects.filter(username=username).first() if username else None,
        code=AccountEvent.UNLOCKED,
        note=f"{username} @ {address or '*'}",
    )
    return removed


@transaction.atomic
def issue_token(*, user: User) -> Token:
    """A new API token for a user who has just given their password: the previous one stops working."""
    Token.objects.filter(user=user).delete()
    token = Token.objects.create(user=user)
    record_event(action=AuditAction.UPDATE, actor=user, obj=user, code=AccountEvent.TOKEN_ISSUED)
    return token


@transaction.atomic
def revoke_tokens(*, user: User, actor=None) -> int:
    """Delete a user's API tokens (the API's logout). Returns how many were deleted."""
    deleted, _detail = Token.objects.filter(user=user).delete()
    if deleted:
        record_event(action=AuditAction.UPDATE, actor=actor, obj=user, code=AccountEvent.CREDENTIALS_REVOKED)
    return deleted
