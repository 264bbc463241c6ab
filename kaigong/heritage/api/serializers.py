from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from kaigong.heritage.choices import ApprovalLevel, Opinion, RoutingStatus
from kaigong.heritage.models import HeritageRouting, HeritageRoutingStep, HeritageSite
from kaigong.heritage.services import ROUTING_FIELDS


class HeritageSiteSerializer(serializers.ModelSerializer):
    protection_level_label = serializers.CharField(source="get_protection_level_display", read_only=True)

    class Meta:
        model = HeritageSite
        fields = [
            "id",
            "name",
            "protection_level",
            "protection_level_label",
            "protection_area",
            "control_zone",
            "notes",
            "is_illustrative",
            "source_name",
            "updated_at",
        ]
        read_only_fields = fields


class HeritageImportSerializer(serializers.Serializer):
    """Either a GeoJSON file upload (multipart ``file``) or the FeatureCollection itself as ``geojson``."""

    file = serializers.FileField(required=False, label=_("GeoJSON 文件"))
    geojson = serializers.JSONField(required=False, label=_("GeoJSON FeatureCollection"))

    def validate(self, attrs):
        if not attrs.get("file") and attrs.get("geojson") is None:
            raise serializers.ValidationError(_("请上传 GeoJSON 文件(字段 file)或提交 geojson"))
        return attrs


class HeritageImportResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    regenerated_checklists = serializers.IntegerField()


class ChainStepSerializer(serializers.Serializer):
    level = serializers.ChoiceField(choices=ApprovalLevel.choices)
    level_label = serializers.CharField()
    authority = serializers.CharField()


class HeritageRoutingSerializer(serializers.ModelSerializer):
    chain = serializers.SerializerMethodField()

    class Meta:
        model = HeritageRouting
        fields = [*ROUTING_FIELDS, "chain", "updated_at"]
        read_only_fields = ["chain", "updated_at"]

    def get_chain(self, routing) -> list[dict]:
        return [
            {"level": level, "level_label": label, "authority": authority}
            for level, label, authority in routing.chain()
        ]


class ProjectHeritageSerializer(serializers.Serializer):
    project = serializers.IntegerField(source="project.pk")
    has_location = serializers.BooleanField()
    in_control_zone = serializers.BooleanField()
    sites = serializers.SerializerMethodField()
    chain = serializers.SerializerMethodField()
    items = serializers.SerializerMethodField()

    def get_sites(self, view) -> list[dict]:
        return [{"id": s.pk, "name": s.name, "is_illustrative": s.is_illustrative} for s in view.sites]

    def get_chain(self, view) -> list[dict]:
        if not view.in_control_zone:
            return []
        return [
            {"level": level, "level_label": label, "authority": authority} for level, label, authority in view.chain
        ]

    def get_items(self, view) -> list[dict]:
        return [{"id": i.pk, "matter": i.matter.code, "name": i.matter.name, "status": i.status} for i in view.items]


# --- a project's heritage routing ---------------------------------------------------------------------------------


class HeritageRoutingStepSerializer(serializers.ModelSerializer):
    """One level of a project's routing. ``id`` is null for a level not yet sent while the routing has not been
    recorded (the levels to come as the chain is configured now)."""

    id = serializers.IntegerField(read_only=True, allow_null=True)
    # A plain string: the same choices already appear as EndLevelEnum, and a second enum name for them would need
    # an ENUM_NAME_OVERRIDES entry in the settings.
    level = serializers.CharField(read_only=True, help_text="city / province / national")
    level_label = serializers.CharField(source="get_level_display", read_only=True)
    opinion_label = serializers.CharField(source="get_opinion_display", read_only=True)
    forwarded_by = serializers.SerializerMethodField()
    recorded_by = serializers.CharField(source="recorded_by_label", read_only=True)

    class Meta:
        model = HeritageRoutingStep
        fields = [
            "id",
            "order",
            "level",
            "level_label",
            "authority",
            "sent_on",
            "replied_on",
            "opinion",
            "opinion_label",
            "opinion_text",
            "document_number",
            "forwarded_by",
            "recorded_by",
            "recorded_at",
        ]
        read_only_fields = fields

    def get_forwarded_by(self, step) -> str | None:
        return str(step.forwarded_by) if step.forwarded_by_id else None


class ProjectRoutingSerializer(serializers.Serializer):
    """A project's heritage routing (read from selectors.RoutingView) and what the requesting user may do."""

    project = serializers.IntegerField(source="project.pk")
    in_control_zone = serializers.BooleanField()
    is_recorded = serializers.BooleanField()
    status = serializers.SerializerMethodField()
    status_label = serializers.SerializerMethodField()
    is_required = serializers.SerializerMethodField()
    end_level = serializers.SerializerMethodField()
    steps = HeritageRoutingStepSerializer(many=True)
    can_record = serializers.BooleanField()
    can_forward = serializers.BooleanField()
    can_reply = serializers.BooleanField()
    step_awaiting_reply = serializers.SerializerMethodField()

    def get_status(self, view) -> RoutingStatus | None:
        return view.routing.status if view.routing else None

    def get_status_label(self, view) -> str | None:
        return str(view.routing.get_status_display()) if view.routing else None

    def get_is_required(self, view) -> bool:
        return view.routing.is_required if view.is_recorded else view.in_control_zone

    def get_end_level(self, view) -> ApprovalLevel | None:
        return view.routing.end_level if view.routing else None

    def get_step_awaiting_reply(self, view) -> int | None:
        step = view.step_awaiting_reply
        return step.pk if step else None


class RoutingForwardSerializer(serializers.Serializer):
    sent_on = serializers.DateField(required=False, label=_("报送日期"), help_text=_("默认为今天"))


class RoutingReplySerializer(serializers.Serializer):
    replied_on = serializers.DateField(required=False, label=_("答复日期"), help_text=_("默认为今天"))
    opinion = serializers.ChoiceField(choices=Opinion.choices, label=_("答复意见"))
    opinion_text = serializers.CharField(
        required=False, allow_blank=True, max_length=2000, label=_("条件或意见"), help_text=_("有条件同意时必填")
    )
    document_number = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=100,
        label=_("文号"),
        help_text=_("不同意或终审层级的同意时必填"),
    )
