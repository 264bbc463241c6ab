"""The project services: audited in the transaction of the change, versions, the stage table, permissions."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from kaigong.accounts.choices import Role
from kaigong.accounts.services import update_organization
from kaigong.audit.models import AuditEvent
from kaigong.core.exceptions import KaigongError, PermissionDeniedError, StaleVersionError, TransitionNotAllowed
from kaigong.projects import services
from kaigong.projects.choices import STAGE_TRANSITIONS, Pool, Stage
from kaigong.projects.models import Project, StageChange
from kaigong.projects.tests.factories import CategoryFactory, LevelFactory, ProjectFactory

S = Stage
# The pipeline as the office works it (DOMAIN.md §1; issue 2 §2), written out here on purpose: a change to the
# table in choices.py must be a decision, seen by this test.
ALLOWED = {
    (S.PLANNING, S.PREPARATION),
    (S.PLANNING, S.STARTED),
    (S.PLANNING, S.PAUSED),
    (S.PLANNING, S.WITHDRAWN),
    (S.PREPARATION, S.PLANNING),
    (S.PREPARATION, S.STARTED),
    (S.PREPARATION, S.PAUSED),
    (S.PREPARATION, S.WITHDRAWN),
    (S.STARTED, S.CONSTRUCTION),
    (S.STARTED, S.COMPLETED),
    (S.STARTED, S.PAUSED),
    (S.STARTED, S.WITHDRAWN),
    (S.CONSTRUCTION, S.COMPLETED),
    (S.CONSTRUCTION, S.PAUSED),
    (S.COMPLETED, S.OPERATING),
    (S.PAUSED, S.PLANNING),
    (S.PAUSED, S.PREPARATION),
    (S.PAUSED, S.CONSTRUCTION),
    (S.PAUSED, S.WITHDRAWN),
    (S.WITHDRAWN, S.PLANNING),
}
# How to reach each stage from planning through the service.
PATHS = {
    S.PLANNING: [],
    S.PREPARATION: [S.PREPARATION],
    S.STARTED: [S.STARTED],
    S.CONSTRUCTION: [S.STARTED, S.CONSTRUCTION],
    S.COMPLETED: [S.STARTED, S.COMPLETED],
    S.OPERATING: [S.STARTED, S.COMPLETED, S.OPERATING],
    S.PAUSED: [S.PAUSED],
    S.WITHDRAWN: [S.WITHDRAWN],
}
DAY = dt.date(2024, 1, 1)


def move(project, *stages, actor=None, day=DAY):
    for stage in stages:
        project = services.change_project_stage(
            project=project, stage=stage, actor=actor, reason="测试原因", effective_date=day, actor_label="测试"
        )
    return project


def events(project, action=None):
    queryset = AuditEvent.objects.filter(project_id=project.pk)
    return queryset.filter(action=action) if action else queryset


def project_data(**extra):
    return {
        "name": "国强自动化光伏新能源生产基地",
        "category": CategoryFactory(name="产业类", code="industry"),
        "level": LevelFactory(),
        "year": 2024,
        "total_investment": Decimal("200000.00"),
        "annual_planned_investment": Decimal("60000.00"),
        **extra,
    }


@pytest.fixture
def office(users):
    return users[Role.OFFICE]


@pytest.fixture
def own_project(department):
    return ProjectFactory(responsible_department=department, name="合欢街南延道路建设工程", coded=True)


@pytest.fixture
def other_project(other_department):
    return ProjectFactory(responsible_department=other_department, name="新田路沿街可视面提升改造工程")


class FailAfterAudit(Exception):
    pass


@pytest.fixture
def audit_then_fail(monkeypatch):
    """Make the service's audit write succeed and then fail, as any later step of the transaction could."""
    real = services.record_event

    def record_then_raise(**kwargs):
        real(**kwargs)
        raise FailAfterAudit

    monkeypatch.setattr(services, "record_event", record_then_raise)


# -- audit in the same transaction ------------------------------------------------------------------------------


def test_create_is_audited_with_actor_and_values(office):
    project = services.create_project(data=project_data(), actor=office)
    (event,) = events(project)
    assert event.action == "create"
    assert event.actor == office
    assert event.changes["name"] == [None, "国强自动化光伏新能源生产基地"]
    assert event.changes["total_investment"] == [None, "200000.00"]
    assert "|gqzdh" in project.search_text
    assert project.stage == Stage.PLANNING and project.version == 1


