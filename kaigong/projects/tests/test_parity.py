"""Parity of the two writers (issue 9, point 1): a project the ledger import writes equals the one the services
write from the same data: the same stage, pool, dates, withdrawal reason, version, search text and audited
fields, and for an update the same audit changes. Each case runs the services inside a transaction that is rolled
back, then the import on the same project (or, for a new project, the same row) from the same start.

A new project registered at a stage is compared with one the services create and move there along the shortest
path of allowed transitions (新开工 dated by the row's 实际开工时间). The sheet has no 实际竣工 column, so a
registration at 竣工 or 投产 leaves the completion date to be recorded, where the services' move dates it: that
date alone is compared apart.
"""

import datetime as dt
from collections import deque
from contextlib import contextmanager
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kaigong.audit.models import AuditEvent
from kaigong.audit.services import snapshot
from kaigong.projects import rules, services
from kaigong.projects.choices import STAGE_TRANSITIONS, STAGES_NEEDING_REASON, Pool, Stage
from kaigong.projects.ledger.importer import import_ledger
from kaigong.projects.models import Project
from kaigong.projects.tests.factories import ProjectFactory
from kaigong.projects.tests.ledger_sheets import make_ledger_world, write_csv

START = dt.date(2025, 3, 1)  # the 实际开工时间 rows give, and the services' effective date of 新开工
REASON = "台账导入"  # what the import records as the reason of 暂停 and 退库 (a sheet gives none)
UPDATE_HEADER = ["项目ID", "项目名称", "项目类别", "总投资", "备注", "联系人", "建设单位", "项目阶段", "实际开工时间"]
NEW_HEADER = ["项目名称", "项目类别", "总投资", "计划年度", "项目代码", "建设单位", "责任单位", "项目阶段"]
NEW_HEADER += ["实际开工时间"]


@pytest.fixture
def ledger_world(db, department, other_department, organization, other_organization):
    world = make_ledger_world(department, other_department, organization)
    world["other_organization"] = other_organization
    return world


def _path(to_stage: str) -> list[str]:
    """The shortest chain of allowed moves from 谋划 to ``to_stage``, the stages tried in the pipeline's order (so
    through 新开工, as a project's history goes, rather than 暂停 → 在建)."""
    queue, seen = deque([(Stage.PLANNING, [])]), {Stage.PLANNING}
    while queue:
        stage, path = queue.popleft()
        if stage == to_stage:
            return path
        for following in (s for s in Stage.values if s in STAGE_TRANSITIONS[stage]):
            if following not in seen:
                seen.add(following)
                queue.append((following, [*path, following]))
    raise AssertionError(to_stage)


def _move(project: Project, stage: str) -> Project:
    """A move through the services, as the import makes it (its reason, its effective date)."""
    return services.change_project_stage(
        project=project,
        stage=stage,
        reason=REASON if stage in STAGES_NEEDING_REASON else "",
        effective_date=START if stage == Stage.STARTED else None,
        actor_label="测试",
    )


def _walk(project: Project, stage: str) -> Project:
    for step in _path(stage):
        project = _move(project, step)
    return project


class _RolledBack(Exception):
    pass


@contextmanager
def rolled_back():
    """Run the services' side in a transaction that is undone afterwards: the import then starts from the same
    state (the same project, or no project of that name)."""
    try:
        with transaction.atomic():
            yield
            raise _RolledBack
    except _RolledBack:
        pass


def _state(pk: int) -> dict:
    project = Project.objects.select_related("owner").get(pk=pk)
    return {
        **snapshot(project, rules.PROJECT_AUDIT_FIELDS),
        "version": project.version,
        "search_text": project.search_text,
    }


def _changes_since(pk: int, after: int) -> list[dict]:
    """The audit changes recorded on the project since event ``after``, in order (an update is "update" from the
    services and "import" from the ledger: the changes are compared, not the action)."""
    events = AuditEvent.objects.filter(project_id=pk, pk__gt=after).order_by("pk")
    return [event.changes for event in events]


def _last_event() -> int:
    return AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def _import(tmp_path, header: list[str], row: list) -> None:
    path = write_csv(tmp_path / "parity.csv", [header, row])
    result = import_ledger(path, actor_label="测试")
    assert not result.problems, [str(p) for p in result.problems]


# -- new projects: every stage a row may register a project at


@pytest.mark.parametrize("stage", Stage.values)
def test_a_project_registered_at_a_stage_is_the_one_the_services_make(tmp_path, ledger_world, stage):
    code = f"2019-141081-04-01-{800000 + Stage.values.index(stage):06d}"
    name = f"对照登记项目{Stage.values.index(stage)}"
    data = {
        "name": name,
        "category": ledger_world["industry"],
        "total_investment": Decimal("5000.00"),
        "year": 2025,
        "project_code": code,
        "owner": ledger_world["organization"],
        "responsible_department": ledger_world["department"],
    }
    with rolled_back():
        created = _walk(services.create_project(data=data, actor_label="测试"), stage)
        by_services = _state(created.pk)

    started = stage in rules.STARTED_STAGES
    owner = ledger_world["organization"].name
    row = [name, "产业类", "5000", 2025, code, owner, "发改局", stage, START if started else ""]
    _import(tmp_path, NEW_HEADER, row)
    by_import = _state(Project.objects.get(name=name).pk)

    # The registration is one step, the services' walk several: the versions differ by design.
    by_services.pop("version"), by_import.pop("version")
    completed_by_services = by_services.pop("actual_completion_date")
    assert by_import.pop("actual_completion_date") is None
    assert (completed_by_services is not None) == (stage in (Stage.COMPLETED, Stage.OPERATING))
    assert by_import == by_services
    assert by_import["pool"] == (
        Pool.WITHDRAWN if stage == Stage.WITHDRAWN else Pool.IMPLEMENTATION if started else Pool.PLANNING
    )


