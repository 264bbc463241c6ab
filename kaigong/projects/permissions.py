"""Who may do what to projects: the registry's role → ability checks in one place.

Which projects a user reads or changes is the scoped querysets' (``Project.objects.visible_to`` /
``editable_by``); what a role may do anywhere is a ``User.can_…`` property (accounts). This module holds the
project rules built on them, for the services (and any page that must know before it asks):

- the office (and the administrator) registers and changes every project, and hands one to any department;
- a department officer registers projects of its own department only, changes those, and never hands one to
  another department (it would leave the officer's scope);
- leaders and enterprises register and change none (enterprises act through their own portal).
"""

from kaigong.projects.models import Project


def can_create_projects(user) -> bool:
    return user.can_create_projects


def can_edit_project(user, project: Project) -> bool:
    return Project.objects.editable_by(user).filter(pk=project.pk).exists()


def keeps_to_own_department(user) -> bool:
    """A department officer: what it registers is its own department's, and it cannot hand a project on."""
    return user.can_create_projects and not user.can_edit_all_projects


def can_hand_to_department(user, department) -> bool:
    """Whether ``user`` may make ``department`` (an instance or an id) a project's responsible department."""
    return not keeps_to_own_department(user) or getattr(department, "pk", department) == user.department_id
