"""Viewsets of the catalogue API: approval matters and checklist rules.

Reads through the catalogue's selectors, writes through its services (audited). Service errors become the one
error shape through kaigong.core.api.exception_handler.
"""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.permissions import SAFE_METHODS, BasePermission, IsAuthenticated
from rest_framework.response import Response

from kaigong.approvals.catalogue import selectors, services
from kaigong.approvals.catalogue.api.serializers import ApprovalMatterSerializer, ChecklistRuleSerializer
from kaigong.approvals.models import ApprovalMatter, ChecklistRule
from kaigong.approvals.permissions import can_edit_catalogue, can_read_rules
from kaigong.core.api import error_responses

READ_ERRORS = error_responses(401, 403)
DETAIL_ERRORS = error_responses(401, 403, 404)
WRITE_ERRORS = error_responses(400, 401, 403, 404)


class CatalogueWritePermission(BasePermission):
    """Everyone signed in reads the catalogue; administrators write it."""

    def has_permission(self, request, view):
        return request.method in SAFE_METHODS or can_edit_catalogue(request.user)


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
        if not can_read_rules(request.user):
            return False
        return request.method in SAFE_METHODS or can_edit_catalogue(request.user)


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
