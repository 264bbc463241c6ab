"""The plan API (一方案): GET /api/approvals/plans/<project id>/, POST …/recompute/, POST …/baseline/,
PATCH …/items/<checklist item id>/; GET /api/approvals/plans/late/ (plans whose planned groundbreaking date cannot
be met). Reads through the plan's selectors (scoped), writes through its services (audited)."""

from django_filters.rest_framework import DjangoFilterBackend
from django_filters.utils import translate_validation
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from kaigong.approvals.models import ProjectPlan
from kaigong.approvals.plans import selectors, services
from kaigong.approvals.plans.api.serializers import (
    LatePlanSerializer,
    PlanItemChangeSerializer,
    ProjectPlanSerializer,
)
from kaigong.core.api import error_responses

READ_ERRORS = error_responses(400, 401)
DETAIL_ERRORS = error_responses(401, 403, 404)
WRITE_ERRORS = error_responses(400, 401, 403, 404)


@extend_schema_view(
    retrieve=extend_schema(
        summary="A project's plan (一方案) and groundbreaking forecast",
        description=(
            "`id` is the project's id. The schedule is computed on read on the workday calendar: forward from today "
            "and the decided/running items, backward from the planned groundbreaking date; items with the critical "
            "path, slack, baseline slip; `feasible` false with `late_items` when the planned date cannot be met."
        ),
        responses={200: ProjectPlanSerializer, **DETAIL_ERRORS},
    ),
)
class ProjectPlanViewSet(viewsets.GenericViewSet):
    """One plan per project, addressed by the project's id."""

    queryset = ProjectPlan.objects.none()
    serializer_class = ProjectPlanSerializer
    permission_classes = [IsAuthenticated]
    filter_backends: list = []
    lookup_value_regex = r"\d+"

    def _view(self, pk):
        return selectors.get_project_plan(user=self.request.user, project_pk=int(pk))

    def _answer(self, pk):
        return Response(ProjectPlanSerializer(self._view(pk)).data)

    def retrieve(self, request, pk=None):
        view = services.read_project_plan(user=request.user, project_pk=int(pk))
        return Response(ProjectPlanSerializer(view).data)

    @extend_schema(
        summary="Recompute a project's plan",
        description=(
            "Creates the plan if needed, adds new checklist items, moves the targets that follow the schedule "
            "(before a baseline, and not set by hand), stores the forecast. Office, administrators, the project's "
            "department."
        ),
        request=None,
        responses={200: ProjectPlanSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def recompute(self, request, pk=None):
        view = self._view(pk)
        services.recompute_plan(project=view.project, actor=request.user)
        return self._answer(pk)

    @extend_schema(
        summary="Save the current target dates as the plan's baseline",
        description="Replaces an earlier baseline (audited). Afterwards a change of target dates needs a reason.",
        request=None,
        responses={200: ProjectPlanSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def baseline(self, request, pk=None):
        view = self._view(pk)
        services.save_baseline(project=view.project, actor=request.user)
        return self._answer(pk)

    @extend_schema(
        summary="Change a plan item's duration or target dates (with the reason)",
        description=(
            "Only the fields sent change. Each change of target dates is kept (old/new, reason, actor, time) and "
            "audited; once a baseline is saved it needs `reason`."
        ),
        parameters=[OpenApiParameter("item_id", int, OpenApiParameter.PATH, description="checklist item id")],
        request=PlanItemChangeSerializer,
        responses={200: ProjectPlanSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["patch"], url_path=r"items/(?P<item_id>\d+)")
    def items(self, request, pk=None, item_id=None):
        view = self._view(pk)
        serializer = PlanItemChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        services.update_plan_item(
            project=view.project,
            item_id=int(item_id),
            actor=request.user,
            reason=data.pop("reason", ""),
            **data,
        )
        return self._answer(pk)


@extend_schema_view(
    list=extend_schema(
        summary="Plans whose planned groundbreaking date cannot be met",
        description=(
            "Projects the user sees (office, administrators, leaders: all; a department: those it is responsible "
            "for; an enterprise: its own), not yet started (谋划/前期), whose forecast earliest groundbreaking is "
            "later than the planned date, with the margin in working days and the late items (negative slack, "
            "tightest first). Read from the forecast summary stored on each plan (`computed_on`: when it was "
            "computed; refreshed daily, after checklist changes and when the plan is read). Filters: `q` (project "
            "name/code/owner/pinyin initials), `category`, `responsible_department`, `year`; `ordering` `margin` "
            "(default, tightest first) or `-margin`."
        ),
        responses={200: LatePlanSerializer(many=True), **READ_ERRORS},
    ),
)
class LatePlanViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    queryset = ProjectPlan.objects.none()
    serializer_class = LatePlanSerializer
    permission_classes = [IsAuthenticated]
    filter_backends = [DjangoFilterBackend]  # documents the parameters; the selector applies them
    filterset_class = selectors.LatePlanFilterSet

    def get_queryset(self):
        queryset, filterset = selectors.list_late_plans(user=self.request.user, params=self.request.query_params)
        if filterset.is_bound and not filterset.is_valid():
            raise translate_validation(filterset.errors)
        return queryset

    def filter_queryset(self, queryset):
        return queryset  # already filtered by selectors.list_late_plans
