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


class Opinion(models.TextChoices):
    """The reply of one level of the chain to a heritage consent request (答复意见)."""

    APPROVED = "approved", _("同意")
    CONDITIONAL = "conditional", _("有条件同意")
    REFUSED = "refused", _("不同意")
    RETURNED = "returned", _("退回补充")


# 同意 / 有条件同意 let the request go on (to the next level, or complete the routing at the final level).
POSITIVE_OPINIONS = frozenset({Opinion.APPROVED, Opinion.CONDITIONAL})


class RoutingStatus(models.TextChoices):
    """Where one project's heritage routing stands (文物审批流转状态)."""

    NOT_STARTED = "not_started", _("未报送")
    IN_PROGRESS = "in_progress", _("办理中")
    COMPLETED = "completed", _("已同意")
    REFUSED = "refused", _("不同意")
    NOT_APPLICABLE = "not_applicable", _("不再需要")


# Allowed status changes; only kaigong.heritage.services writes the status, and only along this table.
# not_applicable: the project left every control zone before anything was sent (a recompute sets it aside and
# brings it back when the project returns). completed and refused end the routing.
ROUTING_TRANSITIONS: dict[str, frozenset[str]] = {
    RoutingStatus.NOT_STARTED: frozenset({RoutingStatus.IN_PROGRESS, RoutingStatus.NOT_APPLICABLE}),
    RoutingStatus.IN_PROGRESS: frozenset({RoutingStatus.COMPLETED, RoutingStatus.REFUSED}),
    RoutingStatus.NOT_APPLICABLE: frozenset({RoutingStatus.NOT_STARTED}),
    RoutingStatus.COMPLETED: frozenset(),
    RoutingStatus.REFUSED: frozenset(),
}
OPEN_ROUTING_STATUSES = frozenset({RoutingStatus.NOT_STARTED, RoutingStatus.IN_PROGRESS})


class HeritageEvent(models.TextChoices):
    """The steps heritage events record (AuditEvent.code, registered with kaigong.audit.events)."""

    IMPORT = "import", _("导入")
    CHAIN_CHANGED = "chain_changed", _("报送层级变更")
    RECOMPUTE = "recompute", _("重新计算")
    FORWARD = "forward", _("报送")
    REPLY_APPROVED = "reply_approved", _("答复：同意")
    REPLY_CONDITIONAL = "reply_conditional", _("答复：有条件同意")
    REPLY_REFUSED = "reply_refused", _("答复：不同意")
    REPLY_RETURNED = "reply_returned", _("答复：退回补充")

    @classmethod
    def reply(cls, opinion: str) -> "HeritageEvent":
        """The step of a reply with ``opinion`` (Opinion)."""
        return cls(f"reply_{opinion}")
