"""Browser test of the approvals journey, in Debian's chromium driven by Playwright (like projects' test_browser).

The owner submits the test permit on the project's 前期手续 tab → the approving department finds it in its inbox
and accepts it → the tab shows its light and due dates → the office reads the plan (forecast, critical path) and
finds the project, whose planned groundbreaking date is too soon, on the late-plan list from the navigation.

Run alone: ``pytest -m browser``. Skipped when chromium is not installed.
"""

import datetime as dt
import re

import pytest
from django.utils import timezone

from kaigong.accounts.choices import Role
from kaigong.approvals.checklists.services import generate_checklist
from kaigong.approvals.choices import ItemStatus
from kaigong.approvals.models import ChecklistItem, ProjectPlan
from kaigong.core.tests.browser import expect, log_in
from kaigong.core.tests.browser import new_page as open_page
from kaigong.projects.models import Project

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def new_page(browser, live_server):
    """new_page() → a page in a fresh browser context (its own cookies: one per user), closed after the test."""
    contexts = []

    def _new_page():
        page = open_page(browser, live_server, viewport={"width": 1280, "height": 800})
        contexts.append(page.context)
        return page

    yield _new_page
    for context in contexts:
        context.close()


@pytest.fixture
def planned_project(project, test_rules):
    """The test project with its checklist (测试许可 and 测试承诺事项), planned to break ground tomorrow."""
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    Project.objects.filter(pk=project.pk).update(planned_start_date=tomorrow)
    project.refresh_from_db()
    generate_checklist(project=project, actor=None, actor_label="test")
    return project


def _act(row, action, on):
    """Open an item's action (its <details>), fill the date and confirm."""
    row.locator(f'summary[data-action="{action}"]').click()
    form = row.locator("details[open] form")
    form.get_by_label("日期").fill(on.isoformat())
    form.get_by_role("button", name="确定").click()


