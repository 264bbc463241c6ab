"""Heritage API: sites (read; import for administrators), the approval chain, a project's heritage overlay."""

import json

from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from kaigong.core.api import error_responses
from kaigong.core.exceptions import PermissionDeniedError
from kaigong.heritage import selectors, services
from kaigong.heritage.api.serializers import (
    HeritageImportResultSerializer,
    HeritageImportSerializer,
    HeritageRoutingSerializer,
    HeritageSiteSerializer,
    ProjectHeritageSerializer,
)
from kaigong.heritage.models import HeritageSite

READ_ERRORS = error_responses(401, 403)
DETAIL_ERRORS = error_responses(401, 403, 404)
WRITE_ERRORS = error_responses(400, 401, 403)


class HeritageSiteViewSet(viewsets.ReadOnlyModelViewSet):
    """Heritage sites with their protection areas and control zones (GeoJSON, WGS84)."""

    serializer_class = HeritageSiteSerializer
    permission_classes = [IsAuthenticated]
    queryset = HeritageSite.objects.none()

    def get_queryset(self):
        return selectors.list_sites(user=self.request.user)

    @extend_schema(
        summary="Import heritage sites from GeoJSON (administrators)",
        request={"multipart/form-data": HeritageImportSerializer, "application/json": HeritageImportSerializer},
        responses={200: HeritageImportResultSerializer, **WRITE_ERRORS},
    )
    @action(detail=False, methods=["post"], url_path="import", parser_classes=[MultiPartParser, FormParser, JSONParser])
    def import_sites(self, request):
        if not services.can_manage_heritage(request.user):
            raise PermissionDeniedError("只有系统管理员可以导入文物保护范围或修改文物审批路径")
        serializer = HeritageImportSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = serializer.validated_data.get("file")
        if upload is not None:
            content, name = upload.read(), upload.name
        else:
            content, name = json.dumps(serializer.validated_data["geojson"]), "api"
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
        if not services.can_manage_heritage(request.user):
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