def test_update_is_audited_with_before_and_after(office, own_project):
    project = services.update_project(
        project=own_project, data={"total_investment": Decimal("12345.60")}, actor=office, expected_version=1
    )
    (event,) = events(project, "update")
    assert event.changes == {"total_investment": ["10000.00", "12345.60"]}
    assert event.actor == office
    project.refresh_from_db()
    assert project.version == 2
    assert project.total_investment == Decimal("12345.60")


def test_update_without_change_records_nothing(office, own_project):
    services.update_project(project=own_project, data={"name": own_project.name}, actor=office)
    assert not events(own_project).exists()


def test_stage_change_is_audited_and_recorded(office, own_project):
    project = move(own_project, Stage.STARTED, actor=office, day=dt.date(2024, 3, 5))
    (event,) = events(project, "stage_change")
    assert event.changes["stage"] == ["planning", "started"]
    assert event.changes["actual_start_date"] == [None, "2024-03-05"]
    assert event.note == "测试原因"
    change = StageChange.objects.get(project=project)
    assert (change.from_stage, change.to_stage, change.effective_date, change.actor) == (
        Stage.PLANNING,
        Stage.STARTED,
        dt.date(2024, 3, 5),
        office,
    )


def test_delete_is_audited_and_history_survives(office, own_project):
    pk = own_project.pk
    services.delete_project(project=own_project, actor=office, reason="重复登记")
    assert not Project.objects.filter(pk=pk).exists()
    event = AuditEvent.objects.get(project_id=pk, action="delete")
    assert event.note == "重复登记"
    assert event.changes["name"] == ["合欢街南延道路建设工程", None]


def test_failed_create_leaves_no_project_and_no_event(office, audit_then_fail):
    with pytest.raises(FailAfterAudit):
        services.create_project(data=project_data(), actor=office)
    assert not Project.objects.exists()
    assert not AuditEvent.objects.exists()


def test_failed_update_leaves_no_change_and_no_event(office, own_project, audit_then_fail):
    with pytest.raises(FailAfterAudit):
        services.update_project(project=own_project, data={"name": "改名"}, actor=office)
    own_project.refresh_from_db()
    assert (own_project.name, own_project.version) == ("合欢街南延道路建设工程", 1)
    assert not AuditEvent.objects.exists()


def test_failed_stage_change_leaves_no_change_and_no_event(office, own_project, audit_then_fail):
    with pytest.raises(FailAfterAudit):
        move(own_project, Stage.STARTED, actor=office)
    own_project.refresh_from_db()
    assert (own_project.stage, own_project.version, own_project.actual_start_date) == (Stage.PLANNING, 1, None)
    assert not StageChange.objects.exists()
    assert not AuditEvent.objects.exists()


def test_failed_delete_keeps_the_project(office, own_project, audit_then_fail):
    with pytest.raises(FailAfterAudit):
        services.delete_project(project=own_project, actor=office)
    assert Project.objects.filter(pk=own_project.pk).exists()
    assert not AuditEvent.objects.exists()


def test_invalid_update_changes_nothing(office, own_project):
    with pytest.raises(ValidationError) as info:
        services.update_project(project=own_project, data={"annual_planned_investment": Decimal("99999")}, actor=office)
    assert "annual_planned_investment" in info.value.message_dict
    own_project.refresh_from_db()
    assert (own_project.annual_planned_investment, own_project.version) == (Decimal("3000.00"), 1)
    assert not AuditEvent.objects.exists()


def test_unknown_fields_are_refused(office, own_project):
    with pytest.raises(KaigongError):
        services.update_project(project=own_project, data={"stage": Stage.OPERATING}, actor=office)
    with pytest.raises(KaigongError):
        services.update_project(project=own_project, data={"version": 7}, actor=office)
    own_project.refresh_from_db()
    assert (own_project.stage, own_project.version) == (Stage.PLANNING, 1)


# -- optimistic concurrency -------------------------------------------------------------------------------------


