from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from kaigong.core.dates import validate_plausible_date
from kaigong.heritage.choices import (
    APPROVAL_LEVEL_ORDER,
    OPEN_ROUTING_STATUSES,
    POSITIVE_OPINIONS,
    ApprovalLevel,
    Opinion,
    ProtectionLevel,
    RoutingStatus,
)
from kaigong.heritage.drawing import simplify_for_display
from kaigong.heritage.geojson import vertex_count


class HeritageSite(models.Model):
    """文物保护单位: a protected heritage site with its protection area (保护范围) and construction control zone
    (建设控制地带), both GeoJSON Polygon/MultiPolygon in WGS84 ([longitude, latitude]).

    A project whose location or site polygon touches either area needs the heritage matters before the
    construction-engineering planning permit. Imported from GeoJSON by an administrator (kaigong.heritage.geojson).
    ``is_illustrative`` marks a drawing that is not the officially published boundary (demo data, sketches).
    The ``display_…`` areas are the same boundaries simplified at import for the pages to draw (heritage.drawing:
    within a few metres, at most a couple of thousand vertices); ``vertex_count`` counts the full boundaries'.
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
    display_protection_area = models.JSONField(_("保护范围(简化,用于显示)"), null=True, blank=True, editable=False)
    display_control_zone = models.JSONField(_("建设控制地带(简化,用于显示)"), null=True, blank=True, editable=False)
    display_tolerance_m = models.FloatField(_("简化显示的最大偏差(米)"), default=0, editable=False)
    vertex_count = models.PositiveIntegerField(_("顶点数"), default=0, editable=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("文物保护单位")
        verbose_name_plural = _("文物保护单位")

    def __str__(self) -> str:
        return self.name

    def set_display_geometry(self) -> None:
        """Store the simplified areas the pages draw (called whenever the boundaries are written)."""
        zone = simplify_for_display(self.control_zone)
        area = simplify_for_display(self.protection_area)
        self.display_control_zone, self.display_protection_area = zone.geometry, area.geometry
        self.display_tolerance_m = max(zone.tolerance_m, area.tolerance_m)
        self.vertex_count = vertex_count(self.control_zone) + vertex_count(self.protection_area)


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


def level_rank(level: str) -> int:
    """Position of ``level`` in the chain, from the city (0) upwards."""
    return APPROVAL_LEVEL_ORDER.index(level)


def pending_levels(chain: list[tuple[str, str, str]], recorded: list["HeritageRoutingStep"]) -> list[tuple[str, str]]:
    """[(level, authority)] still to be sent, given the configured ``chain`` and the steps already sent (in order).

    Nothing sent: the whole chain. The last sent step awaits its reply or was agreed: the levels above it.
    Returned for supplement (退回补充): the same level again, then the levels above. Refused: nothing.
    """
    if not recorded:
        start = 0
    else:
        last = recorded[-1]
        if last.opinion == Opinion.REFUSED:
            return []
        start = level_rank(last.level) + (0 if last.opinion == Opinion.RETURNED else 1)
    return [(level, authority) for level, _label, authority in chain if level_rank(level) >= start]


class ProjectHeritageRouting(models.Model):
    """文物审批流转: one project's heritage consent going up the configured chain (HeritageRouting), one
    HeritageRoutingStep per level. Created when the project is found in a control zone; kept in step with the
    chain and the zones by kaigong.heritage.services.sync_project_routing. ``is_required`` says whether the
    project lay in a zone at the last recompute; a routing with sent steps is never deleted. ``end_level`` is the
    final level of this project's chain (the configured one while the routing is open)."""

    project = models.OneToOneField(
        "projects.Project", verbose_name=_("项目"), on_delete=models.CASCADE, related_name="heritage_routing"
    )
    status = models.CharField(
        _("状态"), max_length=20, choices=RoutingStatus.choices, default=RoutingStatus.NOT_STARTED, editable=False
    )
    is_required = models.BooleanField(_("位于建设控制地带"), default=True, editable=False)
    end_level = models.CharField(_("终审层级"), max_length=20, choices=ApprovalLevel.choices, editable=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    # Audited keys that are not fields, as people read them in the history.
    AUDIT_LABELS = {"pending_steps": _("待报送层级")}

    class Meta:
        verbose_name = _("文物审批流转")
        verbose_name_plural = _("文物审批流转")

    def __str__(self) -> str:
        return str(_("%(project)s的文物审批流转") % {"project": self.project})

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_ROUTING_STATUSES

    def is_open_if(self, is_required: bool) -> bool:
        """Whether the routing is open once recomputed with ``is_required``: a routing set aside when its project
        left the zones (not applicable) opens again when the project is back."""
        return self.is_open or (is_required and self.status == RoutingStatus.NOT_APPLICABLE)

    def is_final_level(self, level: str) -> bool:
        return level_rank(level) >= level_rank(self.end_level)

    def step_awaiting_reply(self, steps: list["HeritageRoutingStep"]) -> "HeritageRoutingStep | None":
        """The step sent and not yet answered (at most one), among ``steps`` (this routing's, in order)."""
        return next((s for s in steps if s.sent_on and not s.replied_on), None)

    def step_to_forward(
        self, steps: list["HeritageRoutingStep"], *, is_required: bool | None = None
    ) -> "HeritageRoutingStep | None":
        """The step that may be sent now: the first not sent, while the routing is open and required, nothing is
        awaiting a reply and no level refused. ``is_required`` overrides the stored flag (a page that has just
        checked the zones)."""
        required = self.is_required if is_required is None else is_required
        if not (self.is_open_if(required) and required) or self.step_awaiting_reply(steps):
            return None
        if any(s.opinion == Opinion.REFUSED for s in steps):
            return None
        return next((s for s in steps if not s.sent_on), None)


class HeritageRoutingStep(models.Model):
    """One level of a project's heritage routing: the office it goes to, when it was sent (报送), and the reply
    (答复: date, opinion, conditions, 文号). A step not yet sent is a placeholder the recompute may replace; a
    sent step is a record and is never deleted. A level that returned the request (退回补充) gets a new step."""

    routing = models.ForeignKey(
        ProjectHeritageRouting, verbose_name=_("文物审批流转"), on_delete=models.CASCADE, related_name="steps"
    )
    order = models.PositiveSmallIntegerField(_("顺序"))
    level = models.CharField(_("层级"), max_length=20, choices=ApprovalLevel.choices)
    authority = models.CharField(_("文物部门"), max_length=100)
    sent_on = models.DateField(
        _("报送日期"), null=True, blank=True, editable=False, validators=[validate_plausible_date]
    )
    forwarded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("报送登记人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    replied_on = models.DateField(
        _("答复日期"), null=True, blank=True, editable=False, validators=[validate_plausible_date]
    )
    opinion = models.CharField(_("答复意见"), max_length=20, choices=Opinion.choices, blank=True, editable=False)
    opinion_text = models.TextField(_("条件或意见"), blank=True, editable=False)
    document_number = models.CharField(_("文号"), max_length=100, blank=True, editable=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("答复登记人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    recorded_by_label = models.CharField(_("答复登记人姓名"), max_length=150, blank=True, editable=False)
    recorded_at = models.DateTimeField(_("答复登记时间"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["routing", "order"]
        verbose_name = _("文物审批流转环节")
        verbose_name_plural = _("文物审批流转环节")
        constraints = [
            models.UniqueConstraint(
                fields=["routing", "order"],
                name="heritage_heritageroutingstep_unique_order",
                violation_error_message=_("同一流转中环节顺序不能重复"),
            ),
            models.CheckConstraint(
                condition=Q(replied_on__isnull=True) | Q(sent_on__isnull=False, replied_on__gte=F("sent_on")),
                name="heritage_heritageroutingstep_reply_after_sent",
                violation_error_message=_("答复日期不能早于报送日期,未报送的环节不能登记答复"),
            ),
            models.CheckConstraint(
                condition=Q(replied_on__isnull=True, opinion="") | (Q(replied_on__isnull=False) & ~Q(opinion="")),
                name="heritage_heritageroutingstep_opinion_with_reply",
                violation_error_message=_("答复须同时有答复日期和答复意见"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.authority} · {self.get_level_display()}"

    @property
    def is_sent(self) -> bool:
        return self.sent_on is not None

    @property
    def is_positive(self) -> bool:
        return self.opinion in POSITIVE_OPINIONS
