"""Objections other apps raise to a project's stage change, registered from their AppConfig.ready.

A stage change is the projects app's (services.change_project_stage), but some of its preconditions live in apps
built on projects: the approvals app knows whether the pre-start approvals are decided. Each such app registers a
*guard*: ``guard(project, stage) -> list[StageObjection]``. The service asks every guard before it moves the
project, and the ledger importer asks them while it checks a sheet, so a row that cannot move is reported as a
row problem instead of failing the import. Projects never imports those apps.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.translation import gettext


@dataclass(frozen=True)
class StageObjection:
    """Why a move should not happen: a Chinese msgid (with an English translation) and its parameters.

    ``waivable``: the project office may proceed anyway with a recorded reason (the reason is stored on the
    StageChange and in the audit event's note, so the history says why).
    """

    msgid: str
    params: dict = field(default_factory=dict)
    waivable: bool = False

    def __str__(self) -> str:
        """The objection in the active language (so it can be a parameter of another message)."""
        text = gettext(self.msgid)
        return text % self.params if self.params else text


StageGuard = Callable[[object, str], list[StageObjection]]

_guards: dict[str, StageGuard] = {}


def register_stage_guard(name: str, guard: StageGuard) -> None:
    """Add (or replace, by ``name``: ready() may run twice in tests) a guard."""
    _guards[name] = guard


def stage_objections(*, project, stage: str) -> list[StageObjection]:
    """What the registered guards object to moving ``project`` to ``stage`` (empty: nothing)."""
    return [objection for guard in _guards.values() for objection in guard(project, stage)]
