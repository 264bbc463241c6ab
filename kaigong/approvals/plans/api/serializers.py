"""Serializers of the plan API (一方案): the computed plan of one project, an item change with its reason, and the
list of plans whose planned groundbreaking date cannot be met."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from rest_framework import serializers

REFUSED_NOTICE = gettext_noop("已被不予许可,需重新申报")


class PlanItemRowSerializer(serializers.Serializer):
    item = serializers.IntegerField(source="item.pk", help_text="checklist item id")
    matter_code = serializers.CharField(source="item.matter.code")
    matter_name = serializers.CharField(source="item.matter.name")
    approval_stage = serializers.IntegerField(source="item.matter.approval_stage")
    status = serializers.CharField(source="item.status")
    scheduled = serializers.BooleanField(help_text="gates groundbreaking and is scheduled (false for stage 4 …)")
    duration_workdays = serializers.IntegerField(source="duration", help_text="expected duration (working days)")
    duration_is_default = serializers.BooleanField()
    target_start = serializers.DateField(allow_null=True)
    target_finish = serializers.DateField(allow_null=True)
    target_set_manually = serializers.BooleanField()
    baseline_start = serializers.DateField(allow_null=True)
    baseline_finish = serializers.DateField(allow_null=True)
    slip_workdays = serializers.IntegerField(
        source="slip", allow_null=True, help_text="target finish minus baseline finish, in working days"
    )
    early_start = serializers.DateField(allow_null=True)
    early_finish = serializers.DateField(allow_null=True)
    late_start = serializers.DateField(allow_null=True)
    late_finish = serializers.DateField(allow_null=True)
    slack_workdays = serializers.IntegerField(
        source="slack", allow_null=True, help_text="against the planned groundbreaking; negative: cannot be met"
    )
    is_critical = serializers.BooleanField()
    is_late = serializers.BooleanField()
    refused = serializers.BooleanField(
        help_text="decided with 不予许可: not done; scheduled as a new application from today, blocking its dependants"
    )
    refused_notice = serializers.SerializerMethodField(help_text="the notice shown beside a refused item, else empty")
    actual_start = serializers.DateField(allow_null=True)
    actual_finish = serializers.DateField(allow_null=True)

    def get_refused_notice(self, row) -> str:
        return _(REFUSED_NOTICE) if row.refused else ""


class PlanDateChangeSerializer(serializers.Serializer):
    item = serializers.IntegerField(source="plan_item.item_id")
    matter_name = serializers.CharField(source="plan_item.item.matter.name")
    old_start = serializers.DateField(allow_null=True)
    new_start = serializers.DateField(allow_null=True)
    old_finish = serializers.DateField(allow_null=True)
    new_finish = serializers.DateField(allow_null=True)
    reason = serializers.CharField()
    actor = serializers.CharField(source="actor_label")
    created_at = serializers.DateTimeField()


class ProjectPlanSerializer(serializers.Serializer):
    project = serializers.IntegerField(source="project.pk")
    project_name = serializers.CharField(source="project.name")
    has_checklist = serializers.SerializerMethodField()
    saved = serializers.SerializerMethodField(
        help_text="whether the plan has been recomputed or saved: its items and target dates exist (a plan row made "
        "by the forecast refresh alone holds only the forecast summary)"
    )
    today = serializers.DateField(source="schedule.today", allow_null=True, default=None)
    planned_groundbreaking = serializers.DateField(source="project.planned_start_date", allow_null=True)
    forecast_groundbreaking = serializers.DateField(
        source="schedule.forecast_groundbreaking", allow_null=True, default=None
    )
    margin_workdays = serializers.IntegerField(
        source="schedule.margin", allow_null=True, default=None, help_text="forecast to planned date; negative: late"
    )
    feasible = serializers.BooleanField(
        source="schedule.feasible", allow_null=True, default=None, help_text="null when no planned date"
    )
    provisional = serializers.BooleanField(source="schedule.provisional", default=False)
    missing_years = serializers.ListField(
        child=serializers.IntegerField(), source="schedule.missing_years", default=list
    )
    baseline_saved_at = serializers.DateTimeField(source="plan.baseline_saved_at", allow_null=True, default=None)
    critical_path = serializers.SerializerMethodField(help_text="checklist item ids, first to last")
    late_items = serializers.SerializerMethodField(help_text="items with negative slack, most negative first")
    refused_items = serializers.SerializerMethodField(help_text="refused items (不予许可), to be applied for again")
    items = PlanItemRowSerializer(source="rows", many=True)
    history = PlanDateChangeSerializer(many=True)

    def get_has_checklist(self, view) -> bool:
        return view.checklist is not None

    def get_saved(self, view) -> bool:
        return view.saved

    def get_critical_path(self, view) -> list[int]:
        return list(view.schedule.critical_path) if view.schedule else []

    def get_late_items(self, view) -> list[int]:
        return list(view.schedule.late_items) if view.schedule else []

    def get_refused_items(self, view) -> list[int]:
        return [row.item.pk for row in view.refused_rows]


class PlanItemChangeSerializer(serializers.Serializer):
    """Only the fields sent change. ``duration_workdays: null`` returns to the default; clearing both target dates
    hands them back to the schedule. Once a baseline is saved a change of target dates needs ``reason``."""

    duration_workdays = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=999)
    target_start = serializers.DateField(required=False, allow_null=True)
    target_finish = serializers.DateField(required=False, allow_null=True)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=300)


class LateItemSerializer(serializers.Serializer):
    item = serializers.IntegerField(help_text="checklist item id")
    matter = serializers.CharField(help_text="matter name")
    slack = serializers.IntegerField(help_text="working days against the planned groundbreaking (negative)")
    refused = serializers.BooleanField(default=False, help_text="refused (不予许可): to be applied for again")


class LatePlanSerializer(serializers.Serializer):
    """One project whose planned groundbreaking date cannot be met, from the stored forecast summary."""

    project = serializers.IntegerField(source="project_id")
    project_name = serializers.CharField(source="project.name")
    project_code = serializers.CharField(source="project.project_code")
    category = serializers.CharField(source="project.category.name")
    responsible_department = serializers.CharField(
        source="project.responsible_department.name", allow_null=True, default=None
    )
    year = serializers.IntegerField(source="project.year")
    planned_groundbreaking = serializers.DateField(source="project.planned_start_date")
    forecast_groundbreaking = serializers.DateField(allow_null=True)
    margin_workdays = serializers.IntegerField(
        allow_null=True, help_text="working days from the forecast to the planned date (negative: late)"
    )
    late_items = LateItemSerializer(many=True, help_text="the items that make the date unreachable, tightest first")
    computed_on = serializers.DateField(allow_null=True, help_text="the day the summary was computed")
