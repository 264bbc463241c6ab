"""补正 (issue 8 §5): an item waiting for the applicant's corrected materials says its clock is stopped and since when,
and its remaining days and light stay where they were when the clock stopped, whatever day the refresh runs."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.urls import reverse

from kaigong.accounts.choices import Role
from kaigong.approvals.checklists.services import generate_checklist, refresh_clocks
from kaigong.approvals.choices import ItemStatus
from kaigong.approvals.models import ChecklistItem

pytestmark = pytest.mark.django_db

D = dt.date.fromisoformat
STOPPED = "计时暂停（补正中）自 2025-03-07"


def move(api, item, action, **data):
    response = api.post(f"/api/approvals/items/{item.pk}/transition/", {"action": action, **data}, format="json")
    assert response.status_code == 200, response.json()
    return response.json()


@pytest.fixture
def stopped(users, api_login, approving_officer, project, test_rules):
    """测试许可 (committed limit 5): accepted Monday 3-3, correction requested Friday 3-7 after 3 working days (3-4,
    3-5, 3-6): 2 left, yellow."""
    generate_checklist(project=project, actor=None, actor_label="test")
    item = ChecklistItem.objects.get(checklist__project=project, matter__code="test-permit")
    move(api_login(users[Role.OFFICE]), item, "submit", on="2025-03-03")
    approver = api_login(approving_officer)
    move(approver, item, "accept", on="2025-03-03")
    move(approver, item, "request_correction", on="2025-03-07", reason="缺少勘察文件")
    return item


def clock(item):
    item.refresh_from_db()
    return item.elapsed_workdays, item.remaining_workdays, item.warning_level


def test_the_light_and_remaining_stay_as_they_were_when_the_clock_stopped(stopped):
    assert clock(stopped) == (3, 2, "yellow")
    for day in ("2025-03-10", "2025-03-21", "2025-06-30"):
        refresh_clocks(today=D(day))
        assert clock(stopped) == (3, 2, "yellow"), day
    call_command("approvals", "refresh", "--date", "2025-07-15", stdout=None)
    assert clock(stopped) == (3, 2, "yellow")


def test_the_api_says_the_clock_is_stopped_and_since_when(users, api_login, approving_officer, stopped, project):
    refresh_clocks(today=D("2025-04-30"))
    api = api_login(users[Role.OFFICE])
    body = api.get(f"/api/approvals/items/{stopped.pk}/").json()
    assert (body["status"], body["clock_stopped"], body["clock_stopped_on"]) == (
        ItemStatus.CORRECTION_REQUESTED,
        True,
        "2025-03-07",
    )
    assert (body["elapsed_workdays"], body["remaining_workdays"], body["warning_level"]) == (3, 2, "yellow")
    row = next(i for i in api.get(f"/api/approvals/checklists/{project.pk}/").json()["items"] if i["id"] == stopped.pk)
    assert (row["clock_stopped"], row["clock_stopped_on"]) == (True, "2025-03-07")

    body = move(api_login(approving_officer), stopped, "resume", on="2025-03-24")
    assert (body["clock_stopped"], body["clock_stopped_on"]) == (False, None)


def test_the_pages_say_the_clock_is_stopped_and_since_when(
    users, login, api_login, approving_officer, stopped, project
):
    refresh_clocks(today=D("2025-04-30"))
    web = login(users[Role.OFFICE])
    tab = web.get(reverse("approvals:project-checklist", args=[project.pk])).content.decode()
    row = tab[tab.index('data-item="test-permit"') :]
    row = row[: row.index("</tr>")]
    assert STOPPED in row and 'data-clock="stopped"' in row and 'data-light="yellow"' in row
    assert "3 / 2" in row  # used / remaining, frozen
    stopped.refresh_from_db()
    assert stopped.committed_due.isoformat() not in row  # no due date that moves on while the clock stands still
    warnings = web.get(reverse("approvals:warning-list")).content.decode()
    assert STOPPED in warnings and 'data-clock="stopped"' in warnings

    move(api_login(approving_officer), stopped, "resume", on="2025-03-24")
    tab = web.get(reverse("approvals:project-checklist", args=[project.pk])).content.decode()
    assert "计时暂停" not in tab and 'data-clock="stopped"' not in tab


def test_a_running_item_says_nothing_of_a_stop(users, login, api_login, approving_officer, project, test_rules):
    generate_checklist(project=project, actor=None, actor_label="test")
    item = ChecklistItem.objects.get(checklist__project=project, matter__code="test-permit")
    move(api_login(users[Role.OFFICE]), item, "submit", on="2025-03-03")
    body = move(api_login(approving_officer), item, "accept", on="2025-03-03")
    assert (body["clock_stopped"], body["clock_stopped_on"]) == (False, None)
    tab = login(users[Role.OFFICE]).get(reverse("approvals:project-checklist", args=[project.pk])).content.decode()
    assert "计时暂停" not in tab


def test_the_warning_list_export_says_since_when_the_clock_is_stopped(users, login, stopped):
    from io import BytesIO

    from openpyxl import load_workbook

    refresh_clocks(today=D("2025-04-30"))
    response = login(users[Role.OFFICE]).get(reverse("approvals:warning-list") + "?format=xlsx")
    rows = list(load_workbook(BytesIO(b"".join(response.streaming_content))).active.values)
    column = rows[2].index("计时暂停(补正)自")
    row = next(r for r in rows[3:] if r[3] == "测试许可")
    assert row[column].date() == D("2025-03-07")
