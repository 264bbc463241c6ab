"""Heritage API: sites (read; import for administrators), the approval chain, a project's heritage overlay, and
a project's heritage routing (its steps; forwarding to the next level and recording a reply)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from kaigong.core.api import ErrorSerializer, error_responses
from kaigong.core.exceptions import PermissionDeniedError
from kaigong.heritage import geojson, permissions, selectors, services
from kaigong.heritage.api.serializers import (
    HeritageImportResultSerializer,
    HeritageImportSerializer,
    HeritageRoutingSerializer,
    HeritageSiteListSerializer,
    HeritageSiteSerializer,
    ProjectHeritageSerializer,
    ProjectRoutingSerializer,
    RoutingForwardSerializer,
    RoutingReplySerializer,
)
from kaigong.heritage.models import HeritageSite

READ_ERRORS = error_responses(401, 403)
LIST_ERRORS = error_responses(400, 401, 403)
IMPORT_ERRORS = {
    **error_responses(400, 401, 403),
    415: OpenApiResponse(ErrorSerializer, description="Unsupported media type: send multipart/form-data or JSON"),
}
DETAIL_ERRORS = error_responses(401, 403, 404)
WRITE_ERRORS = error_responses(400, 401, 403)
ACTION_ERRORS = error_responses(400, 401, 403, 404)


# What a body adds around the GeoJSON itself: {"geojson": …} in JSON, the boundary and headers of a multipart form.
JSON_OVERHEAD_BYTES = 1024
FORM_OVERHEAD_BYTES = 64 * 1024

GEOMETRY_CHOICES = ("none", "simplified")
GEOMETRY_PARAMETER = OpenApiParameter(
    "geometry",
    OpenApiTypes.STR,
    enum=list(GEOMETRY_CHOICES),
    description="none (default): no boundaries in the list; simplified: each site's simplified areas as the pages "
    "draw them (display_control_zone, display_protection_area). The imported boundaries are on /sites/{id}/.",
)


class GeoJSONBodyParser(JSONParser):
    """The import's JSON body, read under the GeoJSON limits: its size before it is read, its nesting depth before
    json parses it (a hundred thousand nested brackets answer 400, never a RecursionError)."""

    def parse(self, stream, media_type=None, parser_context=None):
        request = (parser_context or {}).get("request")
        declared = geojson.declared_length(request.META) if request is not None else None
        content = geojson.read_limited(stream, declared=declared, overhead=JSON_OVERHEAD_BYTES)
        return geojson.parse_json(content, overhead=JSON_OVERHEAD_BYTES)


@extend_schema_view(
    list=extend_schema(
        summary="Heritage sites, paginated, without their boundaries",
        parameters=[GEOMETRY_PARAMETER],
        responses={200: HeritageSiteListSerializer(many=True), **LIST_ERRORS},
    ),
    retrieve=extend_schema(
        summary="A heritage site with its boundaries (imported and simplified)",
        responses={200: HeritageSiteSerializer, **DETAIL_ERRORS},
    ),
)
class HeritageSiteViewSet(viewsets.ReadOnlyModelViewSet):
    """Heritage sites with their protection areas and control zones (GeoJSON, WGS84). The list is paginated and
    carries no boundaries (``?geometry=simplified`` adds the simplified ones); a site's own endpoint carries them."""

    serializer_class = HeritageSiteSerializer
    permission_classes = [IsAuthenticated]
    queryset = HeritageSite.objects.none()

    def _geometry(self) -> str:
        value = self.request.query_params.get("geometry") or "none"
        if value not in GEOMETRY_CHOICES:
            raise serializers.ValidationError({"geometry": [_("geometry 须为 none 或 simplified")]})
        return value

    def get_queryset(self):
        if self.action == "retrieve":
            return selectors.list_sites(user=self.request.user, display=True, full=True)
        return selectors.list_sites(user=self.request.user, display=self._geometry() == "simplified")

    def get_serializer_class(self):
        return HeritageSiteListSerializer if self.action == "list" else HeritageSiteSerializer

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if self.action == "list":
            context["geometry"] = self._geometry()
        return context

    @extend_schema(
        summary="Import heritage sites from GeoJSON (administrators)",
        description="Limits, the same as on the import page: the file or body size "
        "(KAIGONG_HERITAGE_GEOJSON_MAX_BYTES, 5 MB by default), "
        f"a nesting depth of {geojson.MAX_DEPTH}, {geojson.MAX_FEATURES} features, "
        f"{geojson.MAX_VERTICES_PER_GEOMETRY} vertices per geometry and {geojson.MAX_VERTICES_PER_FILE} per file. "
        "Each answers 400 invalid_geojson naming the limit and the value found.",
        request={"multipart/form-data": HeritageImportSerializer, "application/json": HeritageImportSerializer},
        responses={200: HeritageImportResultSerializer, **IMPORT_ERRORS},
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="import",
        parser_classes=[MultiPartParser, FormParser, GeoJSONBodyParser],
    )
    def import_sites(self, request):
        if not permissions.can_manage_heritage(request.user):
            raise PermissionDeniedError("只有系统管理员可以导入文物保护范围或修改文物审批路径")
        if not request.content_type.startswith("application/json"):  # a form: refused before its file is read
            declared = geojson.declared_length(request.META)
            geojson.check_size(None if declared is None else declared - FORM_OVERHEAD_BYTES)
        serializer = HeritageImportSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = serializer.validated_data.get("file")
        if upload is not None:
            geojson.check_size(upload.size)
            content, name = upload.read(), upload.name
        else:
            content, name = serializer.validated_data["geojson"], "api"
        result = services.import_sites(content=content, actor=request.user, source_name=name)
        return Response(result.summary)


