"""Viewsets of the accounts API: organizations (建设单位/投资方), departments (责任单位), API tokens.

Writes go through kaigong.accounts.services (create_organization/update_organization), which audit them.
"""

import datetime as dt

from django.conf import settings
from django.utils.translation import gettext_noop
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import filters, mixins, status, viewsets
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
from kaigong.accounts.passwords import demo_password_allowed, is_demo_password
from kaigong.accounts.selectors import list_organizations
from kaigong.accounts.tokens import ExpiringTokenAuthentication
from kaigong.core.api import ErrorSerializer, error_responses
from kaigong.core.exceptions import KaigongError

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


class PasswordChangeRequiredError(KaigongError):
    code = "password_change_required"
    status = 403


class TokenView(APIView):
    """Exchange a username and password for an API token. Each call issues a new token (the previous one stops
    working); a token expires KAIGONG_TOKEN_MAX_AGE after it is issued; DELETE revokes the caller's tokens."""

    permission_classes = [AllowAny]
    serializer_class = TokenRequestSerializer

    def _revoking(self) -> bool:
        request = getattr(self, "request", None)  # None while the OpenAPI schema is generated
        return request is None or request.method == "DELETE"

    def get_authenticators(self):
        # Getting a token needs no credentials but the password (a stale token in the header must not stop it);
        # revoking one needs the token itself.
        return [ExpiringTokenAuthentication()] if self._revoking() else []

    def get_permissions(self):
        return [IsAuthenticated()] if self._revoking() else super().get_permissions()

    @extend_schema(
        summary="Get an API token",
        description=(
            'Send the token on later requests as the header "Authorization: Token <token>". Each call issues a new '
            "token and the previous one stops working; a token expires after `expires` (12 hours by default) and "
            "when the user's password or role changes. Too many failed attempts for an account or from an address "
            "lock both out for a while (429, code `locked_out`)."
        ),
        request=TokenRequestSerializer,
        responses={
            200: TokenSerializer,
            **error_responses(400),
            403: OpenApiResponse(ErrorSerializer, description="The demo password must be changed first"),
            429: OpenApiResponse(ErrorSerializer, description="Locked out after too many failed logins"),
        },
        auth=[],
    )
    def post(self, request):
        serializer = TokenRequestSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        if is_demo_password(serializer.validated_data["password"]) and not demo_password_allowed():
            raise PasswordChangeRequiredError(gettext_noop("您仍在使用公开的演示密码，请先登录网页修改密码。"))
        token = services.issue_token(user=user)
        expires = token.created + dt.timedelta(seconds=settings.KAIGONG_TOKEN_MAX_AGE)
        data = {"token": token.key, "username": user.username, "role": user.role, "expires": expires}
        return Response(TokenSerializer(data).data)

    @extend_schema(
        summary="Revoke my API tokens",
        description="The token sent (and any other of the caller's) stops working at once.",
        request=None,
        responses={204: None, **error_responses(401)},
    )
    def delete(self, request):
        services.revoke_tokens(user=request.user, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
