"""Checklists: generation and regeneration, the item lifecycle per role, clocks and lights, pages, API, CLI."""

import datetime as dt
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse

from kaigong.accounts.choices import Role
from kaigong.accounts.tests.factories import OrganizationFactory, UserFactory
from kaigong.approvals.checklists.services import generate_checklist, refresh_clocks
from kaigong.approvals.choices import ACTION_SOURCES, ACTION_TARGETS, ITEM_TRANSITIONS, ItemStatus
from kaigong.approvals.models import Checklist, ChecklistItem
from kaigong.audit.models import AuditEvent
from kaigong.projects.models import Project
from kaigong.projects.tests.factories import ProjectFactory

pytestmark = [pytest.mark.django_db, pytest.mark.urls("kaigong.approvals.tests.urls")]

D = dt.date.fromisoformat


def items_by_code(project) -> dict:
    return {i.matter.code: i for i in ChecklistItem.objects.filter(checklist__project=project).select_related("matter")}


def move(api, item, action, **data):
    return api.post(f"/api/approvals/items/{item.pk}/transition/", {"action": action, **data}, format="json")


# --- generation ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.OFFICE, Role.ADMIN, Role.DEPARTMENT])
def test_project_editors_generate_a_checklist_on_the_page(users, login, project, test_rules, role):
    response = login(users[role]).post(reverse("approvals:checklist-generate", args=[project.pk]))
    assert response.status_code == 302
    items = items_by_code(project)
    assert set(items) == {"test-permit", "test-commitment"}
    assert items["test-permit"].required_by == ["核准项目需测试许可"]
    assert all(i.status == ItemStatus.NOT_STARTED for i in items.values())
    assert AuditEvent.objects.filter(project=project, action="create").count() == 3  # checklist + 2 items


@pytest.mark.parametrize("role", [Role.LEADER, Role.ENTERPRISE])
def test_roles_that_do_not_edit_the_project_cannot_generate(users, login, api_login, project, test_rules, role):
    assert login(users[role]).post(reverse("approvals:checklist-generate", args=[project.pk])).status_code == 403
    response = api_login(users[role]).post(f"/api/approvals/checklists/{project.pk}/generate/")
    assert response.status_code == 403
    assert not Checklist.objects.filter(project=project).exists()


def test_generation_with_the_seeded_rules_fits_the_project(db):
    project = ProjectFactory(
        review_regime="approval", land_source="allocated", eia_category="table", annual_energy_use=500, project_class=1
    )
    generate_checklist(project=project, actor=None, actor_label="test")
    codes = set(items_by_code(project))
    assert {"project-proposal", "feasibility-study", "site-selection", "land-allocation", "eia-approval"} <= codes
    assert {"construction-permit", "civil-air-defence", "archives-acceptance"} <= codes
    assert not codes & {"ratification", "filing", "land-transfer-contract", "energy-review", "eia-registration"}
    assert not codes & {"archaeological-survey", "heritage-consent"}  # not in a control zone


def test_regeneration_sets_aside_unstarted_items_keeps_history_and_brings_them_back(
    users, api_login, project, test_rules, organization
):
    office = api_login(users[Role.OFFICE])
    assert office.post(f"/api/approvals/checklists/{project.pk}/generate/").status_code == 200
    items = items_by_code(project)
    owner = api_login(UserFactory(role=Role.ENTERPRISE, organization=organization))
    assert move(owner, items["test-commitment"], "prepare").status_code == 200

    # The project becomes a filing project of 5,000 m²: neither rule holds any more.
    Project.objects.filter(pk=project.pk).update(review_regime="filing", building_area=5000)
    response = office.post(f"/api/approvals/checklists/{project.pk}/generate/")
    assert response.status_code == 200
    items = items_by_code(project)
    assert items["test-permit"].status == ItemStatus.NOT_APPLICABLE
    assert items["test-permit"].status_reason == "项目属性变化后,清单规则不再要求该事项"
    assert items["test-commitment"].status == ItemStatus.PREPARING  # has history: kept as it is
    assert not items["test-commitment"].is_required
    event = AuditEvent.objects.for_object(items["test-permit"]).filter(code="regenerate").get()
    assert event.changes["status"] == ["not_started", "not_applicable"]

    # Back to a ratification project: the set-aside item returns; nothing was ever deleted.
    Project.objects.filter(pk=project.pk).update(review_regime="ratification")
    office.post(f"/api/approvals/checklists/{project.pk}/generate/")
    items = items_by_code(project)
    assert items["test-permit"].status == ItemStatus.NOT_STARTED and items["test-permit"].is_required
    assert ChecklistItem.objects.filter(checklist__project=project).count() == 2
    # Regenerating with nothing changed changes nothing.
    before = AuditEvent.objects.count()
    office.post(f"/api/approvals/checklists/{project.pk}/generate/")
    assert AuditEvent.objects.count() == before


