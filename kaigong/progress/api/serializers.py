"""Serializers of the progress API: they parse and render; the rules live in the services and selectors.

Months travel as "YYYY-MM"; money as decimal strings in 万元; rates as percentages (97.20, not 0.9720), the way the
pages and the bulletin print them. Choice values are plain strings with their label beside them (``*_display``):
several apps have fields named ``status``, ``kind`` and ``level`` with other choices, and one shared enum name per
field is what the schema's enum naming needs.
"""

import datetime as dt
import re

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from kaigong.core.api import ChoiceLabelField
from kaigong.core.exceptions import translated
from kaigong.progress import permissions, rules
from kaigong.progress.aggregations import GROUPS
from kaigong.progress.choices import NoticeKind, ProblemKind, ProblemSource, ProblemStatus, ReportStatus, WarningLevel
from kaigong.progress.measures import as_percent
from kaigong.progress.models import (
    MONEY,
    Problem,
    ProgressNotice,
    ProgressReport,
    ProgressSettings,
    ReportPhoto,
    WarningPreset,
)
from kaigong.progress.services import MAX_PHOTOS, MAX_PROBLEMS, PLAUSIBILITY_MESSAGES, SETTINGS_FIELDS

# The largest id a database key holds (a 64-bit integer): a larger one is refused as input, not sent to the database.
MAX_ID = 2**63 - 1
MONTH_PATTERN = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
MONEY_HELP = _("万元,十进制字符串,两位小数")


@extend_schema_field({"type": "string", "pattern": MONTH_PATTERN.pattern, "example": "2024-10"})
class MonthField(serializers.Field):
    """A month as "YYYY-MM" in and out; the first day of the month inside."""

    default_error_messages = {"invalid": _("月份格式应为 YYYY-MM,如 2024-10")}

    def to_internal_value(self, data) -> dt.date:
        match = MONTH_PATTERN.match(data) if isinstance(data, str) else None
        if match is None or int(match.group(1)) < 1:
            self.fail("invalid")
        return dt.date(int(match.group(1)), int(match.group(2)), 1)

    def to_representation(self, value: dt.date) -> str:
        return f"{value.year:04d}-{value.month:02d}"  # strftime writes year 1 as "1", not "0001"


class PercentField(serializers.DecimalField):
    """A rate kept as a fraction, shown as the percentage people write (0.9720 → "97.20")."""

    def __init__(self, **kwargs):
        super().__init__(max_digits=9, decimal_places=2, read_only=True, allow_null=True, **kwargs)

    def to_representation(self, value):
        return super().to_representation(as_percent(value))


# --- reports ------------------------------------------------------------------------------------------------------


class PlausibilitySerializer(serializers.Serializer):
    code = serializers.CharField(help_text="ytd_above_plan, cumulative_above_total, unusual_month, stalled")
    message = serializers.CharField(help_text="中文说明")
    message_en = serializers.CharField(help_text="English message")


def plausibility_messages(warnings: list[dict]) -> list[dict]:
    result = []
    for warning in warnings or ():
        msgid = PLAUSIBILITY_MESSAGES.get(warning.get("code"))
        if msgid is None:
            continue
        params = warning.get("params") or {}
        result.append(
            {
                "code": warning["code"],
                "message": translated(msgid, params, language="zh-hans"),
                "message_en": translated(msgid, params, language="en"),
            }
        )
    return result


def _photo_url(name: str, photo: ReportPhoto) -> str | None:
    """The photo pages' URL (another part of the app serves the files, checking who may see them); None until those
    pages exist."""
    try:
        return reverse(name, kwargs={"pk": photo.pk})
    except NoReverseMatch:
        return None


class ReportPhotoSerializer(serializers.ModelSerializer):
    image_url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()

    class Meta:
        model = ReportPhoto
        fields = [
            "id",
            "original_name",
            "width",
            "height",
            "taken_at",
            "latitude",
            "longitude",
            "image_url",
            "thumbnail_url",
        ]
        read_only_fields = fields

    def get_image_url(self, photo) -> str | None:
        return _photo_url("progress:photo-image", photo)

    def get_thumbnail_url(self, photo) -> str | None:
        return _photo_url("progress:photo-thumbnail", photo)


