"""Who may do what in the monthly cycle: every role → ability check of the progress app, as plain functions.

- A report is written by the project's enterprise (its owner's users) or its responsible department, for their own
  projects; the office and administrators report for any project (``can_report``).
- Reports are reviewed by the office, or by each project's responsible department where ProgressSettings.reviewer
  says so; the office and administrators may always review (``can_review``).
- Everyone who sees a project (Project.objects.visible_to) reads its reports, measures and light; the office's
  monthly view, the aggregations and the bulletin are read inside government (``can_see_monthly_view``); the settings
  and warning presets are the office's and the administrators' (``can_configure_progress``).
- A light that turns yellow or red is told to the responsible department's officers and to the liaison leader
  (包联领导: the leader users whose name is the project's ``liaison_leader``) (``light_recipients``).
"""

from collections import defaultdict

from kaigong.accounts.choices import Role
from kaigong.accounts.models import User
from kaigong.progress.choices import Reviewer


def _signed_in(user) -> bool:
    return user is not None and user.is_authenticated and user.is_active


def can_report(user, project) -> bool:
    if not _signed_in(user):
        return False
    if user.can_edit_all_projects:
        return True
    if user.role == Role.DEPARTMENT:
        return bool(user.department_id) and project.responsible_department_id == user.department_id
    if user.role == Role.ENTERPRISE:
        return bool(user.organization_id) and project.owner_id == user.organization_id
    return False


def can_review(user, project, *, reviewer: str) -> bool:
    if not _signed_in(user):
        return False
    if user.can_edit_all_projects:
        return True
    return (
        reviewer == Reviewer.DEPARTMENT
        and user.role == Role.DEPARTMENT
        and bool(user.department_id)
        and project.responsible_department_id == user.department_id
    )


def can_see_monthly_view(user) -> bool:
    """The office's monthly view, aggregations and bulletin: inside government (scoped to what each one sees)."""
    return _signed_in(user) and user.role != Role.ENTERPRISE


def can_configure_progress(user) -> bool:
    return _signed_in(user) and user.can_edit_all_projects


def light_recipients(projects) -> dict[int, set[int]]:
    """{project id: user ids} told that its light turned yellow or red: the active officers of its responsible
    department and the active leader users named as its liaison leader. Two queries for any number of projects."""
    departments = {p.responsible_department_id for p in projects} - {None}
    leaders = {p.liaison_leader for p in projects if p.liaison_leader}
    officers = defaultdict(set)
    for pk, department_id in User.objects.filter(
        is_active=True, role=Role.DEPARTMENT, department_id__in=departments
    ).values_list("pk", "department_id"):
        officers[department_id].add(pk)
    by_name = defaultdict(set)
    if leaders:
        for pk, name in User.objects.filter(is_active=True, role=Role.LEADER, display_name__in=leaders).values_list(
            "pk", "display_name"
        ):
            by_name[name].add(pk)
    return {
        p.pk: officers.get(p.responsible_department_id, set()) | by_name.get(p.liaison_leader, set()) for p in projects
    }


def report_recipients(projects) -> dict[int, set[int]]:
    """{project id: user ids} who owe a project's report: its owner's active enterprise users and its responsible
    department's active officers (for reminders and returned reports)."""
    owners = {p.owner_id for p in projects} - {None}
    departments = {p.responsible_department_id for p in projects} - {None}
    by_owner, by_department = defaultdict(set), defaultdict(set)
    for pk, organization_id in User.objects.filter(
        is_active=True, role=Role.ENTERPRISE, organization_id__in=owners
    ).values_list("pk", "organization_id"):
        by_owner[organization_id].add(pk)
    for pk, department_id in User.objects.filter(
        is_active=True, role=Role.DEPARTMENT, department_id__in=departments
    ).values_list("pk", "department_id"):
        by_department[department_id].add(pk)
    return {
        p.pk: by_owner.get(p.owner_id, set()) | by_department.get(p.responsible_department_id, set()) for p in projects
    }
