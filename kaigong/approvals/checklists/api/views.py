"""Viewsets of the checklists API: a project's checklist, its items and their steps, the user's notices.

Reads through the selectors (scoped), writes through the services (audited). Service errors become the one
error shape through kaigong.core.api.exception_handler.
"""

from django_filters.rest_framework import DjangoFilterBackend
from django_filters.utils import translate_validation
from drf_spectacular.utils import extend_schema, extend_schema_view, inline_serializer
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from kaigong.approvals.checklists import selectors, services
from kaigong.approvals.checklists.api.serializers import (
    ChecklistItemSerializer,
    ChecklistSerializer,
    ItemTransitionSerializer,
    WarningNoticeSerializer,
)
from kaigong.approvals.checklists.filters import ChecklistItemFilterSet
from kaigong.approvals.models import ChecklistItem, WarningNotice
from kaigong.core.api import error_responses

READ_ERRORS = error_responses(401, 403)
DETAIL_ERRORS = error_responses(401, 403, 404)
WRITE_ERRORS = error_responses(400, 401, 403, 404)


@extend_schema_view(
    retrieve=extend_schema(
        summary="A project's checklist (前期手续)",
        description="`id` is the project's id. Items carry their clock, light and the actions the user may take.",
        responses={200: ChecklistSerializer, **DETAIL_ERRORS},
    ),
)
class ChecklistViewSet(viewsets.GenericViewSet):
    """One checklist per project, addressed by the project's id."""

    queryset = ChecklistItem.objects.none()
    serializer_class = ChecklistSerializer
    permission_classes = [IsAuthenticated]
    filter_backends: list = []
    lookup_value_regex = r"\d+"

    def retrieve(self, request, pk=None):
        view = selectors.get_project_checklist(user=request.user, project_pk=int(pk))
        return Response(ChecklistSerializer(view, context={"request": request}).data)

    @extend_schema(
        summary="Generate or regenerate a project's checklist from the rules",
        description=(
            "New matters are added; matters no longer required and not started become not applicable with the "
            "reason; nothing with history is deleted. Office, administrators and the project's department."
        ),
        request=None,
        responses={200: ChecklistSerializer, **DETAIL_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def generate(self, request, pk=None):
        view = selectors.get_project_checklist(user=request.user, project_pk=int(pk))
        services.generate_checklist(project=view.project, actor=request.user)
        view = selectors.get_project_checklist(user=request.user, project_pk=int(pk))
        return Response(ChecklistSerializer(view, context={"request": request}).data)


@extend_schema_view(
    list=extend_schema(
        summary="List checklist items",
        description=(
            "Items the user may see (a department also sees the items it approves). Filters (as on the pages): "
            "`q` (project name/code), `project`, `status` and `warning_level` (repeatable), `department` "
            "(approving department), `approval_stage`, `matter`."
        ),
        responses={200: ChecklistItemSerializer(many=True), **READ_ERRORS},
    ),
    retrieve=extend_schema(summary="Get a checklist item", responses={200: ChecklistItemSerializer, **DETAIL_ERRORS}),
)
class ChecklistItemViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    queryset = ChecklistItem.objects.none()
    serializer_class = ChecklistItemSerializer
    permission_classes = [IsAuthenticated]
    filter_backends = [DjangoFilterBackend]  # documents the parameters; the selector applies them
    filterset_class = ChecklistItemFilterSet
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        queryset, filterset = selectors.list_items(user=self.request.user, params=self.request.query_params)
        if filterset.is_bound and not filterset.is_valid():
            raise translate_validation(filterset.errors)
        return queryset

    def filter_queryset(self, queryset):
        return queryset  # already filtered by selectors.list_items

    def get_object(self):
        return selectors.get_item(user=self.request.user, pk=int(self.kwargs["pk"]))

    @extend_schema(
        summary="Move a checklist item (受理, 补正, 办结 …)",
        description=(
            "Actions: prepare, submit (with `use_commitment` for 告知承诺制), withdraw, accept, request_correction, "
            "resume, decide (`decision`, `document_number`), mark_not_applicable / waive (`reason`), reinstate. "
            "Approving-department actions only for the department that approves the matter. Audited."
        ),
        request=ItemTransitionSerializer,
        responses={200: ChecklistItemSerializer, **error_responses(400, 401, 403, 404)},
    )
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        item = self.get_object()
        serializer = ItemTransitionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        services.transition_item(
            item=item,
            action=data["action"],
            actor=request.user,
            on=data.get("on"),
            reason=data.get("reason", ""),
            decision=data.get("decision", ""),
            document_number=data.get("document_number", ""),
            use_commitment=data.get("use_commitment", False),
        )
        return Response(ChecklistItemSerializer(self.get_object(), context={"request": request}).data)


@extend_schema_view(
    list=extend_schema(
        summary="My warning notices (预警通知)",
        description="The signed-in user's own notices that a checklist item turned yellow or red, unread first.",
        responses={200: WarningNoticeSerializer(many=True), **READ_ERRORS},
    )
)
class WarningNoticeViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    queryset = WarningNotice.objects.none()
    serializer_class = WarningNoticeSerializer
    permission_classes = [IsAuthenticated]

    def get_queryset(self):
        return selectors.list_notices(user=self.request.user)

    @extend_schema(
        summary="Mark all my notices read",
        request=None,
        responses={200: inline_serializer("NoticesMarkedRead", {"marked": serializers.IntegerField()}), **READ_ERRORS},
    )
    @action(detail=False, methods=["post"], url_path="read")
    def mark_read(self, request):
        return Response({"marked": services.mark_notices_read(user=request.user)})
