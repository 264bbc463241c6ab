"""The stored forecast summary (plan_services.refresh_forecasts) and the list of plans whose planned groundbreaking
date cannot be met: batch equals one by one equals the plan page, only changed rows written, queries bounded per
batch; the list page, its Excel export and the API per role, with filters and sorting; the wiring (checklist
generation and item transitions keep the summary current) and `kaigong approvals generate | forecast`."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from rest_framework.test import APIClient

from kaigong.accounts.choices import Role
from kaigong.approvals.checklists.services import generate_checklist, transition_item
from kaigong.approvals.models import ChecklistItem, ProjectPlan
from kaigong.approvals.plans import selectors as plan_selectors
from kaigong.approvals.plans.services import recompute_plan, refresh_forecasts, refresh_project_forecast
from kaigong.approvals.tests.test_plan_pages import build_network, decide
from kaigong.audit.models import AuditEvent
from kaigong.projects.models import Project
from kaigong.projects.tests.factories import CategoryFactory, ProjectFactory
from kaigong.workdays.calendar import get_calendar

pytestmark = [pytest.mark.django_db, pytest.mark.urls("kaigong.approvals.tests.urls")]

D = dt.date.fromisoformat
TODAY = D("2025-09-22")
NEXT_DAY = D("2025-09-23")
LIST_URL = "/approvals/plans/late/"
API_URL = "/api/approvals/plans/late/"


@pytest.fixture(autouse=True)
def frozen_today(monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: TODAY)


@pytest.fixture
def categories(db):
    return CategoryFactory(name="产业类", code="industry"), CategoryFactory(name="基础设施类", code="infrastructure")


@pytest.fixture
def projects(db, department, other_department, organization, other_organization, categories):
    """Projects on the A→B, C → E network (see test_plan_pages), each in a different state.

    Untouched, the network forecasts groundbreaking on Oct 14 (C 10 days, then E 2). Generating the checklists and
    moving the items stored each plan's summary as of TODAY (the started project's before it started).
    """
    build_network(other_department)
    industry, infrastructure = categories

    def make(name, planned, dept, owner, category, year=2025, checklist=True):
        project = ProjectFactory(
            name=name,
            planned_start_date=planned,
            responsible_department=dept,
            owner=owner,
            category=category,
            year=year,
        )
        if checklist:
            generate_checklist(project=project, actor=None, actor_label="test")
        return project

    made = {
        "ok": make("按期项目", D("2025-10-20"), department, organization, industry),
        "late": make("拖期项目", D("2025-10-13"), department, organization, industry),
        "later": make("严重拖期项目", D("2025-10-01"), other_department, other_organization, infrastructure, 2024),
        "refused": make("不予许可项目", D("2025-10-10"), other_department, organization, infrastructure),
        "undated": make("未定开工日期项目", None, department, organization, industry),
        "running": make("补正中项目", D("2025-10-20"), other_department, other_organization, industry),
        "override": make("调整用时项目", D("2025-10-20"), department, organization, industry),
        "started": make("已开工项目", D("2025-10-01"), department, organization, industry),
        "bare": make("无清单项目", D("2025-10-01"), department, organization, industry, checklist=False),
    }
    decide(made["refused"], "plan-c", "approved", D("2025-09-10"))
    decide(made["refused"], "plan-a", "refused", D("2025-09-05"))
    c = ChecklistItem.objects.get(checklist__project=made["running"], matter__code="plan-c")
    for action, on in (("submit", "2025-09-01"), ("accept", "2025-09-01"), ("request_correction", "2025-09-10")):
        transition_item(item=c, action=action, actor=None, actor_label="t", on=D(on), reason="补材料")
    from kaigong.approvals.plans.services import update_plan_item

    update_plan_item(
        project=made["override"],
        item_id=ChecklistItem.objects.get(checklist__project=made["override"], matter__code="plan-c").pk,
        actor=None,
        duration_workdays=14,
        today=TODAY,
    )
    Project.objects.filter(pk=made["started"].pk).update(stage="started")
    return made


def summaries() -> dict:
    return {
        plan.project_id: (
            plan.forecast_groundbreaking,
            plan.margin_workdays,
            plan.is_feasible,
            plan.late_items,
            plan.computed_on,
        )
        for plan in ProjectPlan.objects.all()
    }


def names(project) -> list[str]:
    return [late["matter"] for late in ProjectPlan.objects.get(project=project).late_items]


def writes(context) -> list[str]:
    return [q["sql"] for q in context.captured_queries if q["sql"].lstrip().upper().startswith(("UPDATE", "INSERT"))]


# --- the service --------------------------------------------------------------------------------------------


def test_the_summary_of_each_kind_of_plan(projects):
    refresh_forecasts(project_ids=[p.pk for p in projects.values()], today=TODAY)
    plan = {key: ProjectPlan.objects.filter(project=p).first() for key, p in projects.items()}
    assert (plan["ok"].forecast_groundbreaking, plan["ok"].margin_workdays, plan["ok"].is_feasible) == (
        D("2025-10-14"),
        4,
        True,
    )
    assert plan["ok"].late_items == [] and plan["ok"].computed_on == TODAY
    late = plan["late"]
    assert (late.forecast_groundbreaking, late.margin_workdays, late.is_feasible) == (D("2025-10-14"), -1, False)
    c, e = (ChecklistItem.objects.get(checklist__project=projects["late"], matter__code=f"plan-{x}").pk for x in "ce")
    assert late.late_items == [
        {"item": c, "matter": "方案测试plan-c", "slack": -1, "refused": False},
        {"item": e, "matter": "方案测试plan-e", "slack": -1, "refused": False},
    ]
    # Planned Oct 1 (a holiday): decided by Sep 30; the forecast Oct 14 is five workdays later (Oct 9–11, 13, 14).
    assert plan["later"].margin_workdays == -5 and plan["later"].is_feasible is False
    assert (plan["undated"].is_feasible, plan["undated"].margin_workdays) == (None, None)
    assert plan["undated"].forecast_groundbreaking == D("2025-10-14")
    refused = plan["refused"]
    assert refused.is_feasible is False and refused.margin_workdays == -1
    assert [(x["matter"], x["refused"]) for x in refused.late_items] == [
        ("方案测试plan-a", True),
        ("方案测试plan-b", False),
        ("方案测试plan-e", False),
    ]
    # C stopped for 补正 finishes Sep 26, before A → B (Oct 9) → E: Oct 11, six workdays before Oct 20.
    assert plan["running"].forecast_groundbreaking == D("2025-10-11") and plan["running"].margin_workdays == 6
    # C takes 14 days instead of 10: Oct 16, then E → Oct 20, the planned day itself.
    assert plan["override"].forecast_groundbreaking == D("2025-10-20") and plan["override"].margin_workdays == 0
    assert plan["started"].is_feasible is False  # named explicitly: computed whatever its stage
    assert plan["bare"] is None  # no checklist, no plan


def test_the_batch_stores_what_one_by_one_and_the_plan_page_compute(projects, users):
    ids = [p.pk for p in projects.values()]
    for project in projects.values():
        refresh_project_forecast(project=project, today=TODAY)
    one_by_one = summaries()
    assert len(one_by_one) == len(projects) - 1  # every project with a checklist got its plan row
    ProjectPlan.objects.filter(items=None).delete()  # the batch creates the rows again …
    ProjectPlan.objects.update(forecast_groundbreaking=None, margin_workdays=None, is_feasible=None, late_items=[])
    counts = refresh_forecasts(project_ids=ids, today=TODAY, batch_size=3)
    assert summaries() == one_by_one
    assert counts == {
        "projects": 8,
        "created": 7,
        "changed": 1,
        "infeasible": 4,
        "unknown": 1,
        "failed": 0,
        "failed_projects": [],
    }
    for project_id, (forecast, margin, feasible, late_items, _on) in one_by_one.items():
        view = plan_selectors.get_project_plan(user=users[Role.OFFICE], project_pk=project_id, today=TODAY)
        assert (forecast, margin, feasible) == (
            view.schedule.forecast_groundbreaking,
            view.schedule.margin,
            view.schedule.feasible,
        )
        assert [late["item"] for late in late_items] == view.schedule.late_items
        assert [late["item"] for late in late_items] == [row.item.pk for row in view.late_rows]


def test_by_default_the_batch_covers_the_projects_not_yet_started(projects):
    # Generating a checklist gave each project its plan row; the started one got its summary before it started.
    assert set(summaries()) == {p.pk for key, p in projects.items() if key != "bare"}
    ProjectPlan.objects.filter(project=projects["ok"]).delete()  # as after a bulk generation, before its refresh
    started = summaries()[projects["started"].pk]

    counts = refresh_forecasts(today=NEXT_DAY)
    assert counts["projects"] == 7 and counts["created"] == 1
    rewritten = {project_id for project_id, summary in summaries().items() if summary[-1] == NEXT_DAY}
    assert rewritten == {p.pk for key, p in projects.items() if key not in ("started", "bare")}
    assert summaries()[projects["started"].pk] == started  # a started project keeps its last summary
    assert refresh_project_forecast(project=projects["bare"], today=TODAY)["projects"] == 0
    assert not ProjectPlan.objects.filter(project=projects["bare"]).exists()


def test_only_changed_summaries_are_written(projects):
    # Generation, transitions and the plan edit of the fixture kept every summary current: nothing to write.
    with CaptureQueriesContext(connection) as context:
        first = refresh_forecasts(today=TODAY)
    assert (first["projects"], first["changed"], first["created"]) == (7, 0, 0) and writes(context) == []

    # Changes made without the hooks (a bulk update of a planned date, a stale stored value): only those two plans
    # are rewritten, in one UPDATE.
    before = summaries()
    Project.objects.filter(pk=projects["ok"].pk).update(planned_start_date=D("2025-10-13"))
    ProjectPlan.objects.filter(project=projects["late"]).update(margin_workdays=99)
    with CaptureQueriesContext(connection) as context:
        second = refresh_forecasts(today=TODAY)
    assert second["changed"] == 2 and len(writes(context)) == 1
    after = summaries()
    assert after.pop(projects["late"].pk) == before.pop(projects["late"].pk)  # back to its computed -1
    ok = after.pop(projects["ok"].pk)
    assert (ok[1], ok[2]) == (-1, False) and [late["matter"] for late in ok[3]] == ["方案测试plan-c", "方案测试plan-e"]
    before.pop(projects["ok"].pk)
    assert after == before

    # Computed on an earlier day, same values: one UPDATE of the date alone (of the projects not yet started).
    ProjectPlan.objects.update(computed_on=D("2025-09-19"))
    with CaptureQueriesContext(connection) as context:
        third = refresh_forecasts(today=TODAY)
    assert third["changed"] == 0
    (sql,) = writes(context)
    assert "computed_on" in sql and "late_items" not in sql
    computed_on = dict(ProjectPlan.objects.values_list("project_id", "computed_on"))
    assert computed_on.pop(projects["started"].pk) == D("2025-09-19")
    assert set(computed_on.values()) == {TODAY}


def test_the_next_day_moves_the_forecast_of_open_items(projects):
    refresh_forecasts(today=TODAY)
    counts = refresh_forecasts(today=NEXT_DAY)
    assert counts["changed"] == 7  # every plan has open items, so every forecast moves by a day
    assert ProjectPlan.objects.get(project=projects["ok"]).forecast_groundbreaking == D("2025-10-15")


def test_queries_are_bounded_per_batch_not_per_project(projects):
    ids = [p.pk for p in projects.values()]
    get_calendar()  # warm the calendar snapshot

    def queries(project_ids, batch_size=500):
        ProjectPlan.objects.all().delete()
        with CaptureQueriesContext(connection) as context:
            refresh_forecasts(project_ids=project_ids, today=TODAY, batch_size=batch_size)
        return len(context)

    two, all_of_them = queries(ids[:2]), queries(ids)
    assert two == all_of_them <= 12
    assert queries(ids, batch_size=3) <= 3 * all_of_them  # three batches of three


def test_the_plan_page_and_recompute_keep_the_summary(projects, users, login):
    late = projects["late"]
    assert ProjectPlan.objects.get(project=late).is_feasible is False  # stored when its checklist was generated
    ProjectPlan.objects.filter(project=late).update(margin_workdays=None, is_feasible=None, late_items=[])
    client = login(users[Role.LEADER])
    assert client.get(reverse("approvals:project-plan", args=[late.pk])).status_code == 200
    plan = ProjectPlan.objects.get(project=late)
    assert (plan.margin_workdays, plan.is_feasible, len(plan.late_items)) == (-1, False, 2)
    with CaptureQueriesContext(connection) as context:
        client.get(reverse("approvals:project-plan", args=[late.pk]))
    assert writes(context) == []  # unchanged: nothing written

    # A page read never creates a plan row; a recompute stores the whole summary.
    undated = projects["undated"]
    ProjectPlan.objects.filter(project=undated).delete()  # as after a bulk generation, before its refresh
    client.get(reverse("approvals:project-plan", args=[undated.pk]))
    assert not ProjectPlan.objects.filter(project=undated).exists()
    Project.objects.filter(pk=undated.pk).update(planned_start_date=D("2025-10-13"))
    undated.refresh_from_db()
    recompute_plan(project=undated, actor=users[Role.OFFICE], today=TODAY)
    plan = ProjectPlan.objects.get(project=undated)
    assert (plan.margin_workdays, plan.is_feasible, len(plan.late_items)) == (-1, False, 2)


def test_a_plan_row_from_the_refresh_is_not_a_saved_plan(projects, users, api_login):
    refresh_project_forecast(project=projects["late"], today=TODAY)
    data = api_login(users[Role.OFFICE]).get(f"/api/approvals/plans/{projects['late'].pk}/").json()
    assert data["saved"] is False
    assert api_login(users[Role.OFFICE]).post(f"/api/approvals/plans/{projects['late'].pk}/recompute/").json()["saved"]


# --- the list: page, export, API ------------------------------------------------------------------------------


@pytest.fixture
def refreshed(projects):
    refresh_forecasts(project_ids=[p.pk for p in projects.values()], today=TODAY)
    return projects


VISIBLE = {
    Role.ADMIN: ["严重拖期项目", "拖期项目", "不予许可项目"],
    Role.OFFICE: ["严重拖期项目", "拖期项目", "不予许可项目"],
    Role.LEADER: ["严重拖期项目", "拖期项目", "不予许可项目"],
    Role.DEPARTMENT: ["拖期项目"],  # the projects its department is responsible for
    Role.ENTERPRISE: ["拖期项目", "不予许可项目"],  # its own
}


@pytest.mark.parametrize("role", list(VISIBLE))
def test_the_list_page_per_role(users, login, refreshed, role):
    response = login(users[role]).get(LIST_URL)
    assert response.status_code == 200
    plans = list(response.context["page_obj"])
    assert [plan.project.name for plan in plans] == VISIBLE[role]  # tightest margin first; the started one is out
    html = response.content.decode()
    for plan in plans:
        assert reverse("approvals:project-plan", args=[plan.project_id]) in html
    if "拖期项目" in VISIBLE[role]:
        row = html.split(f'data-project="{refreshed["late"].pk}"', 1)[1].split("</tr>", 1)[0]
        assert "2025-10-13" in row and "2025-10-14" in row and ">-1<" in row
        assert "方案测试plan-c(-1)" in row and "方案测试plan-e(-1)" in row
    assert ("已被不予许可,需重新申报" in html) is ("不予许可项目" in VISIBLE[role])


def test_the_list_page_filters_and_sorts(users, login, refreshed, categories, other_department):
    client = login(users[Role.OFFICE])

    def shown(**params):
        return [plan.project.name for plan in client.get(LIST_URL, params).context["page_obj"]]

    assert shown(category=categories[1].pk) == ["严重拖期项目", "不予许可项目"]
    assert shown(responsible_department=other_department.pk) == ["严重拖期项目", "不予许可项目"]
    assert shown(year=2024) == ["严重拖期项目"]
    assert shown(ordering="-margin") == ["不予许可项目", "拖期项目", "严重拖期项目"]
    assert shown(q="拖期") == ["严重拖期项目", "拖期项目"]
    assert shown(year="abc") == []
    html = client.get(LIST_URL, {"ordering": "-margin"}).content.decode()
    assert 'data-testid="sort-margin"' in html and "ordering=margin" in html


def test_the_list_page_is_paginated_with_a_bounded_number_of_queries(
    users, login, refreshed, django_assert_max_num_queries
):
    client = login(users[Role.OFFICE])
    client.get(LIST_URL)
    with django_assert_max_num_queries(8):
        assert client.get(LIST_URL, {"page": 2}).context["page_obj"].number == 1  # one page only: clamped


def test_the_list_page_needs_a_login(client, refreshed):
    response = client.get(LIST_URL)
    assert response.status_code == 302 and "login" in response["Location"]


def test_the_plan_page_links_to_the_list(users, login, refreshed):
    html = login(users[Role.ENTERPRISE]).get(reverse("approvals:project-plan", args=[refreshed["late"].pk]))
    assert reverse("approvals:plan-late-list") == LIST_URL and LIST_URL in html.content.decode()


@pytest.mark.parametrize("role", [Role.OFFICE, Role.DEPARTMENT])
def test_the_excel_export_follows_scope_and_filters(users, login, refreshed, role):
    response = login(users[role]).get(LIST_URL, {"format": "xlsx", "ordering": "margin"})
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "计划开工日期无法实现的项目"
    header, data = rows[2], rows[3:]
    assert header[0] == "项目名称" and "余量(工作日)" in header
    assert [row[0] for row in data] == VISIBLE[role]
    late = next(row for row in data if row[0] == "拖期项目")
    record = dict(zip(header, late, strict=True))
    assert record["计划开工日期"].date() == D("2025-10-13") and record["预测最早开工日期"].date() == D("2025-10-14")
    assert record["余量(工作日)"] == -1
    assert record["拖期事项(机动时间,工作日)"] == "方案测试plan-c(-1)、方案测试plan-e(-1)"
    if role == Role.OFFICE:
        refused = next(row for row in data if row[0] == "不予许可项目")
        assert "方案测试plan-a(-1,需重新申报)" in refused[header.index("拖期事项(机动时间,工作日)")]
    event = AuditEvent.objects.get(action="export", actor=users[role])
    assert event.changes["params"] == {"ordering": ["margin"]}


@pytest.mark.parametrize("role", list(VISIBLE))
def test_the_api_list_per_role(users, api_login, refreshed, role):
    response = api_login(users[role]).get(API_URL)
    assert response.status_code == 200
    results = response.json()["results"]
    assert [row["project_name"] for row in results] == VISIBLE[role]
    row = next(r for r in results if r["project_name"] == "拖期项目")
    assert row["project"] == refreshed["late"].pk and row["planned_groundbreaking"] == "2025-10-13"
    assert row["forecast_groundbreaking"] == "2025-10-14" and row["margin_workdays"] == -1
    assert [(x["matter"], x["slack"]) for x in row["late_items"]] == [("方案测试plan-c", -1), ("方案测试plan-e", -1)]
    assert row["category"] == "产业类" and row["computed_on"] == "2025-09-22"


def test_the_api_list_filters_sorts_and_refuses_bad_input(users, api_login, refreshed, categories, other_department):
    api = api_login(users[Role.LEADER])

    def shown(**params):
        return [row["project_name"] for row in api.get(API_URL, params).json()["results"]]

    assert shown(category=categories[1].pk, ordering="-margin") == ["不予许可项目", "严重拖期项目"]
    assert shown(responsible_department=other_department.pk, year=2025) == ["不予许可项目"]
    refused = next(r for r in api.get(API_URL).json()["results"] if r["project_name"] == "不予许可项目")
    assert [x["refused"] for x in refused["late_items"]] == [True, False, False]
    bad = api.get(API_URL, {"year": "abc", "ordering": "sideways"})
    assert bad.status_code == 400 and set(bad.json()["error"]["fields"]) == {"year", "ordering"}
    assert APIClient().get(API_URL).status_code == 401


def test_the_api_list_is_documented(client, users):
    client.force_login(users[Role.OFFICE])  # the schema is for logged-in users
    schema = client.get(reverse("api-schema"), {"format": "json"}).json()
    operation = schema["paths"]["/api/approvals/plans/late/"]["get"]
    assert operation["summary"] and "400" in operation["responses"]
    parameters = {p["name"] for p in operation["parameters"]}
    assert {"q", "category", "responsible_department", "year", "ordering", "page"} <= parameters
    row = schema["components"]["schemas"]["PlanItemRow"]["properties"]
    assert {"refused", "refused_notice"} <= set(row)


def test_the_background_task_runs_the_same_refresh(projects):
    from kaigong.approvals.plans.tasks import refresh_forecasts_task

    computed = summaries()
    ProjectPlan.objects.update(forecast_groundbreaking=None, margin_workdays=None, is_feasible=None, late_items=[])
    result = refresh_forecasts_task.enqueue()
    assert result.return_value == {
        "projects": 7,
        "created": 0,
        "changed": 7,
        "infeasible": 3,
        "unknown": 1,
        "failed": 0,
        "failed_projects": [],
    }
    stored = summaries()
    started = projects["started"].pk
    assert stored.pop(started)[:4] == (None, None, None, [])  # the default run: projects not yet started
    computed.pop(started)
    assert stored == computed
    assert set(ProjectPlan.objects.filter(is_feasible=False).values_list("project__name", flat=True)) == {
        "拖期项目",
        "严重拖期项目",
        "不予许可项目",
    }


# --- the wiring: checklist generation, item transitions and the CLI keep the summary current ------------------


def move(api, project, code, action, on, **data):
    item = ChecklistItem.objects.get(checklist__project=project, matter__code=code)
    response = api.post(
        f"/api/approvals/items/{item.pk}/transition/", {"action": action, "on": on, **data}, format="json"
    )
    assert response.status_code == 200, response.content
    return item.pk


def late_names(api) -> list[str]:
    return [row["project_name"] for row in api.get(API_URL).json()["results"]]


def test_an_item_transition_through_the_api_updates_the_stored_forecast(
    projects, users, api_login, login, approving_officer, department, organization, categories
):
    project = ProjectFactory(
        name="待审项目",
        planned_start_date=D("2025-10-10"),
        responsible_department=department,
        owner=organization,
        category=categories[0],
    )
    generate_checklist(project=project, actor=None, actor_label="test")
    applicant, approver = api_login(users[Role.ENTERPRISE]), api_login(approving_officer)
    office = api_login(users[Role.OFFICE])
    # C (10 days) open from today: Oct 14 (with E) is past Oct 10.
    assert ProjectPlan.objects.get(project=project).is_feasible is False and "待审项目" in late_names(office)

    # C decided, A under review since Sep 5: the plan can be met.
    move(applicant, project, "plan-c", "submit", "2025-09-10")
    move(approver, project, "plan-c", "accept", "2025-09-10")
    move(approver, project, "plan-c", "decide", "2025-09-10", decision="approved", document_number="侯住建〔2025〕1号")
    move(applicant, project, "plan-a", "submit", "2025-09-05")
    a = move(approver, project, "plan-a", "accept", "2025-09-05")
    plan = ProjectPlan.objects.get(project=project)
    # A was due Sep 12: overdue, so counted as finishing today; B Sep 23–25, E Sep 26, 28: four workdays to spare.
    assert (plan.forecast_groundbreaking, plan.margin_workdays, plan.is_feasible) == (D("2025-09-28"), 4, True)
    assert plan.late_items == []
    assert "待审项目" not in late_names(office)

    # A refused: applied for again in full from today, A → B → E ends Oct 11, a day late.
    move(approver, project, "plan-a", "decide", "2025-09-19", decision="refused", document_number="侯住建〔2025〕2号")
    plan = ProjectPlan.objects.get(project=project)
    assert (plan.forecast_groundbreaking, plan.margin_workdays, plan.is_feasible) == (D("2025-10-11"), -1, False)
    assert [(x["matter"], x["slack"], x["refused"]) for x in plan.late_items] == [
        ("方案测试plan-a", -1, True),
        ("方案测试plan-b", -1, False),
        ("方案测试plan-e", -1, False),
    ]
    assert plan.late_items[0]["item"] == a and plan.computed_on == TODAY
    row = next(r for r in office.get(API_URL).json()["results"] if r["project_name"] == "待审项目")
    assert row["margin_workdays"] == -1 and [x["refused"] for x in row["late_items"]] == [True, False, False]
    assert "待审项目" in late_names(applicant)  # its own project
    shown = login(users[Role.OFFICE]).get(LIST_URL).context["page_obj"]
    assert project.pk in [plan.project_id for plan in shown]


def test_generating_a_checklist_through_the_api_stores_the_forecast(projects, users, api_login):
    bare = projects["bare"]
    response = api_login(users[Role.OFFICE]).post(f"/api/approvals/checklists/{bare.pk}/generate/")
    assert response.status_code == 200
    plan = ProjectPlan.objects.get(project=bare)
    # Planned Oct 1 (a holiday), like the 严重拖期 project: five workdays short.
    assert (plan.forecast_groundbreaking, plan.margin_workdays, plan.is_feasible) == (D("2025-10-14"), -5, False)
    assert "无清单项目" in late_names(api_login(users[Role.OFFICE]))


def test_the_generate_command_refreshes_the_forecasts_once(projects, capsys):
    bare = projects["bare"]
    call_command("approvals", "generate", "--project", str(bare.pk))
    out = capsys.readouterr().out
    assert "checklists generated: 1" in out
    assert "forecasts: projects=1 created=1 changed=0 infeasible=1 unknown=0" in out
    plan = ProjectPlan.objects.get(project=bare)
    assert (plan.forecast_groundbreaking, plan.margin_workdays, plan.is_feasible) == (D("2025-10-14"), -5, False)
    assert plan.computed_on == TODAY
    assert [(x["matter"], x["slack"]) for x in plan.late_items] == [
        ("方案测试plan-c", -5),
        ("方案测试plan-e", -5),
        ("方案测试plan-a", -3),
        ("方案测试plan-b", -3),
    ]
    assert not plan.items.exists()  # a summary, not a saved plan


def test_the_forecast_command_prints_its_counts(projects, capsys):
    call_command("approvals", "forecast")
    assert capsys.readouterr().out.strip() == "projects=7 created=0 changed=0 infeasible=3 unknown=1"
    call_command("approvals", "forecast", "--date", NEXT_DAY.isoformat())
    # A day later every open item ends a day later: the override plan, with no margin left, is a day short too.
    assert capsys.readouterr().out.strip() == "projects=7 created=0 changed=7 infeasible=4 unknown=1"
    assert ProjectPlan.objects.get(project=projects["ok"]).forecast_groundbreaking == D("2025-10-15")
    assert ProjectPlan.objects.get(project=projects["override"]).margin_workdays == -1
    # Named projects are computed whatever their stage; one without a checklist has nothing to compute.
    ids = [str(projects["started"].pk), str(projects["bare"].pk)]
    call_command("approvals", "forecast", "--project", ids[0], "--project", ids[1], "--date", NEXT_DAY.isoformat())
    assert capsys.readouterr().out.strip() == "projects=1 created=0 changed=1 infeasible=1 unknown=0"
    assert ProjectPlan.objects.get(project=projects["started"]).computed_on == NEXT_DAY


def test_the_forecast_command_enqueues_and_refuses_bad_options(projects, capsys):
    ProjectPlan.objects.update(is_feasible=None, computed_on=D("2025-09-19"))
    call_command("approvals", "forecast", "--enqueue")
    assert capsys.readouterr().out.startswith("enqueued: ")
    # The tests run tasks inline: the task refreshed the projects not yet started, as of today.
    assert ProjectPlan.objects.filter(is_feasible=False).count() == 3
    assert ProjectPlan.objects.filter(computed_on=TODAY).count() == 7

    ProjectPlan.objects.update(computed_on=D("2025-09-19"))
    with pytest.raises(CommandError, match="--enqueue"):
        call_command("approvals", "forecast", "--enqueue", "--date", NEXT_DAY.isoformat())
    with pytest.raises(CommandError, match="--enqueue"):
        call_command("approvals", "forecast", "--enqueue", "--project", str(projects["ok"].pk))
    with pytest.raises(CommandError, match="项目不存在"):
        call_command("approvals", "forecast", "--project", str(projects["ok"].pk), "--project", "999999")
    assert set(ProjectPlan.objects.values_list("computed_on", flat=True)) == {D("2025-09-19")}  # nothing ran


@pytest.mark.parametrize("role", [Role.OFFICE, Role.LEADER, Role.DEPARTMENT, Role.ENTERPRISE])
def test_the_late_list_is_in_the_navigation(users, client, role):
    client.force_login(users[role])
    html = client.get(reverse("projects:overview")).content.decode()
    assert f'href="{reverse("approvals:plan-late-list")}"' in html
    page = client.get(reverse("approvals:plan-late-list")).content.decode()
    assert 'data-testid="nav-late-plans"' in page and 'aria-current="page" data-testid="nav-late-plans"' in page


def test_one_project_beyond_the_calendar_does_not_stop_the_city(projects, capsys):
    """A date from before the bounds (core/dates.py) that the working-day arithmetic cannot reach stops that
    project's forecast alone: the job finishes everyone else, names it, and exits 1 (issue 10 §4)."""
    broken = projects["ok"]
    Project.objects.filter(pk=broken.pk).update(planned_start_date=D("0001-01-01"))  # legacy data, unvalidated
    with pytest.raises(CommandError, match=str(broken.pk)):
        call_command("approvals", "forecast", "--date", NEXT_DAY.isoformat())
    # The six others were computed and stored; the broken one kept its last summary.
    assert capsys.readouterr().out.strip() == "projects=6 created=0 changed=6 infeasible=4 unknown=1 failed=1"
    assert ProjectPlan.objects.get(project=projects["override"]).computed_on == NEXT_DAY
    assert ProjectPlan.objects.get(project=broken).computed_on == TODAY
    counts = refresh_forecasts(today=NEXT_DAY)
    assert (counts["failed"], counts["failed_projects"]) == (1, [broken.pk])
