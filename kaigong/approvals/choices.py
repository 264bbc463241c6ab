"""Choices of the approvals app and, beside them, the allowed checklist item transitions."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ApprovalStage(models.IntegerChoices):
    """审批阶段 (国办发〔2019〕11号 four stages, plus the parallel stage of the national data standard)."""

    PROJECT_AND_LAND = 1, _("立项用地规划许可")
    ENGINEERING_PERMIT = 2, _("工程建设许可")
    CONSTRUCTION_PERMIT = 3, _("施工许可")
    COMPLETION = 4, _("竣工验收")
    PARALLEL = 5, _("并行推进")


class ItemStatus(models.TextChoices):
    """清单项状态: where one approval matter of one project stands."""

    NOT_STARTED = "not_started", _("未启动")
    PREPARING = "preparing", _("准备材料")
    SUBMITTED = "submitted", _("已申报")
    ACCEPTED = "accepted", _("已受理")
    CORRECTION_REQUESTED = "correction_requested", _("补正中")
    DECIDED = "decided", _("已办结")
    NOT_APPLICABLE = "not_applicable", _("不适用")
    WAIVED = "waived", _("免办")


class Decision(models.TextChoices):
    APPROVED = "approved", _("准予许可")
    REFUSED = "refused", _("不予许可")


class WarningLevel(models.TextChoices):
    """红黄绿灯 of a running clock; ``none`` when no clock runs (not accepted yet, or closed)."""

    NONE = "none", _("未计时")
    GREEN = "green", _("绿灯")
    YELLOW = "yellow", _("黄灯")
    RED = "red", _("红灯")


# The allowed status moves. Only checklists/services.py writes ChecklistItem.status, and only along these.
# A commitment-based (告知承诺制) matter goes from submitted straight to decided: it is decided at acceptance.
ITEM_TRANSITIONS: dict[str, frozenset[str]] = {
    ItemStatus.NOT_STARTED: frozenset(
        {ItemStatus.PREPARING, ItemStatus.SUBMITTED, ItemStatus.NOT_APPLICABLE, ItemStatus.WAIVED}
    ),
    ItemStatus.PREPARING: frozenset(
        {ItemStatus.NOT_STARTED, ItemStatus.SUBMITTED, ItemStatus.NOT_APPLICABLE, ItemStatus.WAIVED}
    ),
    ItemStatus.SUBMITTED: frozenset({ItemStatus.PREPARING, ItemStatus.ACCEPTED, ItemStatus.DECIDED}),
    ItemStatus.ACCEPTED: frozenset({ItemStatus.CORRECTION_REQUESTED, ItemStatus.DECIDED}),
    ItemStatus.CORRECTION_REQUESTED: frozenset({ItemStatus.ACCEPTED}),
    ItemStatus.DECIDED: frozenset(),
    ItemStatus.NOT_APPLICABLE: frozenset({ItemStatus.NOT_STARTED}),
    ItemStatus.WAIVED: frozenset({ItemStatus.NOT_STARTED}),
}

# Statuses in which an item needs nothing more (they do not block groundbreaking).
CLOSED_STATUSES = frozenset({ItemStatus.DECIDED, ItemStatus.NOT_APPLICABLE, ItemStatus.WAIVED})
# Statuses in which the department's clock runs (or is stopped by a correction request).
CLOCK_STATUSES = frozenset({ItemStatus.ACCEPTED, ItemStatus.CORRECTION_REQUESTED})
# Statuses waiting on the approving department (its inbox).
DEPARTMENT_STATUSES = frozenset({ItemStatus.SUBMITTED, ItemStatus.ACCEPTED})


class ItemAction(models.TextChoices):
    """What a person does to a checklist item; each action moves it to one status (see ACTION_TARGETS)."""

    PREPARE = "prepare", _("开始准备材料")
    SUBMIT = "submit", _("申报")
    WITHDRAW = "withdraw", _("撤回申报")
    ACCEPT = "accept", _("受理")
    REQUEST_CORRECTION = "request_correction", _("要求补正")
    RESUME = "resume", _("补正后重新受理")
    DECIDE = "decide", _("办结")
    MARK_NOT_APPLICABLE = "mark_not_applicable", _("标记不适用")
    WAIVE = "waive", _("免办")
    REINSTATE = "reinstate", _("恢复办理")


class ApprovalsEvent(models.TextChoices):
    """The steps approvals events record besides an item's actions (AuditEvent.code, registered with
    kaigong.audit.events in ApprovalsConfig.ready; ItemAction is registered too: an item's step is its action)."""

    SEED = "seed", _("初始数据")
    REGENERATE = "regenerate", _("按规则重新生成清单")
    RECOMPUTE = "recompute", _("重新计算")
    BASELINE = "baseline", _("设定计划基线")
    ITEMS_EXPORT = "items_export", _("导出审批事项")
    LATE_PLANS_EXPORT = "late_plans_export", _("导出无法按期开工的项目")
    SCOREBOARD_EXPORT = "scoreboard_export", _("导出时限评比")


