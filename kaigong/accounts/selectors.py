"""Reads of departments and organizations, scoped by role; the accounts and addresses locked out now."""

import datetime as dt
from dataclasses import dataclass

from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Max, QuerySet, Sum
from django.utils import timezone

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


@dataclass(frozen=True)
class Lockout:
    """An account or an address refused for too many failed logins, until ``until``."""

    username: str
    address: str
    failures: int
    until: dt.datetime


def list_lockouts() -> list[Lockout]:
    """The accounts and addresses locked out now (axes' failure records within the cool-off), latest first."""
    cooloff = settings.AXES_COOLOFF_TIME
    recent = AccessAttempt.objects.filter(attempt_time__gte=timezone.now() - cooloff)
    found = []
    for field in ("username", "ip_address"):
        rows = (
            recent.values(field)
            .annotate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
            .filter(failures__gte=settings.AXES_FAILURE_LIMIT)
        )
        for row in rows:
            found.append(
                Lockout(
                    username=row[field] if field == "username" else "",
                    address=row[field] if field == "ip_address" else "",
                    failures=row["failures"],
                    until=row["last"] + cooloff,
                )
            )
    return sorted(found, key=lambda lockout: lockout.until, reverse=True)
