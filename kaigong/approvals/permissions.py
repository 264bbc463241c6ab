"""Who may do what in approvals: every role → ability check of the app, as plain functions of the user.

- The catalogue (审批事项目录) is public to everyone signed in; only administrators edit it and its rules
  (``can_edit_catalogue``).
- The checklist rules and the department scoreboard are read inside government (administrators, the office,
  leaders, department officers), not by enterprise users (``can_read_rules``, ``can_see_scoreboard``): the rules
  are the government's working data, the scoreboard a public ranking inside government only.
- A project's checklist and plan are read by whoever sees the project (Project.objects.visible_to); they are
  generated, recomputed and edited by whoever may edit the project: the office, administrators and the project's
  responsible department (``can_edit_checklist``, ``can_edit_plan``).
- An item's steps (``action_allowed_for``): the office and administrators take every step; the applicant's side
  (prepare, submit, withdraw, …) is the project's enterprise or its responsible department; the approver's side
  (accept, request correction, decide, …) is the department that approves the matter only. A matter without an
  approving department (utility connections) is recorded by the office.
- A department's inbox (items waiting on it) belongs to department officers (``has_department_inbox``).
- Warning notices (an item turned yellow or red) go to the office and to the officers of the approving department
  (``warning_recipients``).

Pages, the API, services and selectors of approvals ask these functions; templates get their answers as context
values. Roles are tested here and nowhere else in approvals, except where a model's queryset builds a scope
(ChecklistItemQuerySet.visible_to: a department also sees the items it approves).
"""

from collections import defaultdict

from django.db.models import Exists, OuterRef

from kaigong.accounts.choices import Role
from kaigong.accounts.models import User
from kaigong.approvals.choices import ACTION_SIDES, ACTION_SOURCES, ActorSide, ItemAction
from kaigong.projects.models import Project


def _signed_in(user) -> bool:
    return user is not None and user.is_authenticated and user.is_active


def _inside_government(user) -> bool:
    return _signed_in(user) and user.role != Role.ENTERPRISE


def can_edit_catalogue(user) -> bool:
    """Administrators edit the catalogue and the rules; everyone else reads (or, for rules, may not see them)."""
    return user is not None and user.is_authenticated and user.is_kaigong_admin


def can_read_rules(user) -> bool:
    """Everyone inside government reads the rules; enterprise users do not see them."""
    return _inside_government(user)


def can_see_scoreboard(user) -> bool:
    """Every government role sees the department scoreboard; enterprises do not."""
    return _inside_government(user)


def can_edit_checklist(user, project: Project) -> bool:
    """Generate or regenerate the project's checklist: whoever may edit the project."""
    return Project.objects.editable_by(user).filter(pk=project.pk).exists()


def can_edit_plan(user, project: Project) -> bool:
    """As for the checklist: the office and administrators, and the project's responsible department."""
    return can_edit_checklist(user, project)


def can_edit_plan_expression(user) -> Exists:
    """``can_edit_plan`` as an SQL expression over an outer Project, so a page reads the project and the user's right
    to edit its plan in one query."""
    return Exists(Project.objects.editable_by(user).filter(pk=OuterRef("pk")))


def action_allowed_for(user, item, action: str) -> bool:
    """Whether ``user`` may take ``action`` on the checklist ``item`` (its status aside)."""
    if not _signed_in(user):
        return False
    if user.can_edit_all_projects:
        return True
    side = ACTION_SIDES[action]
    project = item.checklist.project
    if side == ActorSide.APPLICANT:
        if user.role == Role.ENTERPRISE:
            return bool(user.organization_id) and project.owner_id == user.organization_id
        if user.role == Role.DEPARTMENT:
            return bool(user.department_id) and project.responsible_department_id == user.department_id
        return False
    if side == ActorSide.APPROVER:
        # A matter without an approving department (e.g. utility connections) is recorded by the office.
        return (
            user.role == Role.DEPARTMENT
            and bool(user.department_id)
            and item.matter.department_id == user.department_id
        )
    return False


def available_actions(user, item) -> list[str]:
    """The actions ``user`` may take on ``item`` now, in its current status (for buttons and the API)."""
    return [
        action
        for action in ItemAction.values
        if item.status in ACTION_SOURCES[action] and action_allowed_for(user, item, action)
    ]


def has_department_inbox(user) -> bool:
    """Department officers have an inbox of the items waiting on their department."""
    return _signed_in(user) and user.role == Role.DEPARTMENT and bool(user.department_id)


def warning_recipients(department_ids) -> tuple[list[int], dict[int, list[int]]]:
    """Who is told that an item turned yellow or red: (the office's active users, {approving department id: its
    active officers}) for ``department_ids``. Two queries."""
    office = list(User.objects.filter(is_active=True, role=Role.OFFICE).values_list("pk", flat=True))
    officers = defaultdict(list)
    for pk, department_id in User.objects.filter(
        is_active=True, role=Role.DEPARTMENT, department_id__in=set(department_ids) - {None}
    ).values_list("pk", "department_id"):
        officers[department_id].append(pk)
    return office, dict(officers)