def test_a_manual_not_applicable_is_not_undone_by_regeneration(users, api_login, project, test_rules):
    office = api_login(users[Role.OFFICE])
    office.post(f"/api/approvals/checklists/{project.pk}/generate/")
    item = items_by_code(project)["test-permit"]
    assert move(office, item, "mark_not_applicable").json()["error"]["message"] == "请填写原因"
    assert move(office, item, "mark_not_applicable", reason="已并联办理").status_code == 200
    office.post(f"/api/approvals/checklists/{project.pk}/generate/")
    item.refresh_from_db()
    assert item.status == ItemStatus.NOT_APPLICABLE and item.status_reason == "已并联办理"


def test_generate_command(project, test_rules, capsys):
    call_command("approvals", "generate", "--project", str(project.pk))
    assert "checklists generated: 1" in capsys.readouterr().out
    assert set(items_by_code(project)) == {"test-permit", "test-commitment"}
    assert AuditEvent.objects.filter(project=project, actor_label="命令 approvals generate").exists()
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="项目不存在"):
        call_command("approvals", "generate", "--project", "999999")


# --- the lifecycle per role ------------------------------------------------------------------------------------


@pytest.fixture
def checklist_items(project, test_rules):
    generate_checklist(project=project, actor=None, actor_label="test")
    return items_by_code(project)