ACTION_TARGETS: dict[str, str] = {
    ItemAction.PREPARE: ItemStatus.PREPARING,
    ItemAction.SUBMIT: ItemStatus.SUBMITTED,
    ItemAction.WITHDRAW: ItemStatus.PREPARING,
    ItemAction.ACCEPT: ItemStatus.ACCEPTED,
    ItemAction.REQUEST_CORRECTION: ItemStatus.CORRECTION_REQUESTED,
    ItemAction.RESUME: ItemStatus.ACCEPTED,
    ItemAction.DECIDE: ItemStatus.DECIDED,
    ItemAction.MARK_NOT_APPLICABLE: ItemStatus.NOT_APPLICABLE,
    ItemAction.WAIVE: ItemStatus.WAIVED,
    ItemAction.REINSTATE: ItemStatus.NOT_STARTED,
}
# The status an action starts from, where the target alone is ambiguous (accepted is reached two ways).
ACTION_SOURCES: dict[str, frozenset[str]] = {
    ItemAction.PREPARE: frozenset({ItemStatus.NOT_STARTED}),
    ItemAction.SUBMIT: frozenset({ItemStatus.NOT_STARTED, ItemStatus.PREPARING}),
    ItemAction.WITHDRAW: frozenset({ItemStatus.SUBMITTED}),
    ItemAction.ACCEPT: frozenset({ItemStatus.SUBMITTED}),
    ItemAction.REQUEST_CORRECTION: frozenset({ItemStatus.ACCEPTED}),
    ItemAction.RESUME: frozenset({ItemStatus.CORRECTION_REQUESTED}),
    ItemAction.DECIDE: frozenset({ItemStatus.ACCEPTED}),
    ItemAction.MARK_NOT_APPLICABLE: frozenset({ItemStatus.NOT_STARTED, ItemStatus.PREPARING}),
    ItemAction.WAIVE: frozenset({ItemStatus.NOT_STARTED, ItemStatus.PREPARING}),
    ItemAction.REINSTATE: frozenset({ItemStatus.NOT_APPLICABLE, ItemStatus.WAIVED}),
}


class ActorSide(models.TextChoices):
    """Who may take an action: the applicant side (owner, responsible department, office), the approving
    department (and the office on its behalf), or the office alone."""

    APPLICANT = "applicant", _("申请方")
    APPROVER = "approver", _("审批部门")
    OFFICE = "office", _("项目办")


ACTION_SIDES: dict[str, str] = {
    ItemAction.PREPARE: ActorSide.APPLICANT,
    ItemAction.SUBMIT: ActorSide.APPLICANT,
    ItemAction.WITHDRAW: ActorSide.APPLICANT,
    ItemAction.ACCEPT: ActorSide.APPROVER,
    ItemAction.REQUEST_CORRECTION: ActorSide.APPROVER,
    ItemAction.RESUME: ActorSide.APPROVER,
    ItemAction.DECIDE: ActorSide.APPROVER,
    ItemAction.MARK_NOT_APPLICABLE: ActorSide.OFFICE,
    ItemAction.WAIVE: ActorSide.OFFICE,
    ItemAction.REINSTATE: ActorSide.OFFICE,
}
