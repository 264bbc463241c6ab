from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kaigong.accounts.choices import Role
from kaigong.accounts.models import ALIASES_HELP, Department, Organization
from kaigong.core.codes import CodeIssue, project_code_issue, validate_project_code
from kaigong.core.dates import validate_plausible_date
from kaigong.core.dictionaries import clean_aliases, split_aliases
from kaigong.core.text import fold, pinyin_initials
from kaigong.projects.choices import EiaCategory, LandSource, Pool, ProjectClass, ReviewRegime, Stage
from kaigong.projects.scoping import department_reach

MONEY = {"max_digits": 14, "decimal_places": 2, "validators": [MinValueValidator(Decimal("0"))]}


class Category(models.Model):
    """项目类别: a configurable dictionary (产业类, 基础设施类, "一泓清水入黄河"类 …), not an enum."""

    name = models.CharField(_("名称"), max_length=50, unique=True)
    code = models.SlugField(_("代码"), max_length=30, unique=True)
    sort_order = models.PositiveIntegerField(_("排序"), default=100)
    is_active = models.BooleanField(_("启用"), default=True)
    aliases = models.TextField(_("别名"), blank=True, help_text=ALIASES_HELP)

    NAME_FIELDS = ("name", "code")  # with the aliases, what the importer matches it by

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name = _("项目类别")
        verbose_name_plural = _("项目类别")

    def __str__(self) -> str:
        return self.name

    def clean(self):
        clean_aliases(self, self.NAME_FIELDS)

    @property
    def alias_list(self) -> list[str]:
        return split_aliases(self.aliases)


class Level(models.Model):
    """项目级别: 省级, 市级, 县级 … (configurable)."""

    name = models.CharField(_("名称"), max_length=30, unique=True)
    code = models.SlugField(_("代码"), max_length=30, unique=True)
    sort_order = models.PositiveIntegerField(_("排序"), default=100)
    aliases = models.TextField(_("别名"), blank=True, help_text=ALIASES_HELP)

    NAME_FIELDS = ("name", "code")

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name = _("项目级别")
        verbose_name_plural = _("项目级别")

    def __str__(self) -> str:
        return self.name

    def clean(self):
        clean_aliases(self, self.NAME_FIELDS)

    @property
    def alias_list(self) -> list[str]:
        return split_aliases(self.aliases)


class ProjectQuerySet(models.QuerySet):
    def visible_to(self, user) -> "ProjectQuerySet":
        """The one place that decides which projects a user may see (pages, API, exports, search)."""
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if user.sees_everything:
            return self
        if user.role == Role.DEPARTMENT and user.department_id:
            # Its own projects, and those where another app gives it work (its checklist items, a heritage
            # routing it records: projects.scoping), read through EXISTS so no project is listed twice.
            own = Q(responsible_department_id=user.department_id)
            return self.filter(own | department_reach(user.department_id))
        if user.role == Role.ENTERPRISE and user.organization_id:
            return self.filter(owner_id=user.organization_id)
        return self.none()

    def editable_by(self, user) -> "ProjectQuerySet":
        """Projects the user may change: the office all, a department officer its department's."""
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if user.can_edit_all_projects:
            return self
        if user.role == Role.DEPARTMENT and user.department_id:
            return self.filter(responsible_department_id=user.department_id)
        return self.none()