def test_full_lifecycle_with_a_correction_and_the_clock(users, api_login, approving_officer, checklist_items):
    item = checklist_items["test-permit"]
    owner = api_login(users[Role.ENTERPRISE])
    approver = api_login(approving_officer)
    assert move(owner, item, "prepare").status_code == 200
    assert move(owner, item, "submit", on="2025-02-28").status_code == 200
    assert move(approver, item, "accept", on="2025-03-03").status_code == 200
    assert move(approver, item, "request_correction", on="2025-03-05", reason="缺少勘察文件").status_code == 200
    # While corrections are pending the clock stands still: 1 working day used (3-4) on any later date.
    refresh_clocks(today=D("2025-03-07"))
    item.refresh_from_db()
    assert (item.status, item.elapsed_workdays) == (ItemStatus.CORRECTION_REQUESTED, 1)
    assert move(approver, item, "resume", on="2025-03-10").status_code == 200
    # Hand count: after 3-3: 3-4 (1); 3-5..3-10 stopped; 3-11 (2), 3-12 (3), 3-13 (4), 3-14 (5).
    refresh_clocks(today=D("2025-03-11"))
    item.refresh_from_db()
    assert item.committed_due == D("2025-03-14")
    assert item.benchmark_due == D("2025-03-13")
    assert (item.elapsed_workdays, item.remaining_workdays, item.warning_level) == (2, 3, "green")
    refresh_clocks(today=D("2025-03-12"))
    item.refresh_from_db()
    assert (item.remaining_workdays, item.warning_level) == (2, "yellow")  # 2 working days left
    refresh_clocks(today=D("2025-03-17"))
    item.refresh_from_db()
    assert (item.elapsed_workdays, item.warning_level) == (6, "red")
    response = move(
        approver, item, "decide", on="2025-03-13", decision="approved", document_number="侯住建许〔2025〕12号"
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "decided" and body["document_number"] == "侯住建许〔2025〕12号"
    assert (body["actual_workdays"], body["beat_benchmark"], body["warning_level"]) == (4, True, "none")
    transitions = AuditEvent.objects.for_object(item).exclude(code="")
    assert [e.changes.get("status") for e in transitions.order_by("id")][-1] == ["accepted", "decided"]


def test_national_day_golden_due_date(users, api_login, approving_officer, checklist_items):
    # 2025 National Day: 10-1..10-8 off, Sunday 9-28 and Saturday 10-11 worked. After Friday 9-26:
    # 9-28 (1), 9-29 (2), 9-30 (3), 10-9 (4), 10-10 (5).
    item = checklist_items["test-permit"]
    move(api_login(users[Role.OFFICE]), item, "submit", on="2025-09-26")
    move(api_login(approving_officer), item, "accept", on="2025-09-26")
    refresh_clocks(today=D("2025-10-09"))
    item.refresh_from_db()
    assert item.committed_due == D("2025-10-10")
    assert (item.elapsed_workdays, item.remaining_workdays, item.warning_level) == (4, 1, "yellow")


def test_warning_thresholds_are_configurable(settings, users, api_login, approving_officer, checklist_items):
    settings.KAIGONG_WARNING_DAYS_LEFT = 0
    settings.KAIGONG_WARNING_USED_SHARE = "0.5"
    item = checklist_items["test-permit"]
    move(api_login(users[Role.OFFICE]), item, "submit", on="2025-03-03")
    move(api_login(approving_officer), item, "accept", on="2025-03-03")
    refresh_clocks(today=D("2025-03-05"))  # 2 of 5 used: 40% → green
    item.refresh_from_db()
    assert item.warning_level == "green"
    refresh_clocks(today=D("2025-03-06"))  # 3 of 5: 60% ≥ 50% → yellow
    item.refresh_from_db()
    assert item.warning_level == "yellow"


def test_commitment_matter_is_decided_at_acceptance(users, api_login, approving_officer, checklist_items):
    item = checklist_items["test-commitment"]
    assert (
        move(api_login(users[Role.ENTERPRISE]), item, "submit", on="2025-04-01", use_commitment=True).status_code == 200
    )
    approver = api_login(approving_officer)
    response = move(approver, item, "accept", on="2025-04-02")
    assert response.status_code == 400 and response.json()["error"]["code"] == "transition_not_allowed"
    response = move(approver, item, "accept", on="2025-04-02", document_number="承诺〔2025〕1号")
    body = response.json()
    assert (body["status"], body["decision"], body["decided_on"], body["actual_workdays"]) == (
        "decided",
        "approved",
        "2025-04-02",
        0,
    )


def test_commitment_is_refused_for_a_matter_that_does_not_allow_it(users, api_login, checklist_items):
    response = move(api_login(users[Role.OFFICE]), checklist_items["test-permit"], "submit", use_commitment=True)
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "该事项不适用告知承诺制"


def test_departments_act_only_on_the_matters_they_approve(users, api_login, approving_officer, checklist_items):
    item = checklist_items["test-permit"]
    move(api_login(users[Role.OFFICE]), item, "submit", on="2025-03-03")
    # The project's own department (发改局) does not approve this matter (住建局 does).
    response = move(api_login(users[Role.DEPARTMENT]), item, "accept", on="2025-03-03")
    assert response.status_code == 403 and response.json()["error"]["code"] == "permission_denied"
    assert move(api_login(users[Role.LEADER]), item, "accept").status_code == 403
    assert move(api_login(users[Role.ENTERPRISE]), item, "accept").status_code == 403
    # The approving department may not act on the applicant's side.
    assert move(api_login(approving_officer), item, "withdraw").status_code == 403
    assert move(api_login(approving_officer), item, "accept", on="2025-03-03").status_code == 200


def test_another_enterprise_sees_nothing(api_login, checklist_items, project):
    stranger = UserFactory(role=Role.ENTERPRISE, organization=OrganizationFactory())
    api = api_login(stranger)
    assert api.get(f"/api/approvals/checklists/{project.pk}/").status_code == 404
    assert move(api, checklist_items["test-permit"], "prepare").status_code == 404
    assert api.get("/api/approvals/items/").json()["results"] == []


def test_a_step_the_status_does_not_allow_is_refused_in_both_languages(users, api_login, checklist_items):
    office = api_login(users[Role.OFFICE])
    response = move(office, checklist_items["test-permit"], "decide", decision="approved", document_number="x")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["message"] == "事项当前状态为“未启动”,不能执行“办结”"
    assert error["message_en"] == "The item’s status is “Not started”: “Decide” is not allowed"


def test_refused_moves_and_bad_dates(users, api_login, approving_officer, checklist_items):
    office = api_login(users[Role.OFFICE])
    item = checklist_items["test-permit"]
    response = move(office, item, "decide", decision="approved", document_number="x")
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "事项当前状态为“未启动”,不能执行“办结”"
    assert move(office, item, "submit", on="2099-01-01").json()["error"]["message"].startswith("日期不能晚于今天")
    move(office, item, "submit", on="2025-03-03")
    response = move(api_login(approving_officer), item, "accept", on="2025-03-01")
    assert response.json()["error"]["message"] == "日期不能早于申报日期(2025-03-03)"
    assert response.json()["error"]["message_en"] == "The date cannot be before the Submission date (2025-03-03)"
    move(api_login(approving_officer), item, "accept", on="2025-03-03")
    error = move(office, item, "decide", decision="approved").json()["error"]
    assert (error["message"], error["message_en"]) == ("办结须填写文号", "A decision needs its document number")
    assert move(office, item, "fly").status_code == 400  # not an action


def test_transition_table_covers_every_action():
    for action, sources in ACTION_SOURCES.items():
        for source in sources:
            assert ACTION_TARGETS[action] in ITEM_TRANSITIONS[source], (action, source)
    assert ItemStatus.DECIDED in ITEM_TRANSITIONS[ItemStatus.SUBMITTED]  # commitment: decided at acceptance
    assert ITEM_TRANSITIONS[ItemStatus.DECIDED] == frozenset()


def test_status_is_written_only_by_services():
    root = Path(__file__).resolve().parents[1]
    pattern = re.compile(r"\.(status)\s*=[^=]")
    offenders = [
        f"{path.relative_to(root)}:{n}"
        for path in root.rglob("*.py")
        if path.name != "services.py" and "tests" not in path.parts and "migrations" not in path.parts
        for n, line in enumerate(path.read_text().splitlines(), start=1)
        if pattern.search(line)
    ]
    assert offenders == []


# --- pages ----------------------------------------------------------------------------------------------------


def test_checklist_page_grouped_by_stage_with_lights(
    users, login, api_login, approving_officer, checklist_items, project, django_assert_max_num_queries
):
    item = checklist_items["test-permit"]
    move(api_login(users[Role.OFFICE]), item, "submit", on="2025-03-03")
    move(api_login(approving_officer), item, "accept", on="2025-03-03")
    refresh_clocks(today=D("2025-03-17"))
    client = login(users[Role.ENTERPRISE])
    with django_assert_max_num_queries(10):
        response = client.get(reverse("approvals:project-checklist", args=[project.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert html.index("3. 施工许可") < html.index("5. 并行推进")
    assert 'data-light="red"' in html and 'data-testid="project-light"' in html
    assert 'data-action="accept"' not in html  # the owner cannot accept
    page = login(approving_officer).get(reverse("approvals:project-checklist", args=[project.pk]))
    assert page.status_code == 200  # not its project, but it approves an item on it (issue 8 §4)


def test_page_transition_by_the_approving_department_from_its_inbox(
    users, login, api_login, approving_officer, checklist_items
):
    item = checklist_items["test-permit"]
    move(api_login(users[Role.OFFICE]), item, "submit", on="2025-03-03")
    client = login(approving_officer)
    inbox = client.get(reverse("approvals:inbox")).content.decode()
    assert 'data-item="test-permit"' in inbox
    # The officer acts where the item is listed: accept (and the department's other actions), not the applicant's.
    assert 'data-action="accept"' in inbox and 'data-action="withdraw"' not in inbox
    assert f'action="{reverse("approvals:item-transition", args=[item.pk])}"' in inbox
    assert 'name="next" value="/approvals/inbox/"' in inbox
    assert "data-action=" not in client.get(reverse("approvals:warning-list")).content.decode()
    response = client.post(
        reverse("approvals:item-transition", args=[item.pk]),
        {"action": "accept", "on": "2025-03-03", "next": reverse("approvals:inbox")},
    )
    assert response.status_code == 302 and response["Location"] == reverse("approvals:inbox")
    item.refresh_from_db()
    assert item.status == ItemStatus.ACCEPTED and item.accepted_on == D("2025-03-03")
    assert login(users[Role.LEADER]).get(reverse("approvals:inbox")).status_code == 403


def test_page_transition_refusal_is_shown_as_a_message(users, login, checklist_items):
    item = checklist_items["test-permit"]
    client = login(users[Role.OFFICE])
    response = client.post(reverse("approvals:item-transition", args=[item.pk]), {"action": "decide"}, follow=True)
    assert "不能执行“办结”" in response.content.decode()
    leader = login(users[Role.LEADER])
    assert leader.post(reverse("approvals:item-transition", args=[item.pk]), {"action": "prepare"}).status_code == 403


def test_warning_list_shows_yellow_and_red_items_only(
    users, login, api_login, approving_officer, checklist_items, django_assert_max_num_queries
):
    item = checklist_items["test-permit"]
    move(api_login(users[Role.OFFICE]), item, "submit", on="2025-03-03")
    move(api_login(approving_officer), item, "accept", on="2025-03-03")
    refresh_clocks(today=D("2025-03-04"))
    client = login(users[Role.OFFICE])
    assert 'data-item="test-permit"' not in client.get(reverse("approvals:warning-list")).content.decode()
    refresh_clocks(today=D("2025-03-17"))
    with django_assert_max_num_queries(8):
        html = client.get(reverse("approvals:warning-list") + "?warning_level=red").content.decode()
    assert 'data-item="test-permit"' in html
    assert (
        'data-item="test-permit"'
        not in client.get(reverse("approvals:warning-list") + "?warning_level=yellow").content.decode()
    )


# --- API and CLI ------------------------------------------------------------------------------------------------


def test_api_checklist_and_item_list_scoping(
    users, api_login, approving_officer, checklist_items, project, django_assert_max_num_queries
):
    body = api_login(users[Role.ENTERPRISE]).get(f"/api/approvals/checklists/{project.pk}/").json()
    assert {row["matter_code"] for row in body["items"]} == {"test-permit", "test-commitment"}
    assert "submit" in body["items"][0]["actions"]
    for other in range(3):  # more projects must not cost more queries
        extra = ProjectFactory(review_regime="ratification", name=f"其他项目{other}")
        generate_checklist(project=extra, actor=None, actor_label="test")
    with django_assert_max_num_queries(4):
        response = api_login(approving_officer).get("/api/approvals/items/?status=not_started")
    assert response.status_code == 200
    # Both matters of the first project, the test permit of the three others (no building area: no commitment).
    assert response.json()["count"] == 2 + 3
    office = api_login(users[Role.OFFICE]).get(f"/api/approvals/items/?project={project.pk}").json()
    assert office["count"] == 2


def test_refresh_command_is_idempotent(users, api_login, approving_officer, checklist_items, capsys):
    item = checklist_items["test-permit"]
    move(api_login(users[Role.OFFICE]), item, "submit", on="2025-03-03")
    move(api_login(approving_officer), item, "accept", on="2025-03-03")
    call_command("approvals", "refresh", "--date", "2025-03-17")
    first = capsys.readouterr().out
    assert "checked=1" in first and "red=1" in first
    call_command("approvals", "refresh", "--date", "2025-03-17")
    assert "changed=0" in capsys.readouterr().out


def test_warning_list_filters_and_excel_export_audited(
    users, login, api_login, approving_officer, checklist_items, project
):
    from io import BytesIO

    from openpyxl import load_workbook

    item = checklist_items["test-permit"]
    move(api_login(users[Role.OFFICE]), item, "submit", on="2025-03-03")
    move(api_login(approving_officer), item, "accept", on="2025-03-03")
    refresh_clocks(today=D("2025-03-17"))
    client = login(users[Role.OFFICE])
    url = reverse("approvals:warning-list")
    assert 'data-item="test-permit"' in client.get(url + "?q=国强").content.decode()
    assert 'data-item="test-permit"' not in client.get(url + "?q=别的项目").content.decode()
    response = client.get(url + "?q=国强&format=xlsx")
    assert response.status_code == 200
    sheet = load_workbook(BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.values)
    assert rows[0][0] == "黄灯、红灯事项"
    assert rows[2][:4] == ("项目名称", "项目代码", "审批阶段", "审批事项")
    assert rows[3][0] == "国强自动化产业园" and rows[3][3] == "测试许可" and rows[3][13] == "红灯"
    assert len(rows) == 4
    event = AuditEvent.objects.filter(action="export").get()
    assert event.actor == users[Role.OFFICE] and event.changes["params"] == {"q": ["国强"]}
    # A name that looks like a formula, or holds a control character, is written as the text it is.
    Project.objects.filter(pk=project.pk).update(name='=HYPERLINK("http://x","国强")\x0b')
    rows = list(load_workbook(BytesIO(b"".join(client.get(url + "?format=xlsx").streaming_content))).active.iter_rows())
    assert (rows[3][0].value, rows[3][0].data_type) == ('=HYPERLINK("http://x","国强") ', "s")
    # An enterprise user's list only holds its own projects' items.
    stranger = UserFactory(role=Role.ENTERPRISE, organization=OrganizationFactory())
    assert 'data-item="test-permit"' not in login(stranger).get(url).content.decode()


def test_inbox_export_and_api_filter_errors(users, login, api_login, approving_officer, checklist_items):
    item = checklist_items["test-permit"]
    move(api_login(users[Role.OFFICE]), item, "submit", on="2025-03-03")
    response = login(approving_officer).get(reverse("approvals:inbox") + "?format=xlsx")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    response = api_login(users[Role.OFFICE]).get("/api/approvals/items/?warning_level=purple")
    assert response.status_code == 400 and "warning_level" in response.json()["error"]["fields"]


def test_turning_yellow_or_red_notifies_office_and_approving_department_once(
    users, login, api_login, approving_officer, checklist_items, django_capture_on_commit_callbacks
):
    from kaigong.approvals.models import WarningNotice

    item = checklist_items["test-permit"]
    move(api_login(users[Role.OFFICE]), item, "submit", on="2025-03-03")
    move(api_login(approving_officer), item, "accept", on="2025-03-03")
    with django_capture_on_commit_callbacks(execute=True):
        refresh_clocks(today=D("2025-03-04"))  # 1 of 5 used: green
    assert not WarningNotice.objects.exists()
    for _ in range(2):  # twice the same day: one notice each
        with django_capture_on_commit_callbacks(execute=True):
            refresh_clocks(today=D("2025-03-07"))  # 4 of 5 used: turns yellow
    assert set(WarningNotice.objects.values_list("recipient__username", "level")) == {
        ("office", "yellow"),
        ("zjj", "yellow"),
    }
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        counts = refresh_clocks(today=D("2025-03-11"))  # 6 of 5 used: turns red
        refresh_clocks(today=D("2025-03-11"))
    assert counts["alerts"] == 1 and len(callbacks) == 1
    assert WarningNotice.objects.filter(level="red").count() == 2
    assert not WarningNotice.objects.filter(recipient=users[Role.DEPARTMENT]).exists()  # not its matter

    client = login(approving_officer)
    html = client.get(reverse("approvals:notice-list")).content.decode()
    assert 'data-notice="test-permit-red"' in html and 'data-notice="test-permit-yellow"' in html
    assert client.post(reverse("approvals:notice-list")).status_code == 302
    assert not WarningNotice.objects.filter(recipient=approving_officer, read_at=None).exists()
    assert WarningNotice.objects.filter(recipient=users[Role.OFFICE], read_at=None).count() == 2
    assert (
        'data-notice="test-permit'
        not in login(users[Role.LEADER]).get(reverse("approvals:notice-list")).content.decode()
    )


def test_refresh_can_be_enqueued_for_the_worker(capsys):
    call_command("approvals", "refresh", "--enqueue")
    assert capsys.readouterr().out.startswith("enqueued:")


def test_regeneration_hook_for_project_updates(project, test_rules, users):
    from kaigong.approvals.checklists.services import regenerate_changed_checklists
    from kaigong.projects.changes import ProjectsChanged

    def change():
        return ProjectsChanged(
            projects=[project], fields={project.pk: frozenset({"building_area"})}, actor=users[Role.OFFICE]
        )

    with transaction.atomic():
        assert regenerate_changed_checklists(change()) == []  # no checklist yet
    generate_checklist(project=project, actor=None, actor_label="test")
    Project.objects.filter(pk=project.pk).update(building_area=100)
    project.refresh_from_db()
    with transaction.atomic():
        regenerate_changed_checklists(change())
    item = items_by_code(project)["test-commitment"]
    assert item.status == ItemStatus.NOT_APPLICABLE
    assert AuditEvent.objects.for_object(item).filter(code="regenerate").get().actor_label == str(users[Role.OFFICE])


def test_office_sees_the_actions_it_may_take(users, login, checklist_items, project):
    html = login(users[Role.OFFICE]).get(reverse("approvals:project-checklist", args=[project.pk])).content.decode()
    for action in ("prepare", "submit", "mark_not_applicable", "waive"):
        assert f'data-action="{action}"' in html
    assert 'data-action="decide"' not in html  # nothing is accepted yet
    assert "按规则重新生成" in html


def test_a_full_seeded_checklist_page_and_api_have_no_n_plus_one(
    users, login, api_login, django_assert_max_num_queries
):
    project = ProjectFactory(
        review_regime="approval", land_source="allocated", eia_category="report", project_class=1, building_area=30000
    )
    generate_checklist(project=project, actor=None, actor_label="test")
    count = ChecklistItem.objects.filter(checklist__project=project).count()
    assert count >= 18
    client = login(users[Role.OFFICE])
    with django_assert_max_num_queries(10):
        response = client.get(reverse("approvals:project-checklist", args=[project.pk]))
    assert response.content.decode().count("<tr data-item=") == count
    api = api_login(users[Role.LEADER])
    with django_assert_max_num_queries(6):
        body = api.get(f"/api/approvals/checklists/{project.pk}/").json()
    assert len(body["items"]) == count and all(row["actions"] == [] for row in body["items"])


def test_a_clock_in_a_year_without_a_calendar_is_marked_provisional(
    users, login, api_login, approving_officer, checklist_items, project
):
    from kaigong.workdays.calendar import invalidate_calendar
    from kaigong.workdays.models import CalendarYear

    item = checklist_items["test-permit"]
    move(api_login(users[Role.OFFICE]), item, "submit", on="2025-09-26")
    move(api_login(approving_officer), item, "accept", on="2025-09-26")
    CalendarYear.objects.filter(year=2025).delete()
    invalidate_calendar()
    try:
        refresh_clocks(today=D("2025-10-09"))
    finally:
        invalidate_calendar()
    item.refresh_from_db()
    # Weekends only: 9-29, 9-30, 10-1, 10-2, 10-3 (the National Day holidays are unknown): marked, not trusted.
    assert item.clock_provisional is True and item.committed_due == D("2025-10-03")
    html = login(users[Role.OFFICE]).get(reverse("approvals:project-checklist", args=[project.pk])).content.decode()
    assert "含未载入年度,按周末暂估" in html
