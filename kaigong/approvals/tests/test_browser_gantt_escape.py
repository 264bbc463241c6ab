"""The Gantt tooltip of a project's plan shows a matter's name as text: a name holding HTML is not run (issue 10).

Run alone: ``pytest -m browser``. Skipped when chromium is not installed.
"""

import datetime as dt

import pytest
from django.utils import timezone

from kaigong.accounts.choices import Role
from kaigong.approvals.checklists.services import generate_checklist
from kaigong.approvals.plans.services import recompute_plan
from kaigong.core.tests.browser import expect, log_in
from kaigong.core.tests.browser import new_page as open_page
from kaigong.projects.models import Project

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HOSTILE = '<img src=x onerror="window.__xss=1">测试许可'

# Show the tooltip of the first bar that has one (series 1, 3, 5: baseline, plan, actual), as a hover would.
SHOW_TIP = """() => {
  const chart = echarts.getInstanceByDom(document.getElementById("plan-gantt"));
  const series = chart.getOption().series;
  for (const index of [3, 1, 5]) {
    const data = series[index].data;
    const at = data.findIndex((d) => d && d !== "-");
    if (at >= 0) { chart.dispatchAction({ type: "showTip", seriesIndex: index, dataIndex: at }); return true; }
  }
  return false;
}"""


def test_a_matter_name_holding_html_is_shown_as_text(browser, live_server, project, test_rules, users, matter):
    matter.name = HOSTILE
    matter.save()
    Project.objects.filter(pk=project.pk).update(planned_start_date=timezone.localdate() + dt.timedelta(days=1))
    generate_checklist(project=project, actor=None, actor_label="test")
    recompute_plan(project=project, actor=None, actor_label="test")  # target dates: the plan bars
    page = open_page(browser, live_server, viewport={"width": 1280, "height": 800})
    try:
        log_in(page, users[Role.OFFICE].username)
        page.goto(f"/approvals/projects/{project.pk}/plan/")
        expect(page.locator("#plan-gantt canvas").first).to_be_attached()
        assert page.evaluate(SHOW_TIP)
        tooltip = page.locator("#plan-gantt div", has_text="onerror").last
        expect(tooltip).to_contain_text(HOSTILE)  # the name as typed, characters and all
        assert page.locator("#plan-gantt img").count() == 0
        assert page.evaluate("window.__xss") is None
        assert page.problems == []
    finally:
        page.context.close()
