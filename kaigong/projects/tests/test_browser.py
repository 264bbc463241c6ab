"""Browser test of the main journey, in Debian's chromium driven by Playwright (issue 2 §9).

log in → project list → filter (htmx) → open a project → edit a field → see it in the history → export the
ledger → import the export back (dry run, confirm) → nothing duplicated; and the list on a phone-sized screen.

Run alone: ``pytest -m browser``. Skipped when chromium is not installed.
"""

import re
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from kaigong.accounts.choices import Role
from kaigong.core.tests.browser import expect, log_in, new_page
from kaigong.projects.models import Project
from kaigong.projects.tests.factories import CategoryFactory, LevelFactory, ProjectFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_REMARKS = "浏览器测试:已完成用地预审"
NEW_LEADER = "王副市长"


@pytest.fixture
def page(browser, live_server):
    page = new_page(browser, live_server, viewport={"width": 1280, "height": 800})
    yield page
    page.context.close()


@pytest.fixture
def phone_page(browser, live_server):
    page = new_page(browser, live_server, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    yield page
    page.context.close()


@pytest.fixture
def city(users, department, organization):
    """Five projects in two categories, and the office user who works on them."""
    industry = CategoryFactory(name="产业类", code="industry", sort_order=1)
    infra = CategoryFactory(name="基础设施类", code="infrastructure", sort_order=2)
    level = LevelFactory(name="市级", code="municipal")
    common = {"level": level, "owner": organization, "responsible_department": department, "year": 2024}
    projects = {
        name: ProjectFactory(name=name, category=category, total_investment=Decimal(amount), **common)
        for name, category, amount in [
            ("国强自动化生产线项目", industry, "52000"),
            ("旺龙药业新厂区建设项目", industry, "30000.5"),
            ("晋南农产品冷链物流园项目", industry, "12000"),
            ("城区雨污分流管网改造工程", infra, "18500"),
            ("浍河生态修复与堤防加固工程", infra, "9800.25"),
        ]
    }
    return {"office": users[Role.OFFICE], "industry": industry, "infra": infra, "projects": projects}


def _wait_for_list(page):
    """Wait until the list page has loaded with its (deferred) scripts, so that htmx handles what follows."""
    expect(page).to_have_url(re.compile(r"/projects/$"))
    page.wait_for_load_state("load")
    page.wait_for_function("() => window.htmx !== undefined")


def _result_names(page):
    return sorted(page.locator("#project-results tbody td.name a").all_inner_texts())


def _count_text(page, n):
    return page.locator("#project-results .results-head").get_by_text(f"共 {n} 个项目")


def test_filter_edit_history_export_and_import_back(page, city, tmp_path):
    projects = city["projects"]
    target = projects["城区雨污分流管网改造工程"]
    infra_names = sorted(name for name, p in projects.items() if p.category == city["infra"])

    # Log in as the project office and go to the list through the menu.
    log_in(page, city["office"].username)
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="项目", exact=True).click()
    _wait_for_list(page)
    expect(_count_text(page, 5)).to_be_visible()
    assert _result_names(page) == sorted(projects)

    # Sort by total investment (largest first), then filter by category and by a search term: htmx swaps the
    # results in place, without reloading the page.
    page.evaluate("window.__notReloaded = true")
    by_investment = sorted(projects, key=lambda name: projects[name].total_investment)
    sort_link = page.locator("#project-results thead").get_by_role("link", name="总投资(万元)")
    sort_link.click()
    expect(page).to_have_url(re.compile(r"ordering=total_investment"))
    expect(page.locator("#project-results td.name a").first).to_have_text(by_investment[0])
    sort_link.click()
    expect(page).to_have_url(re.compile(r"ordering=-total_investment"))
    expect(page.locator("#project-results td.name a").first).to_have_text(by_investment[-1])
    page.get_by_label("项目类别").select_option(label="基础设施类")
    expect(page).to_have_url(re.compile(rf"category={city['infra'].pk}"))
    expect(_count_text(page, 2)).to_be_visible()
    assert _result_names(page) == infra_names
    expect(page).to_have_url(re.compile(r"ordering=-total_investment"))  # the chosen order is kept
    page.get_by_label("搜索").fill("管网")
    expect(page).to_have_url(re.compile(r"q=%E7%AE%A1%E7%BD%91"))
    expect(_count_text(page, 1)).to_be_visible()
    assert _result_names(page) == [target.name]
    assert page.evaluate("window.__notReloaded") is True, "the filter reloaded the page instead of swapping"

    # Open the project, edit two fields and save.
    page.get_by_role("link", name=target.name).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(target.name)
    page.get_by_role("link", name="编辑").click()
    page.get_by_label("包联领导").fill(NEW_LEADER)
    page.get_by_label("备注").fill(NEW_REMARKS)
    page.get_by_role("button", name="保存").click()

    # Back on the project page: the change is shown and listed in 变更记录.
    expect(page).to_have_url(re.compile(rf"/projects/{target.pk}/$"))
    expect(page.locator(".field-remarks dd")).to_have_text(NEW_REMARKS)
    history = page.locator("#history")
    changes = history.locator(".history-item").first.locator("table.table-changes tbody tr")
    expect(changes.filter(has_text="备注").locator("td.after")).to_have_text(NEW_REMARKS)
    expect(changes.filter(has_text="包联领导").locator("td.after")).to_have_text(NEW_LEADER)
    expect(history.locator(".history-item").first).to_contain_text(str(city["office"]))

    # Back to the list, filter to the category again; the export follows the filter.
    page.get_by_role("link", name="重点项目").click()
    _wait_for_list(page)
    page.get_by_label("项目类别").select_option(label="基础设施类")
    expect(_count_text(page, 2)).to_be_visible()
    export_link = page.get_by_test_id("export-link")
    expect(export_link).to_have_attribute("href", re.compile(rf"category={city['infra'].pk}"))
    with page.expect_download() as download_info:
        export_link.click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    exported = tmp_path / download.suggested_filename
    download.save_as(exported)

    workbook = load_workbook(exported, read_only=True)
    rows = workbook.active.iter_rows(values_only=True)
    cells = [str(value) for row in rows for value in row if value is not None]
    workbook.close()
    for name in infra_names:
        assert name in cells
    assert not set(cells) & (set(projects) - set(infra_names)), "the export ignored the category filter"
    assert NEW_REMARKS in cells

    # Import the export back: dry run without problems, confirm, done; nothing duplicated.
    count_before = Project.objects.count()
    page.get_by_test_id("import-link").click()
    expect(page.get_by_role("heading", name="台账导入", level=1)).to_be_visible()
    page.get_by_label("台账文件").set_input_files(exported)
    page.get_by_role("button", name="上传并检查").click()
    expect(page).to_have_url(re.compile(r"/ledger/import/\d+/$"))
    expect(page.get_by_test_id("ledger-progress")).to_have_attribute("data-status", "checked")
    expect(page.get_by_test_id("ledger-problems")).to_have_count(0)
    confirm = page.get_by_test_id("ledger-confirm")
    expect(confirm).to_be_enabled()
    confirm.click()
    expect(page.get_by_test_id("ledger-progress")).to_have_attribute("data-status", "done")
    expect(page.get_by_test_id("ledger-done")).to_contain_text("新增 0 个项目")

    assert Project.objects.count() == count_before == len(projects)
    target.refresh_from_db()
    assert (target.remarks, target.liaison_leader) == (NEW_REMARKS, NEW_LEADER)

    # The project page still shows the edited value after the import.
    page.goto(f"/projects/{target.pk}/")
    expect(page.locator(".field-remarks dd")).to_have_text(NEW_REMARKS)
    assert page.problems == []


