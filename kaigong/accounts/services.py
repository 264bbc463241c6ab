"""Writes to the parties: organizations (建设单位, investors) and departments; to user accounts (created, changed,
given a password by the administrator); and to people's access: unlocking an account locked by too many failed
logins, issuing and revoking API tokens. Pages, API, admin, ledger importer and commands all come through here.

Each service: keyword-only arguments, an explicit actor (a User, or None with an ``actor_label`` for commands
and jobs), one transaction, an audit event written inside it, the changed object returned.
"""

from axes.handlers.proxy import AxesProxyHandler
from django.db import transaction
from django.db.models import Model
from django.utils.translation import gettext_noop
from rest_framework.authtoken.models import Token

from kaigong.accounts.changes import announce_organization_changed
from kaigong.accounts.choices import AccountEvent, UserEvent
from kaigong.accounts.models import Department, Organization, User
from kaigong.accounts.tokens import revoke_credentials
from kaigong.audit.choices import AuditAction
from kaigong.audit.services import diff, record_event, snapshot
from kaigong.core.dictionaries import entry_names, split_aliases
from kaigong.core.exceptions import KaigongError, PermissionDeniedError
from kaigong.core.text import dictionary_key

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
        action=AuditAction.ACCESS,
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
    record_event(action=AuditAction.ACCESS, actor=user, obj=user, code=AccountEvent.TOKEN_ISSUED)
    return token


@transaction.atomic
def revoke_tokens(*, user: User, actor=None) -> int:
    """Delete a user's API tokens (the API's logout). Returns how many were deleted."""
    deleted, _detail = Token.objects.filter(user=user).delete()
    if deleted:
        record_event(action=AuditAction.ACCESS, actor=actor, obj=user, code=AccountEvent.CREDENTIALS_REVOKED)
    return deleted


# --- user accounts -------------------------------------------------------------------------------------------

# What a user may do: a change to any of these is a 变更角色或权限 event and ends the user's tokens and sessions.
USER_PRIVILEGE_FIELDS = ["role", "is_superuser", "is_staff", "groups", "user_permissions"]
USER_AUDIT_FIELDS = [
    "username",
    "display_name",
    "first_name",
    "last_name",
    "email",
    "phone",
    "department",
    "organization",
    "is_active",
    "date_joined",
    *USER_PRIVILEGE_FIELDS,
]
_USER_M2M = ("groups", "user_permissions")


def _check_can_configure(actor) -> None:
    if actor is not None and not actor.can_configure:
        raise PermissionDeniedError(gettext_noop("只有系统管理员可以管理用户、部门和字典，如需修改请联系系统管理员。"))


@transaction.atomic
def create_user(*, data: dict, password: str | None, actor=None, actor_label: str = "") -> User:
    """A new account. ``password`` None: the account cannot log in with a password until one is set. The event
    (新建用户) lists what the account was given, never the password."""
    _check_can_configure(actor)
    data = dict(data)
    related = {name: data.pop(name) for name in _USER_M2M if name in data}
    user = User(**data)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean()
    user.save()
    for name, values in related.items():
        getattr(user, name).set(values)
    created = snapshot(user, USER_AUDIT_FIELDS)
    record_event(
        action=AuditAction.CREATE,
        actor=actor,
        actor_label=actor_label,
        obj=user,
        code=UserEvent.CREATED,
        changes={k: [None, v] for k, v in created.items() if v not in (None, "", [], False)},
    )
    return user