class ProblemSerializer(serializers.ModelSerializer):
    project_name = serializers.CharField(source="project.name", read_only=True)
    kind = serializers.CharField(read_only=True, help_text=", ".join(ProblemKind.values))
    kind_display = ChoiceLabelField(source="kind", choices=ProblemKind.choices)
    source = serializers.CharField(read_only=True, help_text=", ".join(ProblemSource.values))
    source_display = ChoiceLabelField(source="source", choices=ProblemSource.choices)
    status = serializers.CharField(read_only=True, help_text=", ".join(ProblemStatus.values))
    status_display = ChoiceLabelField(source="status", choices=ProblemStatus.choices)
    raised_by = serializers.CharField(source="raised_by_label", read_only=True)

    class Meta:
        model = Problem
        fields = [
            "id",
            "project",
            "project_name",
            "report",
            "source",
            "source_display",
            "kind",
            "kind_display",
            "description",
            "status",
            "status_display",
            "raised_by",
            "raised_at",
            "closed_at",
        ]
        read_only_fields = fields


class ReportVersionSerializer(serializers.ModelSerializer):
    status = serializers.CharField(read_only=True, help_text=", ".join(ReportStatus.values))
    status_display = ChoiceLabelField(source="status", choices=ReportStatus.choices)

    class Meta:
        model = ProgressReport
        fields = [
            "id",
            "version",
            "status",
            "status_display",
            "monthly_investment",
            "correction_reason",
            "submitted_at",
            "reviewed_at",
        ]
        read_only_fields = fields


class ReportSerializer(serializers.ModelSerializer):
    """A monthly progress report with its photos, problems, plausibility warnings and what the user may do with it."""

    project_name = serializers.CharField(source="project.name", read_only=True)
    month = MonthField(read_only=True)
    status = serializers.CharField(read_only=True, help_text=", ".join(ReportStatus.values))
    status_display = ChoiceLabelField(source="status", choices=ReportStatus.choices)
    plausibility = serializers.SerializerMethodField()
    submitted_by = serializers.SerializerMethodField()
    reviewed_by = serializers.SerializerMethodField()
    photos = ReportPhotoSerializer(many=True, read_only=True)
    problems = ProblemSerializer(many=True, read_only=True)
    actions = serializers.SerializerMethodField(
        help_text="What the user may do now: resubmit, photos, accept, return, correct"
    )

    class Meta:
        model = ProgressReport
        fields = [
            "id",
            "project",
            "project_name",
            "month",
            "version",
            "status",
            "status_display",
            "monthly_investment",
            "year_to_date",
            "since_start",
            "visible_progress",
            "visible_stage",
            "registered_in_statistics",
            "statistics_registered_on",
            "is_late",
            "plausibility",
            "supersedes",
            "correction_reason",
            "submitted_by",
            "submitted_at",
            "reviewed_by",
            "reviewed_at",
            "return_reason",
            "photos",
            "problems",
            "actions",
        ]
        read_only_fields = fields

    @extend_schema_field(PlausibilitySerializer(many=True))
    def get_plausibility(self, report):
        return plausibility_messages(report.plausibility)

    @extend_schema_field({"type": "string", "nullable": True})
    def get_submitted_by(self, report):
        return str(report.submitted_by) if report.submitted_by_id else None

    @extend_schema_field({"type": "string", "nullable": True})
    def get_reviewed_by(self, report):
        return str(report.reviewed_by) if report.reviewed_by_id else None

    def get_actions(self, report) -> list[str]:
        request = self.context.get("request")
        settings = self.context.get("settings")
        if request is None or settings is None:
            return []
        user, project = request.user, report.project
        actions = []
        if permissions.can_report(user, project):
            if report.status in (ReportStatus.SUBMITTED, ReportStatus.RETURNED):
                actions += ["resubmit", "photos"]
            elif report.status == ReportStatus.ACCEPTED:
                actions.append("correct")
        if report.status == ReportStatus.SUBMITTED and permissions.can_review(
            user, project, reviewer=settings.reviewer
        ):
            actions += ["accept", "return"]
        return actions


