"""The project-change hook: every writer of project attributes announces its changes once, inside its transaction,
and the apps built on projects follow from there (projects/changes.py)."""

from decimal import Decimal

import pytest
from django.db import transaction

from kaigong.accounts.choices import Role
from kaigong.projects import changes, services
from kaigong.projects.ledger.importer import import_ledger
from kaigong.projects.models import Project
from kaigong.projects.tests.factories import ProjectFactory
from kaigong.projects.tests.ledger_sheets import make_ledger_world, write_xlsx

HEADER = ["项目名称", "项目类别", "总投资", "年度计划投资", "计划年度", "建设单位", "责任单位"]


@pytest.fixture
def announced():
    """The announcements made while the test runs, as (project names, {name: changed fields}, label, in atomic)."""
    heard = []

    def listen(change):
        names = {project.pk: project.name for project in change.projects}
        heard.append(
            (
                sorted(names.values()),
                {names[pk]: set(fields) for pk, fields in change.fields.items()},
                change.label,
                transaction.get_connection().in_atomic_block,
            )
        )

    changes.register_project_change_handler("test.listen", listen)
    yield heard
    changes._handlers.pop("test.listen")


def test_update_announces_the_fields_that_changed_inside_the_transaction(db, users, announced):
    project = ProjectFactory(name="甲项目", total_investment=Decimal("100"), annual_planned_investment=Decimal("10"))
    services.update_project(
        project=project, data={"total_investment": Decimal("250"), "name": "甲项目"}, actor=users[Role.OFFICE]
    )
    assert announced == [(["甲项目"], {"甲项目": {"total_investment"}}, str(users[Role.OFFICE]), True)]


def test_an_update_that_changes_nothing_announces_nothing(db, users, announced):
    project = ProjectFactory(name="甲项目", total_investment=Decimal("100"), annual_planned_investment=Decimal("10"))
    services.update_project(project=project, data={"total_investment": Decimal("100")}, actor=users[Role.OFFICE])
    assert announced == []


def test_a_ledger_import_announces_its_updates_once_for_the_batch(
    tmp_path, department, other_department, organization, announced
):
    make_ledger_world(department, other_department, organization)
    rows = [
        HEADER,
        ["甲项目", "产业类", "100", "10", "2024", organization.name, department.name],
        ["乙项目", "产业类", "200", "10", "2024", organization.name, department.name],
    ]
    assert import_ledger(write_xlsx(tmp_path / "a.xlsx", rows)).problems == []
    assert announced == []  # new projects: nothing derived from them yet
    rows[1][2] = "300"
    result = import_ledger(write_xlsx(tmp_path / "b.xlsx", rows), actor_label="测试导入")

    assert result.problems == []
    assert Project.objects.get(name="甲项目").total_investment == Decimal("300")
    [(names, fields, label, in_atomic)] = announced
    assert (names, fields) == (["甲项目"], {"甲项目": {"total_investment"}})
    assert (label, in_atomic) == ("测试导入", True)


def test_a_dry_run_announces_nothing(tmp_path, department, other_department, organization, announced):
    make_ledger_world(department, other_department, organization)
    rows = [HEADER, ["甲项目", "产业类", "100", "10", "2024", organization.name, department.name]]
    import_ledger(write_xlsx(tmp_path / "a.xlsx", rows))
    rows[1][2] = "300"
    import_ledger(write_xlsx(tmp_path / "b.xlsx", rows), dry_run=True)
    assert announced == []


def test_announcing_outside_a_transaction_is_refused(transactional_db):
    project = ProjectFactory()
    with pytest.raises(RuntimeError):
        changes.announce_projects_changed(projects=[project], fields={project.pk: ["name"]})
