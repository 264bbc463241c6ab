"""Reads of the approval catalogue: matters (public to every signed-in user) and rules (inside government)."""

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from kaigong.approvals.models import ApprovalMatter, ChecklistRule
from kaigong.approvals.permissions import can_read_rules

MATTER_RELATED = ("department",)


def list_matters(*, user, include_inactive: bool = True):
    """The approval catalogue (public to every signed-in user), with departments and prerequisites."""
    queryset = ApprovalMatter.objects.select_related(*MATTER_RELATED).prefetch_related(
        Prefetch("prerequisites", queryset=ApprovalMatter.objects.only("id", "name", "code"))
    )
    return queryset if include_inactive else queryset.filter(is_active=True)


def get_matter(*, user, pk: int) -> ApprovalMatter:
    return get_object_or_404(list_matters(user=user), pk=pk)


def list_rules(*, user, matter_id: int | None = None):
    if not can_read_rules(user):
        raise PermissionDenied(_("企业用户无权查看清单规则"))
    queryset = ChecklistRule.objects.select_related("matter", "matter__department")
    if matter_id:
        queryset = queryset.filter(matter_id=matter_id)
    return queryset


def get_rule(*, user, pk: int) -> ChecklistRule:
    return get_object_or_404(list_rules(user=user), pk=pk)
