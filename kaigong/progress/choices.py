"""Choices of the progress app and, beside them, the allowed report transitions."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ReportStatus(models.TextChoices):
    """Where one version of a monthly progress report stands."""

    SUBMITTED = "submitted", _("待审核")
    RETURNED = "returned", _("已退回")
    ACCEPTED = "accepted", _("已审核")
    SUPERSEDED = "superseded", _("已更正")  # an accepted report replaced by a correction (a new version)


# The allowed status moves. Only progress/services.py writes ProgressReport.status, and only along these. A returned
# report is edited and submitted again as the same version; an accepted one is locked, and a correction is a new
# version that supersedes it.
REPORT_TRANSITIONS: dict[str, frozenset[str]] = {
    ReportStatus.SUBMITTED: frozenset({ReportStatus.ACCEPTED, ReportStatus.RETURNED}),
    ReportStatus.RETURNED: frozenset({ReportStatus.SUBMITTED}),
    ReportStatus.ACCEPTED: frozenset({ReportStatus.SUPERSEDED}),
    ReportStatus.SUPERSEDED: frozenset(),
}


class WarningLevel(models.TextChoices):
    """红黄绿灯 of a project's progress against the plan (``warning_level`` in the glossary)."""

    GREEN = "green", _("绿灯")
    YELLOW = "yellow", _("黄灯")
    RED = "red", _("红灯")


LEVEL_RANK = {"": 0, WarningLevel.GREEN: 1, WarningLevel.YELLOW: 2, WarningLevel.RED: 3}


class Reviewer(models.TextChoices):
    """Who reviews the monthly reports: the office (项目办) for all, or each project's responsible department."""

    OFFICE = "office", _("项目办审核")
    DEPARTMENT = "department", _("责任单位审核")


class ProblemKind(models.TextChoices):
    """存在问题及需协调事项: what kind of help a project needs."""

    LAND = "land", _("用地")
    FUNDS = "funds", _("资金")
    APPROVALS = "approvals", _("审批手续")
    DEMOLITION = "demolition", _("征地拆迁")
    UTILITIES = "utilities", _("水电气暖")
    ENVIRONMENT = "environment", _("环保")
    OTHER = "other", _("其他")


class ProblemSource(models.TextChoices):
    """Where a problem was raised. The dispatch work picks problems up from every source."""

    REPORT = "report", _("月度报告")
    CHECKLIST = "checklist", _("审批清单")
    DEPARTMENT = "department", _("部门反映")
    ENTERPRISE = "enterprise", _("企业反映")
    MEETING = "meeting", _("调度会")


class ProblemStatus(models.TextChoices):
    OPEN = "open", _("待解决")
    CLOSED = "closed", _("已解决")


class NoticeKind(models.TextChoices):
    """What a progress notice tells its reader."""

    LIGHT = "light", _("进度预警")
    REMINDER = "reminder", _("月报催报")
    RETURNED = "returned", _("月报退回")


class ImportStatus(models.TextChoices):
    PENDING = "pending", _("等待检查")
    CHECKING = "checking", _("检查中")
    CHECKED = "checked", _("已检查")
    IMPORTING = "importing", _("导入中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")
    CANCELLED = "cancelled", _("已取消")


class ProgressEvent(models.TextChoices):
    """The steps progress events record (AuditEvent.code, registered with kaigong.audit.events)."""

    SUBMITTED = "report_submitted", _("报送月报")
    RESUBMITTED = "report_resubmitted", _("重新报送月报")
    ACCEPTED = "report_accepted", _("月报审核通过")
    RETURNED = "report_returned", _("月报退回")
    CORRECTED = "report_corrected", _("更正月报")
    PHOTO_ADDED = "photo_added", _("上传现场照片")
    PHOTO_REMOVED = "photo_removed", _("删除现场照片")
    PROBLEM_RAISED = "problem_raised", _("反映问题")
    OPENING_SET = "opening_set", _("设置开工以来累计")
    LIGHT_CHANGED = "light_changed", _("进度预警变化")
    SETTINGS_CHANGED = "settings_changed", _("修改月报设置")
    PRESET_CHANGED = "preset_changed", _("修改预警方案")
    PRESET_ACTIVATED = "preset_activated", _("切换预警方案")
    IMPORTED = "reports_imported", _("导入月报")