def test_stale_version_is_refused(office, own_project):
    services.update_project(project=own_project, data={"name": "甲改的名字"}, actor=office, expected_version=1)
    stale = Project.objects.get(pk=own_project.pk)
    with pytest.raises(StaleVersionError) as info:
        services.update_project(project=stale, data={"name": "乙改的名字"}, actor=office, expected_version=1)
    assert info.value.status == 409
    stale.refresh_from_db()
    assert (stale.name, stale.version) == ("甲改的名字", 2)
    assert events(stale, "update").count() == 1


def test_two_editors_holding_the_same_object_cannot_both_win(office, own_project):
    first = Project.objects.get(pk=own_project.pk)
    second = Project.objects.get(pk=own_project.pk)
    services.update_project(project=first, data={"remarks": "甲"}, actor=office)
    with pytest.raises(StaleVersionError):
        services.update_project(project=second, data={"remarks": "乙"}, actor=office)
    with pytest.raises(StaleVersionError):
        move(second, Stage.PREPARATION, actor=office)
    own_project.refresh_from_db()
    assert (own_project.remarks, own_project.stage) == ("甲", Stage.PLANNING)


def test_stale_stage_change_is_refused(office, own_project):
    with pytest.raises(StaleVersionError):
        services.change_project_stage(
            project=own_project, stage=Stage.PREPARATION, actor=office, expected_version=own_project.version + 5
        )
    own_project.refresh_from_db()
    assert own_project.stage == Stage.PLANNING


# -- the transitions table --------------------------------------------------------------------------------------


def test_the_table_in_choices_is_the_pipeline():
    assert {(a, b) for a, targets in STAGE_TRANSITIONS.items() for b in targets} == ALLOWED


@pytest.mark.parametrize("to_stage", Stage.values)
@pytest.mark.parametrize("from_stage", Stage.values)
def test_transitions_table_is_enforced(office, from_stage, to_stage):
    project = move(ProjectFactory(coded=True), *PATHS[from_stage], actor=office)
    assert project.stage == from_stage
    version = project.version
    if (from_stage, to_stage) in ALLOWED:
        project = move(project, to_stage, actor=office)
        project.refresh_from_db()
        assert project.stage == to_stage
        assert project.version == version + 1
    else:
        with pytest.raises(TransitionNotAllowed):
            move(project, to_stage, actor=office)
        project.refresh_from_db()
        assert (project.stage, project.version) == (from_stage, version)
        assert StageChange.objects.filter(project=project).count() == len(PATHS[from_stage])


def test_unknown_stage_is_refused(office, own_project):
    with pytest.raises(TransitionNotAllowed):
        move(own_project, "demolished", actor=office)


def test_actual_start_date_is_set_by_the_move_to_started(office, own_project):
    project = move(own_project, Stage.PREPARATION, actor=office, day=dt.date(2023, 11, 1))
    assert project.actual_start_date is None
    project = move(project, Stage.STARTED, actor=office, day=dt.date(2024, 1, 1))
    assert project.actual_start_date == dt.date(2024, 1, 1)
    assert project.pool == Pool.IMPLEMENTATION
    # pausing and resuming does not move the start date
    project = move(project, Stage.PAUSED, Stage.CONSTRUCTION, actor=office, day=dt.date(2024, 6, 1))
    assert project.actual_start_date == dt.date(2024, 1, 1)
    project = move(project, Stage.COMPLETED, actor=office, day=dt.date(2025, 5, 20))
    project.refresh_from_db()
    assert (project.actual_start_date, project.actual_completion_date) == (dt.date(2024, 1, 1), dt.date(2025, 5, 20))


@pytest.mark.parametrize("stage", [Stage.WITHDRAWN, Stage.PAUSED])
@pytest.mark.parametrize("reason", ["", "   "])
def test_withdrawing_or_pausing_needs_a_reason(office, own_project, stage, reason):
    with pytest.raises(KaigongError):
        services.change_project_stage(project=own_project, stage=stage, actor=office, reason=reason)
    own_project.refresh_from_db()
    assert (own_project.stage, own_project.pool, own_project.version) == (Stage.PLANNING, Pool.PLANNING, 1)
    assert not AuditEvent.objects.exists()


