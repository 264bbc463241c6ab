"""The main pages run under the Content-Security-Policy with nothing refused (issue 10 §10): chromium reports each
refusal as a securitypolicyviolation event and a console error; the test fails on any of them.

Run alone: ``pytest -m browser``. Skipped when chromium is not installed.
"""

import datetime as dt

import pytest
from django.utils import timezone

from kaigong.accounts.choices import Role
from kaigong.approvals.checklists.services import generate_checklist
from kaigong.approvals.plans.services import recompute_plan
from kaigong.approvals.tests.conftest import commitment_matter, matter, project, test_rules  # noqa: F401 (fixtures)
from kaigong.core.tests.browser import expect, log_in
from kaigong.core.tests.browser import new_page as open_page
from kaigong.projects.models import Project

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Installed before any page script: every refusal of the policy is kept on the window for the test to read.
WATCH_POLICY = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  const where = `${event.sourceFile}:${event.lineNumber}`;
  window.__cspViolations.push(`${event.violatedDirective} ${event.blockedURI || "inline"} ${where}`);
});
"""

# Show a chart's first tooltip, as a hover would (the Gantt's first bar with dates, the overview's first column).
SHOW_TIP = """(selector) => {
  const chart = echarts.getInstanceByDom(document.querySelector(selector));
  const series = chart.getOption().series;
  for (let index = series.length - 1; index >= 0; index--) {
    const at = (series[index].data || []).findIndex((d) => d !== null && d !== undefined && d !== "-");
    if (at >= 0) { chart.dispatchAction({ type: "showTip", seriesIndex: index, dataIndex: at }); return true; }
  }
  return false;
}"""

TIP_SHOWN = """(selector) => Array.from(document.querySelectorAll(`${selector} div`)).some(
  (d) => d.innerText.trim() && getComputedStyle(d).display !== "none" && d.style.position === "absolute")"""


@pytest.fixture
def planned_project(project, test_rules):  # noqa: F811
    Project.objects.filter(pk=project.pk).update(planned_start_date=timezone.localdate() + dt.timedelta(days=1))
    generate_checklist(project=project, actor=None, actor_label="test")
    recompute_plan(project=project, actor=None, actor_label="test")
    return project


def test_main_pages_pass_the_content_security_policy(browser, live_server, planned_project, users):
    page = open_page(browser, live_server, viewport={"width": 1280, "height": 800})
    page.add_init_script(WATCH_POLICY)
    console = []
    page.on("console", lambda m: "Content Security Policy" in m.text and console.append(m.text))
    pages = {
        "/": "#main canvas",  # the overview's ECharts
        "/projects/": "#main table",
        f"/projects/{planned_project.pk}/": "#main h1",
        f"/approvals/projects/{planned_project.pk}/plan/": "#plan-gantt canvas",  # the Gantt (ECharts)
        "/approvals/scoreboard/": "#main h1",
    }
    try:
        log_in(page, users[Role.ADMIN].username)
        for url, ready in pages.items():
            response = page.goto(url)
            assert "script-src 'self'" in response.headers["content-security-policy"], url
            expect(page.locator(ready).first).to_be_attached()
            page.wait_for_load_state("networkidle")
            assert page.evaluate("window.__cspViolations") == [], url
        # ECharts' tooltips are HTML it writes at run time: show one on the overview and one on the Gantt.
        for url, chart in (
            ("/", "#chart-category"),
            (f"/approvals/projects/{planned_project.pk}/plan/", "#plan-gantt"),
        ):
            page.goto(url)
            expect(page.locator(f"{chart} canvas").first).to_be_attached()
            assert page.evaluate(SHOW_TIP, chart), url
            page.wait_for_function(TIP_SHOWN, arg=chart)
            assert page.evaluate("window.__cspViolations") == [], url
        # An htmx request (the list's filter) runs under the policy too.
        page.goto("/projects/?q=国强")
        page.wait_for_load_state("networkidle")
        assert page.evaluate("window.__cspViolations") == []
        assert console == []
        assert page.problems == []
    finally:
        page.context.close()


def test_the_policy_is_enforced(browser, live_server, users):
    """The watch above can fail: an inline script or <style> added to a page is refused and reported."""
    page = open_page(browser, live_server)
    page.add_init_script(WATCH_POLICY)
    try:
        log_in(page, users[Role.ADMIN].username)
        page.goto("/projects/")
        page.evaluate("""() => { const s = document.createElement("script"); s.textContent = "window.__ran = 1";
                               document.body.appendChild(s); }""")
        page.wait_for_timeout(200)
        assert page.evaluate("window.__ran") is None
        page.evaluate("""() => { const s = document.createElement("style");
                               s.textContent = "body { color: rgb(1, 2, 3) }"; document.head.appendChild(s); }""")
        page.wait_for_timeout(200)
        assert page.evaluate("getComputedStyle(document.body).color") != "rgb(1, 2, 3)"
        violations = page.evaluate("window.__cspViolations")
        assert any(v.startswith("script-src") for v in violations)
        assert any(v.startswith("style-src") for v in violations)
    finally:
        page.context.close()


@pytest.mark.parametrize(("url", "ready"), [("/api/docs/", ".swagger-ui .info"), ("/api/redoc/", "h1")])
def test_api_docs_pages_run_under_their_policy(browser, live_server, users, url, ready):
    page = open_page(browser, live_server, viewport={"width": 1280, "height": 800})
    page.add_init_script(WATCH_POLICY)
    try:
        log_in(page, users[Role.ENTERPRISE].username)
        page.goto(url)
        expect(page.locator(ready).first).to_contain_text("Kaigong API", timeout=30_000)
        # ReDoc's "API docs by Redocly" badge is an image on its CDN: refused, as every outside address is.
        refused = [
            v for v in page.evaluate("window.__cspViolations") if not v.startswith("img-src https://cdn.redoc.ly/")
        ]
        assert refused == []
        assert page.problems == []
    finally:
        page.context.close()
