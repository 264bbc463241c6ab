"""Serializers of the catalogue API: field names follow the glossary (approval_stage, statutory_limit …)."""

from rest_framework import serializers

from kaigong.accounts.models import Department
from kaigong.approvals.catalogue.services import MATTER_FIELDS
from kaigong.approvals.models import ApprovalMatter, ChecklistRule
from kaigong.approvals.rules import describe


class ApprovalMatterSerializer(serializers.ModelSerializer):
    department = serializers.PrimaryKeyRelatedField(queryset=Department.objects.all(), allow_null=True, required=False)
    department_name = serializers.CharField(source="department.name", read_only=True, default=None, allow_null=True)
    approval_stage_display = serializers.CharField(source="get_approval_stage_display", read_only=True)
    prerequisites = serializers.PrimaryKeyRelatedField(queryset=ApprovalMatter.objects.all(), many=True, required=False)

    class Meta:
        model = ApprovalMatter
        fields = ["id", *MATTER_FIELDS, "department_name", "approval_stage_display", "prerequisites", "updated_at"]
        read_only_fields = ["id", "updated_at"]
        # Uniqueness is checked by the service (full_clean) so the error keeps the one shape.
        validators: list = []

    def get_fields(self):
        fields = super().get_fields()
        for name in ("code", "name"):
            fields[name].validators = [v for v in fields[name].validators if "Unique" not in type(v).__name__]
        return fields


class ChecklistRuleSerializer(serializers.ModelSerializer):
    matter = serializers.PrimaryKeyRelatedField(queryset=ApprovalMatter.objects.all())
    matter_name = serializers.CharField(source="matter.name", read_only=True)
    condition = serializers.JSONField(help_text='{"all": [...]}, {"any": [...]}, {"not": {...}}, or a leaf')
    condition_text = serializers.SerializerMethodField()

    class Meta:
        model = ChecklistRule
        fields = ["id", "name", "matter", "matter_name", "condition", "condition_text", "description", "is_active"]
        read_only_fields = ["id"]
        validators: list = []

    def get_condition_text(self, rule) -> str:
        try:
            return describe(rule.condition)
        except (KeyError, TypeError):
            return ""
