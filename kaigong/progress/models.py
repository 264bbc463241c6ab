"""Monthly progress (一表): reports, their photos and problems, the lights, the settings and presets that drive them."""

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kaigong.core.dates import validate_plausible_date
from kaigong.progress.choices import (
    ImportStatus,
    NoticeKind,
    ProblemKind,
    ProblemSource,
    ProblemStatus,
    ReportStatus,
    Reviewer,
    WarningLevel,
)
from kaigong.projects.models import Project

MONEY = {"max_digits": 14, "decimal_places": 2}
NOT_NEGATIVE = [MinValueValidator(Decimal("0"))]
DEFAULT_VISIBLE_STAGES = ["前期", "主体开工", "基本过半", "主体完工", "竣工"]


def default_visible_stages() -> list[str]:
    return list(DEFAULT_VISIBLE_STAGES)


def first_of_month(day: dt.date) -> dt.date:
    return day.replace(day=1)


def validate_first_of_month(value: dt.date) -> None:
    if value and value.day != 1:
        raise ValidationError(_("月份须为该月1日"))


class WarningPreset(models.Model):
    """A set of warning-light rules (预警方案), e.g. the published Wuhan or Yinchuan rules: data the office edits and
    switches between. ``rules`` is a list of ``{"code", "label", "level", "when"}``, ``when`` a condition over the
    measures in the language of kaigong.core.conditions (validated by progress.rules, never evaluated as code)."""

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    description = models.TextField(_("说明"), blank=True)
    rules = models.JSONField(_("规则"), default=list, blank=True)
    is_builtin = models.BooleanField(_("内置"), default=False, editable=False)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("预警方案")
        verbose_name_plural = _("预警方案")

    def __str__(self) -> str:
        return self.name

    def clean(self):
        from kaigong.progress.rules import validate_rules

        validate_rules(self.rules)