def test_withdrawal_sets_the_pool_and_its_reason_and_return_clears_them(office, own_project):
    project = services.change_project_stage(
        project=own_project, stage=Stage.WITHDRAWN, actor=office, reason="企业投资计划调整"
    )
    project.refresh_from_db()
    assert (project.stage, project.pool, project.withdrawal_reason) == (
        Stage.WITHDRAWN,
        Pool.WITHDRAWN,
        "企业投资计划调整",
    )
    project = services.change_project_stage(project=project, stage=Stage.PLANNING, actor=office, reason="重新入库")
    project.refresh_from_db()
    assert (project.stage, project.pool, project.withdrawal_reason) == (Stage.PLANNING, Pool.PLANNING, "")


# -- permissions ------------------------------------------------------------------------------------------------


def test_department_officer_edits_own_departments_project(users, own_project):
    officer = users[Role.DEPARTMENT]
    project = services.update_project(project=own_project, data={"remarks": "已对接"}, actor=officer)
    project = move(project, Stage.PREPARATION, actor=officer)
    assert project.stage == Stage.PREPARATION
    assert events(project).filter(actor=officer).count() == 2


def test_department_officer_cannot_touch_another_departments_project(users, other_project):
    officer = users[Role.DEPARTMENT]
    with pytest.raises(PermissionDeniedError):
        services.update_project(project=other_project, data={"remarks": "越权"}, actor=officer)
    with pytest.raises(PermissionDeniedError):
        move(other_project, Stage.PREPARATION, actor=officer)
    with pytest.raises(PermissionDeniedError):
        services.delete_project(project=other_project, actor=officer)
    other_project.refresh_from_db()
    assert (other_project.remarks, other_project.stage, other_project.version) == ("", Stage.PLANNING, 1)
    assert not AuditEvent.objects.exists()


def test_department_officer_creates_only_for_own_department(users, department, other_department):
    officer = users[Role.DEPARTMENT]
    project = services.create_project(data=project_data(responsible_department=other_department), actor=officer)
    assert project.responsible_department == department


@pytest.mark.parametrize("role", [Role.LEADER, Role.ENTERPRISE])
def test_leader_and_enterprise_cannot_edit(users, organization, role):
    actor = users[role]
    project = ProjectFactory(owner=organization)  # the enterprise user's own project: readable, not editable
    with pytest.raises(PermissionDeniedError):
        services.create_project(data=project_data(), actor=actor)
    with pytest.raises(PermissionDeniedError):
        services.update_project(project=project, data={"remarks": "改"}, actor=actor)
    with pytest.raises(PermissionDeniedError):
        move(project, Stage.PREPARATION, actor=actor)
    with pytest.raises(PermissionDeniedError):
        services.delete_project(project=project, actor=actor)
    with pytest.raises(PermissionDeniedError):
        update_organization(organization=organization, data={"contact_person": "张三"}, actor=actor)
    project.refresh_from_db()
    assert (project.remarks, project.stage, project.version) == ("", Stage.PLANNING, 1)
    assert Project.objects.count() == 1
    assert not AuditEvent.objects.exists()


def test_office_edits_every_project(office, own_project, other_project):
    for project in (own_project, other_project):
        services.update_project(project=project, data={"remarks": "项目办核实"}, actor=office)
    assert AuditEvent.objects.filter(actor=office, action="update").count() == 2


# -- project code -----------------------------------------------------------------------------------------------


def test_project_code_unique_when_present(office):
    services.create_project(data=project_data(project_code="2403-141081-38-03-000001"), actor=office)
    with pytest.raises(ValidationError) as info:
        services.create_project(
            data=project_data(name="另一个项目", project_code=" 2403-141081-38-03-000001 "), actor=office
        )
    assert "该项目代码已被其他项目使用" in str(info.value)
    assert Project.objects.count() == 1


def test_empty_project_code_allowed_many_times(office):
    for i in range(3):
        services.create_project(data=project_data(name=f"谋划项目{i}", project_code=""), actor=office)
    assert Project.objects.filter(project_code="").count() == 3


def test_project_code_uniqueness_is_a_database_constraint(db):
    ProjectFactory(project_code="2403-141081-38-03-000002")
    with pytest.raises(IntegrityError), transaction.atomic():
        ProjectFactory(project_code="2403-141081-38-03-000002")


def test_project_code_pattern_is_validated(office):
    with pytest.raises(ValidationError) as info:
        services.create_project(data=project_data(project_code="2403-141081-38-03"), actor=office)
    assert "project_code" in info.value.message_dict
    assert not Project.objects.exists()
