"""Viewsets of the approvals API: catalogue, rules, checklists and item transitions.

Reads through the selectors (scoped), writes through the services (audited). Service errors become the one
error shape through kaigong.core.api.exception_handler.
"""

from django_filters.rest_framework import DjangoFilterBackend
from django_filters.utils import translate_validation
from drf_spectacular.utils import extend_schema, extend_schema_view, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import SAFE_METHODS, BasePermission, IsAuthenticated
from rest_framework.response import Response

from kaigong.approvals import selectors, services
from kaigong.approvals.api.serializers import (
    ApprovalMatterSerializer,
    ChecklistItemSerializer,
    ChecklistRuleSerializer,
    ChecklistSerializer,
    ItemTransitionSerializer,
    WarningNoticeSerializer,
)
from kaigong.approvals.filters import ChecklistItemFilterSet
from kaigong.approvals.models import ApprovalMatter, ChecklistItem, ChecklistRule, WarningNotice
from kaigong.core.api import error_responses

READ_ERRORS = error_responses(401, 403)
DETAIL_ERRORS = error_responses(401, 403, 404)
WRITE_ERRORS = error_responses(400, 401, 403, 404)


class CatalogueWritePermission(BasePermission):
    """Everyone signed in reads the catalogue; administrators write it."""

    def has_permission(self, request, view):
        return request.method in SAFE_METHODS or services.can_edit_catalogue(request.user)


def _split_prerequisites(validated: dict):
    data = dict(validated)
    return data, data.pop("prerequisites", None)


@extend_schema_view(
    list=extend_schema(
        summary="List approval matters (the catalogue)",
        responses={200: ApprovalMatterSerializer(many=True), **READ_ERRORS},
    ),
    retrieve=extend_schema(
        summary="Get an approval matter", responses={200: ApprovalMatterSerializer, **DETAIL_ERRORS}
    ),
    create=extend_schema(
        summary="Add an approval matter (administrators)", responses={201: ApprovalMatterSerializer, **WRITE_ERRORS}
    ),
    update=extend_schema(
        summary="Change an approval matter (administrators)", responses={200: ApprovalMatterSerializer, **WRITE_ERRORS}
    ),
    partial_update=extend_schema(
        summary="Change some fields of an approval matter", responses={200: ApprovalMatterSerializer, **WRITE_ERRORS}
    ),
)
class ApprovalMatterViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    queryset = ApprovalMatter.objects.none()
    serializer_class = ApprovalMatterSerializer
    permission_classes = [IsAuthenticated, CatalogueWritePermission]
    filter_backends: list = []
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        return selectors.list_matters(user=self.request.user)

    def get_object(self):
        return selectors.get_matter(user=self.request.user, pk=int(self.kwargs["pk"]))

    def create(self, request, *args, **kwargs):
        serializer = ApprovalMatterSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data, prerequisites = _split_prerequisites(serializer.validated_data)
        matter = services.create_matter(actor=request.user, data=data, prerequisites=prerequisites)
        return Response(ApprovalMatterSerializer(self._fresh(matter)).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        matter = self.get_object()
        serializer = ApprovalMatterSerializer(matter, data=request.data, partial=kwargs.get("partial", False))
        serializer.is_valid(raise_exception=True)
        data, prerequisites = _split_prerequisites(serializer.validated_data)
        matter = services.update_matter(matter=matter, actor=request.user, data=data, prerequisites=prerequisites)
        return Response(ApprovalMatterSerializer(self._fresh(matter)).data)

    def _fresh(self, matter):
        return selectors.get_matter(user=self.request.user, pk=matter.pk)


class RulePermission(BasePermission):
    """Enterprise users may not see the rules; others read them; administrators write them."""

    def has_permission(self, request, view):
        if not selectors.can_read_rules(request.user):
            return False
        return request.method in SAFE_METHODS or services.can_edit_catalogue(request.user)


@extend_schema_view(
    list=extend_schema(
        summary="List checklist rules", responses={200: ChecklistRuleSerializer(many=True), **READ_ERRORS}
    ),
    retrieve=extend_schema(summary="Get a checklist rule", responses={200: ChecklistRuleSerializer, **DETAIL_ERRORS}),
    create=extend_schema(
        summary="Add a checklist rule (administrators)",
        description="The condition is validated; errors list the path of every problem (条件.all[1].value …).",
        responses={201: ChecklistRuleSerializer, **WRITE_ERRORS},
    ),
    update=extend_schema(summary="Change a checklist rule", responses={200: ChecklistRuleSerializer, **WRITE_ERRORS}),
    partial_update=extend_schema(
        summary="Change some fields of a rule", responses={200: ChecklistRuleSerializer, **WRITE_ERRORS}
    ),
    destroy=extend_schema(summary="Delete a checklist rule", responses={204: None, **DETAIL_ERRORS}),
)
class ChecklistRuleViewSet(viewsets.ModelViewSet):
    queryset = ChecklistRule.objects.none()
    serializer_class = ChecklistRuleSerializer
    permission_classes = [IsAuthenticated, RulePermission]
    filter_backends: list = []
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        matter = self.request.query_params.get("matter", "")
        return selectors.list_rules(user=self.request.user, matter_id=int(matter) if matter.isdigit() else None)

    def get_object(self):
        return selectors.get_rule(user=self.request.user, pk=int(self.kwargs["pk"]))

    def create(self, request, *args, **kwargs):
        serializer = ChecklistRuleSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        rule = services.create_rule(actor=request.user, data=dict(serializer.validated_data))
        return Response(ChecklistRuleSerializer(rule).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        rule = self.get_object()
        serializer = ChecklistRuleSerializer(rule, data=request.data, partial=kwargs.get("partial", False))
        serializer.is_valid(raise_exception=True)
        rule = services.update_rule(rule=rule, actor=request.user, data=dict(serializer.validated_data))
        return Response(ChecklistRuleSerializer(rule).data)

    def destroy(self, request, *args, **kwargs):
        services.delete_rule(rule=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


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