@transaction.atomic
def update_user(*, user: User, data: dict, actor=None, actor_label: str = "") -> User:
    """Change an account (never its password: ``set_user_password``). Each kind of change is its own event, old →
    new: a change of role or privileges (变更角色或权限), of being active (停用账号 / 启用账号), and of the rest (修改).
    A change of role or privileges, and a deactivation, end the user's API tokens and sessions first (recorded as
    撤销令牌和会话), so nothing granted under the old role outlives it."""
    _check_can_configure(actor)
    data = {name: value for name, value in data.items() if name != "password"}
    fields = list(dict.fromkeys([*USER_AUDIT_FIELDS, *data]))
    before = snapshot(user, fields)
    related = {name: data.pop(name) for name in _USER_M2M if name in data}
    for name, value in data.items():
        setattr(user, name, value)
    user.full_clean()
    scalar = {name: snapshot(user, [name])[name] for name in ("role", "is_superuser", "is_staff", "is_active")}
    privileges = any(before[name] != scalar[name] for name in ("role", "is_superuser", "is_staff")) or any(
        before[name] != sorted(str(value) for value in values) for name, values in related.items()
    )
    deactivated = before["is_active"] and not scalar["is_active"]
    revoked = revoke_credentials(user) if privileges or deactivated else (0, 0)
    user.save()
    for name, values in related.items():
        getattr(user, name).set(values)
    changes = diff(before, snapshot(user, fields))
    steps = [
        (UserEvent.ROLE_CHANGED, {k: v for k, v in changes.items() if k in USER_PRIVILEGE_FIELDS}),
        (
            UserEvent.DEACTIVATED if deactivated else UserEvent.ACTIVATED,
            {k: v for k, v in changes.items() if k == "is_active"},
        ),
        ("", {k: v for k, v in changes.items() if k not in USER_PRIVILEGE_FIELDS and k != "is_active"}),
    ]
    for code, step_changes in steps:
        if step_changes:
            record_event(
                action=AuditAction.UPDATE,
                actor=actor,
                actor_label=actor_label,
                obj=user,
                code=code,
                changes=step_changes,
            )
    if any(revoked):
        record_event(
            action=AuditAction.ACCESS,
            actor=actor,
            actor_label=actor_label,
            obj=user,
            code=AccountEvent.CREDENTIALS_REVOKED,
            note=f"tokens {revoked[0]}, sessions {revoked[1]}",
        )
    return user


@transaction.atomic
def set_user_password(*, user: User, password: str | None, actor=None, actor_label: str = "") -> User:
    """The administrator sets a user's password (None: password login disabled). The user's tokens and sessions
    end with the old password (accounts/tokens.py, on the save)."""
    _check_can_configure(actor)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save(update_fields=["password"])
    record_event(
        action=AuditAction.ACCESS,
        actor=actor,
        actor_label=actor_label,
        obj=user,
        code=AccountEvent.PASSWORD_SET,
        note="" if password else "unusable",
    )
    return user


# --- departments and the other dictionaries ------------------------------------------------------------------

DEPARTMENT_AUDIT_FIELDS = ["name", "short_name", "kind", "sort_order", "aliases"]


def keep_former_names(entry: Model, before: dict, name_fields: tuple[str, ...]) -> None:
    """A renamed dictionary entry (category, level, department) keeps answering to the names it had: each name
    field whose value changed adds its former value to the entry's aliases, so ledgers, rules and searches that
    still use the old name go on finding it (unless another entry of the dictionary now answers to that name)."""
    taken = {
        dictionary_key(name)
        for other in type(entry)._default_manager.exclude(pk=entry.pk)
        for name in entry_names(other, name_fields)
    }
    current = {dictionary_key(str(getattr(entry, field) or "")) for field in name_fields}
    aliases = split_aliases(entry.aliases)
    for field in name_fields:
        former = str(before.get(field) or "").strip()
        key = dictionary_key(former)
        if key and key not in current and key not in taken:
            aliases.append(former)
    entry.aliases = "\n".join(aliases)


@transaction.atomic
def create_department(*, data: dict, actor=None, actor_label: str = "") -> Department:
    _check_can_configure(actor)
    department = Department(**data)
    department.full_clean()
    department.save()
    created = snapshot(department, DEPARTMENT_AUDIT_FIELDS)
    record_event(
        action=AuditAction.CREATE,
        actor=actor,
        actor_label=actor_label,
        obj=department,
        changes={k: [None, v] for k, v in created.items() if v not in (None, "")},
    )
    return department


@transaction.atomic
def update_department(*, department: Department, data: dict, actor=None, actor_label: str = "") -> Department:
    """Change a department; a renamed one keeps its former name and short name as aliases (keep_former_names)."""
    _check_can_configure(actor)
    before = snapshot(department, DEPARTMENT_AUDIT_FIELDS)
    for name, value in data.items():
        setattr(department, name, value)
    keep_former_names(department, before, Department.NAME_FIELDS)
    department.full_clean()
    department.save()
    changes = diff(before, snapshot(department, DEPARTMENT_AUDIT_FIELDS))
    if changes:
        record_event(action=AuditAction.UPDATE, actor=actor, actor_label=actor_label, obj=department, changes=changes)
    return department


@transaction.atomic
def delete_department(*, department: Department, actor=None, actor_label: str = "") -> None:
    """Remove a department created by mistake (the database refuses one that users or projects still name)."""
    _check_can_configure(actor)
    stored = snapshot(department, DEPARTMENT_AUDIT_FIELDS)
    record_event(
        action=AuditAction.DELETE,
        actor=actor,
        actor_label=actor_label,
        obj=department,
        changes={k: [v, None] for k, v in stored.items() if v not in (None, "")},
    )
    department.delete()
