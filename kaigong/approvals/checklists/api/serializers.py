"""Serializers of the checklists API: items with their clocks and the actions the user may take, steps, notices."""

from rest_framework import serializers

from kaigong.approvals.choices import Decision, ItemAction, ItemStatus, WarningLevel
from kaigong.approvals.models import ChecklistItem, WarningNotice
from kaigong.approvals.permissions import available_actions
from kaigong.core.api import ChoiceLabelField


class CorrectionSerializer(serializers.Serializer):
    requested_on = serializers.DateField()
    resumed_on = serializers.DateField(allow_null=True)
    reason = serializers.CharField()


class ChecklistItemSerializer(serializers.ModelSerializer):
    project = serializers.IntegerField(source="checklist.project_id", read_only=True)
    project_name = serializers.CharField(source="checklist.project.name", read_only=True)
    matter_code = serializers.CharField(source="matter.code", read_only=True)
    matter_name = serializers.CharField(source="matter.name", read_only=True)
    approval_stage = serializers.IntegerField(source="matter.approval_stage", read_only=True)
    department = serializers.IntegerField(source="matter.department_id", read_only=True, allow_null=True)
    status_display = ChoiceLabelField(source="status", choices=ItemStatus.choices)
    elapsed_workdays = serializers.IntegerField(
        source="elapsed_today", read_only=True, allow_null=True, help_text="已用工作日(截至今天)"
    )
    remaining_workdays = serializers.IntegerField(
        source="remaining_today", read_only=True, allow_null=True, help_text="剩余工作日(截至今天,负数为超期)"
    )
    clock_stopped = serializers.BooleanField(
        read_only=True, help_text="计时暂停(补正中):已用、剩余和预警停在 clock_stopped_on 那天的值"
    )
    actions = serializers.SerializerMethodField()

    class Meta:
        model = ChecklistItem
        fields = [
            "id",
            "project",
            "project_name",
            "matter",
            "matter_code",
            "matter_name",
            "approval_stage",
            "department",
            "status",
            "status_display",
            "status_reason",
            "is_required",
            "required_by",
            "use_commitment",
            "submitted_on",
            "accepted_on",
            "decided_on",
            "decision",
            "document_number",
            "statutory_due",
            "committed_due",
            "benchmark_due",
            "elapsed_workdays",
            "remaining_workdays",
            "warning_level",
            "clock_provisional",
            "clock_computed_on",
            "clock_stopped",
            "clock_stopped_on",
            "actual_workdays",
            "beat_benchmark",
            "actions",
        ]
        read_only_fields = fields

    def get_actions(self, item) -> list[str]:
        request = self.context.get("request")
        return available_actions(request.user, item) if request else []


class ChecklistSerializer(serializers.Serializer):
    project = serializers.IntegerField(source="project.pk")
    project_name = serializers.CharField(source="project.name")
    generated_at = serializers.DateTimeField(source="checklist.generated_at", allow_null=True, default=None)
    warning_level = serializers.CharField(source="light")
    items = serializers.SerializerMethodField()

    def get_items(self, view) -> list[dict]:
        return ChecklistItemSerializer([row["item"] for row in view.items], many=True, context=self.context).data


class ItemTransitionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=ItemAction.choices)
    on = serializers.DateField(required=False, allow_null=True, help_text="date of the step (default today)")
    reason = serializers.CharField(required=False, allow_blank=True, max_length=300)
    decision = serializers.ChoiceField(choices=Decision.choices, required=False, allow_blank=True)
    document_number = serializers.CharField(required=False, allow_blank=True, max_length=100)
    use_commitment = serializers.BooleanField(required=False, default=False)


class WarningNoticeSerializer(serializers.ModelSerializer):
    """One of the user's own notices: a checklist item turned yellow or red."""

    level_display = ChoiceLabelField(source="level", choices=WarningLevel.choices)
    project = serializers.IntegerField(source="item.checklist.project_id", read_only=True)
    project_name = serializers.CharField(source="item.checklist.project.name", read_only=True)
    matter_name = serializers.CharField(source="item.matter.name", read_only=True)
    is_read = serializers.SerializerMethodField()

    class Meta:
        model = WarningNotice
        fields = ["id", "item", "project", "project_name", "matter_name", "level", "level_display", "created_at"]
        fields += ["read_at", "is_read"]
        read_only_fields = fields

    def get_is_read(self, notice) -> bool:
        return notice.read_at is not None