class ReportDetailSerializer(ReportSerializer):
    """A report with every version of its month, newest first."""

    versions = serializers.SerializerMethodField()

    class Meta(ReportSerializer.Meta):
        fields = [*ReportSerializer.Meta.fields, "versions"]
        read_only_fields = fields

    @extend_schema_field(ReportVersionSerializer(many=True))
    def get_versions(self, report):
        return ReportVersionSerializer(self.context.get("versions", []), many=True).data


class ProblemInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ProblemKind.choices, default=ProblemKind.OTHER)
    description = serializers.CharField(max_length=1000)


class ReportFieldsSerializer(serializers.Serializer):
    """The fields a reporter types (1–N月累计 and 开工以来累计 are computed, never typed)."""

    monthly_investment = serializers.DecimalField(
        min_value=0, help_text=MONEY_HELP, label=_("本月完成投资(万元)"), **MONEY
    )
    visible_progress = serializers.CharField(max_length=500, required=False, allow_blank=True, label=_("形象进度"))
    visible_stage = serializers.CharField(
        max_length=30, required=False, allow_blank=True, help_text=_("形象进度阶段,须为设置中的一项")
    )
    registered_in_statistics = serializers.BooleanField(required=False, label=_("已入库纳统"))
    statistics_registered_on = serializers.DateField(required=False, allow_null=True, label=_("入库纳统日期"))
    problems = ProblemInputSerializer(many=True, required=False, max_length=MAX_PROBLEMS)


class ReportCreateSerializer(ReportFieldsSerializer):
    project = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    month = MonthField()

    field_order = ["project", "month"]


class ReportUpdateSerializer(ReportFieldsSerializer):
    """A resubmission of a report not accepted yet: only the fields that change."""


class ReportCorrectionSerializer(ReportFieldsSerializer):
    reason = serializers.CharField(max_length=300, label=_("更正原因"))


class ReportAcceptSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, label=_("审核意见"))


class ReportReturnSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300, label=_("退回原因"))


class PhotoUploadSerializer(serializers.Serializer):
    files = serializers.ListField(
        child=serializers.FileField(), min_length=1, max_length=MAX_PHOTOS, help_text="JPEG, PNG or HEIC"
    )


class ReportQuerySerializer(serializers.Serializer):
    project = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    month = MonthField(required=False)
    status = serializers.ChoiceField(choices=ReportStatus.choices, required=False, help_text="默认为各月的现行版本")
    late = serializers.BooleanField(required=False, allow_null=True, default=None)


# --- problems -----------------------------------------------------------------------------------------------------


class ProblemCreateSerializer(serializers.Serializer):
    project = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    kind = serializers.CharField(required=False, help_text=", ".join(ProblemKind.values), default=ProblemKind.OTHER)
    description = serializers.CharField(max_length=1000)

    def validate_kind(self, value):
        if value not in ProblemKind.values:
            raise serializers.ValidationError(_("问题类型“%(kind)s”不存在") % {"kind": value})
        return value


class ProblemQuerySerializer(serializers.Serializer):
    project = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    status = serializers.ChoiceField(choices=ProblemStatus.choices, required=False)
    kind = serializers.ChoiceField(choices=ProblemKind.choices, required=False)


# --- measures and lights ------------------------------------------------------------------------------------------


class ReasonSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    level = serializers.CharField(help_text="yellow, red")


