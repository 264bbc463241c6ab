"""Stage changes that cannot be true (issue 8 §5): an effective date after today, groundbreaking without a project
code, groundbreaking with pre-start approvals undecided unless the office records why. Page, API and importer."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone

from kaigong.accounts.choices import Role
from kaigong.approvals.checklists.services import transition_item
from kaigong.approvals.choices import ItemStatus
from kaigong.approvals.models import ApprovalMatter, Checklist, ChecklistItem
from kaigong.audit.models import AuditEvent
from kaigong.projects.choices import Stage
from kaigong.projects.models import Project, StageChange
from kaigong.projects.tests.factories import ProjectFactory
from kaigong.projects.tests.ledger_sheets import make_ledger_world, write_xlsx

pytestmark = pytest.mark.django_db

CODE = "2019-141081-04-01-000777"


def stage_url(project):
    return reverse("project-stage", args=[project.pk])


def assert_unchanged(project):
    project.refresh_from_db()
    assert (project.stage, project.version, project.actual_start_date) == (Stage.PLANNING, 1, None)
    assert not StageChange.objects.filter(project=project).exists()


@pytest.fixture
def coded(department):
    return ProjectFactory(name="有代码的项目", responsible_department=department, project_code=CODE)


@pytest.fixture
def pending_item(coded):
    """A pre-start matter (stage 1, 立项用地规划许可) on the project's checklist, not decided."""
    matter = ApprovalMatter.objects.create(code="stage-rule-permit", name="测试用地许可", approval_stage=1)
    return ChecklistItem.objects.create(checklist=Checklist.objects.create(project=coded), matter=matter)


# --- effective date ------------------------------------------------------------------------------------------------


