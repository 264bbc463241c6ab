"""Reads of departments and organizations, scoped by role."""

from django.db.models import QuerySet

from kaigong.accounts.choices import Role
from kaigong.accounts.models import Department, Organization


def list_organizations(*, user) -> QuerySet[Organization]:
    """Enterprise users see their own organization only; every other role sees all (to pick owners)."""
    if user is None or not user.is_authenticated:
        return Organization.objects.none()
    if user.role == Role.ENTERPRISE and not user.sees_everything:
        return Organization.objects.filter(pk=user.organization_id)
    return Organization.objects.all()


def list_departments(*, user) -> QuerySet[Department]:
    """Departments are public inside the government network: every signed-in user sees them."""
    if user is None or not user.is_authenticated:
        return Department.objects.none()
    return Department.objects.all()
