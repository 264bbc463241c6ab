"""The one place that announces "these projects changed", for the apps built on projects to follow.

A project's attributes feed other apps: the approvals app regenerates the checklist its rules pick (一清单), the
heritage app re-routes a project that moved into or out of a construction control zone, and later apps (monthly
progress, dispatch) keep their own derived rows. Those apps build on projects, so projects never imports them:
each registers a *handler* from its ``AppConfig.ready``, and every writer of project attributes — the
``update_project`` service and the ledger importer's bulk path — announces its changes here, once per write, inside
the write's transaction. A handler's own writes (and audit events) therefore commit or roll back with the change
that caused them. Handlers run in the order they were registered (INSTALLED_APPS order: approvals before heritage,
so a heritage routing sees the regenerated checklist).

Side effects outside the database (notices, e-mail) do not belong in a handler: register them with
``transaction.on_commit`` from inside it.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from django.db import transaction


@dataclass(frozen=True)
class ProjectsChanged:
    """What one write changed: the projects as saved, and per project the audited fields whose value changed.

    ``actor`` passed the writer's permission checks; handlers act on the system's authority and audit under
    ``label`` (the actor's name, or the command's label).
    """

    projects: Sequence
    fields: Mapping[int, frozenset[str]]
    actor: object = None
    actor_label: str = ""

    @property
    def label(self) -> str:
        return self.actor_label or str(self.actor or "")

    def changed(self, *names: str) -> list:
        """The projects whose change touches any of ``names`` (all changed projects when no name is given)."""
        if not names:
            return list(self.projects)
        wanted = set(names)
        return [project for project in self.projects if wanted & self.fields.get(project.pk, frozenset())]


ProjectChangeHandler = Callable[[ProjectsChanged], None]

_handlers: dict[str, ProjectChangeHandler] = {}


def register_project_change_handler(name: str, handler: ProjectChangeHandler) -> None:
    """Add (or replace, by ``name``: ready() may run twice in tests) a handler."""
    _handlers[name] = handler


def announce_projects_changed(
    *, projects: Sequence, fields: Mapping[int, Sequence[str]], actor=None, actor_label: str = ""
) -> None:
    """Tell every registered handler that ``projects`` changed (``fields``: project pk → changed field names).
    Must run inside the transaction of the change; projects whose change is empty are left out."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("announce_projects_changed must run inside the transaction of the change")
    changed = {pk: frozenset(names) for pk, names in fields.items() if names}
    projects = [project for project in projects if project.pk in changed]
    if not projects:
        return
    change = ProjectsChanged(projects=projects, fields=changed, actor=actor, actor_label=actor_label)
    for handler in _handlers.values():
        handler(change)
