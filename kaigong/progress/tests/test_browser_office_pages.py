"""The office's monthly view in a browser: a leader's phone (390×844) reads the headline and the lights first, the
page itself does not scroll sideways (tables scroll in their box), and the chart draws under the CSP.

Run alone: ``pytest -m browser``. Skipped when chromium is not installed.
"""

import datetime as dt
from decimal import Decimal

import pytest

from kaigong.accounts.choices import Role
from kaigong.core.tests.browser import expect, log_in, new_page
from kaigong.progress import services
from kaigong.progress.tests.factories import building_project

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_leader_reads_the_monthly_view_on_a_phone(browser, live_server, users, department, organization):
    for index, annual in enumerate(["1200", "30000", "800"]):
        project = building_project(
            name=f"侯马市重点项目{index + 1}号",
            year=2024,
            responsible_department=department,
            owner=organization,
            annual=annual,
        )
        services.submit_report(
            project=project,
            month=dt.date(2024, 10, 1),
            data={"monthly_investment": Decimal("500")},
            actor=users[Role.OFFICE],
            today=dt.date(2024, 10, 20),
        )
    services.refresh_lights(month=dt.date(2024, 10, 1), today=dt.date(2024, 10, 28))
    page = new_page(browser, live_server, viewport={"width": 390, "height": 844}, is_mobile=True)
    try:
        log_in(page, users[Role.LEADER].username)
        page.goto("/progress/")
        expect(page.get_by_test_id("headline")).to_be_visible()
        expect(page.locator("#chart-groups canvas").first).to_be_attached()
        headline = page.get_by_test_id("headline").bounding_box()
        lights = page.get_by_test_id("lights").bounding_box()
        table = page.get_by_test_id("aggregation").bounding_box()
        assert headline["y"] < lights["y"] < table["y"]
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        assert page.problems == []
    finally:
        page.context.close()