class MeasuresSerializer(serializers.Serializer):
    """A project's measures for a month (DOMAIN.md §7b)."""

    project = serializers.IntegerField()
    project_name = serializers.CharField()
    month = MonthField()
    annual_plan = serializers.DecimalField(help_text=MONEY_HELP, **MONEY)
    reported = serializers.BooleanField(help_text="该月有现行月报")
    monthly_investment = serializers.DecimalField(allow_null=True, help_text=MONEY_HELP, **MONEY)
    year_to_date = serializers.DecimalField(help_text=MONEY_HELP, **MONEY)
    since_start = serializers.DecimalField(allow_null=True, help_text=MONEY_HELP, **MONEY)
    completion_rate = PercentField(help_text="完成率, %")
    time_progress = PercentField(help_text="序时进度, %")
    gap_points = serializers.DecimalField(
        max_digits=9, decimal_places=2, allow_null=True, help_text="超(负数为低于)序时进度的百分点"
    )
    percent_of_time_progress = serializers.DecimalField(
        max_digits=9, decimal_places=2, allow_null=True, help_text="完成率占序时进度的百分比"
    )
    light = serializers.CharField(allow_null=True, help_text="green, yellow, red; null: not measured that month")
    light_display = serializers.CharField(allow_null=True)
    reasons = ReasonSerializer(many=True)
    computed_at = serializers.DateTimeField(allow_null=True)


class LightSerializer(serializers.Serializer):
    """A lit project of a month, from its ProjectProgress row."""

    project = serializers.IntegerField(source="pk")
    project_name = serializers.CharField(source="name")
    project_code = serializers.CharField()
    responsible_department = serializers.IntegerField(source="responsible_department_id", allow_null=True)
    responsible_department_name = serializers.SerializerMethodField()
    light = serializers.CharField(source="progress.warning_level", help_text="green, yellow, red")
    light_display = ChoiceLabelField(source="progress.warning_level", choices=WarningLevel.choices)
    reasons = ReasonSerializer(source="progress.warning_reasons", many=True)
    annual_plan = serializers.DecimalField(source="annual_planned_investment", help_text=MONEY_HELP, **MONEY)
    year_to_date = serializers.DecimalField(source="progress.year_to_date", help_text=MONEY_HELP, **MONEY)
    completion_rate = PercentField(source="progress.completion_rate", help_text="完成率, %")
    time_progress = PercentField(source="progress.time_progress", help_text="序时进度, %")
    gap_points = serializers.DecimalField(source="progress.gap_points", max_digits=9, decimal_places=2, allow_null=True)
    light_changed_at = serializers.DateTimeField(source="progress.light_changed_at", allow_null=True)

    @extend_schema_field({"type": "string", "nullable": True})
    def get_responsible_department_name(self, project):
        department = project.responsible_department
        return department.name if department else None


class MeasuresQuerySerializer(serializers.Serializer):
    project = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text="a project the user sees")
    month = MonthField(required=False, help_text="YYYY-MM; default: this month")


class LightQuerySerializer(serializers.Serializer):
    month = MonthField(required=False, help_text="YYYY-MM; default: this month")
    light = serializers.ChoiceField(choices=WarningLevel.choices, required=False)


class AggregationQuerySerializer(serializers.Serializer):
    month = MonthField(required=False, help_text="YYYY-MM; default: this month")
    group_by = serializers.ChoiceField(choices=[(name, name) for name in GROUPS], required=False)


class MonthQuerySerializer(serializers.Serializer):
    month = MonthField(required=False, help_text="YYYY-MM; default: this month")


class LightRefreshSerializer(serializers.Serializer):
    month = MonthField()


class LightCountsSerializer(serializers.Serializer):
    projects = serializers.IntegerField()
    changed = serializers.IntegerField()
    green = serializers.IntegerField()
    yellow = serializers.IntegerField()
    red = serializers.IntegerField()
    notices = serializers.IntegerField()


# --- aggregations and the reporting status ------------------------------------------------------------------------


class LightTallySerializer(serializers.Serializer):
    red = serializers.IntegerField()
    yellow = serializers.IntegerField()
    green = serializers.IntegerField()