def test_submit_accept_plan_and_late_list(new_page, planned_project, users, approving_officer):
    project = planned_project
    today = timezone.localdate()
    tab_url = f"/approvals/projects/{project.pk}/"
    permit_row = 'tr[data-item="test-permit"]'

    # 1. The enterprise owner submits the test permit on the project's 前期手续 tab.
    owner = new_page()
    log_in(owner, users[Role.ENTERPRISE].username)
    owner.goto(tab_url)
    expect(owner.get_by_role("heading", level=1)).to_contain_text(project.name)
    row = owner.locator(permit_row)
    expect(row).to_have_attribute("data-status", ItemStatus.NOT_STARTED)
    expect(row.locator('summary[data-action="accept"]')).to_have_count(0)  # the owner cannot accept
    _act(row, "submit", today)
    expect(owner).to_have_url(re.compile(rf"{tab_url}$"))
    expect(owner.get_by_text("“测试许可”已更新。")).to_be_visible()
    row = owner.locator(permit_row)
    expect(row).to_have_attribute("data-status", ItemStatus.SUBMITTED)
    expect(row.locator("td").nth(2)).to_contain_text("已申报")
    expect(row.locator("[data-light]")).to_have_attribute("data-light", "none")  # no clock before acceptance
    assert owner.problems == []

    # 2. The approving department (住建局) finds it in its inbox through the navigation and accepts it.
    officer = new_page()
    log_in(officer, approving_officer.username)
    officer.get_by_role("navigation", name="主导航").get_by_role("link", name="本部门待办").click()
    expect(officer).to_have_url(re.compile(r"/approvals/inbox/$"))
    expect(officer.get_by_role("heading", level=1)).to_have_text("本部门待办事项")
    inbox_row = officer.get_by_test_id("item-table").locator(permit_row)
    expect(inbox_row).to_contain_text(project.name)
    expect(inbox_row).to_contain_text("已申报")
    expect(inbox_row.locator('summary[data-action="submit"]')).to_have_count(0)  # the applicant's action
    _act(inbox_row, "accept", today)
    expect(officer).to_have_url(re.compile(r"/approvals/inbox/$"))  # back where the officer acted
    expect(officer.get_by_text("“测试许可”已更新。")).to_be_visible()
    item = ChecklistItem.objects.get(checklist__project=project, matter__code="test-permit")
    inbox_row = officer.get_by_test_id("item-table").locator(permit_row)
    expect(inbox_row).to_contain_text("已受理")
    item.refresh_from_db()
    assert item.status == ItemStatus.ACCEPTED and item.accepted_on == today
    assert item.committed_due and item.committed_due > today
    assert item.warning_level == "green"
    expect(inbox_row.locator("td").nth(5)).to_have_text(item.committed_due.isoformat())
    expect(inbox_row.locator("[data-light]")).to_have_attribute("data-light", "green")
    assert officer.problems == []

    # 3. Back on the tab (as the owner): accepted today, green light, the three due dates.
    owner.goto(tab_url)
    row = owner.locator(permit_row)
    expect(row).to_have_attribute("data-status", ItemStatus.ACCEPTED)
    cells = row.locator("td")
    expect(cells.nth(2)).to_contain_text("已受理")
    expect(cells.nth(3)).to_have_text(today.isoformat())
    dues = [item.statutory_due, item.committed_due, item.benchmark_due]
    expect(cells.nth(4)).to_contain_text(" / ".join(d.isoformat() for d in dues))
    expect(row.locator("[data-light]")).to_have_attribute("data-light", "green")
    expect(row.locator("[data-light]")).to_have_text("绿灯")
    expect(row.locator('summary[data-action="accept"]')).to_have_count(0)
    assert owner.problems == []

    # 4. The office reads the plan: the forecast is after tomorrow's planned date, the permit is on the critical
    # path and the plan is flagged as infeasible.
    office = new_page()
    log_in(office, users[Role.OFFICE].username)
    office.goto(tab_url)
    office.get_by_test_id("plan-link").click()
    expect(office).to_have_url(re.compile(rf"/approvals/projects/{project.pk}/plan/$"))
    expect(office.get_by_role("heading", level=1)).to_contain_text("项目方案")
    planned = project.planned_start_date.isoformat()
    expect(office.get_by_test_id("planned")).to_have_text(planned)
    forecast_text = office.get_by_test_id("forecast").inner_text()
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", forecast_text), forecast_text
    forecast = dt.date.fromisoformat(forecast_text)
    assert forecast > project.planned_start_date
    assert forecast >= item.benchmark_due  # the permit, accepted today, is the last step before groundbreaking
    expect(office.get_by_test_id("infeasible")).to_contain_text("计划开工日期无法实现")
    expect(office.get_by_test_id("infeasible").locator('[data-late-item="test-permit"]')).to_contain_text("测试许可")
    expect(office.get_by_test_id("critical-path").locator('li[data-item="test-permit"]')).to_contain_text("测试许可")
    plan_row = office.locator(f"table.plan-table {permit_row}")
    expect(plan_row).to_have_attribute("data-critical", "1")
    expect(plan_row.locator(".badge-critical")).to_have_text("关键")
    plan = ProjectPlan.objects.get(project=project)
    assert plan.is_feasible is False and plan.forecast_groundbreaking == forecast

    # 5. The late-plan list, from the navigation link, lists the project with its dates and late item.
    office.get_by_test_id("nav-late-plans").click()
    expect(office).to_have_url(re.compile(r"/approvals/plans/late/$"))
    expect(office.get_by_test_id("nav-late-plans")).to_have_attribute("aria-current", "page")
    expect(office.get_by_role("heading", level=1)).to_be_visible()
    expect(office.get_by_text("共 1 个项目")).to_be_visible()
    late_row = office.get_by_test_id("late-plan-table").locator(f'tr[data-project="{project.pk}"]')
    expect(late_row.get_by_role("link", name=project.name)).to_have_attribute(
        "href", f"/approvals/projects/{project.pk}/plan/"
    )
    expect(late_row.locator("td").nth(3)).to_have_text(planned)
    expect(late_row.locator("td").nth(4)).to_have_text(forecast.isoformat())
    expect(late_row.locator("[data-late-item]", has_text="测试许可")).to_have_count(1)
    assert office.problems == []