class ProgressSettings(models.Model):
    """The office's settings of the monthly cycle (one row, pk 1): the reporting window, who reviews, time progress,
    the visible-progress stages, the plausibility thresholds and the active warning preset."""

    window_opens_on_day = models.PositiveSmallIntegerField(
        _("每月开始报送日"), default=20, validators=[MinValueValidator(1), MaxValueValidator(28)]
    )
    window_closes_on_day = models.PositiveSmallIntegerField(
        _("每月截止报送日"), default=25, validators=[MinValueValidator(1), MaxValueValidator(28)]
    )
    remind_days_before_close = models.PositiveSmallIntegerField(
        _("截止前几天催报"), default=3, validators=[MaxValueValidator(27)]
    )
    time_progress_counts_reporting_month = models.BooleanField(
        _("序时进度计入报告月"),
        default=True,
        help_text=_("勾选时1–10月的序时进度为10/12,否则为9/12"),
    )
    reviewer = models.CharField(_("审核单位"), max_length=20, choices=Reviewer.choices, default=Reviewer.OFFICE)
    visible_stages = models.JSONField(_("形象进度阶段"), default=default_visible_stages, blank=True)
    unusual_month_factor = models.DecimalField(
        _("单月异常倍数"),
        max_digits=5,
        decimal_places=1,
        default=Decimal("3"),
        validators=[MinValueValidator(Decimal("1.1"))],
        help_text=_("本月完成投资超过该项目以往月均的几倍时提示核实"),
    )
    stalled_months = models.PositiveSmallIntegerField(
        _("连续无进展月数"), default=3, validators=[MinValueValidator(2), MaxValueValidator(12)]
    )
    active_preset = models.ForeignKey(
        WarningPreset,
        verbose_name=_("当前预警方案"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("月报设置")
        verbose_name_plural = _("月报设置")

    def __str__(self) -> str:
        return str(_("月报设置"))

    def clean(self):
        if (
            self.window_opens_on_day
            and self.window_closes_on_day
            and self.window_opens_on_day > self.window_closes_on_day
        ):
            raise ValidationError({"window_closes_on_day": _("截止报送日不能早于开始报送日")})
        stages = self.visible_stages
        if not isinstance(stages, list) or not all(isinstance(s, str) and s.strip() for s in stages):
            raise ValidationError({"visible_stages": _("形象进度阶段须为非空文字的列表")})
        if len(set(stages)) != len(stages):
            raise ValidationError({"visible_stages": _("形象进度阶段不能重复")})

    def window(self, month: dt.date) -> tuple[dt.date, dt.date]:
        """The reporting window of ``month``: the days its report is due between (both included)."""
        return month.replace(day=self.window_opens_on_day), month.replace(day=self.window_closes_on_day)


class ProjectProgress(models.Model):
    """A project's standing in the monthly cycle: the cumulative investment before Kaigong's first report (typed once
    by the office: a 续建 project started years ago) and its current light with the measures it was lit from, kept so
    lists, maps and aggregations read one row per project."""

    project = models.OneToOneField(Project, on_delete=models.CASCADE, related_name="progress")
    opening_cumulative = models.DecimalField(
        _("期初开工以来累计完成投资(万元)"), default=Decimal("0"), validators=NOT_NEGATIVE, **MONEY
    )
    opening_month = models.DateField(
        _("期初截至月份"), null=True, blank=True, validators=[validate_first_of_month, validate_plausible_date]
    )
    warning_level = models.CharField(_("预警"), max_length=10, choices=WarningLevel.choices, blank=True)
    warning_reasons = models.JSONField(_("预警原因"), default=list, blank=True)
    measured_month = models.DateField(_("测算月份"), null=True, blank=True)
    year_to_date = models.DecimalField(_("1–N月累计完成投资(万元)"), default=Decimal("0"), **MONEY)
    completion_rate = models.DecimalField(_("完成率"), max_digits=9, decimal_places=4, null=True, blank=True)
    time_progress = models.DecimalField(_("序时进度"), max_digits=5, decimal_places=4, null=True, blank=True)
    gap_points = models.DecimalField(_("与序时进度差(百分点)"), max_digits=9, decimal_places=2, null=True, blank=True)
    light_changed_at = models.DateTimeField(_("预警变化时间"), null=True, blank=True)
    computed_at = models.DateTimeField(_("测算时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("项目进度状态")
        verbose_name_plural = _("项目进度状态")
        indexes = [models.Index(fields=["warning_level"], name="progress_level_idx")]

    def __str__(self) -> str:
        return f"{self.project}"


class ProgressReport(models.Model):
    """One version of a project's monthly progress report (月度进度报告).

    The cumulative figures are computed from the project's reports, never typed: ``year_to_date`` (1–N月累计) and
    ``since_start`` (开工以来累计, with the project's opening balance) are kept current by progress.services whenever a
    report of the project changes. One report per project and month is current (any status but superseded); an
    accepted report is locked, and its correction is a new version that supersedes it."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="progress_reports")
    month = models.DateField(_("月份"), validators=[validate_first_of_month, validate_plausible_date])
    version = models.PositiveSmallIntegerField(_("版本"), default=1, editable=False)
    status = models.CharField(
        _("状态"), max_length=20, choices=ReportStatus.choices, default=ReportStatus.SUBMITTED, editable=False
    )
    monthly_investment = models.DecimalField(_("本月完成投资(万元)"), validators=NOT_NEGATIVE, **MONEY)
    year_to_date = models.DecimalField(_("1–N月累计完成投资(万元)"), default=Decimal("0"), editable=False, **MONEY)
    since_start = models.DecimalField(_("开工以来累计完成投资(万元)"), default=Decimal("0"), editable=False, **MONEY)
    visible_progress = models.CharField(_("形象进度"), max_length=500, blank=True)
    visible_stage = models.CharField(_("形象进度阶段"), max_length=30, blank=True)
    registered_in_statistics = models.BooleanField(_("已入库纳统"), default=False)
    statistics_registered_on = models.DateField(
        _("入库纳统日期"), null=True, blank=True, validators=[validate_plausible_date]
    )
    is_late = models.BooleanField(_("逾期报送"), default=False, editable=False)
    plausibility = models.JSONField(_("核实提示"), default=list, blank=True, editable=False)
    supersedes = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="superseded_by", editable=False
    )
    correction_reason = models.CharField(_("更正原因"), max_length=300, blank=True, editable=False)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    submitted_at = models.DateTimeField(_("报送时间"), null=True, blank=True, editable=False)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True, editable=False)
    return_reason = models.CharField(_("退回原因"), max_length=300, blank=True, editable=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        ordering = ["-month", "project_id", "-version"]
        verbose_name = _("月度进度报告")
        verbose_name_plural = _("月度进度报告")
        constraints = [
            models.UniqueConstraint(
                fields=["project", "month", "version"],
                name="progress_progressreport_unique_version",
                violation_error_message=_("该项目该月已有此版本的月报"),
            ),
            models.UniqueConstraint(
                fields=["project", "month"],
                condition=~Q(status=ReportStatus.SUPERSEDED),
                name="progress_progressreport_one_current_per_month",
                violation_error_message=_("该项目该月已有月报"),
            ),
            models.CheckConstraint(
                condition=Q(monthly_investment__gte=0),
                name="progress_progressreport_investment_not_negative",
                violation_error_message=_("本月完成投资不能为负数"),
            ),
        ]
        indexes = [
            models.Index(fields=["month", "status"], name="progress_report_month_idx"),
            models.Index(fields=["project", "month"], name="progress_report_project_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.project} {self.month:%Y-%m}"

    @property
    def is_current(self) -> bool:
        return self.status != ReportStatus.SUPERSEDED

    def clean(self):
        if self.statistics_registered_on and not self.registered_in_statistics:
            raise ValidationError({"registered_in_statistics": _("填写了入库纳统日期,请勾选已入库纳统")})


class ReportPhoto(models.Model):
    """A photo of the site attached to a report: the stored image (JPEG or PNG, no metadata), its thumbnail, and the
    shooting time and place read from its EXIF (progress.photos). A correction's new version carries the same files."""

    report = models.ForeignKey(ProgressReport, on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(_("照片"), upload_to="progress-photos/%Y/%m/")
    thumbnail = models.FileField(_("缩略图"), upload_to="progress-photos/%Y/%m/")
    original_name = models.CharField(_("文件名"), max_length=255)
    original_format = models.CharField(_("原始格式"), max_length=10)
    width = models.PositiveIntegerField(_("宽"))
    height = models.PositiveIntegerField(_("高"))
    taken_at = models.DateTimeField(_("拍摄时间"), null=True, blank=True)
    latitude = models.DecimalField(_("拍摄纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("拍摄经度"), max_digits=9, decimal_places=6, null=True, blank=True)
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("现场照片")
        verbose_name_plural = _("现场照片")

    def __str__(self) -> str:
        return self.original_name


class Problem(models.Model):
    """存在问题及需协调事项: one problem a project needs help with, raised from a monthly report (or later from a
    checklist item, a department, an enterprise, a meeting). The dispatch work picks problems up, assigns them and
    chases them to closure; here they are raised, listed and counted."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="problems")
    report = models.ForeignKey(
        ProgressReport, null=True, blank=True, on_delete=models.SET_NULL, related_name="problems"
    )
    source = models.CharField(_("来源"), max_length=20, choices=ProblemSource.choices, default=ProblemSource.REPORT)
    kind = models.CharField(_("问题类型"), max_length=20, choices=ProblemKind.choices, default=ProblemKind.OTHER)
    description = models.TextField(_("问题及需协调事项"), max_length=1000)
    status = models.CharField(
        _("状态"), max_length=20, choices=ProblemStatus.choices, default=ProblemStatus.OPEN, editable=False
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    raised_by_label = models.CharField(_("反映人"), max_length=100, blank=True)
    raised_at = models.DateTimeField(_("反映时间"))
    closed_at = models.DateTimeField(_("解决时间"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-raised_at", "-id"]
        verbose_name = _("存在问题")
        verbose_name_plural = _("存在问题")
        indexes = [models.Index(fields=["status", "raised_at"], name="progress_problem_status_idx")]

    def __str__(self) -> str:
        return self.description[:50]


class ProgressNotice(models.Model):
    """An in-app notice of the monthly cycle for one person: a light turned yellow or red, a report is due, a report
    was returned. One per person, project, month and kind (and level, for lights): a job may run any number of times
    without repeating it."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="progress_notices")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="progress_notices")
    month = models.DateField(_("月份"))
    kind = models.CharField(_("类型"), max_length=20, choices=NoticeKind.choices)
    level = models.CharField(_("预警"), max_length=10, choices=WarningLevel.choices, blank=True)
    detail = models.CharField(_("说明"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("月报通知")
        verbose_name_plural = _("月报通知")
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "project", "month", "kind", "level"], name="progress_progressnotice_once"
            ),
        ]
        indexes = [models.Index(fields=["recipient", "read_at"], name="progress_notice_unread_idx")]

    def __str__(self) -> str:
        return f"{self.project} {self.get_kind_display()}"


class ProgressImport(models.Model):
    """One upload of a month's progress sheet (月报表): checked (a dry run) by the worker, then imported all or
    nothing."""

    file = models.FileField(_("文件"), upload_to="progress-imports/%Y/%m/")
    original_name = models.CharField(_("文件名"), max_length=255)
    month = models.DateField(_("月份"), validators=[validate_first_of_month, validate_plausible_date])
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=ImportStatus.choices, default=ImportStatus.PENDING)
    total_rows = models.PositiveIntegerField(_("数据行数"), default=0)
    created_count = models.PositiveIntegerField(_("新增月报数"), default=0)
    updated_count = models.PositiveIntegerField(_("更正月报数"), default=0)
    problems = models.JSONField(_("问题清单"), default=list, blank=True)
    preview = models.JSONField(_("检查预览"), default=dict, blank=True)
    message = models.CharField(_("说明"), max_length=500, blank=True)
    task_id = models.CharField(_("后台任务"), max_length=64, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("月报导入")
        verbose_name_plural = _("月报导入")

    def __str__(self) -> str:
        return self.original_name
