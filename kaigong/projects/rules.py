"""The rules of a project's change, as pure functions: what a stage move does to a project, what an update sets.

Both writers of the registry use them: the services (``update_project``, ``change_project_stage``), one project
at a time, and the ledger writer, ten thousand rows in a few statements. Neither reads the database here: the
functions read the project's attributes (a Project, or the ledger's attribute bag for a new row) and answer.

A move is allowed by the transitions table next to the stages (``choices.STAGE_TRANSITIONS``;
``transition_refusal`` says why not). Stage effects (``stage_effects``), for a move from ``from_stage`` to
``to_stage`` taking effect on ``effective``:

- 新开工 dates the actual start (``effective``), unless the project already has one; 竣工 dates the actual
  completion.
- A project at 新开工, 在建, 竣工 or 投产 has started: from the planning pool (储备库) it goes into the
  implementation pool (实施库). A move 在建 → 竣工 finds it there already and leaves it; a project put back in the
  planning pool by hand while in construction goes into the implementation pool when it is completed, as a new
  project registered at 竣工 or 投产 does. Decided in issue 9: before, the services moved only 新开工 and 在建, the
  ledger all four; a project at 竣工 or 投产 has started, so both now move all four.
- When the move names the project's pool itself (a ledger row's 项目库 column: the clerk's word), it is kept.
- 退库 puts it in the withdrawn pool with the reason (200 characters at most); leaving 退库 (back to 谋划) puts it
  back in the planning pool and clears the reason.
- A new project registered at a stage (``from_stage`` None: the ledger's rows, nothing to move from) meets the
  same rules, except the dates: ``effective`` is then the actual start the row gives (None when it gives none),
  for each stage from 新开工 on, and no completion date is invented.

An update (``prepare_update``: ``set_fields`` between ``audited_before`` and ``audit_changes``) sets the fields
it is given (the project code without surrounding spaces), answers the audit changes of those fields
({field: [before, after]}, as ``audit.services.diff`` writes them) and whether the search text must be rebuilt
(a searched field changed). The version: the service's compare-and-swap moves it on every save (two editors who
saw version N cannot both win); the ledger writer, whose guard is the version seen at the check, moves it once for
each project that changed.
"""

import datetime as dt
from collections.abc import Mapping

from django.utils.translation import gettext_noop

from kaigong.audit.services import audit_value, diff
from kaigong.core.exceptions import KaigongError
from kaigong.projects.choices import STAGE_TRANSITIONS, Pool, Stage

# Fields a create/update may set. Stage, actual dates, withdrawal and version belong to their own services.
PROJECT_EDITABLE_FIELDS = [
    "project_code",
    "name",
    "category",
    "level",
    "year",
    "owner",
    "responsible_department",
    "liaison_leader",
    "contact_person",
    "contact_phone",
    "address",
    "township",
    "latitude",
    "longitude",
    "site_polygon",
    "construction_content",
    "total_investment",
    "annual_planned_investment",
    "planned_start_date",
    "planned_completion_date",
    "registered_in_statistics",
    "statistics_registered_on",
    "pool",
    "is_supplement",
    "remarks",
    "review_regime",
    "project_class",
    "land_source",
    "eia_category",
    "annual_energy_use",
    "building_area",
    "is_simple_low_risk",
]
PROJECT_AUDIT_FIELDS = [
    *PROJECT_EDITABLE_FIELDS,
    "investors",
    "stage",
    "actual_start_date",
    "actual_completion_date",
    "withdrawal_reason",
]
# The audited fields held on the project's row (investors is many-to-many: the services diff it themselves).
AUDITED_ROW_FIELDS = [name for name in PROJECT_AUDIT_FIELDS if name != "investors"]
_UPDATABLE = frozenset([*PROJECT_EDITABLE_FIELDS, "investors"])
# The fields Project.search_text is built from (Project.refresh_search_text).
SEARCHED_FIELDS = frozenset({"name", "project_code", "owner"})
# The stages of a project that has started construction.
STARTED_STAGES = frozenset({Stage.STARTED, Stage.CONSTRUCTION, Stage.COMPLETED, Stage.OPERATING})


