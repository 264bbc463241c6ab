"""Viewsets of the projects API: parse, check the role, call a selector or a service, render.

Scoping comes from the selectors (Project.objects.visible_to); writes go through the services, which audit
them and raise KaigongError subclasses that kaigong.core.api.exception_handler turns into the error shape.
"""

from django_filters.rest_framework import DjangoFilterBackend
from django_filters.utils import translate_validation
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.permissions import SAFE_METHODS, BasePermission, IsAuthenticated
from rest_framework.response import Response

from kaigong.core.api import error_responses
from kaigong.projects import selectors, services
from kaigong.projects.api.serializers import (
    AuditEventSerializer,
    CategorySerializer,
    GroundbreakingBatchDetailSerializer,
    GroundbreakingBatchSerializer,
    LevelSerializer,
    ProjectSerializer,
    ProjectStageChangeSerializer,
    ProjectUpdateSerializer,
    ProjectWriteSerializer,
)
from kaigong.projects.filters import ProjectFilterSet
from kaigong.projects.models import Category, GroundbreakingBatch, Level, Project

READ_ERRORS = error_responses(401, 403)
DETAIL_ERRORS = error_responses(401, 403, 404)


def path_pk(kwargs) -> int:
    """The object id from the URL; anything but a number is simply not found."""
    try:
        return int(kwargs["pk"])
    except (TypeError, ValueError):
        raise NotFound() from None


class ProjectWritePermission(BasePermission):
    """Roles that may write at all: deleting is the office's; creating and editing also a department's.

    Which project a department officer may edit is decided by the services (Project.objects.editable_by).
    """

    def has_permission(self, request, view):
        if request.method in SAFE_METHODS:
            return True
        if getattr(view, "action", None) == "destroy":
            return request.user.can_edit_all_projects
        return request.user.can_create_projects


