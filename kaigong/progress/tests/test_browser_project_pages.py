"""A project's monthly report on a phone (390×844) in Debian's chromium: the enterprise reports with a photo, the office
accepts it, the progress tab draws the curve; no page scrolls sideways, no script error, no failed request.
Set KAIGONG_SCREENSHOTS to a folder to keep a screenshot of each page.

Run alone: ``pytest -m browser``. Skipped when chromium is not installed.
"""

import datetime as dt
import os
from decimal import Decimal
from pathlib import Path

import pytest

from kaigong.accounts.choices import Role
from kaigong.core.tests.browser import expect, log_in, new_page
from kaigong.progress import services
from kaigong.progress.choices import ReportStatus
from kaigong.progress.models import ProgressReport
from kaigong.progress.tests.factories import building_project
from kaigong.progress.tests.test_project_pages import photo_bytes

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

PHONE = {"width": 390, "height": 844}


def _check_width(page, where, problems):
    width = page.evaluate("document.documentElement.scrollWidth")
    if width > PHONE["width"]:
        problems.append(f"{where}: the page is {width}px wide on a {PHONE['width']}px screen")
    shots = os.environ.get("KAIGONG_SCREENSHOTS")
    if shots:
        Path(shots).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(shots) / f"progress-{where}.png"), full_page=True)


def test_report_review_and_curve_on_a_phone(browser, live_server, users, department, organization, tmp_path):
    project = building_project(responsible_department=department, owner=organization, annual="1200")
    today = dt.date.today()
    month = today.replace(day=1) if today.day >= 20 else (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    for number in range(1, month.month):  # the months before the one open for reporting, reported already
        services.submit_report(
            project=project,
            month=month.replace(month=number),
            data={"monthly_investment": Decimal("90"), "visible_progress": "主体施工"},
            actor=users[Role.ENTERPRISE],
        )
    picture = tmp_path / "现场.jpg"
    picture.write_bytes(photo_bytes())
    problems = []

    page = new_page(browser, live_server, viewport=PHONE, is_mobile=True, has_touch=True)
    log_in(page, users[Role.ENTERPRISE].username)
    page.goto(f"/progress/projects/{project.pk}/")
    _check_width(page, "progress-enterprise", problems)
    page.get_by_test_id("report-button").click()
    expect(page).to_have_url(f"{live_server.url}/progress/projects/{project.pk}/report/{month:%Y-%m}/")
    page.get_by_label("本月完成投资(万元)").fill("１,２００")
    page.get_by_label("形象进度", exact=True).fill("主体结构封顶")
    page.locator("input[name=problem_text]").first.fill("配套电力线路迁改未完成")
    page.locator("input[type=file][name=photos]").set_input_files(str(picture))
    _check_width(page, "report-form", problems)
    page.get_by_test_id("submit").click()
    expect(page.locator(".message-success")).to_contain_text("月报已报送")
    expect(page.get_by_test_id("current-report")).to_contain_text("开工以来累计")
    expect(page.locator(".photo-strip img")).to_have_count(1)
    thumbnail_ok = page.evaluate("document.querySelector('.photo-strip img').naturalWidth > 0")
    assert thumbnail_ok, "the thumbnail did not load"
    _check_width(page, "report-saved", problems)
    assert page.problems == [], page.problems
    page.context.close()

    page = new_page(browser, live_server, viewport=PHONE, is_mobile=True, has_touch=True)
    log_in(page, users[Role.OFFICE].username)
    page.goto(f"/progress/projects/{project.pk}/")
    expect(page.locator("#progress-curve canvas")).to_have_count(1)
    card = page.locator(f'[data-month="{month:%Y-%m}"]')
    card.get_by_role("button", name="审核通过").click()
    expect(page.locator(".message-success")).to_contain_text("审核通过")
    _check_width(page, "progress-office", problems)
    assert page.problems == [], page.problems
    page.context.close()

    report = ProgressReport.objects.get(project=project, month=month)
    assert report.status == ReportStatus.ACCEPTED and report.monthly_investment == Decimal("1200")
    assert problems == [], "\n".join(problems)
