"""The plan (一方案) through the pages and the API: per role, forecast and critical path, infeasible plans,
baseline and reasoned slips (audited), query counts."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from kaigong.accounts.choices import Role
from kaigong.accounts.tests.factories import DepartmentFactory, OrganizationFactory, UserFactory
from kaigong.approvals.checklists.services import generate_checklist, transition_item
from kaigong.approvals.models import ApprovalMatter, ChecklistItem, ChecklistRule, PlanDateChange, PlanItem
from kaigong.audit.models import AuditEvent
from kaigong.projects.models import Project

pytestmark = [pytest.mark.django_db, pytest.mark.urls("kaigong.approvals.tests.urls")]

D = dt.date.fromisoformat
TODAY = D("2025-09-22")


@pytest.fixture(autouse=True)
def frozen_today(monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: TODAY)


def build_network(department) -> dict:
    """A(5) → B(3) ┐, C(10) ┴→ E(2) (施工许可-like), F after E in stage 4; only these rules are active."""
    ChecklistRule.objects.update(is_active=False)

    def matter(code, stage, days, *prerequisites):
        m = ApprovalMatter.objects.create(
            code=code,
            name=f"方案测试{code}",
            approval_stage=stage,
            department=department,
            benchmark_limit=days,
            benchmark_source="测试",
        )
        m.prerequisites.set(prerequisites)
        ChecklistRule.objects.create(name=f"需{code}", matter=m, condition={"all": []})
        return m

    a = matter("plan-a", 1, 5)
    b = matter("plan-b", 2, 3, a)
    c = matter("plan-c", 5, 10)
    e = matter("plan-e", 3, 2, b, c)
    f = matter("plan-f", 4, 7, e)
    return {"a": a, "b": b, "c": c, "e": e, "f": f}


@pytest.fixture
def network(db, other_department):
    return build_network(other_department)


@pytest.fixture
def planned(project, network):
    Project.objects.filter(pk=project.pk).update(planned_start_date=D("2025-10-20"))
    project.refresh_from_db()
    generate_checklist(project=project, actor=None, actor_label="test")
    return project


def url(project):
    return reverse("approvals:project-plan", args=[project.pk])


def api_url(project, suffix=""):
    return f"/api/approvals/plans/{project.pk}/{suffix}"


def item_id(project, code):
    return ChecklistItem.objects.get(checklist__project=project, matter__code=code).pk


@pytest.mark.parametrize("role", [Role.OFFICE, Role.ADMIN, Role.DEPARTMENT, Role.LEADER, Role.ENTERPRISE])
def test_everyone_who_sees_the_project_reads_its_plan(users, login, planned, role):
    response = login(users[role]).get(url(planned))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="forecast">2025-10-14<' in html
    assert 'data-testid="feasible"' in html
    critical = response.context["view"].critical_rows
    assert [row.item.matter.code for row in critical] == ["plan-c", "plan-e"]
    assert 'id="plan-gantt"' in html and "approvals/gantt.js" in html and "//cdn" not in html
    can_edit = role in (Role.OFFICE, Role.ADMIN, Role.DEPARTMENT)
    assert (reverse("approvals:plan-baseline", args=[planned.pk]) in html) is can_edit


def test_the_checklist_page_links_to_the_plan(users, login, planned):
    html = login(users[Role.OFFICE]).get(reverse("approvals:project-checklist", args=[planned.pk])).content.decode()
    assert url(planned) in html


def test_stage_4_items_are_listed_but_not_scheduled(users, login, planned):
    rows = {r.item.matter.code: r for r in login(users[Role.OFFICE]).get(url(planned)).context["view"].rows}
    assert not rows["plan-f"].scheduled and rows["plan-f"].early_finish is None
    assert rows["plan-b"].slack == 6 and rows["plan-e"].late_finish == D("2025-10-20")


def test_users_who_do_not_see_the_project_get_404(login, api_login, planned):
    stranger = UserFactory(role=Role.ENTERPRISE, organization=OrganizationFactory())
    other_dept = UserFactory(role=Role.DEPARTMENT, department=DepartmentFactory())
    for user in (stranger, other_dept):
        assert login(user).get(url(planned)).status_code == 404
        assert login(user).post(reverse("approvals:plan-recompute", args=[planned.pk])).status_code == 404
        assert api_login(user).get(api_url(planned)).status_code == 404
        assert api_login(user).post(api_url(planned, "recompute/")).status_code == 404


@pytest.mark.parametrize("role", [Role.LEADER, Role.ENTERPRISE])
def test_readers_cannot_change_the_plan(users, login, api_login, planned, role):
    page = login(users[role])
    assert page.post(reverse("approvals:plan-recompute", args=[planned.pk])).status_code == 403
    assert page.post(reverse("approvals:plan-baseline", args=[planned.pk])).status_code == 403
    form = {"item": item_id(planned, "plan-a"), "duration_workdays": 9}
    assert page.post(reverse("approvals:plan-item-edit", args=[planned.pk]), form).status_code == 403
    api = api_login(users[role])
    assert api.post(api_url(planned, "recompute/")).status_code == 403
    assert api.post(api_url(planned, "baseline/")).status_code == 403
    patch = api.patch(api_url(planned, f"items/{item_id(planned, 'plan-a')}/"), {"duration_workdays": 9}, format="json")
    assert patch.status_code == 403
    assert not PlanItem.objects.exists()


@pytest.mark.parametrize("role", [Role.OFFICE, Role.ADMIN, Role.DEPARTMENT])
def test_editors_recompute_and_targets_follow_the_schedule(users, login, planned, role):
    response = login(users[role]).post(reverse("approvals:plan-recompute", args=[planned.pk]))
    assert response.status_code == 302
    targets = {
        p.item.matter.code: (p.target_start, p.target_finish) for p in PlanItem.objects.select_related("item__matter")
    }
    assert targets["plan-e"] == (D("2025-10-11"), D("2025-10-14"))
    assert targets["plan-f"] == (None, None)
    planned.plan.refresh_from_db()
    assert planned.plan.forecast_groundbreaking == D("2025-10-14") and planned.plan.is_feasible is True
    assert AuditEvent.objects.filter(project=planned, code="recompute").exists()


def test_api_plan_with_critical_path_forecast_and_infeasibility(users, api_login, planned):
    Project.objects.filter(pk=planned.pk).update(planned_start_date=D("2025-10-13"))
    response = api_login(users[Role.LEADER]).get(api_url(planned))
    assert response.status_code == 200
    data = response.json()
    assert data["forecast_groundbreaking"] == "2025-10-14" and data["planned_groundbreaking"] == "2025-10-13"
    assert data["feasible"] is False and data["margin_workdays"] == -1
    assert data["critical_path"] == [item_id(planned, "plan-c"), item_id(planned, "plan-e")]
    assert data["late_items"] == [item_id(planned, "plan-c"), item_id(planned, "plan-e")]
    assert data["saved"] is False
    rows = {row["matter_code"]: row for row in data["items"]}
    assert rows["plan-c"]["slack_workdays"] == -1 and rows["plan-c"]["is_critical"] is True
    assert rows["plan-a"]["duration_workdays"] == 5 and rows["plan-a"]["duration_is_default"] is True


def test_an_infeasible_plan_is_flagged_on_the_page_with_its_items(users, login, planned):
    Project.objects.filter(pk=planned.pk).update(planned_start_date=D("2025-10-13"))
    html = login(users[Role.OFFICE]).get(url(planned)).content.decode()
    assert 'data-testid="infeasible"' in html
    assert 'data-late-item="plan-c"' in html and 'data-late-item="plan-e"' in html
    assert 'data-late-item="plan-a"' not in html


def test_decided_and_running_items_move_the_forecast(users, api_login, planned, approving_officer):
    a = ChecklistItem.objects.get(pk=item_id(planned, "plan-a"))
    c = ChecklistItem.objects.get(pk=item_id(planned, "plan-c"))
    officer = api_login(users[Role.OFFICE])
    for item in (a, c):
        transition_item(item=item, action="submit", actor=None, actor_label="t", on=D("2025-09-01"))
        transition_item(item=item, action="accept", actor=None, actor_label="t", on=D("2025-09-01"))
    transition_item(
        item=a,
        action="decide",
        actor=None,
        actor_label="t",
        on=D("2025-09-05"),
        decision="approved",
        document_number="1号",
    )
    transition_item(
        item=c, action="request_correction", actor=None, actor_label="t", on=D("2025-09-10"), reason="补材料"
    )
    # C (10 days from Sep 1) stopped since Sep 10 (open: runs to today); B starts today.
    data = officer.get(api_url(planned)).json()
    rows = {row["matter_code"]: row for row in data["items"]}
    assert rows["plan-a"]["early_finish"] == "2025-09-05" and rows["plan-a"]["slack_workdays"] is None
    assert rows["plan-a"]["actual_start"] == "2025-09-01" and rows["plan-a"]["actual_finish"] == "2025-09-05"
    # Counted for C: Sep 2–5, 8, 9 (6), then after today: 23, 24, 25, 26 → Sep 26.
    assert rows["plan-c"]["early_finish"] == "2025-09-26"
    assert rows["plan-b"]["early_start"] == "2025-09-22" and rows["plan-b"]["early_finish"] == "2025-09-25"
    assert data["forecast_groundbreaking"] == "2025-09-29"  # E: 2 days after C (Sep 28 make-up, 29)
    assert data["critical_path"] == [c.pk, item_id(planned, "plan-e")]


def decide(project, code, decision, on):
    """Submit, accept and decide a matter of ``project`` on day ``on``."""
    item = ChecklistItem.objects.get(checklist__project=project, matter__code=code)
    for action in ("submit", "accept"):
        transition_item(item=item, action=action, actor=None, actor_label="t", on=on)
    return transition_item(
        item=item, action="decide", actor=None, actor_label="t", on=on, decision=decision, document_number="1号"
    )


@pytest.mark.parametrize("role", [Role.OFFICE, Role.LEADER, Role.ENTERPRISE])
def test_a_refused_permit_must_be_applied_for_again_and_blocks_the_plan(users, login, api_login, planned, role):
    Project.objects.filter(pk=planned.pk).update(planned_start_date=D("2025-10-10"))
    decide(planned, "plan-c", "approved", D("2025-09-10"))
    decide(planned, "plan-a", "refused", D("2025-09-05"))
    a, b, e = (item_id(planned, code) for code in ("plan-a", "plan-b", "plan-e"))

    data = api_login(users[role]).get(api_url(planned)).json()
    rows = {row["matter_code"]: row for row in data["items"]}
    # A again in full from today: Sep 23–26, 28 → B (3): 29, 30, Oct 9 → E (2): Oct 10, 11 (the make-up Saturday).
    assert rows["plan-a"]["refused"] is True and rows["plan-a"]["refused_notice"] == "已被不予许可,需重新申报"
    assert (rows["plan-a"]["early_start"], rows["plan-a"]["early_finish"]) == ("2025-09-22", "2025-09-28")
    assert rows["plan-a"]["actual_finish"] == "2025-09-05"  # the refused application, as it happened
    assert rows["plan-b"]["early_finish"] == "2025-10-09" and rows["plan-c"]["refused"] is False
    assert data["forecast_groundbreaking"] == "2025-10-11" and data["feasible"] is False
    assert data["margin_workdays"] == -1
    assert data["late_items"] == [a, b, e]  # the chain through the refused A, each a day short
    assert [rows[code]["slack_workdays"] for code in ("plan-a", "plan-b", "plan-e")] == [-1, -1, -1]
    assert data["refused_items"] == [a] and data["critical_path"] == [a, b, e]

    html = login(users[role]).get(url(planned)).content.decode()
    assert 'data-testid="infeasible"' in html and 'data-refused-item="plan-a"' in html
    assert html.count('data-refused="1"') == 1 and "已被不予许可,需重新申报" in html


def test_an_approved_permit_lets_the_same_plan_pass(users, api_login, planned):
    Project.objects.filter(pk=planned.pk).update(planned_start_date=D("2025-10-10"))
    decide(planned, "plan-c", "approved", D("2025-09-10"))
    decide(planned, "plan-a", "approved", D("2025-09-05"))
    data = api_login(users[Role.OFFICE]).get(api_url(planned)).json()
    assert data["feasible"] is True and data["forecast_groundbreaking"] == "2025-09-28" and data["refused_items"] == []


def test_baseline_then_a_reasoned_slip_is_kept_and_audited(users, api_login, login, planned):
    api = api_login(users[Role.DEPARTMENT])
    assert api.post(api_url(planned, "baseline/")).status_code == 200
    e = item_id(planned, "plan-e")
    assert AuditEvent.objects.filter(project=planned, code="baseline").exists()

    refused = api.patch(api_url(planned, f"items/{e}/"), {"target_finish": "2025-10-17"}, format="json")
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "validation_error" and "reason" in refused.json()["error"]["fields"]
    assert not PlanDateChange.objects.exists()

    response = api.patch(
        api_url(planned, f"items/{e}/"), {"target_finish": "2025-10-17", "reason": "消防审查延期"}, format="json"
    )
    assert response.status_code == 200
    row = {r["matter_code"]: r for r in response.json()["items"]}["plan-e"]
    assert row["baseline_finish"] == "2025-10-14" and row["target_finish"] == "2025-10-17"
    assert row["slip_workdays"] == 3 and row["target_set_manually"] is True
    change = PlanDateChange.objects.get()
    assert (change.old_finish, change.new_finish, change.reason) == (D("2025-10-14"), D("2025-10-17"), "消防审查延期")
    assert change.actor == users[Role.DEPARTMENT]
    event = AuditEvent.objects.get(project=planned, note="消防审查延期")
    assert event.changes["target_finish"] == ["2025-10-14", "2025-10-17"] and event.actor == users[Role.DEPARTMENT]
    assert response.json()["history"][0]["reason"] == "消防审查延期"

    # A recompute after the baseline keeps the target; the page shows the slip and the history.
    assert api.post(api_url(planned, "recompute/")).status_code == 200
    assert PlanItem.objects.get(item_id=e).target_finish == D("2025-10-17")
    html = login(users[Role.LEADER]).get(url(planned)).content.decode()
    assert "+3" in html and "消防审查延期" in html and 'data-testid="plan-history"' in html


def test_page_edit_duration_moves_unbaselined_targets(users, login, planned):
    client = login(users[Role.OFFICE])
    form = {
        "item": item_id(planned, "plan-c"),
        "duration_workdays": 12,
        "target_start": "",
        "target_finish": "",
        "reason": "",
    }
    assert client.post(reverse("approvals:plan-item-edit", args=[planned.pk]), form).status_code == 302
    plan_item = PlanItem.objects.get(item_id=item_id(planned, "plan-c"))
    assert plan_item.duration_workdays == 12 and plan_item.target_finish == D("2025-10-14")  # 10 → 12 working days
    assert AuditEvent.objects.filter(project=planned, changes__duration_workdays=[None, 12]).exists()


def test_a_target_finish_before_its_start_is_refused(users, api_login, planned):
    response = api_login(users[Role.OFFICE]).patch(
        api_url(planned, f"items/{item_id(planned, 'plan-a')}/"),
        {"target_start": "2025-10-10", "target_finish": "2025-10-01"},
        format="json",
    )
    assert response.status_code == 400 and "target_finish" in response.json()["error"]["fields"]


def test_an_item_of_another_project_is_refused(users, api_login, planned, department, organization):
    from kaigong.projects.tests.factories import ProjectFactory

    other = ProjectFactory(responsible_department=department, owner=organization)
    generate_checklist(project=other, actor=None, actor_label="test")
    response = api_login(users[Role.OFFICE]).patch(
        api_url(planned, f"items/{item_id(other, 'plan-a')}/"), {"duration_workdays": 3}, format="json"
    )
    assert response.status_code == 400


def test_a_project_without_a_checklist(users, login, api_login, project, network):
    assert "尚未生成审批清单" in login(users[Role.OFFICE]).get(url(project)).content.decode()
    assert api_login(users[Role.OFFICE]).get(api_url(project)).json()["has_checklist"] is False
    response = api_login(users[Role.OFFICE]).post(api_url(project, "recompute/"))
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_plan_input"


def test_plan_page_query_count(users, login, planned, django_assert_max_num_queries):
    client = login(users[Role.OFFICE])
    client.post(reverse("approvals:plan-baseline", args=[planned.pk]))
    client.get(url(planned))  # warm the calendar snapshot
    with django_assert_max_num_queries(14):
        assert client.get(url(planned)).status_code == 200


def test_the_plan_read_is_five_queries_whatever_its_slips_and_corrections(
    users, api_login, planned, django_assert_num_queries
):
    """The project with checklist, plan and edit right; items with their plan rows; corrections; the catalogue's
    prerequisites; the slips (each hung on its already-loaded item)."""
    from kaigong.approvals.plans.selectors import get_project_plan

    api = api_login(users[Role.OFFICE])
    assert api.post(api_url(planned, "baseline/")).status_code == 200
    for code, finish in (("plan-e", "2025-10-17"), ("plan-b", "2025-10-15")):
        patch = {"target_finish": finish, "reason": f"延期{code}"}
        assert api.patch(api_url(planned, f"items/{item_id(planned, code)}/"), patch, format="json").status_code == 200
    running = ChecklistItem.objects.get(checklist__project=planned, matter__code="plan-c")
    for action in ("submit", "accept", "request_correction"):
        transition_item(item=running, action=action, actor=None, actor_label="test", on=TODAY, reason="补材料")
        running.refresh_from_db()
    get_project_plan(user=users[Role.OFFICE], project_pk=planned.pk)  # the process's calendar, loaded once
    with django_assert_num_queries(5):
        view = get_project_plan(user=users[Role.OFFICE], project_pk=planned.pk)
        slips = [(change.plan_item.item.matter.code, change.reason) for change in view.history]
        rows = {row.item.matter.code: (row.target_finish, row.baseline_finish) for row in view.rows}
    assert slips == [("plan-b", "延期plan-b"), ("plan-e", "延期plan-e")]
    assert rows["plan-e"] == (D("2025-10-17"), D("2025-10-14"))
    assert view.can_edit is True
    assert get_project_plan(user=users[Role.LEADER], project_pk=planned.pk).can_edit is False
