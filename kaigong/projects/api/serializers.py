"""Serializers for the projects API. They parse and render; the rules live in services and models.

Field names follow the glossary (DOMAIN.md §8). Money is a decimal string in 万元; the ``*_yi`` fields of
batch summaries are the same amounts in 亿元, written as the article writes them ("115.5").
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.validators import UniqueValidator

from kaigong.accounts.models import Department, Organization
from kaigong.audit.models import AuditEvent
from kaigong.core.api import ChoiceLabelField
from kaigong.core.codes import validate_project_code
from kaigong.core.money import format_yi
from kaigong.projects.choices import Pool, Stage
from kaigong.projects.models import BatchMembership, Category, GroundbreakingBatch, Level, Project
from kaigong.projects.services import PROJECT_EDITABLE_FIELDS

MONEY_HELP = _("万元,十进制字符串,两位小数")


@extend_schema_field(OpenApiTypes.STR)
class YiAmountField(serializers.Field):
    """An amount kept in 万元, shown in 亿元 without trailing zeros ("115.5")."""

    def __init__(self, **kwargs):
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, value):
        return format_yi(value, unit=False)


@extend_schema_field(
    {
        "type": "object",
        "nullable": True,
        "description": "GeoJSON Polygon or MultiPolygon in WGS84 ([longitude, latitude])",
        "additionalProperties": True,
    }
)
class GeoJSONField(serializers.JSONField):
    pass


def _aliases_field():
    return serializers.ListField(
        source="alias_list", child=serializers.CharField(), read_only=True, help_text=_("其他写法,导入台账时同样认得")
    )


class CategorySerializer(serializers.ModelSerializer):
    aliases = _aliases_field()

    class Meta:
        model = Category
        fields = ["id", "name", "code", "aliases", "sort_order", "is_active"]


class LevelSerializer(serializers.ModelSerializer):
    aliases = _aliases_field()

    class Meta:
        model = Level
        fields = ["id", "name", "code", "aliases", "sort_order"]


class CodeIssueSerializer(serializers.Serializer):
    """When a project code was issued, read from its time code (kaigong.core.codes)."""

    year = serializers.IntegerField(read_only=True)
    month = serializers.IntegerField(
        read_only=True, allow_null=True, help_text=_("赋码月份;2020年11月以前赋码的代码只有年份,为空")
    )


PROJECT_FIELDS = [
    "id",
    "project_code",
    "code_issued",
    "name",
    "category",
    "category_name",
    "level",
    "level_name",
    "stage",
    "stage_display",
    "year",
    "owner",
    "owner_name",
    "investors",
    "investor_names",
    "responsible_department",
    "responsible_department_name",
    "liaison_leader",
    "contact_person",
    "contact_phone",
    "address",
    "township",
    "latitude",
    "longitude",
    "site_polygon",
    "construction_content",
    "total_investment",
    "annual_planned_investment",
    "planned_start_date",
    "planned_completion_date",
    "actual_start_date",
    "actual_completion_date",
    "registered_in_statistics",
    "statistics_registered_on",
    "pool",
    "pool_display",
    "is_supplement",
    "withdrawal_reason",
    "remarks",
    "version",
    "created_at",
    "updated_at",
]
# Attributes other apps add to the editable set (e.g. the approval checklist's) are shown too.
PROJECT_FIELDS += [name for name in PROJECT_EDITABLE_FIELDS if name not in PROJECT_FIELDS]


class ProjectSerializer(serializers.ModelSerializer):
    """A project as the API shows it, with readable labels beside the ids."""

    category_name = serializers.CharField(source="category.name", read_only=True)
    level_name = serializers.CharField(source="level.name", read_only=True, allow_null=True)
    stage_display = ChoiceLabelField(source="stage", choices=Stage.choices)
    owner_name = serializers.CharField(source="owner.name", read_only=True, allow_null=True)
    investor_names = serializers.SlugRelatedField(source="investors", slug_field="name", many=True, read_only=True)
    responsible_department_name = serializers.CharField(
        source="responsible_department.name", read_only=True, allow_null=True
    )
    pool_display = ChoiceLabelField(source="pool", choices=Pool.choices)
    site_polygon = GeoJSONField(read_only=True)
    code_issued = CodeIssueSerializer(
        source="code_issue",
        read_only=True,
        allow_null=True,
        help_text=_("赋码时间,由项目代码的时间码读出;无代码时为空"),
    )

    class Meta:
        model = Project
        fields = PROJECT_FIELDS
        read_only_fields = fields
        extra_kwargs = {
            "total_investment": {"help_text": MONEY_HELP},
            "annual_planned_investment": {"help_text": MONEY_HELP},
        }

    def get_fields(self):
        """A choice the model lets stay blank (用地来源, 环评类别, 审批方式 … not yet known) is answered as "", and the
        schema says so: DRF drops allow_blank from read-only fields, so it is put back here."""
        fields = super().get_fields()
        for name, field in fields.items():
            if isinstance(field, serializers.ChoiceField) and field.source in (None, name):  # unbound: no source yet
                model_field = Project._meta.get_field(name)
                field.allow_blank = model_field.blank and not model_field.null
        return fields


class ProjectWriteSerializer(serializers.ModelSerializer):
    """What a client may send to create a project. Stage, actual dates and version have their own endpoints."""

    project_code = serializers.CharField(
        label=_("项目代码"),
        max_length=24,
        required=False,
        allow_blank=True,
        help_text=_("投资项目统一代码,24位;谋划阶段可暂缺"),
        validators=[
            validate_project_code,
            UniqueValidator(queryset=Project.objects.exclude(project_code=""), message=_("该项目代码已被其他项目使用")),
        ],
    )
    category = serializers.PrimaryKeyRelatedField(label=_("项目类别"), queryset=Category.objects.all())
    level = serializers.PrimaryKeyRelatedField(
        label=_("项目级别"), queryset=Level.objects.all(), required=False, allow_null=True
    )
    owner = serializers.PrimaryKeyRelatedField(
        label=_("建设单位"), queryset=Organization.objects.all(), required=False, allow_null=True
    )
    investors = serializers.PrimaryKeyRelatedField(
        label=_("投资方"), queryset=Organization.objects.all(), many=True, required=False
    )
    responsible_department = serializers.PrimaryKeyRelatedField(
        label=_("责任单位"),
        queryset=Department.objects.all(),
        required=False,
        allow_null=True,
        help_text=_("部门经办人新建的项目固定由本部门负责"),
    )
    site_polygon = GeoJSONField(label=_("用地范围 (GeoJSON)"), required=False, allow_null=True)

    class Meta:
        model = Project
        fields = [*PROJECT_EDITABLE_FIELDS, "investors"]
        extra_kwargs = {
            "total_investment": {"help_text": MONEY_HELP},
            "annual_planned_investment": {"help_text": MONEY_HELP},
        }


class ProjectUpdateSerializer(ProjectWriteSerializer):
    """A change to a project; ``version`` is the version the client read (stale versions get 409)."""

    version = serializers.IntegerField(
        label=_("版本"), min_value=1, help_text=_("客户端读取时的版本号;已被他人修改时返回409")
    )

    class Meta(ProjectWriteSerializer.Meta):
        fields = [*ProjectWriteSerializer.Meta.fields, "version"]

    def validate(self, attrs):
        # PATCH makes every field optional, but never the version: without it a save could overwrite.
        if "version" not in attrs:
            raise serializers.ValidationError({"version": [_("请提供读取时的版本号(字段 version)")]})
        return attrs


class ProjectStageChangeSerializer(serializers.Serializer):
    stage = serializers.ChoiceField(label=_("新阶段"), choices=Stage.choices)
    reason = serializers.CharField(
        label=_("原因"), max_length=500, required=False, allow_blank=True, help_text=_("暂停或退库须填写原因")
    )
    effective_date = serializers.DateField(
        label=_("生效日期"), required=False, allow_null=True, help_text=_("默认为今天;变更为新开工时即实际开工时间")
    )
    version = serializers.IntegerField(label=_("版本"), min_value=1, help_text=_("客户端读取时的版本号"))


class AuditEventSerializer(serializers.ModelSerializer):
    """One entry of a project's history (变更记录); ``changes`` is {field: [before, after]}; ``code`` the step
    (a registered event code, audit/events.py) and ``code_display`` its name; ``note`` free text."""

    action_display = serializers.CharField(source="get_action_display", read_only=True)
    actor_display = serializers.CharField(read_only=True)
    changes = serializers.DictField(child=serializers.JSONField(), read_only=True)
    code_display = serializers.CharField(read_only=True)

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "action",
            "action_display",
            "occurred_at",
            "actor",
            "actor_display",
            "changes",
            "code",
            "code_display",
            "note",
        ]
        read_only_fields = fields


class GroundbreakingBatchSerializer(serializers.ModelSerializer):
    project_count = serializers.IntegerField(read_only=True, help_text=_("批次全部项目数"))
    sub_sites = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = GroundbreakingBatch
        fields = ["id", "name", "date", "main_site", "sub_sites", "description", "project_count"]
        read_only_fields = fields


class CategorySummarySerializer(serializers.Serializer):
    category = serializers.IntegerField(source="category.id")
    category_name = serializers.CharField(source="category.name")
    count = serializers.IntegerField()
    total_investment = serializers.DecimalField(max_digits=16, decimal_places=2, help_text=MONEY_HELP)
    total_investment_yi = YiAmountField(source="total_investment", help_text=_("亿元"))
    annual_planned_investment = serializers.DecimalField(max_digits=16, decimal_places=2, help_text=MONEY_HELP)
    annual_planned_investment_yi = YiAmountField(source="annual_planned_investment", help_text=_("亿元"))
    featured = serializers.ListField(child=serializers.CharField(), help_text=_("重点展示的项目名称,按展示顺序"))


class BatchSummarySerializer(serializers.Serializer):
    count = serializers.IntegerField()
    total_investment = serializers.DecimalField(max_digits=16, decimal_places=2, help_text=MONEY_HELP)
    total_investment_yi = YiAmountField(source="total_investment", help_text=_("亿元"))
    annual_planned_investment = serializers.DecimalField(max_digits=16, decimal_places=2, help_text=MONEY_HELP)
    annual_planned_investment_yi = YiAmountField(source="annual_planned_investment", help_text=_("亿元"))
    sentence = serializers.CharField(help_text=_("新闻稿式的中文概述"))
    categories = CategorySummarySerializer(many=True)


class BatchMemberSerializer(serializers.ModelSerializer):
    project = serializers.IntegerField(source="project.id")
    project_code = serializers.CharField(source="project.project_code")
    name = serializers.CharField(source="project.name")
    category = serializers.IntegerField(source="project.category_id")
    category_name = serializers.CharField(source="project.category.name")
    stage = serializers.CharField(source="project.stage")
    stage_display = serializers.CharField(source="project.get_stage_display")
    owner_name = serializers.CharField(source="project.owner.name", allow_null=True)
    responsible_department_name = serializers.CharField(source="project.responsible_department.name", allow_null=True)
    total_investment = serializers.DecimalField(
        source="project.total_investment", max_digits=14, decimal_places=2, help_text=MONEY_HELP
    )
    annual_planned_investment = serializers.DecimalField(
        source="project.annual_planned_investment", max_digits=14, decimal_places=2, help_text=MONEY_HELP
    )

    class Meta:
        model = BatchMembership
        fields = [
            "project",
            "project_code",
            "name",
            "category",
            "category_name",
            "stage",
            "stage_display",
            "owner_name",
            "responsible_department_name",
            "total_investment",
            "annual_planned_investment",
            "featured_order",
            "site",
        ]
        read_only_fields = fields


class GroundbreakingBatchDetailSerializer(GroundbreakingBatchSerializer):
    """A batch with its summary and its members in featured order, over the projects the user may see."""

    summary = serializers.SerializerMethodField()
    members = serializers.SerializerMethodField()

    class Meta(GroundbreakingBatchSerializer.Meta):
        fields = [*GroundbreakingBatchSerializer.Meta.fields, "summary", "members"]
        read_only_fields = fields

    @extend_schema_field(BatchSummarySerializer)
    def get_summary(self, batch):
        return BatchSummarySerializer(self.context["summary"]).data

    @extend_schema_field(BatchMemberSerializer(many=True))
    def get_members(self, batch):
        return BatchMemberSerializer(self.context["summary"].members, many=True).data