def test_a_stage_change_dated_after_today_is_refused_on_the_page(login, users, coded):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    response = login(users[Role.OFFICE]).post(
        reverse("projects:stage", args=[coded.pk]),
        {"stage": "started", "effective_date": tomorrow.isoformat(), "version": 1},
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["effective_date"] == [f"生效日期不能晚于今天({timezone.localdate().isoformat()})"]
    assert_unchanged(coded)


@pytest.mark.parametrize("stage", ["started", "preparation", "withdrawn"])
def test_a_stage_change_dated_after_today_is_refused_by_the_api(api_login, users, coded, stage):
    next_month = timezone.localdate() + dt.timedelta(days=31)
    response = api_login(users[Role.OFFICE]).post(
        stage_url(coded), {"stage": stage, "effective_date": next_month.isoformat(), "reason": "原因", "version": 1}
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["message"].startswith("生效日期不能晚于今天")
    assert list(error["fields"]) == ["effective_date"]
    assert_unchanged(coded)


def test_today_is_accepted_and_becomes_the_actual_start(api_login, users, coded):
    today = timezone.localdate()
    response = api_login(users[Role.OFFICE]).post(
        stage_url(coded), {"stage": "started", "effective_date": today.isoformat(), "version": 1}
    )
    assert response.status_code == 200, response.json()
    assert response.json()["actual_start_date"] == today.isoformat()


# --- the project code ----------------------------------------------------------------------------------------------


def test_groundbreaking_needs_the_project_code(login, api_login, users, department):
    project = ProjectFactory(responsible_department=department)
    page = login(users[Role.OFFICE]).post(
        reverse("projects:stage", args=[project.pk]), {"stage": "started", "effective_date": "2024-03-01", "version": 1}
    )
    assert "变更为新开工须先填写项目代码" in page.content.decode()
    response = api_login(users[Role.DEPARTMENT]).post(stage_url(project), {"stage": "started", "version": 1})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["message"] == "变更为新开工须先填写项目代码"
    assert error["fields"] == {"project_code": ["变更为新开工须先填写项目代码"]}
    assert_unchanged(project)
    # Other moves do not need it.
    response = api_login(users[Role.OFFICE]).post(stage_url(project), {"stage": "preparation", "version": 1})
    assert response.status_code == 200


# --- pre-start approvals -------------------------------------------------------------------------------------------


def test_undecided_pre_start_items_need_the_offices_reason(api_login, users, coded, pending_item):
    api = api_login(users[Role.OFFICE])
    response = api.post(stage_url(coded), {"stage": "started", "effective_date": "2024-03-01", "version": 1})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["message"] == "前期手续尚有1项未办结(测试用地许可);须填写原因才能变更为新开工"
    assert list(error["fields"]) == ["reason"]
    assert_unchanged(coded)

    reason = "市政府专题会议同意先行开工"
    response = api.post(
        stage_url(coded), {"stage": "started", "effective_date": "2024-03-01", "reason": reason, "version": 1}
    )
    assert response.status_code == 200, response.json()
    assert StageChange.objects.get(project=coded).reason == reason
    assert AuditEvent.objects.get(project_id=coded.pk, action="stage_change").note == reason


def test_the_reason_shows_in_the_history_after_a_page_change(login, users, coded, pending_item):
    web = login(users[Role.OFFICE])
    url = reverse("projects:stage", args=[coded.pk])
    page = web.post(url, {"stage": "started", "effective_date": "2024-03-01", "version": 1})
    assert page.context["form"].errors["reason"] == ["前期手续尚有1项未办结(测试用地许可);须填写原因才能变更为新开工"]
    response = web.post(
        url, {"stage": "started", "effective_date": "2024-03-01", "reason": "专题会议同意", "version": 1}
    )
    assert response.status_code == 302
    history = web.get(reverse("projects:detail", args=[coded.pk])).content.decode()
    assert "专题会议同意" in history


def test_a_department_cannot_start_over_undecided_items_even_with_a_reason(api_login, users, coded, pending_item):
    response = api_login(users[Role.DEPARTMENT]).post(
        stage_url(coded), {"stage": "started", "reason": "我们想开工", "version": 1}
    )
    assert response.status_code == 400
    assert response.json()["error"]["message"].endswith("只有项目办可以填写原因后继续")
    assert_unchanged(coded)


def test_closed_items_do_not_hold_groundbreaking(api_login, users, coded, pending_item):
    transition_item(item=pending_item, action="mark_not_applicable", actor=None, actor_label="测试", reason="无需")
    assert pending_item.__class__.objects.get(pk=pending_item.pk).status == ItemStatus.NOT_APPLICABLE
    response = api_login(users[Role.DEPARTMENT]).post(stage_url(coded), {"stage": "started", "version": 1})
    assert response.status_code == 200, response.json()


def test_the_refusals_are_in_english_too(api_login, users, coded, pending_item):
    """Needs the catalogue with this change's translations (kaigong/locale, compiled)."""
    api = api_login(users[Role.OFFICE])
    later = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    error = api.post(stage_url(coded), {"stage": "started", "effective_date": later, "version": 1}).json()["error"]
    assert error["message_en"] == f"The effective date cannot be later than today ({timezone.localdate().isoformat()})"
    error = api.post(stage_url(coded), {"stage": "started", "version": 1}).json()["error"]
    assert error["message_en"] == (
        "Pre-start approvals not yet decided: 1 (测试用地许可); give a reason to move the project to Started"
    )
    Project.objects.filter(pk=coded.pk).update(project_code="")
    error = api.post(stage_url(coded), {"stage": "started", "version": 1}).json()["error"]
    assert error["message_en"] == "A project needs its project code to move to Started"


# --- the importer --------------------------------------------------------------------------------------------------


@pytest.fixture
def ledger_world(department, other_department, organization):
    return make_ledger_world(department, other_department, organization)


def _import(path, *options):
    err = StringIO()
    with pytest.raises(CommandError, match="发现"):
        call_command("import-ledger", str(path), *options, stdout=StringIO(), stderr=err)
    return err.getvalue()


HEADER = ["项目ID", "项目名称", "项目类别", "总投资", "项目阶段", "实际开工时间"]


def test_the_importer_reports_a_move_to_started_without_a_code_as_a_row_problem(tmp_path, ledger_world):
    project = ProjectFactory(category=ledger_world["industry"])
    path = write_xlsx(tmp_path / "start.xlsx", [HEADER, [project.pk, project.name, "产业类", 10000, "新开工", None]])
    err = _import(path, "--dry-run")
    assert "第2行" in err and "变更为新开工须先填写项目代码" in err
    _import(path)
    assert_unchanged(project)


def test_the_importer_reports_a_start_after_today_and_undecided_items(tmp_path, ledger_world, coded, pending_item):
    later = timezone.localdate() + dt.timedelta(days=40)
    path = write_xlsx(
        tmp_path / "start.xlsx",
        [HEADER, [coded.pk, coded.name, "产业类", 10000, "新开工", later.isoformat()]],
    )
    err = _import(path)
    assert "实际开工时间不能晚于今天" in err
    assert "前期手续尚有1项未办结(测试用地许可);请在项目页面变更阶段并填写原因" in err
    assert Project.objects.get(pk=coded.pk).stage == Stage.PLANNING


def test_a_new_row_registered_at_started_needs_a_code_and_a_start_not_after_today(tmp_path, ledger_world):
    later = timezone.localdate() + dt.timedelta(days=40)
    header = ["项目名称", "项目类别", "计划年度", "总投资", "项目阶段", "实际开工时间", "项目代码"]
    rows = [
        header,
        ["无代码新开工项目", "产业类", 2024, 10000, "新开工", timezone.localdate().isoformat(), None],
        ["未来开工项目", "产业类", 2024, 10000, "新开工", later.isoformat(), "2403-141081-04-01-513027"],
    ]
    err = _import(write_xlsx(tmp_path / "new.xlsx", rows))
    assert "第2行" in err and "变更为新开工须先填写项目代码" in err
    assert "第3行" in err and "实际开工时间不能晚于今天" in err
    assert not Project.objects.filter(name__in=["无代码新开工项目", "未来开工项目"]).exists()

    rows[1][6], rows[2][5] = "2403-141081-04-01-513028", timezone.localdate().isoformat()
    call_command("import-ledger", str(write_xlsx(tmp_path / "fixed.xlsx", rows)), stdout=StringIO())
    assert set(Project.objects.filter(stage=Stage.STARTED).values_list("name", flat=True)) >= {
        "无代码新开工项目",
        "未来开工项目",
    }
