"""Reads of the checklists. Checklists start from Project.objects.visible_to(user), items from
ChecklistItem.objects.visible_to(user) (a department also sees the items it approves)."""

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db.models import BooleanField, F, Func, Q
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from kaigong.approvals.checklists.filters import ChecklistItemFilterSet
from kaigong.approvals.choices import CLOSED_STATUSES, ApprovalStage, ItemAction, ItemStatus, WarningLevel
from kaigong.approvals.models import Checklist, ChecklistItem, WarningNotice
from kaigong.approvals.permissions import available_actions, has_department_inbox
from kaigong.projects.models import Project

ITEM_RELATED = ("matter", "matter__department", "checklist__project")
ITEM_ORDER = ("checklist__project_id", "matter__approval_stage", "matter__sort_order", "id")
# The warning list: most overdue first. Item-local columns only, so the database walks the partial index
# approvals_item_warnlist_idx in order and stops after one page instead of sorting every lit item.
WARNING_ORDER = ("committed_due", "id")


def list_items(*, user, params=None, base=None, order=ITEM_ORDER):
    """Checklist items ``user`` may see, filtered by ``params`` (ChecklistItemFilterSet). Returns (queryset, filterset).

    ``base`` (a Q) narrows the scoped items first (the warning list, a department's inbox).
    """
    queryset = ChecklistItem.objects.visible_to(user).select_related(*ITEM_RELATED)
    if base is not None:
        queryset = queryset.filter(base)
    filterset = ChecklistItemFilterSet(data=params or None, queryset=queryset)
    queryset = filterset.qs if (filterset.is_valid() or not filterset.is_bound) else queryset.none()
    return queryset.order_by(*order), filterset


def get_item(*, user, pk: int) -> ChecklistItem:
    return get_object_or_404(
        ChecklistItem.objects.visible_to(user).select_related(*ITEM_RELATED).prefetch_related("corrections"), pk=pk
    )


@dataclass
class StageGroup:
    stage: int
    label: str
    items: list = field(default_factory=list)

    @property
    def counts(self) -> dict:
        lights = {level: 0 for level in WarningLevel.values}
        for row in self.items:
            lights[row["item"].warning_level] += 1
        return lights

    @property
    def done(self) -> int:
        return sum(1 for row in self.items if row["item"].status in CLOSED_STATUSES)


@dataclass
class ChecklistView:
    project: Project
    checklist: Checklist | None
    groups: list[StageGroup]

    @property
    def items(self) -> list:
        return [row for group in self.groups for row in group.items]

    @property
    def open_required(self) -> int:
        return sum(1 for row in self.items if row["item"].status not in CLOSED_STATUSES)

    @property
    def light(self) -> str:
        levels = {row["item"].warning_level for row in self.items}
        for level in (WarningLevel.RED, WarningLevel.YELLOW, WarningLevel.GREEN):
            if level in levels:
                return level
        return WarningLevel.NONE


def get_project_checklist(*, user, project_pk: int) -> ChecklistView:
    """The 前期手续 view of one visible project: items grouped by approval stage, with what ``user`` may do."""
    project = get_object_or_404(Project.objects.visible_to(user).select_related("owner"), pk=project_pk)
    checklist = Checklist.objects.filter(project=project).first()
    groups = {stage: StageGroup(stage, str(label)) for stage, label in ApprovalStage.choices}
    if checklist is not None:
        checklist.project = project
        items = (
            ChecklistItem.objects.filter(checklist=checklist)
            .select_related("matter", "matter__department")
            .prefetch_related("corrections")
            .order_by("matter__approval_stage", "matter__sort_order", "id")
        )
        for item in items:
            item.checklist = checklist  # saves a query per item in the permission check
            groups[item.matter.approval_stage].items.append(
                {"item": item, "actions": [(a, ItemAction(a).label) for a in available_actions(user, item)]}
            )
    return ChecklistView(project=project, checklist=checklist, groups=[g for g in groups.values() if g.items])


WAITING_ON_DEPARTMENT = (ItemStatus.SUBMITTED, ItemStatus.ACCEPTED)


# The lit items, the condition of the warning list's partial indexes, with its values written into the SQL:
# SQLite uses a partial index only when it sees the index's own condition in the query, which it cannot through
# bound parameters (it scanned 2.4M items instead). The values are the WarningLevel constants, not input.
LIT = Func(
    F("warning_level"),
    template=f"%(expressions)s IN ('{WarningLevel.YELLOW.value}', '{WarningLevel.RED.value}')",
    output_field=BooleanField(),
)


def list_warnings(*, user, params=None):
    """Yellow and red items the user may see (the office-wide warning list)."""
    return list_items(user=user, params=params, base=LIT, order=WARNING_ORDER)


def list_department_inbox(*, user, params=None):
    """Items waiting on the user's department: submitted (to accept) or accepted (to decide)."""
    if not has_department_inbox(user):
        raise PermissionDenied(_("只有部门经办人有待办事项"))
    base = Q(status__in=WAITING_ON_DEPARTMENT, matter__department_id=user.department_id)
    return list_items(user=user, params=params, base=base)


def list_notices(*, user):
    """The user's own warning notices, unread first."""
    return (
        WarningNotice.objects.filter(recipient=user, item__in=ChecklistItem.objects.visible_to(user))
        .select_related("item__matter", "item__checklist__project")
        .order_by(F("read_at").desc(nulls_first=True), "-created_at", "-id")
    )