def transition_refusal(from_stage: str, to_stage: str) -> tuple[str, dict] | None:
    """Why a move from ``from_stage`` to ``to_stage`` is not allowed by STAGE_TRANSITIONS, as (msgid, params): the
    service raises it, the ledger check lists it on the row. None when the move is allowed."""
    if to_stage in STAGE_TRANSITIONS[from_stage]:
        return None
    return gettext_noop("项目不能从“%(from)s”变更为“%(to)s”"), {
        "from": Stage(from_stage).label,
        "to": Stage(to_stage).label,
    }


def stage_effects(
    project,
    *,
    from_stage: str | None,
    to_stage: str,
    effective: dt.date | None,
    reason: str = "",
    pool_named: bool = False,
) -> dict:
    """The field changes of ``project`` reaching ``to_stage`` (the stage itself included), by the rules above.
    ``from_stage`` None: a new project registered at ``to_stage``, ``effective`` its actual start if known.
    ``pool_named``: the pool was given with the move and is kept (except by 退库, whose pool is the stage's)."""
    changes: dict = {"stage": to_stage}
    if from_stage is None:
        if to_stage in STARTED_STAGES:
            changes["actual_start_date"] = effective
    else:
        if to_stage == Stage.STARTED and project.actual_start_date is None:
            changes["actual_start_date"] = effective
        if to_stage == Stage.COMPLETED:
            changes["actual_completion_date"] = effective
    if to_stage in STARTED_STAGES and project.pool == Pool.PLANNING and not pool_named:
        changes["pool"] = Pool.IMPLEMENTATION
    if to_stage == Stage.WITHDRAWN:
        changes["pool"] = Pool.WITHDRAWN
        changes["withdrawal_reason"] = reason[:200]
    elif from_stage == Stage.WITHDRAWN:
        changes["pool"] = Pool.PLANNING
        changes["withdrawal_reason"] = ""
    return changes


def set_fields(project, data: Mapping) -> None:
    """Set ``data`` on ``project`` (in memory; ``investors``, many-to-many, is left to the caller), the project code
    without surrounding spaces. A field an update may not set is refused (KaigongError) before anything is set."""
    unknown = data.keys() - _UPDATABLE
    if unknown:
        raise KaigongError(gettext_noop("不可修改的字段: %(fields)s"), params={"fields": ", ".join(sorted(unknown))})
    for name, value in data.items():
        if name != "investors":
            setattr(project, name, value)
    if "project_code" in data:
        project.project_code = (project.project_code or "").strip()


def prepare_update(project, data: Mapping) -> tuple[dict, bool]:
    """Set ``data`` on a stored ``project`` (``set_fields``) and answer the audit changes of the row fields it sets
    and whether the search text must be rebuilt (a searched field changed): ``audited_before`` then
    ``audit_changes``, for a writer whose values are already clean (the ledger's)."""
    before = audited_before(project, data)
    set_fields(project, data)
    return audit_changes(project, before)


def audited_before(project, data: Mapping) -> dict:
    """The audited values, before the update, of the row fields ``data`` sets."""
    return {name: audited_value(getattr(project, name)) for name in AUDITED_ROW_FIELDS if name in data}


def audit_changes(project, before: dict) -> tuple[dict, bool]:
    """The audit changes of the fields in ``before`` ({field: [before, after]}) and whether the search text must be
    rebuilt. update_project asks after full_clean, so a value the model's fields convert ("2025" → 2025) is no
    change."""
    changes = diff(before, {name: audited_value(getattr(project, name)) for name in before})
    return changes, not SEARCHED_FIELDS.isdisjoint(changes)


def audited_value(value):
    """audit_value(value), without calling it for the values it returns unchanged (most of them: the ledger
    writer takes ten thousand snapshots)."""
    return value if value is None or isinstance(value, _AUDITED_AS_IS) else audit_value(value)


_AUDITED_AS_IS = (str, int)  # bool is an int; choices are str