class HeritageRoutingView(APIView):
    """The heritage approval chain: everyone signed in reads it, administrators change it."""

    permission_classes = [IsAuthenticated]

    @extend_schema(summary="Get the heritage approval chain", responses={200: HeritageRoutingSerializer, **READ_ERRORS})
    def get(self, request):
        return Response(HeritageRoutingSerializer(selectors.get_routing()).data)

    @extend_schema(
        summary="Change the heritage approval chain (administrators)",
        request=HeritageRoutingSerializer,
        responses={200: HeritageRoutingSerializer, **WRITE_ERRORS},
    )
    def patch(self, request):
        if not permissions.can_manage_heritage(request.user):
            raise PermissionDeniedError("只有系统管理员可以导入文物保护范围或修改文物审批路径")
        serializer = HeritageRoutingSerializer(selectors.get_routing(), data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        routing = services.update_routing(actor=request.user, data=serializer.validated_data)
        return Response(HeritageRoutingSerializer(routing).data)


class ProjectHeritageView(APIView):
    """Whether a project lies in a control zone, which sites, the chain and its heritage checklist items."""

    permission_classes = [IsAuthenticated]

    @extend_schema(summary="A project's heritage overlay", responses={200: ProjectHeritageSerializer, **DETAIL_ERRORS})
    def get(self, request, project_pk: int):
        view = selectors.get_project_heritage(user=request.user, project_pk=project_pk)
        return Response(ProjectHeritageSerializer(view).data)


def _require_recorder(user) -> None:
    if not permissions.can_record_routing(user):
        raise PermissionDeniedError(services.RECORDER_REQUIRED)


class ProjectRoutingView(APIView):
    """A project's heritage routing: a step per level of the chain (sent, replied, opinion, 文号)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="A project's heritage routing and its steps",
        responses={200: ProjectRoutingSerializer, **DETAIL_ERRORS},
    )
    def get(self, request, project_pk: int):
        view = selectors.get_project_routing(user=request.user, project_pk=project_pk)
        return Response(ProjectRoutingSerializer(view).data)


class RoutingForwardView(APIView):
    """Send the heritage request to the next level of the chain (administrators, the project office, the heritage
    department)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Forward a project's heritage request to the next level",
        request=RoutingForwardSerializer,
        responses={200: ProjectRoutingSerializer, **ACTION_ERRORS},
    )
    def post(self, request, project_pk: int):
        project = selectors.get_heritage_project(user=request.user, project_pk=project_pk)
        _require_recorder(request.user)
        serializer = RoutingForwardSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.forward_routing_step(project=project, actor=request.user, on=serializer.validated_data.get("sent_on"))
        view = selectors.get_project_routing(user=request.user, project_pk=project.pk)
        return Response(ProjectRoutingSerializer(view).data)


class RoutingReplyView(APIView):
    """Record a level's reply to the heritage request sent to it (administrators, the project office, the heritage
    department)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Record a level's reply in a project's heritage routing",
        request=RoutingReplySerializer,
        responses={200: ProjectRoutingSerializer, **ACTION_ERRORS},
    )
    def post(self, request, project_pk: int, step_pk: int):
        step = selectors.get_routing_step(user=request.user, project_pk=project_pk, step_pk=step_pk)
        _require_recorder(request.user)
        serializer = RoutingReplySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        services.record_routing_reply(
            step=step,
            actor=request.user,
            opinion=data["opinion"],
            on=data.get("replied_on"),
            opinion_text=data.get("opinion_text", ""),
            document_number=data.get("document_number", ""),
        )
        view = selectors.get_project_routing(user=request.user, project_pk=project_pk)
        return Response(ProjectRoutingSerializer(view).data)
