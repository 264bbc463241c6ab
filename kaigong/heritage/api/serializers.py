from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from kaigong.core.api import ChoiceLabelField
from kaigong.heritage.choices import ApprovalLevel, Opinion, ProtectionLevel, RoutingStatus
from kaigong.heritage.models import HeritageRouting, HeritageRoutingStep, HeritageSite
from kaigong.heritage.services import ROUTING_FIELDS

SITE_SUMMARY_FIELDS = [
    "id",
    "name",
    "protection_level",
    "protection_level_label",
    "has_protection_area",
    "vertex_count",
    "display_tolerance_m",
    "notes",
    "is_illustrative",
    "source_name",
    "updated_at",
]


class HeritageSiteListSerializer(serializers.ModelSerializer):
    """A site in the list: no boundaries, which can be megabytes. ``display_control_zone`` and
    ``display_protection_area`` (the simplified areas the pages draw) are null unless the list is asked for them
    with ``?geometry=simplified``; the imported boundaries are on the site's own endpoint."""

    protection_level_label = ChoiceLabelField(source="protection_level", choices=ProtectionLevel.choices)
    has_protection_area = serializers.BooleanField(read_only=True)
    display_control_zone = serializers.SerializerMethodField()
    display_protection_area = serializers.SerializerMethodField()

    class Meta:
        model = HeritageSite
        fields = [*SITE_SUMMARY_FIELDS, "display_control_zone", "display_protection_area"]
        read_only_fields = fields

    def _with_geometry(self) -> bool:
        return self.context.get("geometry") == "simplified"

    def get_display_control_zone(self, site) -> dict | None:
        return site.display_control_zone if self._with_geometry() else None

    def get_display_protection_area(self, site) -> dict | None:
        return site.display_protection_area if self._with_geometry() else None


class HeritageSiteSerializer(serializers.ModelSerializer):
    """A site with its imported boundaries (GeoJSON, WGS84) and the simplified ones the pages draw."""

    protection_level_label = ChoiceLabelField(source="protection_level", choices=ProtectionLevel.choices)
    has_protection_area = serializers.BooleanField(read_only=True)

    class Meta:
        model = HeritageSite
        fields = [
            *SITE_SUMMARY_FIELDS,
            "protection_area",
            "control_zone",
            "display_protection_area",
            "display_control_zone",
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
        # The model's defaults made these optional, and DRF then reads an empty form value as "not sent": a PATCH
        # with national_authority= (form-encoded) answered 200 and changed nothing. Required, an empty value is
        # refused like in JSON; a PATCH still leaves out what it does not change.
        extra_kwargs = {
            "end_level": {"required": True},
            "city_authority": {"required": True},
            "provincial_authority": {"required": True},
            "national_authority": {"required": True},
        }

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
    opinion = serializers.SerializerMethodField(help_text="null until the level has replied")
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

    def get_opinion(self, step) -> Opinion | None:
        return step.opinion or None

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
