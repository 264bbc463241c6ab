"""Choices of the heritage app: protection levels, approval levels and the zones of a site."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ProtectionLevel(models.TextChoices):
    """文物保护单位级别."""

    NATIONAL = "national", _("全国重点文物保护单位")
    PROVINCIAL = "provincial", _("省级文物保护单位")
    CITY = "city", _("市县级文物保护单位")


class ApprovalLevel(models.TextChoices):
    """One level of the heritage approval chain (DOMAIN.md §1.9), in order from the city upwards."""

    CITY = "city", _("市县文物部门")
    PROVINCE = "province", _("省文物局")
    NATIONAL = "national", _("国家文物局")


# The chain runs upwards in this order and stops at the configured end level.
APPROVAL_LEVEL_ORDER = [ApprovalLevel.CITY, ApprovalLevel.PROVINCE, ApprovalLevel.NATIONAL]


class Zone(models.TextChoices):
    """Which area of a site a GeoJSON feature draws."""

    PROTECTION_AREA = "protection_area", _("保护范围")
    CONTROL_ZONE = "control_zone", _("建设控制地带")