@extend_schema_view(
    list=extend_schema(
        summary="List projects",
        description=(
            "Projects visible to the user, with the same filters and search as the project list page: "
            "`q` matches name fragments, project code, owner name and pinyin initials (gqzdh)."
        ),
        responses={200: ProjectSerializer(many=True), **error_responses(400, 401, 403)},
    ),
    retrieve=extend_schema(summary="Get a project", responses={200: ProjectSerializer, **DETAIL_ERRORS}),
    create=extend_schema(
        summary="Register a project",
        description="Office and department officers (a department officer's project is its department's).",
        request=ProjectWriteSerializer,
        responses={201: ProjectSerializer, **error_responses(400, 401, 403)},
    ),
    update=extend_schema(
        summary="Change a project",
        description="`version` is the version the client read; a stale version is refused with 409.",
        request=ProjectUpdateSerializer,
        responses={200: ProjectSerializer, **error_responses(400, 401, 403, 404, 409)},
    ),
    partial_update=extend_schema(
        summary="Change some fields of a project",
        description="Like PUT, with only the fields to change; `version` is still required.",
        request=ProjectUpdateSerializer,
        responses={200: ProjectSerializer, **error_responses(400, 401, 403, 404, 409)},
    ),
    destroy=extend_schema(
        summary="Delete a project registered by mistake",
        description="Project office and administrators only; the project's audit history is kept.",
        responses={204: OpenApiResponse(description="Deleted"), **DETAIL_ERRORS},
    ),
)
class ProjectViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    queryset = Project.objects.none()  # for the schema; every request goes through the selectors
    serializer_class = ProjectSerializer
    permission_classes = [IsAuthenticated, ProjectWritePermission]
    filter_backends = [DjangoFilterBackend]
    filterset_class = ProjectFilterSet

    def get_object(self) -> Project:
        return selectors.get_project(user=self.request.user, pk=path_pk(self.kwargs))

    def list(self, request, *args, **kwargs):
        queryset, filterset = selectors.list_projects(user=request.user, params=request.query_params)
        if filterset.is_bound and not filterset.is_valid():
            raise translate_validation(filterset.errors)
        page = self.paginate_queryset(queryset.prefetch_related("investors"))
        return self.get_paginated_response(ProjectSerializer(page, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        return Response(ProjectSerializer(self.get_object()).data)

    def create(self, request, *args, **kwargs):
        serializer = ProjectWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        project = services.create_project(data=dict(serializer.validated_data), actor=request.user)
        project = selectors.get_project(user=request.user, pk=project.pk)
        return Response(ProjectSerializer(project).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        project = self.get_object()
        serializer = ProjectUpdateSerializer(project, data=request.data, partial=kwargs.get("partial", False))
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        version = data.pop("version")
        services.update_project(project=project, data=data, actor=request.user, expected_version=version)
        return Response(ProjectSerializer(self.get_object()).data)

    def destroy(self, request, *args, **kwargs):
        services.delete_project(project=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Change a project's stage",
        description=(
            "Moves the project along the pipeline (allowed transitions only; pausing and withdrawal need a "
            "reason). Moving to `started` sets the actual start date to `effective_date`. Audited. "
            "`effective_date` cannot be after today (Asia/Shanghai); moving to `started` needs the project code and, "
            "while pre-start checklist items are undecided, a `reason` given by the project office. Refusals name "
            "the field in `error.fields`."
        ),
        request=ProjectStageChangeSerializer,
        responses={200: ProjectSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"], url_path="stage", filter_backends=[])
    def stage(self, request, pk=None):
        project = self.get_object()
        serializer = ProjectStageChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        services.change_project_stage(
            project=project,
            stage=data["stage"],
            reason=data.get("reason", ""),
            effective_date=data.get("effective_date"),
            expected_version=data["version"],
            actor=request.user,
        )
        return Response(ProjectSerializer(self.get_object()).data)

    @extend_schema(
        summary="A project's history (变更记录)",
        description="Audit events of the project, newest first. Read-only: audit events cannot be changed.",
        responses={200: AuditEventSerializer(many=True), **DETAIL_ERRORS},
    )
    @action(detail=True, methods=["get"], filter_backends=[])
    def history(self, request, pk=None):
        events = selectors.list_project_history(project=self.get_object())
        page = self.paginate_queryset(events)
        return self.get_paginated_response(AuditEventSerializer(page, many=True).data)


@extend_schema_view(
    list=extend_schema(
        summary="List project categories", responses={200: CategorySerializer(many=True), **READ_ERRORS}
    ),
    retrieve=extend_schema(summary="Get a project category", responses={200: CategorySerializer, **DETAIL_ERRORS}),
)
class CategoryViewSet(viewsets.ReadOnlyModelViewSet):
    """项目类别: a configurable dictionary."""

    queryset = Category.objects.all()
    serializer_class = CategorySerializer
    pagination_class = None
    filter_backends: list = []


@extend_schema_view(
    list=extend_schema(summary="List project levels", responses={200: LevelSerializer(many=True), **READ_ERRORS}),
    retrieve=extend_schema(summary="Get a project level", responses={200: LevelSerializer, **DETAIL_ERRORS}),
)
class LevelViewSet(viewsets.ReadOnlyModelViewSet):
    """项目级别: a configurable dictionary."""

    queryset = Level.objects.all()
    serializer_class = LevelSerializer
    pagination_class = None
    filter_backends: list = []


@extend_schema_view(
    list=extend_schema(
        summary="List groundbreaking batches",
        description="集中开工批次. `project_count` counts every member of the ceremony.",
        responses={200: GroundbreakingBatchSerializer(many=True), **READ_ERRORS},
    ),
    retrieve=extend_schema(
        summary="Get a batch with its summary",
        description=(
            "The summary (counts per category, total and annual investment in 万元 and 亿元, the Chinese "
            "summary sentence) and the members in featured order, over the member projects the user may see."
        ),
        responses={200: GroundbreakingBatchDetailSerializer, **DETAIL_ERRORS},
    ),
)
class GroundbreakingBatchViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = GroundbreakingBatch.objects.none()  # for the schema; requests go through the selectors
    serializer_class = GroundbreakingBatchSerializer
    filter_backends: list = []

    def get_queryset(self):
        return selectors.list_batches(user=self.request.user)

    def retrieve(self, request, *args, **kwargs):
        batch = selectors.get_batch(user=request.user, pk=path_pk(kwargs))
        summary = selectors.get_batch_summary(batch=batch, user=request.user)
        return Response(GroundbreakingBatchDetailSerializer(batch, context={"summary": summary}).data)
