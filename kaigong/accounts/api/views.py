"""Viewsets of the accounts API: organizations (建设单位/投资方), departments (责任单位), API tokens.

Writes go through kaigong.accounts.services (create_organization/update_organization), which audit them.
"""

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import filters, mixins, status, viewsets
from rest_framework.authtoken.models import Token
from rest_framework.permissions import SAFE_METHODS, AllowAny, BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from kaigong.accounts import services
from kaigong.accounts.api.serializers import (
    DepartmentSerializer,
    OrganizationSerializer,
    TokenRequestSerializer,
    TokenSerializer,
)
from kaigong.accounts.filters import OrganizationFilterSet
from kaigong.accounts.models import Department, Organization
from kaigong.accounts.selectors import list_organizations
from kaigong.core.api import error_responses

READ_ERRORS = error_responses(401, 403)
DETAIL_ERRORS = error_responses(401, 403, 404)


class OrganizationWritePermission(BasePermission):
    """Registering an organization: whoever may register projects; changing one: the office."""

    def has_permission(self, request, view):
        if request.method in SAFE_METHODS:
            return True
        if getattr(view, "action", None) == "create":
            return request.user.can_create_projects
        return request.user.can_edit_all_projects


@extend_schema_view(
    list=extend_schema(
        summary="List organizations",
        description=(
            "Enterprises and investors. `search` matches name and credit code; `missing_credit_code=true` lists "
            "those registered without a credit code (owners a ledger named without one), for the office to complete."
        ),
        responses={200: OrganizationSerializer(many=True), **READ_ERRORS},
    ),
    retrieve=extend_schema(summary="Get an organization", responses={200: OrganizationSerializer, **DETAIL_ERRORS}),
    create=extend_schema(
        summary="Register an organization",
        description="The unified social credit code is checked (GB 32100 check character) and must be new.",
        responses={201: OrganizationSerializer, **error_responses(400, 401, 403)},
    ),
    update=extend_schema(
        summary="Change an organization",
        responses={200: OrganizationSerializer, **error_responses(400, 401, 403, 404)},
    ),
    partial_update=extend_schema(
        summary="Change some fields of an organization",
        responses={200: OrganizationSerializer, **error_responses(400, 401, 403, 404)},
    ),
)
class OrganizationViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    queryset = Organization.objects.none()  # for the schema; see get_queryset
    serializer_class = OrganizationSerializer
    permission_classes = [IsAuthenticated, OrganizationWritePermission]
    filter_backends = [filters.SearchFilter, DjangoFilterBackend]
    filterset_class = OrganizationFilterSet
    search_fields = ["name", "credit_code"]

    def get_queryset(self):
        return list_organizations(user=self.request.user).order_by("name", "id")

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        organization = services.create_organization(data=dict(serializer.validated_data), actor=request.user)
        return Response(self.get_serializer(organization).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        organization = self.get_object()
        serializer = self.get_serializer(organization, data=request.data, partial=kwargs.get("partial", False))
        serializer.is_valid(raise_exception=True)
        organization = services.update_organization(
            organization=organization, data=dict(serializer.validated_data), actor=request.user
        )
        return Response(self.get_serializer(organization).data)


@extend_schema_view(
    list=extend_schema(summary="List departments", responses={200: DepartmentSerializer(many=True), **READ_ERRORS}),
    retrieve=extend_schema(summary="Get a department", responses={200: DepartmentSerializer, **DETAIL_ERRORS}),
)
class DepartmentViewSet(viewsets.ReadOnlyModelViewSet):
    """责任单位 and approving departments (read-only here; the office edits their aliases on the 字典别名 page)."""

    queryset = Department.objects.all()
    serializer_class = DepartmentSerializer
    pagination_class = None
    filter_backends: list = []


class TokenView(APIView):
    """Exchange a username and password for an API token (the same token on every call)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    serializer_class = TokenRequestSerializer

    @extend_schema(
        summary="Get an API token",
        description='Send the token on later requests as the header "Authorization: Token <token>".',
        request=TokenRequestSerializer,
        responses={200: TokenSerializer, **error_responses(400)},
        auth=[],
    )
    def post(self, request):
        serializer = TokenRequestSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        token, _created = Token.objects.get_or_create(user=user)
        return Response(TokenSerializer({"token": token.key, "username": user.username, "role": user.role}).data)
