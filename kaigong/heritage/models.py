from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kaigong.heritage.choices import APPROVAL_LEVEL_ORDER, ApprovalLevel, ProtectionLevel


class HeritageSite(models.Model):
    """文物保护单位: a protected heritage site with its protection area (保护范围) and construction control zone
    (建设控制地带), both GeoJSON Polygon/MultiPolygon in WGS84 ([longitude, latitude]).

    A project whose location or site polygon touches either area needs the heritage matters before the
    construction-engineering planning permit. Imported from GeoJSON by an administrator (kaigong.heritage.geojson).
    ``is_illustrative`` marks a drawing that is not the officially published boundary (demo data, sketches).
    """

    name = models.CharField(_("名称"), max_length=100, unique=True)
    protection_level = models.CharField(
        _("保护级别"), max_length=20, choices=ProtectionLevel.choices, default=ProtectionLevel.NATIONAL
    )
    protection_area = models.JSONField(_("保护范围 (GeoJSON)"), null=True, blank=True)
    control_zone = models.JSONField(_("建设控制地带 (GeoJSON)"))
    notes = models.TextField(_("说明"), blank=True)
    is_illustrative = models.BooleanField(_("示意范围"), default=False, help_text=_("范围为示意,并非公布的边界"))
    source_name = models.CharField(_("导入文件"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("文物保护单位")
        verbose_name_plural = _("文物保护单位")

    def __str__(self) -> str:
        return self.name


class HeritageRouting(models.Model):
    """文物审批路径: the configured chain a heritage consent goes through, city → province → nation, and the level
    at which it ends (one row). Houma had such approvals delegated to the province (DOMAIN.md §1.9), so the end
    level is configuration, not code."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    end_level = models.CharField(
        _("终审层级"), max_length=20, choices=ApprovalLevel.choices, default=ApprovalLevel.NATIONAL
    )
    city_authority = models.CharField(_("市县文物部门"), max_length=100, default="侯马市文物局")
    provincial_authority = models.CharField(_("省文物局"), max_length=100, default="山西省文物局")
    national_authority = models.CharField(_("国家文物局"), max_length=100, default="国家文物局")
    basis = models.TextField(_("依据"), blank=True, help_text=_("例如下放审批权限的文件名称和文号"))
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("文物审批路径")
        verbose_name_plural = _("文物审批路径")
        constraints = [
            models.CheckConstraint(
                condition=Q(id=1),
                name="heritage_heritagerouting_single_row",
                violation_error_message=_("文物审批路径只有一条配置"),
            ),
        ]

    def __str__(self) -> str:
        return str(_("文物审批路径"))

    def clean(self):
        if self.end_level not in ApprovalLevel.values:
            raise ValidationError({"end_level": _("终审层级无效")})

    def chain(self) -> list[tuple[str, str, str]]:
        """[(level, level label, authority)] from the city up to and including the end level."""
        authorities = {
            ApprovalLevel.CITY: self.city_authority,
            ApprovalLevel.PROVINCE: self.provincial_authority,
            ApprovalLevel.NATIONAL: self.national_authority,
        }
        steps = []
        for level in APPROVAL_LEVEL_ORDER:
            steps.append((level.value, str(level.label), authorities[level]))
            if level == self.end_level:
                break
        return steps
