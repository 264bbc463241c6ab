from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """What a user may do. Scoping of every queryset follows from this (see ProjectQuerySet.visible_to)."""

    ADMIN = "admin", _("系统管理员")
    OFFICE = "office", _("项目办")
    DEPARTMENT = "department", _("部门经办人")
    LEADER = "leader", _("领导")
    ENTERPRISE = "enterprise", _("企业用户")


class DepartmentKind(models.TextChoices):
    GOVERNMENT = "government", _("政府部门")
    APPROVING = "approving", _("审批部门")
    ENTERPRISE = "enterprise", _("国有企业/平台公司")
    OTHER = "other", _("其他")


class OrganizationKind(models.TextChoices):
    ENTERPRISE = "enterprise", _("企业")
    INVESTOR = "investor", _("投资方")
    INSTITUTION = "institution", _("事业单位/机关")


class AccountEvent(models.TextChoices):
    """The steps of a person's access the audit log records (AuditEvent.code, registered with kaigong.audit.events),
    all with the action 登录与访问 (AuditAction.ACCESS): logins and logouts, failed logins and lockouts (with the
    username typed and the address in the note), unlocks, API tokens issued, credentials revoked, passwords changed
    by their owner or set by the administrator."""

    LOGIN = "login", _("登录")
    LOGOUT = "logout", _("退出登录")
    SESSION_EXPIRED = "session_expired", _("登录超过最长时间，已退出")
    LOGIN_FAILED = "login_failed", _("登录失败")
    LOCKED_OUT = "locked_out", _("登录已锁定")
    UNLOCKED = "unlocked", _("解除登录锁定")
    TOKEN_ISSUED = "token_issued", _("签发 API 令牌")
    CREDENTIALS_REVOKED = "credentials_revoked", _("撤销令牌和会话")
    PASSWORD_CHANGED = "password_changed", _("修改密码")
    PASSWORD_SET = "password_set", _("管理员设置密码")


class UserEvent(models.TextChoices):
    """The steps of a user account's life (AuditEvent.code): created (action 新建), and changed (action 修改) in
    what the user may do (role, administrator and staff flags, groups, permissions) or in being active. Other
    changes to the account (name, department, phone …) are plain 修改 events without a step."""

    CREATED = "user_created", _("新建用户")
    ROLE_CHANGED = "role_changed", _("变更角色或权限")
    DEACTIVATED = "user_deactivated", _("停用账号")
    ACTIVATED = "user_activated", _("启用账号")
