"""The daily refresh writes only clocks that really change; the working-day counts are read live.

A running clock's count moves on by one every working day; storing it would mean rewriting every running item every
day. The refresh instead compares a fresh computation with the stored clock as it stands today
(clocks.clock_today) and writes only lights and due dates that changed.
"""

import datetime as dt

import pytest
from django.utils import timezone

from kaigong.accounts.choices import Role
from kaigong.approvals.checklists.services import generate_checklist, refresh_clocks
from kaigong.approvals.clocks import clock_today, compute_clock
from kaigong.approvals.models import ChecklistItem
from kaigong.projects.tests.factories import ProjectFactory
from kaigong.workdays.calendar import count_workdays, get_calendar

pytestmark = [pytest.mark.django_db, pytest.mark.urls("kaigong.approvals.tests.urls")]

D = dt.date.fromisoformat


def move(api, item, action, **data):
    response = api.post(f"/api/approvals/items/{item.pk}/transition/", {"action": action, **data}, format="json")
    assert response.status_code == 200, response.json()
    return response


@pytest.fixture
def running(project, test_rules, users, api_login, approving_officer):
    """The test permit (committed limit 5 working days) accepted on Monday 2025-03-03."""
    generate_checklist(project=project, actor=None, actor_label="test")
    item = ChecklistItem.objects.get(checklist__project=project, matter__code="test-permit")
    move(api_login(users[Role.OFFICE]), item, "submit", on="2025-03-03")
    move(api_login(approving_officer), item, "accept", on="2025-03-03")
    return item


def stored(item) -> tuple:
    item.refresh_from_db()
    return item.elapsed_workdays, item.remaining_workdays, item.warning_level, item.clock_computed_on


def test_a_passing_day_is_not_written_but_read(running):
    assert refresh_clocks(today=D("2025-03-04"))["changed"] == 1
    assert stored(running) == (1, 4, "green", D("2025-03-04"))

    # Wednesday: 2 of 5 used, still green, due dates unchanged: nothing to write …
    counts = refresh_clocks(today=D("2025-03-05"))
    assert (counts["checked"], counts["changed"], counts["green"]) == (1, 0, 1)
    assert stored(running) == (1, 4, "green", D("2025-03-04"))
    # … yet the clock reads 2 used, 3 left on that day.
    assert clock_today(running, today=D("2025-03-05"), calendar=get_calendar()) == (2, 3)

    # Thursday: 2 working days left → yellow: written, with the count as of that day.
    counts = refresh_clocks(today=D("2025-03-06"))
    assert (counts["changed"], counts["yellow"], counts["alerts"]) == (1, 1, 1)
    assert stored(running) == (3, 2, "yellow", D("2025-03-06"))
    # Over a weekend nothing moves: Saturday and Sunday read as Friday.
    refresh_clocks(today=D("2025-03-07"))
    for day in ("2025-03-08", "2025-03-09"):
        assert clock_today(running, today=D(day), calendar=get_calendar()) == (4, 1)


def test_a_stopped_clock_does_not_move_on_read(running, users, api_login, approving_officer):
    move(api_login(approving_officer), running, "request_correction", on="2025-03-05", reason="缺少勘察文件")
    refresh_clocks(today=D("2025-03-06"))
    running.refresh_from_db()
    for day in ("2025-03-06", "2025-03-20", "2025-05-06"):
        assert clock_today(running, today=D(day), calendar=get_calendar()) == (1, 4)


def test_after_every_refresh_the_clock_read_equals_a_fresh_computation(
    department, organization, test_rules, users, api_login, approving_officer
):
    """Several items accepted on different days, one with a closed correction, one with an open one, refreshed
    on a run of days (some skipped, as when the job did not run): every read equals a fresh computation."""
    office, approver = api_login(users[Role.OFFICE]), api_login(approving_officer)
    items = []
    for n, accepted in enumerate(["2025-02-26", "2025-03-03", "2025-03-04", "2025-03-05"]):
        project = ProjectFactory(
            responsible_department=department,
            owner=organization,
            review_regime="ratification",
            building_area=20000,
            name=f"刷新测试项目{n}",
        )
        generate_checklist(project=project, actor=None, actor_label="test")
        item = ChecklistItem.objects.get(checklist__project=project, matter__code="test-permit")
        move(office, item, "submit", on=accepted)
        move(approver, item, "accept", on=accepted)
        items.append(item)
    move(approver, items[0], "request_correction", on="2025-02-27", reason="补充材料")
    move(approver, items[0], "resume", on="2025-03-04")
    move(approver, items[3], "request_correction", on="2025-03-06", reason="补充材料")

    calendar = get_calendar()
    for day in ("2025-03-05", "2025-03-06", "2025-03-07", "2025-03-10", "2025-03-13", "2025-03-14", "2025-03-18"):
        today = D(day)
        refresh_clocks(today=today)
        for item in ChecklistItem.objects.filter(pk__in=[i.pk for i in items]).select_related("matter"):
            fresh = compute_clock(item, list(item.corrections.all()), today=today, calendar=calendar)
            read = clock_today(item, today=today, calendar=calendar)
            assert read == (fresh.elapsed_workdays, fresh.remaining_workdays), (day, item.checklist_id)
            assert (item.warning_level, item.committed_due) == (fresh.warning_level, fresh.committed_due)
        # Running it again the same day writes nothing.
        assert refresh_clocks(today=today)["changed"] == 0


def test_the_api_and_pages_show_the_count_as_of_today(project, test_rules, users, api_login, login, approving_officer):
    """The stored count is from an earlier refresh; what people see is today's."""
    generate_checklist(project=project, actor=None, actor_label="test")
    item = ChecklistItem.objects.get(checklist__project=project, matter__code="test-permit")
    today = timezone.localdate()
    accepted = today - dt.timedelta(days=12)
    move(api_login(users[Role.OFFICE]), item, "submit", on=accepted.isoformat())
    move(api_login(approving_officer), item, "accept", on=accepted.isoformat())
    refresh_clocks(today=accepted + dt.timedelta(days=1))  # an old anchor: the job has not run since
    expected = count_workdays(accepted, today, provisional=True).value

    body = api_login(users[Role.OFFICE]).get(f"/api/approvals/items/{item.pk}/").json()
    assert (body["elapsed_workdays"], body["remaining_workdays"]) == (expected, 5 - expected)
    page = login(users[Role.OFFICE]).get(f"/approvals/projects/{project.pk}/")
    assert f"{expected} / {5 - expected}" in page.content.decode()
