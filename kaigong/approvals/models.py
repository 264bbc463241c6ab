from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from kaigong.accounts.choices import Role
from kaigong.accounts.models import Department
from kaigong.approvals.choices import ApprovalStage, Decision, ItemStatus, WarningLevel
from kaigong.approvals.rules import validate_condition
from kaigong.core.dates import validate_plausible_date
from kaigong.projects.models import Project

LIMIT = {"null": True, "blank": True, "validators": [MinValueValidator(1), MaxValueValidator(999)]}


class ApprovalMatter(models.Model):
    """审批事项: one approval a project may need (catalogue entry), with its legal and benchmark time limits.

    Limits are working days. ``benchmark_limit`` is the shortest published limit the city measures itself
    against (向全国最短时限看齐), with the text saying where it comes from. ``is_local_configuration`` marks a
    matter whose limits are the city's own setting rather than a published figure.
    """

    code = models.CharField(
        _("事项编码"),
        max_length=40,
        unique=True,
        validators=[RegexValidator(r"^[a-z0-9][a-z0-9_-]*$", _("编码只能含小写字母、数字、下划线和连字符"))],
    )
    name = models.CharField(_("事项名称"), max_length=100, unique=True)
    approval_stage = models.PositiveSmallIntegerField(_("审批阶段"), choices=ApprovalStage.choices)
    department = models.ForeignKey(
        Department,
        verbose_name=_("审批部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="approval_matters",
    )
    legal_basis = models.TextField(_("设定依据"), blank=True)
    statutory_limit = models.PositiveSmallIntegerField(_("法定时限(工作日)"), **LIMIT)
    committed_limit = models.PositiveSmallIntegerField(_("承诺时限(工作日)"), **LIMIT)
    benchmark_limit = models.PositiveSmallIntegerField(_("标杆时限(工作日)"), **LIMIT)
    benchmark_source = models.CharField(_("标杆时限来源"), max_length=300, blank=True)
    required_materials = models.TextField(_("申请材料"), blank=True, help_text=_("每行一项"))
    prerequisites = models.ManyToManyField(
        "self",
        verbose_name=_("前置事项"),
        symmetrical=False,
        blank=True,
        related_name="dependents",
        help_text=_("须先办结的事项"),
    )
    allows_commitment = models.BooleanField(_("可告知承诺制办理"), default=False)
    is_milestone = models.BooleanField(_("关键节点"), default=False)
    is_local_configuration = models.BooleanField(
        _("时限为本地配置"), default=True, help_text=_("时限未见公开规定,由本市配置")
    )
    is_active = models.BooleanField(_("启用"), default=True)
    sort_order = models.PositiveIntegerField(_("排序"), default=100)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        ordering = ["approval_stage", "sort_order", "code"]
        verbose_name = _("审批事项")
        verbose_name_plural = _("审批事项")
        constraints = [
            models.CheckConstraint(
                condition=Q(approval_stage__gte=1, approval_stage__lte=5),
                name="approvals_approvalmatter_stage_1_to_5",
                violation_error_message=_("审批阶段须为1至5"),
            ),
            models.CheckConstraint(
                condition=Q(committed_limit__isnull=True)
                | Q(statutory_limit__isnull=True)
                | Q(committed_limit__lte=models.F("statutory_limit")),
                name="approvals_approvalmatter_committed_within_statutory",
                violation_error_message=_("承诺时限不能长于法定时限"),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        errors = {}
        if self.committed_limit and self.statutory_limit and self.committed_limit > self.statutory_limit:
            errors["committed_limit"] = _("承诺时限不能长于法定时限")
        if self.benchmark_limit and not self.benchmark_source.strip():
            errors["benchmark_source"] = _("填写标杆时限时须注明来源")
        if errors:
            raise ValidationError(errors)

    @property
    def materials_list(self) -> list[str]:
        return [line.strip() for line in self.required_materials.splitlines() if line.strip()]


class ChecklistRule(models.Model):
    """清单规则: "a project whose attributes satisfy ``condition`` needs ``matter``" — data an administrator edits.

    ``condition`` is in the language of kaigong.approvals.rules (all / any / not over whitelisted attributes);
    it is validated on save and interpreted, never executed.
    """

    name = models.CharField(_("规则名称"), max_length=100)
    matter = models.ForeignKey(
        ApprovalMatter, verbose_name=_("审批事项"), on_delete=models.PROTECT, related_name="rules"
    )
    condition = models.JSONField(_("适用条件"), default=dict)
    description = models.TextField(_("说明"), blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        ordering = ["matter__approval_stage", "matter__sort_order", "name"]
        verbose_name = _("清单规则")
        verbose_name_plural = _("清单规则")
        constraints = [
            models.UniqueConstraint(
                fields=["matter", "name"],
                name="approvals_checklistrule_unique_name_per_matter",
                violation_error_message=_("该事项已有同名规则"),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        try:
            validate_condition(self.condition)
        except ValidationError as exc:
            raise ValidationError({"condition": exc.messages}) from exc


class ChecklistQuerySet(models.QuerySet):
    def visible_to(self, user) -> "ChecklistQuerySet":
        return self.filter(project__in=Project.objects.visible_to(user))


class Checklist(models.Model):
    """项目审批清单: the one checklist of one project (一项目一清单), generated from the rules."""

    project = models.OneToOneField(Project, verbose_name=_("项目"), on_delete=models.CASCADE, related_name="checklist")
    generated_at = models.DateTimeField(_("生成时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = ChecklistQuerySet.as_manager()

    class Meta:
        verbose_name = _("项目审批清单")
        verbose_name_plural = _("项目审批清单")

    def __str__(self) -> str:
        return f"{self.project}的审批清单"


class ChecklistItemQuerySet(models.QuerySet):
    def visible_to(self, user) -> "ChecklistItemQuerySet":
        """Items of the projects the user sees, plus, for a department officer, the items its department approves."""
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if user.sees_everything:
            return self
        visible = Q(checklist__project__in=Project.objects.visible_to(user))
        # A scope, not an ability (those are in approvals/permissions.py): the one place a role widens what is read.
        if user.role == Role.DEPARTMENT and user.department_id:
            visible |= Q(matter__department_id=user.department_id)
        return self.filter(visible)


def department_items_reach(department_id: int) -> Q:
    """Projects with a checklist item ``department_id`` approves: it reads them (projects.scoping, registered in
    ApprovalsConfig.ready), and acts only on its own items (permissions.action_allowed_for)."""
    return Q(
        Exists(
            ChecklistItem.objects.filter(
                checklist__project_id=OuterRef("pk"),
                matter__in=ApprovalMatter.objects.filter(department_id=department_id).values("pk"),
            )
        )
    )


class ChecklistItem(models.Model):
    """清单项: one matter on one project's checklist, its status lifecycle and its clock (受理 → 办结)."""

    checklist = models.ForeignKey(Checklist, verbose_name=_("清单"), on_delete=models.CASCADE, related_name="items")
    matter = models.ForeignKey(
        ApprovalMatter, verbose_name=_("审批事项"), on_delete=models.PROTECT, related_name="items"
    )
    status = models.CharField(
        _("状态"), max_length=24, choices=ItemStatus.choices, default=ItemStatus.NOT_STARTED, editable=False
    )
    status_reason = models.CharField(_("不适用/免办原因"), max_length=300, blank=True, editable=False)
    is_required = models.BooleanField(_("规则要求"), default=True, editable=False)
    required_by = models.JSONField(_("适用规则"), default=list, blank=True, editable=False)
    use_commitment = models.BooleanField(_("告知承诺制办理"), default=False, editable=False)
    submitted_on = models.DateField(
        _("申报日期"), null=True, blank=True, editable=False, validators=[validate_plausible_date]
    )
    accepted_on = models.DateField(
        _("受理日期"), null=True, blank=True, editable=False, validators=[validate_plausible_date]
    )
    decided_on = models.DateField(
        _("办结日期"), null=True, blank=True, editable=False, validators=[validate_plausible_date]
    )
    decision = models.CharField(_("办理结果"), max_length=20, choices=Decision.choices, blank=True, editable=False)
    document_number = models.CharField(_("文号"), max_length=100, blank=True, editable=False)
    # The clock, recomputed by services (on every transition) and by the daily refresh.
    statutory_due = models.DateField(_("法定时限到期日"), null=True, blank=True, editable=False)
    committed_due = models.DateField(_("承诺时限到期日"), null=True, blank=True, editable=False)
    benchmark_due = models.DateField(_("标杆时限到期日"), null=True, blank=True, editable=False)
    elapsed_workdays = models.PositiveSmallIntegerField(_("已用工作日"), null=True, blank=True, editable=False)
    remaining_workdays = models.SmallIntegerField(_("剩余工作日"), null=True, blank=True, editable=False)
    warning_level = models.CharField(
        _("预警"), max_length=10, choices=WarningLevel.choices, default=WarningLevel.NONE, editable=False
    )
    clock_provisional = models.BooleanField(_("工作日历未载入(暂估)"), default=False, editable=False)
    clock_computed_on = models.DateField(_("计时日期"), null=True, blank=True, editable=False)
    # 补正: the day the department asked for corrected materials; the clock has stood still since (None: running).
    clock_stopped_on = models.DateField(_("计时暂停日期"), null=True, blank=True, editable=False)
    actual_workdays = models.PositiveSmallIntegerField(_("实际用时(工作日)"), null=True, blank=True, editable=False)
    beat_benchmark = models.BooleanField(_("达到标杆时限"), null=True, blank=True, editable=False)
    note = models.CharField(_("备注"), max_length=300, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = ChecklistItemQuerySet.as_manager()

    class Meta:
        ordering = ["matter__approval_stage", "matter__sort_order", "id"]
        verbose_name = _("清单项")
        verbose_name_plural = _("清单项")
        constraints = [
            models.UniqueConstraint(
                fields=["checklist", "matter"],
                name="approvals_checklistitem_unique_matter",
                violation_error_message=_("清单中已有该事项"),
            ),
            models.CheckConstraint(
                condition=~Q(status=ItemStatus.DECIDED) | (Q(decided_on__isnull=False) & ~Q(decision="")),
                name="approvals_checklistitem_decided_has_date_and_decision",
                violation_error_message=_("办结须有办理结果和日期"),
            ),
        ]
        indexes = [
            models.Index(fields=["status", "warning_level"], name="approvals_item_warn_idx"),
            # The warning list: walked in its order (committed_due, id); the trailing columns let its counts and
            # filters (light, stage or department as matter ids) read the index alone.
            models.Index(
                fields=["committed_due", "id", "warning_level", "matter"],
                condition=models.Q(warning_level__in=["yellow", "red"]),
                name="approvals_item_warnlist_idx",
            ),
            # … and the lit items of given checklists (the warning list searched by project).
            models.Index(
                fields=["checklist"],
                condition=models.Q(warning_level__in=["yellow", "red"]),
                name="approvals_item_warnchk_idx",
            ),
            models.Index(fields=["matter", "status"], name="approvals_item_matter_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.checklist.project}: {self.matter}"

    @property
    def project(self) -> Project:
        return self.checklist.project

    @property
    def clock_stopped(self) -> bool:
        """The clock stands still (补正中): elapsed, remaining and the light stay as they were on clock_stopped_on."""
        return self.status == ItemStatus.CORRECTION_REQUESTED

    @cached_property
    def _clock_today(self) -> tuple[int | None, int | None]:
        from kaigong.approvals.clocks import clock_today
        from kaigong.workdays.calendar import get_calendar

        return clock_today(self, today=timezone.localdate(), calendar=get_calendar())

    @property
    def elapsed_today(self) -> int | None:
        """Working days used so far (the stored count moved on to today; see clocks.clock_today)."""
        return self._clock_today[0]

    @property
    def remaining_today(self) -> int | None:
        """Working days left under the committed (else statutory) limit, today; negative when overdue."""
        return self._clock_today[1]


class CorrectionWindow(models.Model):
    """补正: from the department's request for corrected materials until the applicant answers; the clock stops."""

    item = models.ForeignKey(ChecklistItem, on_delete=models.CASCADE, related_name="corrections")
    requested_on = models.DateField(_("补正通知日期"), validators=[validate_plausible_date])
    resumed_on = models.DateField(_("补正后重新受理日期"), null=True, blank=True, validators=[validate_plausible_date])
    reason = models.CharField(_("补正内容"), max_length=300, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["requested_on", "id"]
        verbose_name = _("补正记录")
        verbose_name_plural = _("补正记录")
        constraints = [
            models.CheckConstraint(
                condition=Q(resumed_on__isnull=True) | Q(resumed_on__gte=models.F("requested_on")),
                name="approvals_correctionwindow_resumed_after_requested",
                violation_error_message=_("重新受理日期不能早于补正通知日期"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item} 补正 {self.requested_on}"


class WarningNotice(models.Model):
    """An in-app notice that a checklist item turned yellow or red, for one person (office, approving department).

    One notice per person, item and level: the daily refresh may run any number of times without repeating it.
    """

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="warning_notices")
    item = models.ForeignKey(ChecklistItem, on_delete=models.CASCADE, related_name="notices")
    level = models.CharField(_("预警"), max_length=10, choices=WarningLevel.choices)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("预警通知")
        verbose_name_plural = _("预警通知")
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "item", "level"], name="approvals_warningnotice_once_per_level"
            ),
        ]
        indexes = [models.Index(fields=["recipient", "read_at"], name="approvals_notice_unread_idx")]

    def __str__(self) -> str:
        return f"{self.item}: {self.get_level_display()}"


class ProjectPlan(models.Model):
    """项目方案 (一方案): the one current plan of a project, scheduling its checklist toward groundbreaking.

    The schedule itself (early and latest dates, slack, critical path) is computed on read from the checklist, the
    durations and the calendar (kaigong.approvals.plans.planning); the plan stores what people decide: durations, target
    dates, the baseline, and the forecast summary of the last computation (forecast date, margin, feasibility, the
    late items), so the list of infeasible plans reads stored rows instead of scheduling every project
    (kept current by kaigong.approvals.plans.services.refresh_forecasts and the plan page).
    """

    project = models.OneToOneField(Project, verbose_name=_("项目"), on_delete=models.CASCADE, related_name="plan")
    forecast_groundbreaking = models.DateField(_("预测最早开工日期"), null=True, blank=True, editable=False)
    margin_workdays = models.SmallIntegerField(
        _("开工余量(工作日)"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("预测开工日期到计划开工日期的工作日数,负数为拖期"),
    )
    is_feasible = models.BooleanField(_("计划开工日期可实现"), null=True, blank=True, editable=False)
    late_items = models.JSONField(
        _("拖期事项"),
        default=list,
        blank=True,
        editable=False,
        help_text=_("机动时间为负的事项,最紧者在前"),
    )
    computed_on = models.DateField(_("计算日期"), null=True, blank=True, editable=False)
    baseline_saved_at = models.DateTimeField(_("基线保存时间"), null=True, blank=True, editable=False)
    baseline_saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("基线保存人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    # Audited keys that are not fields, as people read them in the history.
    AUDIT_LABELS = {
        "baseline": _("基线"),
        "items": _("方案事项"),
        "targets_moved": _("顺延的目标日期"),
    }

    class Meta:
        verbose_name = _("项目方案")
        verbose_name_plural = _("项目方案")
        indexes = [
            # The list of infeasible plans, tightest margin first.
            models.Index(
                fields=["margin_workdays", "id"],
                condition=Q(is_feasible=False),
                name="approvals_plan_infeasible_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project}的方案"

    @staticmethod
    def audit_item_labels(codes) -> dict:
        """Names of the approval matters whose plan dates a baseline event lists by code."""
        return dict(ApprovalMatter.objects.filter(code__in=codes).values_list("code", "name"))


class PlanItem(models.Model):
    """方案事项: one checklist item in the plan: its expected duration, target dates and baseline dates."""

    plan = models.ForeignKey(ProjectPlan, verbose_name=_("方案"), on_delete=models.CASCADE, related_name="items")
    item = models.OneToOneField(
        ChecklistItem, verbose_name=_("清单项"), on_delete=models.CASCADE, related_name="plan_item"
    )
    duration_workdays = models.PositiveSmallIntegerField(
        _("预计用时(工作日)"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(999)],
        help_text=_("留空则取标杆时限,其次承诺时限、法定时限"),
    )
    target_start = models.DateField(_("目标开始日期"), null=True, blank=True, validators=[validate_plausible_date])
    target_finish = models.DateField(_("目标完成日期"), null=True, blank=True, validators=[validate_plausible_date])
    target_set_manually = models.BooleanField(_("目标日期人工设定"), default=False, editable=False)
    baseline_start = models.DateField(_("基线开始日期"), null=True, blank=True, editable=False)
    baseline_finish = models.DateField(_("基线完成日期"), null=True, blank=True, editable=False)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        ordering = ["item__matter__approval_stage", "item__matter__sort_order", "id"]
        verbose_name = _("方案事项")
        verbose_name_plural = _("方案事项")
        constraints = [
            models.CheckConstraint(
                condition=Q(target_start__isnull=True)
                | Q(target_finish__isnull=True)
                | Q(target_finish__gte=models.F("target_start")),
                name="approvals_planitem_target_finish_after_start",
                violation_error_message=_("目标完成日期不能早于目标开始日期"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan}: {self.item.matter}"

    def clean(self):
        if self.target_start and self.target_finish and self.target_finish < self.target_start:
            raise ValidationError({"target_finish": _("目标完成日期不能早于目标开始日期")})


class PlanDateChange(models.Model):
    """A change of an item's target dates, with its reason (FAST-41 style reasoned slip); kept for ever."""

    plan_item = models.ForeignKey(
        PlanItem, verbose_name=_("方案事项"), on_delete=models.CASCADE, related_name="date_changes"
    )
    old_start = models.DateField(_("原开始日期"), null=True, blank=True)
    new_start = models.DateField(_("新开始日期"), null=True, blank=True)
    old_finish = models.DateField(_("原完成日期"), null=True, blank=True)
    new_finish = models.DateField(_("新完成日期"), null=True, blank=True)
    reason = models.CharField(_("调整原因"), max_length=300, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("调整人"), null=True, blank=True, on_delete=models.SET_NULL
    )
    actor_label = models.CharField(_("调整人"), max_length=150, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("目标日期调整")
        verbose_name_plural = _("目标日期调整")

    def __str__(self) -> str:
        return f"{self.plan_item}: {self.old_finish} → {self.new_finish}"
