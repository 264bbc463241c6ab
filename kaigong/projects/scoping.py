"""What else brings a project within a department's reading reach, as the apps built on projects say it.

A department reads the projects it is responsible for (责任单位) and those on which it has work to do in another
app: a checklist item it approves (approvals), a heritage routing it records (heritage). Those apps build on
projects, so projects does not import them; each registers a *reach* from its AppConfig.ready. A reach takes a
department id and returns a condition on Project (an ``Exists`` subquery, so no row is repeated), which
ProjectQuerySet.visible_to ORs with the department's own projects. Reading only: what a department may change
stays ProjectQuerySet.editable_by.
"""

from collections.abc import Callable

from django.db.models import Q

DepartmentReach = Callable[[int], Q]

_reaches: dict[str, DepartmentReach] = {}


def register_department_reach(name: str, reach: DepartmentReach) -> None:
    """Add (or replace, by ``name``: ready() may run twice in tests) a reach."""
    _reaches[name] = reach


def department_reach(department_id: int) -> Q:
    """The projects ``department_id`` reads besides its own: the registered reaches, ORed (empty Q if none)."""
    condition = Q()
    for reach in _reaches.values():
        condition |= reach(department_id)
    return condition
