from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from kaigong.heritage.choices import ApprovalLevel
from kaigong.heritage.models import HeritageRouting, HeritageSite
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