def test_list_on_a_phone(phone_page, city):
    page = phone_page
    log_in(page, city["office"].username)
    page.goto("/projects/")
    expect(_count_text(page, 5)).to_be_visible()

    # The menu collapses behind a toggle, which opens it.
    toggle = page.locator("[data-nav-toggle]")
    nav = page.locator("#site-nav")
    expect(toggle).to_be_visible()
    expect(nav).to_be_hidden()
    toggle.click()
    expect(nav).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    toggle.click()
    expect(nav).to_be_hidden()

    # The page itself does not scroll sideways; each project is a card headed by its name, each value named by
    # its column (issue 8 §6).
    width = page.viewport_size["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    first = page.locator("#project-results tbody tr").first
    box = first.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= width
    name = first.locator("td.name")
    expect(name).to_be_visible()
    assert name.bounding_box()["width"] > width / 2, "the name reads on one line or two, not a character a line"
    expect(first.locator("td").nth(3)).to_have_attribute("data-label", "级别")
    # Filtering swaps the results in: the new rows are cards too.
    page.get_by_label("项目类别").select_option(label="基础设施类")
    expect(_count_text(page, 2)).to_be_visible()
    expect(page.locator("#project-results table")).to_have_attribute("data-cards", "")
    assert page.locator("#project-results tbody td.name").first.bounding_box()["width"] > width / 2
    assert page.evaluate("window.scrollX") == 0
    assert page.problems == []


def test_the_owner_picker_narrows_to_what_is_typed(page, city):
    """A city has hundreds of enterprises: the box above the owner picker narrows its options; the chosen one is
    saved as usual."""
    from kaigong.accounts.tests.factories import OrganizationFactory

    for n in range(30):
        OrganizationFactory(name=f"示例企业{n:02d}有限公司")
    wanted = OrganizationFactory(name="侯马市汾水新材料有限公司")
    target = city["projects"]["国强自动化生产线项目"]
    log_in(page, city["office"].username)
    page.goto(f"/projects/{target.pk}/edit/")
    page.wait_for_load_state("load")
    owner = page.locator("select[name=owner]")
    box = owner.locator("xpath=preceding-sibling::input[@class='select-filter']")
    expect(box).to_have_attribute("placeholder", "输入名称筛选")
    box.fill("汾水")
    visible = owner.evaluate("s => Array.from(s.options).filter(o => !o.hidden).map(o => o.text)")
    assert "侯马市汾水新材料有限公司" in visible and not any(text.startswith("示例企业") for text in visible)
    box.press("Enter")  # does not submit the form
    expect(page).to_have_url(re.compile(rf"/projects/{target.pk}/edit/$"))
    owner.select_option(label="侯马市汾水新材料有限公司")
    box.fill("")
    assert owner.evaluate("s => Array.from(s.options).filter(o => o.hidden).length") == 0
    page.get_by_role("button", name="保存").click()
    expect(page).to_have_url(re.compile(rf"/projects/{target.pk}/$"))
    target.refresh_from_db()
    assert target.owner == wanted
    assert page.problems == []
