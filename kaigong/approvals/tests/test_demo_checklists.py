"""Demo checklists: `kaigong load-demo` gives demo projects checklists in plausible states, idempotently."""

import io
import re

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from kaigong.accounts.models import User
from kaigong.approvals.choices import Decision, ItemStatus, WarningLevel
from kaigong.approvals.demo import ACTOR_LABEL, SELECTION
from kaigong.approvals.models import Checklist, ChecklistItem, CorrectionWindow
from kaigong.audit.models import AuditEvent
from kaigong.projects.models import Project

DOCUMENT_NUMBER = re.compile(r"^侯\w+〔20\d\d〕\d+号$")


def run_load_demo() -> str:
    out = io.StringIO()
    call_command("load-demo", stdout=out, skip_checks=True)
    return out.getvalue()


@pytest.fixture(scope="module")
def demo_output(django_db_setup, django_db_blocker):
    """Load the demo city once for this module, inside a transaction rolled back at the end."""
    fast_hasher = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    with django_db_blocker.unblock(), fast_hasher, transaction.atomic():
        output = run_load_demo()
        yield output
        transaction.set_rollback(True)


@pytest.fixture
def demo(demo_output, db):
    return demo_output


def test_selected_demo_projects_have_checklists(demo):
    assert "审批清单" in demo
    assert Checklist.objects.count() == sum(SELECTION.values())
    with_checklist = Project.objects.filter(checklist__isnull=False)
    # the rule attributes were filled in, so each checklist follows its project's review regime
    assert not with_checklist.filter(review_regime="").exists()
    assert ChecklistItem.objects.filter(matter__code="filing", checklist__project__review_regime="filing").exists()
    assert (
        not ChecklistItem.objects.filter(matter__code="filing")
        .exclude(checklist__project__review_regime="filing")
        .exists()
    )
    assert AuditEvent.objects.filter(actor_label=ACTOR_LABEL, content_type__model="checklistitem").exists()


def test_items_are_in_plausible_states(demo):
    decided = ChecklistItem.objects.filter(status=ItemStatus.DECIDED)
    assert decided.exists()
    for item in decided:
        assert item.decision == Decision.APPROVED
        assert DOCUMENT_NUMBER.match(item.document_number), item.document_number
        assert item.submitted_on <= item.accepted_on <= item.decided_on
        assert item.actual_workdays is not None
    running = ChecklistItem.objects.filter(status=ItemStatus.ACCEPTED)
    for level in (WarningLevel.GREEN, WarningLevel.YELLOW, WarningLevel.RED):
        assert running.filter(warning_level=level).exists(), level
    red = running.filter(warning_level=WarningLevel.RED).first()
    assert red.remaining_workdays < 0
    green = running.filter(warning_level=WarningLevel.GREEN).first()
    assert 0 < green.elapsed_workdays < green.elapsed_workdays + green.remaining_workdays
    open_corrections = CorrectionWindow.objects.filter(resumed_on=None)
    assert ChecklistItem.objects.filter(status=ItemStatus.CORRECTION_REQUESTED, corrections__in=open_corrections)
    assert ChecklistItem.objects.filter(status__in=[ItemStatus.PREPARING, ItemStatus.SUBMITTED]).exists()
    assert ChecklistItem.objects.filter(status=ItemStatus.NOT_STARTED).exists()


def test_second_run_writes_nothing(demo):
    events = AuditEvent.objects.count()
    items = list(ChecklistItem.objects.order_by("pk").values_list("pk", "status", "updated_at"))
    versions = dict(Project.objects.values_list("pk", "version"))
    output = run_load_demo()
    assert "无新建数据" in output
    assert AuditEvent.objects.count() == events
    assert list(ChecklistItem.objects.order_by("pk").values_list("pk", "status", "updated_at")) == items
    assert dict(Project.objects.values_list("pk", "version")) == versions


def test_office_warning_list_shows_yellow_and_red_items(demo, client, django_assert_max_num_queries):
    client.force_login(User.objects.get(username="office"))
    with django_assert_max_num_queries(15):
        response = client.get(reverse("approvals:warning-list"))
    assert response.status_code == 200
    shown = list(response.context["page_obj"].object_list)
    assert {item.warning_level for item in shown} == {WarningLevel.YELLOW, WarningLevel.RED}
    red = next(item for item in shown if item.warning_level == WarningLevel.RED)
    assert red.checklist.project.name in response.content.decode()


def test_warning_list_needs_login(demo, client):
    response = client.get(reverse("approvals:warning-list"))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_project_checklist_tab_of_a_demo_project(demo, client):
    client.force_login(User.objects.get(username="office"))
    item = ChecklistItem.objects.filter(status=ItemStatus.DECIDED).select_related("checklist").first()
    response = client.get(reverse("approvals:project-checklist", args=[item.checklist.project_id]))
    assert response.status_code == 200
    assert item.document_number in response.content.decode()


def test_demo_has_plans_with_baselines_and_exactly_one_infeasible(demo, client):
    from kaigong.approvals.models import ProjectPlan
    from kaigong.approvals.plans.services import refresh_forecasts

    today = timezone.localdate()
    # Every checklist has a plan row (its forecast summary); the demo made plans with baselines for every project
    # not yet started, their planned groundbreaking re-set from today.
    assert ProjectPlan.objects.count() == Checklist.objects.count()
    not_started = ProjectPlan.objects.select_related("project").filter(project__stage__in=["planning", "preparation"])
    assert {plan.project.stage for plan in not_started} == {"planning", "preparation"}
    assert all(plan.baseline_saved_at is not None for plan in not_started)
    assert ProjectPlan.objects.filter(baseline_saved_at__isnull=False).count() == len(not_started) > 0
    assert all(plan.project.planned_start_date > today for plan in not_started)
    infeasible = [plan for plan in not_started if plan.is_feasible is False]
    assert len(infeasible) == 1
    project = infeasible[0].project
    assert project.stage == "preparation" and infeasible[0].late_items
    assert infeasible[0].forecast_groundbreaking > project.planned_start_date
    others = [plan for plan in not_started if plan.is_feasible is not False]
    assert all(plan.is_feasible is True and plan.margin_workdays >= 0 for plan in others)
    # The stored summaries are those of today's schedule: a refresh finds nothing to change.
    assert refresh_forecasts(today=today)["changed"] == 0

    # The list of late plans tells one story: the office sees exactly that project, on the page and in the API.
    client.force_login(User.objects.get(username="office"))
    response = client.get(reverse("approvals:plan-late-list"))
    assert response.status_code == 200
    assert [plan.project_id for plan in response.context["page_obj"]] == [project.pk]
    assert project.name in response.content.decode()
    api = client.get("/api/approvals/plans/late/").json()
    assert [row["project"] for row in api["results"]] == [project.pk]
    # The heritage demo zone is loaded too, so some demo projects sit in the control zone.
    from kaigong.heritage.models import HeritageSite

    assert HeritageSite.objects.filter(is_illustrative=True).exists()
