"""The demo city on a phone (390×844) in Chinese and in English, in Debian's chromium (issue 8 §6).

No page scrolls sideways as a whole, and each page's key column (a project's name, an item's light) is on the
screen, wide enough to read: the overview, the project list, the warning list, the batch page and a checklist.
Set KAIGONG_SCREENSHOTS to a folder to keep a screenshot of each page.

Run alone: ``pytest -m browser``. Skipped when chromium is not installed.
"""

import io
import os
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db.models import Count

from kaigong.approvals.models import ChecklistItem
from kaigong.core.tests.browser import expect, new_page
from kaigong.projects.demo import DEMO_PASSWORD
from kaigong.projects.models import GroundbreakingBatch

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
LANGUAGES = ("zh-hans", "en")


@pytest.fixture
def demo_city(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    # A transactional test before this one flushed what the data migrations seeded: put it back, as on a fresh install.
    call_command("approvals", "seed", stdout=io.StringIO(), skip_checks=True)
    call_command("workdays", "seed", stdout=io.StringIO(), stderr=io.StringIO(), skip_checks=True)
    call_command("load-demo", stdout=io.StringIO(), skip_checks=True)
    batch = GroundbreakingBatch.objects.get()
    busiest = (
        ChecklistItem.objects.values("checklist__project_id")
        .annotate(n=Count("id"))
        .order_by("-n", "checklist__project_id")
        .first()
    )
    return {"batch": batch, "checklist_project": busiest["checklist__project_id"]}


def _phone(browser, live_server, language):
    page = new_page(browser, live_server, viewport=PHONE, is_mobile=True, has_touch=True)
    page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page.goto("/accounts/login/")
    page.locator("input[name=username]").fill("office")
    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    page.locator("form button[type=submit]").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans" if language == "zh-hans" else "en")
    return page


def _on_screen(page, locator, what, problems, *, min_width=0):
    """The first element of ``locator`` is shown, inside the screen's width, and at least ``min_width`` wide."""
    if not locator.count():
        problems.append(f"{what}: not found")
        return
    element = locator.first
    element.scroll_into_view_if_needed()
    box = element.bounding_box()
    width = page.viewport_size["width"]
    if not element.is_visible() or box is None:
        problems.append(f"{what}: not visible")
    elif box["x"] < 0 or box["x"] + box["width"] > width + 1:
        problems.append(f"{what}: off the screen ({box['x']:.0f}…{box['x'] + box['width']:.0f} of {width})")
    elif box["width"] < min_width:
        problems.append(f"{what}: squeezed to {box['width']:.0f}px")


def _venues(page, batch, problems):
    """Each member row names the venue its project takes part from, under the column's name."""
    venues = page.locator("table.table-members tbody tr td:last-child")
    if set(venues.all_inner_texts()) != {batch.main_site, *batch.sub_sites} or venues.count() != 20:
        problems.append(f"batch: the venue column reads {venues.all_inner_texts()}")
    if venues.first.get_attribute("data-label") != "会场":
        problems.append("batch: the venue cell is not named by its column on a phone")


def test_the_main_pages_fit_a_phone_in_both_languages(browser, live_server, demo_city):
    batch, project = demo_city["batch"], demo_city["checklist_project"]
    readable = PHONE["width"] * 0.4  # a name column narrower than this shows a character or two a line
    pages = {
        "overview": ("/", [("[data-stat=count]", 0), ("table tbody td:first-child", 0)]),
        "project-list": ("/projects/", [("#project-results tbody td.name", readable)]),
        "warning-list": (
            "/approvals/warnings/",
            [
                ("[data-testid=item-table] tbody td:first-child", readable),
                ("[data-testid=item-table] [data-light]", 0),
            ],
        ),
        "batch": (f"/batches/{batch.pk}/", [("table.table-members td.card-key", readable)]),
        "checklist": (
            f"/approvals/projects/{project}/",
            [("table.table-cards tbody td:first-child", readable), ("table.table-cards [data-light]", 0)],
        ),
    }
    shots = os.environ.get("KAIGONG_SCREENSHOTS")
    problems = []
    for language in LANGUAGES:
        page = _phone(browser, live_server, language)
        for name, (path, keys) in pages.items():
            page.goto(path)
            page.wait_for_load_state("load")
            where = f"{name} ({language})"
            scroll_width = page.evaluate("document.documentElement.scrollWidth")
            if scroll_width > PHONE["width"]:
                problems.append(f"{where}: the page is {scroll_width}px wide on a {PHONE['width']}px screen")
            for selector, min_width in keys:
                _on_screen(page, page.locator(selector), f"{where} {selector}", problems, min_width=min_width)
            if name == "batch" and language == "zh-hans":
                _venues(page, batch, problems)
            if shots:
                Path(shots).mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(Path(shots) / f"{name}-{language}.png"), full_page=True)
        assert page.problems == [], page.problems
        page.context.close()
    assert problems == [], "\n".join(problems)