class Project(models.Model):
    """A key investment project (重点项目) in the city's pool, from planning to operation."""

    project_code = models.CharField(
        _("项目代码"),
        max_length=24,
        blank=True,
        default="",
        validators=[validate_project_code],
        help_text=_("投资项目统一代码,24位;谋划阶段可暂缺"),
    )
    name = models.CharField(_("项目名称"), max_length=200)
    category = models.ForeignKey(
        Category, verbose_name=_("项目类别"), on_delete=models.PROTECT, related_name="projects"
    )
    level = models.ForeignKey(
        Level,
        verbose_name=_("项目级别"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="projects",
    )
    stage = models.CharField(
        _("项目阶段"), max_length=20, choices=Stage.choices, default=Stage.PLANNING, editable=False
    )
    year = models.PositiveSmallIntegerField(
        _("计划年度"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    owner = models.ForeignKey(
        Organization,
        verbose_name=_("建设单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="owned_projects",
    )
    investors = models.ManyToManyField(
        Organization, verbose_name=_("投资方"), blank=True, related_name="invested_projects"
    )
    responsible_department = models.ForeignKey(
        Department,
        verbose_name=_("责任单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="projects",
    )
    liaison_leader = models.CharField(_("包联领导"), max_length=50, blank=True)
    contact_person = models.CharField(_("联系人"), max_length=50, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    address = models.CharField(_("建设地点"), max_length=200, blank=True)
    township = models.CharField(_("所在乡镇(街道)"), max_length=50, blank=True)
    latitude = models.DecimalField(
        _("纬度"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(-90)), MaxValueValidator(Decimal(90))],
    )
    longitude = models.DecimalField(
        _("经度"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(-180)), MaxValueValidator(Decimal(180))],
    )
    site_polygon = models.JSONField(_("用地范围 (GeoJSON)"), null=True, blank=True)
    construction_content = models.TextField(_("建设内容及规模"), blank=True)
    total_investment = models.DecimalField(_("总投资(万元)"), **MONEY)
    annual_planned_investment = models.DecimalField(_("年度计划投资(万元)"), default=Decimal("0"), **MONEY)
    planned_start_date = models.DateField(
        _("计划开工时间"), null=True, blank=True, validators=[validate_plausible_date]
    )
    planned_completion_date = models.DateField(
        _("计划竣工时间"), null=True, blank=True, validators=[validate_plausible_date]
    )
    actual_start_date = models.DateField(
        _("实际开工时间"), null=True, blank=True, editable=False, validators=[validate_plausible_date]
    )
    actual_completion_date = models.DateField(
        _("实际竣工时间"), null=True, blank=True, editable=False, validators=[validate_plausible_date]
    )
    registered_in_statistics = models.BooleanField(_("已入库纳统"), default=False)
    statistics_registered_on = models.DateField(
        _("入库纳统日期"), null=True, blank=True, validators=[validate_plausible_date]
    )
    pool = models.CharField(_("项目库"), max_length=20, choices=Pool.choices, default=Pool.PLANNING)
    is_supplement = models.BooleanField(_("增补项目"), default=False)
    withdrawal_reason = models.CharField(_("退库原因"), max_length=200, blank=True, editable=False)
    remarks = models.TextField(_("备注"), blank=True)
    # Attributes the approval checklist rules read (一项目一清单).
    review_regime = models.CharField(_("审批方式"), max_length=20, choices=ReviewRegime.choices, blank=True)
    project_class = models.PositiveSmallIntegerField(
        _("审批流程类型"), choices=ProjectClass.choices, null=True, blank=True
    )
    land_source = models.CharField(_("用地来源"), max_length=20, choices=LandSource.choices, blank=True)
    eia_category = models.CharField(_("环评类别"), max_length=20, choices=EiaCategory.choices, blank=True)
    annual_energy_use = models.DecimalField(
        _("年综合能耗(吨标准煤)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    building_area = models.DecimalField(
        _("总建筑面积(平方米)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    is_simple_low_risk = models.BooleanField(_("简易低风险项目"), default=False)
    # What the list's search box matches (see refresh_search_text): one column, so a search is one scan, no join.
    search_text = models.CharField(max_length=500, blank=True, editable=False)
    version = models.PositiveIntegerField(_("版本"), default=1, editable=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = ProjectQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "category__sort_order", "id"]
        verbose_name = _("重点项目")
        verbose_name_plural = _("重点项目")
        constraints = [
            models.UniqueConstraint(
                fields=["project_code"],
                condition=~Q(project_code=""),
                name="projects_project_code_unique_when_present",
                violation_error_message=_("该项目代码已被其他项目使用"),
            ),
            models.CheckConstraint(
                condition=Q(total_investment__gte=0) & Q(annual_planned_investment__gte=0),
                name="projects_project_investment_not_negative",
                violation_error_message=_("投资额不能为负数"),
            ),
            models.CheckConstraint(
                condition=Q(planned_completion_date__isnull=True)
                | Q(planned_start_date__isnull=True)
                | Q(planned_completion_date__gte=models.F("planned_start_date")),
                name="projects_project_planned_completion_after_start",
                violation_error_message=_("计划竣工时间不能早于计划开工时间"),
            ),
        ]
        indexes = [
            models.Index(fields=["year", "category", "stage"], name="projects_year_cat_stage_idx"),
            models.Index(fields=["stage"], name="projects_stage_idx"),
            models.Index(fields=["-year", "-id"], name="projects_year_id_desc_idx"),  # the list's default order
            models.Index(fields=["responsible_department", "year"], name="projects_dept_year_idx"),
            models.Index(fields=["owner"], name="projects_owner_idx"),
            models.Index(fields=["-total_investment"], name="projects_total_inv_idx"),
            models.Index(fields=["name"], name="projects_name_idx"),
            models.Index(fields=["pool"], name="projects_pool_idx"),
            models.Index(fields=["township"], name="projects_township_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        errors = {}
        if (
            self.annual_planned_investment is not None
            and self.total_investment is not None
            and self.annual_planned_investment > self.total_investment
        ):
            errors["annual_planned_investment"] = _("年度计划投资不能大于总投资")
        if (
            self.planned_start_date
            and self.planned_completion_date
            and self.planned_completion_date < self.planned_start_date
        ):
            errors["planned_completion_date"] = _("计划竣工时间不能早于计划开工时间")
        if (self.latitude is None) != (self.longitude is None):
            errors["longitude"] = _("经纬度须同时填写")
        if self.statistics_registered_on and not self.registered_in_statistics:
            errors["registered_in_statistics"] = _("填写了入库纳统日期,请勾选已入库纳统")
        if self.site_polygon:
            try:
                validate_geojson_polygon(self.site_polygon)
            except ValidationError as exc:
                errors["site_polygon"] = exc.messages
        if errors:
            raise ValidationError(errors)

    def refresh_search_text(self) -> None:
        """Name, project code, owner name and pinyin initials ("gqzdh" for 国强自动化…), folded and lower-cased."""
        owner = self.owner.name if self.owner_id else ""
        parts = [fold(self.name), self.project_code, fold(owner), pinyin_initials(self.name)]
        self.search_text = "|".join(part for part in parts if part).lower()[:500]

    @property
    def has_location(self) -> bool:
        return self.latitude is not None and self.longitude is not None

    @property
    def code_issue(self) -> CodeIssue | None:
        """When the project code was issued: a month, or only a year for codes issued before November 2020."""
        return project_code_issue(self.project_code)


def validate_geojson_polygon(value) -> None:
    """A GeoJSON Polygon or MultiPolygon in WGS84 (lon, lat); checked for shape and coordinate ranges."""
    if not isinstance(value, dict) or value.get("type") not in ("Polygon", "MultiPolygon"):
        raise ValidationError(_("用地范围须为 GeoJSON Polygon 或 MultiPolygon"))
    polygons = [value.get("coordinates")] if value["type"] == "Polygon" else value.get("coordinates")
    if not isinstance(polygons, list) or not polygons:
        raise ValidationError(_("用地范围坐标为空"))
    for polygon in polygons:
        if not isinstance(polygon, list) or not polygon:
            raise ValidationError(_("用地范围坐标格式不正确"))
        for ring in polygon:
            if not isinstance(ring, list) or len(ring) < 4 or ring[0] != ring[-1]:
                raise ValidationError(_("用地范围的每个环至少4个点且首尾相同"))
            for point in ring:
                if (
                    not isinstance(point, list)
                    or len(point) < 2
                    or not all(isinstance(c, int | float) for c in point[:2])
                    or not (-180 <= point[0] <= 180 and -90 <= point[1] <= 90)
                ):
                    raise ValidationError(_("用地范围坐标须为 WGS84 经纬度 [经度, 纬度]"))


class StageChange(models.Model):
    """One move of a project from one stage to another: who, when it was recorded, why, effective date."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.CharField(_("原阶段"), max_length=20, choices=Stage.choices)
    to_stage = models.CharField(_("新阶段"), max_length=20, choices=Stage.choices)
    effective_date = models.DateField(_("生效日期"), validators=[validate_plausible_date])
    reason = models.CharField(_("原因"), max_length=500, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("阶段变更")
        verbose_name_plural = _("阶段变更")

    def __str__(self) -> str:
        return f"{self.project}: {self.get_from_stage_display()} → {self.get_to_stage_display()}"


class GroundbreakingBatch(models.Model):
    """集中开工批次: projects that start together at one ceremony (a main site, sub-sites by video link)."""

    name = models.CharField(_("批次名称"), max_length=100)
    date = models.DateField(_("开工日期"), validators=[validate_plausible_date])
    main_site = models.CharField(_("主会场"), max_length=200, blank=True)
    sub_sites = models.JSONField(_("分会场"), default=list, blank=True)
    description = models.TextField(_("说明"), blank=True)
    projects = models.ManyToManyField(Project, through="BatchMembership", related_name="batches")
    created_at = models.DateTimeField(auto_now_add=True)

    # Audited keys as people read them in the history (the member list is audited under "projects").
    AUDIT_LABELS = {"projects": _("成员项目")}

    class Meta:
        ordering = ["-date", "name"]
        verbose_name = _("集中开工批次")
        verbose_name_plural = _("集中开工批次")
        constraints = [
            models.UniqueConstraint(
                fields=["name", "date"],
                name="projects_groundbreakingbatch_unique_name_date",
                violation_error_message=_("同一天已有同名批次"),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class BatchMembership(models.Model):
    """A project's place in a batch; ``featured_order`` (1, 2, 3 …) puts it among the names the summary cites."""

    batch = models.ForeignKey(GroundbreakingBatch, on_delete=models.CASCADE, related_name="memberships")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="batch_memberships")
    featured_order = models.PositiveSmallIntegerField(_("重点展示顺序"), null=True, blank=True)
    site = models.CharField(_("所在会场"), max_length=200, blank=True)

    class Meta:
        ordering = ["featured_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "project"], name="projects_batchmembership_unique_project"),
        ]

    def __str__(self) -> str:
        return f"{self.batch}: {self.project}"


class LedgerImport(models.Model):
    """One upload of a ledger sheet: checked (dry run), then imported all-or-nothing, maybe in the background."""

    class Status(models.TextChoices):
        PENDING = "pending", _("等待检查")
        CHECKING = "checking", _("检查中")
        CHECKED = "checked", _("已检查")
        IMPORTING = "importing", _("导入中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")
        CANCELLED = "cancelled", _("已取消")

    class Phase(models.TextChoices):
        CHECK = "check", _("检查")
        IMPORT = "import", _("导入")

    file = models.FileField(_("文件"), upload_to="ledger-imports/%Y/%m/")
    original_name = models.CharField(_("文件名"), max_length=255)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.PENDING)
    total_rows = models.PositiveIntegerField(_("数据行数"), default=0)
    processed_rows = models.PositiveIntegerField(_("已处理行数"), default=0)
    created_count = models.PositiveIntegerField(_("新增项目数"), default=0)
    updated_count = models.PositiveIntegerField(_("更新项目数"), default=0)
    problems = models.JSONField(_("问题清单"), default=list, blank=True)
    message = models.CharField(_("说明"), max_length=500, blank=True)
    # The worker's heartbeat (ledger.services._beat): a running check or import promises to beat again before
    # lease_until; past it, the worker is taken as dead and the attempt failed (services.recover_stale_imports).
    phase = models.CharField(_("阶段"), max_length=10, choices=Phase.choices, default=Phase.CHECK)
    attempt = models.PositiveIntegerField(_("第几次尝试"), default=1)
    task_id = models.CharField(_("后台任务"), max_length=64, blank=True)
    heartbeat_at = models.DateTimeField(_("最近心跳"), null=True, blank=True)
    lease_until = models.DateTimeField(_("心跳期限"), null=True, blank=True)
    # What the check found beyond its problems, in both languages (ledger.services.stored_preview): the page shows it
    # without reading the sheet again.
    preview = models.JSONField(_("检查预览"), default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("台账导入")
        verbose_name_plural = _("台账导入")

    def __str__(self) -> str:
        return self.original_name

    @property
    def progress_percent(self) -> int:
        return int(self.processed_rows * 100 / self.total_rows) if self.total_rows else 0