class GroupFiguresSerializer(serializers.Serializer):
    key = serializers.SerializerMethodField(help_text="the group's id (township: its name); null for the total")
    label = serializers.CharField()
    projects = serializers.IntegerField()
    annual_plan = serializers.DecimalField(help_text=MONEY_HELP, max_digits=18, decimal_places=2)
    year_to_date = serializers.DecimalField(help_text=MONEY_HELP, max_digits=18, decimal_places=2)
    completion_rate = PercentField(help_text="完成率, %")
    time_progress = PercentField(help_text="序时进度, %")
    gap_points = serializers.DecimalField(max_digits=9, decimal_places=2, allow_null=True)
    planned_starts = serializers.IntegerField()
    actual_starts = serializers.IntegerField()
    planned_completions = serializers.IntegerField()
    actual_completions = serializers.IntegerField()
    lights = LightTallySerializer()

    @extend_schema_field({"type": "string", "nullable": True})
    def get_key(self, figures):
        return None if figures.key is None else str(figures.key)


class AggregationSerializer(serializers.Serializer):
    month = MonthField()
    group_by = serializers.CharField(allow_null=True)
    rows = GroupFiguresSerializer(many=True)
    totals = GroupFiguresSerializer()


class NotReportedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    project_code = serializers.CharField()
    responsible_department_name = serializers.CharField(allow_null=True)


class ReportingStatusSerializer(serializers.Serializer):
    month = MonthField()
    window_opens_on = serializers.DateField()
    window_closes_on = serializers.DateField()
    due = serializers.IntegerField(help_text="应报项目数")
    reported = serializers.IntegerField()
    not_reported = serializers.IntegerField()
    late = serializers.IntegerField()
    submitted = serializers.IntegerField(help_text="待审核")
    returned = serializers.IntegerField()
    accepted = serializers.IntegerField()
    not_reported_projects = NotReportedSerializer(many=True)


# --- settings, presets, notices -----------------------------------------------------------------------------------


class ProgressSettingsSerializer(serializers.ModelSerializer):
    visible_stages = serializers.ListField(child=serializers.CharField(max_length=30), max_length=30)
    active_preset = serializers.SerializerMethodField()

    class Meta:
        model = ProgressSettings
        fields = [*SETTINGS_FIELDS, "active_preset", "updated_at"]
        read_only_fields = ["active_preset", "updated_at"]

    @extend_schema_field({"type": "string", "nullable": True})
    def get_active_preset(self, settings):
        return settings.active_preset.code if settings.active_preset_id else None


@extend_schema_field({"type": "array", "items": {"type": "object", "additionalProperties": True}})
class RulesField(serializers.JSONField):
    """A preset's rules: a list of {code, label, level, when}; every error is reported with its path."""


class WarningPresetSerializer(serializers.ModelSerializer):
    rules = RulesField(help_text=_("规则列表,每条为 {code, label, level, when}"))
    is_active = serializers.SerializerMethodField()

    class Meta:
        model = WarningPreset
        fields = ["id", "code", "name", "description", "rules", "is_builtin", "is_active", "updated_at"]
        read_only_fields = ["is_builtin", "is_active", "updated_at"]

    def validate_rules(self, value):
        errors = rules.rules_errors(value)
        if errors:
            raise serializers.ValidationError(errors)
        return value

    def get_is_active(self, preset) -> bool:
        return preset.pk == self.context.get("active_preset_id")


class NoticeSerializer(serializers.ModelSerializer):
    project_name = serializers.CharField(source="project.name", read_only=True)
    month = MonthField(read_only=True)
    kind = serializers.CharField(read_only=True, help_text=", ".join(NoticeKind.values))
    kind_display = ChoiceLabelField(source="kind", choices=NoticeKind.choices)
    level = serializers.CharField(read_only=True, help_text="'' or yellow, red (light notices)")
    is_read = serializers.SerializerMethodField()

    class Meta:
        model = ProgressNotice
        fields = ["id", "project", "project_name", "month", "kind", "kind_display", "level", "detail", "created_at"]
        fields += ["read_at", "is_read"]
        read_only_fields = fields

    def get_is_read(self, notice) -> bool:
        return notice.read_at is not None


class NoticesReadSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        required=False,
        max_length=1000,
        help_text="默认为全部未读",
    )


class NoticesMarkedSerializer(serializers.Serializer):
    marked = serializers.IntegerField()
