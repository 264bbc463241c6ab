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