# -- existing projects: every move the import makes


TRANSITIONS = [(a, b) for a in Stage.values for b in sorted(STAGE_TRANSITIONS[a])]


@pytest.mark.parametrize(("from_stage", "to_stage"), TRANSITIONS)
def test_each_move_of_the_import_is_the_services_move(tmp_path, ledger_world, from_stage, to_stage):
    project = _walk(ProjectFactory(coded=True, category=ledger_world["industry"], year=2025), from_stage)
    before = _last_event()
    with rolled_back():
        _move(Project.objects.get(pk=project.pk), to_stage)
        by_services = (_state(project.pk), _changes_since(project.pk, before))

    row = [project.pk, "", "", "", "", "", "", to_stage, START if to_stage == Stage.STARTED else ""]
    _import(tmp_path, UPDATE_HEADER, row)

    assert (_state(project.pk), _changes_since(project.pk, before)) == by_services


# -- existing projects: field updates, with or without a move

OTHER_TEXT = st.text(alphabet="甲乙丙丁戊己庚辛壬癸光伏园区道路桥梁abcxyz", min_size=1, max_size=20)
UPDATES = st.fixed_dictionaries(
    {},
    optional={
        "name": OTHER_TEXT,  # factory names are 测试项目N: always a change
        "remarks": OTHER_TEXT,
        "contact_person": OTHER_TEXT,
        "total_investment": st.decimals(min_value=3000, max_value=Decimal("99999999.99"), places=2).filter(
            lambda value: value != Decimal("10000.00")  # the factory's: no change
        ),
        "category": st.just("infra"),
        "owner": st.just("other_organization"),
    },
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(updates=UPDATES, move=st.sampled_from([None, *sorted(STAGE_TRANSITIONS[Stage.STARTED])]))
def test_an_updated_row_leaves_the_project_as_update_project_does(tmp_path, ledger_world, updates, move):
    if not updates and move is None:
        return  # a row that changes nothing is no update at all (the import skips it)
    project = _walk(ProjectFactory(coded=True, category=ledger_world["industry"], year=2025), Stage.STARTED)
    data = {key: ledger_world[value] if key in ("category", "owner") else value for key, value in updates.items()}
    before = _last_event()
    with rolled_back():
        changed = Project.objects.get(pk=project.pk)
        if data:
            changed = services.update_project(project=changed, data=data, actor_label="测试")
        if move:
            _move(changed, move)
        by_services = (_state(project.pk), _changes_since(project.pk, before))

    cells = {
        "项目名称": updates.get("name", ""),
        "项目类别": ledger_world["infra"].name if "category" in updates else "",
        "总投资": str(updates.get("total_investment", "")),
        "备注": updates.get("remarks", ""),
        "联系人": updates.get("contact_person", ""),
        "建设单位": ledger_world["other_organization"].name if "owner" in updates else "",
        "项目阶段": move or "",
        "实际开工时间": "",
    }
    _import(tmp_path, UPDATE_HEADER, [project.pk, *(cells[header] for header in UPDATE_HEADER[1:])])

    assert (_state(project.pk), _changes_since(project.pk, before)) == by_services


# -- the rule decided in issue 9: a project at 竣工 or 投产 has started


def test_a_completed_project_leaves_the_planning_pool_by_either_writer(tmp_path, ledger_world):
    """A project put back in the planning pool by hand while in construction: the services' move to 竣工 takes it
    into the implementation pool, as the import registering a project at 竣工 does."""
    project = _walk(ProjectFactory(coded=True, category=ledger_world["industry"], year=2025), Stage.CONSTRUCTION)
    project = services.update_project(project=project, data={"pool": Pool.PLANNING}, actor_label="测试")
    assert _move(project, Stage.COMPLETED).pool == Pool.IMPLEMENTATION


def test_a_pool_the_row_names_is_kept():
    """The clerk's word: a new row at 在建 in the 储备库 stays there (the services' moves name no pool)."""
    new = Project()
    effects = rules.stage_effects(
        new, from_stage=None, to_stage=Stage.CONSTRUCTION, effective=START, reason=REASON, pool_named=True
    )
    assert effects == {"stage": Stage.CONSTRUCTION, "actual_start_date": START}
    effects = rules.stage_effects(new, from_stage=None, to_stage=Stage.WITHDRAWN, effective=None, reason=REASON)
    assert effects == {"stage": Stage.WITHDRAWN, "pool": Pool.WITHDRAWN, "withdrawal_reason": REASON}
