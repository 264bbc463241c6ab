"""The project pages through HTTP: list (search, filters, sorting, pagination, htmx), detail with history,
create/edit forms (money input, errors, stale versions), stage change, batches and the overview."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse

from kaigong.accounts.choices import Role
from kaigong.projects import services
from kaigong.projects.models import Project
from kaigong.projects.tests.factories import (
    CategoryFactory,
    GroundbreakingBatchFactory,
    LevelFactory,
    ProjectFactory,
)


@pytest.fixture
def industry(db):
    return CategoryFactory(name="产业类", code="industry", sort_order=1)


@pytest.fixture
def infrastructure(db):
    return CategoryFactory(name="基础设施类", code="infrastructure", sort_order=2)


@pytest.fixture
def office(login, users):
    return login(users[Role.OFFICE])


def names_in(response) -> list[str]:
    """Project names in the list table, in the order shown."""
    body = response.content.decode()
    return re.findall(r'<td class="name"><a href="/projects/\d+/">([^<]+)</a>', body)


def form_data(project: Project, **changes) -> dict:
    data = {
        "name": project.name,
        "project_code": project.project_code,
        "category": project.category_id,
        "level": project.level_id or "",
        "year": project.year,
        "owner": project.owner_id or "",
        "responsible_department": project.responsible_department_id or "",
        "total_investment": str(project.total_investment),
        "annual_planned_investment": str(project.annual_planned_investment),
        "planned_start_date": project.planned_start_date.isoformat() if project.planned_start_date else "",
        "pool": project.pool,
        "version": project.version,
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


# --- list ------------------------------------------------------------------------------------------------


def test_search_by_pinyin_initials(office, industry):
    ProjectFactory(name="国强自动化光伏新能源生产基地", category=industry)
    ProjectFactory(name="侯马市污水处理厂提标改造", category=industry)
    response = office.get(reverse("projects:list"), {"q": "gqzdh"})
    assert names_in(response) == ["国强自动化光伏新能源生产基地"]


@pytest.mark.parametrize("query", ["光伏新能源", "旺龙", "141081-04-01"])
def test_search_by_name_owner_and_code(office, industry, other_organization, query):
    ProjectFactory(
        name="国强光伏新能源",
        category=industry,
        owner=other_organization,
        project_code="2401-141081-04-01-123456",
    )
    ProjectFactory(name="无关项目", category=industry)
    found = names_in(office.get(reverse("projects:list"), {"q": query}))
    assert found == ["国强光伏新能源"]


def test_filter_by_category_stage_and_year(office, users, industry, infrastructure):
    ProjectFactory(name="产业甲", category=industry, year=2024)
    road = ProjectFactory(name="道路乙", category=infrastructure, year=2024, coded=True)
    ProjectFactory(name="道路丙", category=infrastructure, year=2023)
    services.change_project_stage(project=road, stage="started", actor=users[Role.OFFICE])
    url = reverse("projects:list")
    assert names_in(office.get(url, {"category": infrastructure.pk})) == ["道路乙", "道路丙"]
    assert names_in(office.get(url, {"stage": "started"})) == ["道路乙"]
    assert names_in(office.get(url, {"year": 2023})) == ["道路丙"]
    assert names_in(office.get(url, {"category": industry.pk, "year": 2023})) == []


def test_filter_by_batch_and_department(office, industry, department, other_department):
    member = ProjectFactory(name="开工项目", category=industry, responsible_department=department)
    ProjectFactory(name="其他项目", category=industry, responsible_department=other_department)
    batch = GroundbreakingBatchFactory()
    services.save_batch(batch=batch, data={}, members=[(member, 1)])
    url = reverse("projects:list")
    assert names_in(office.get(url, {"batch": batch.pk})) == ["开工项目"]
    assert names_in(office.get(url, {"responsible_department": other_department.pk})) == ["其他项目"]


def test_invalid_filter_shows_an_error_not_everything(office, industry):
    ProjectFactory(name="某项目", category=industry)
    response = office.get(reverse("projects:list"), {"year": "abc"})
    assert response.status_code == 200
    assert names_in(response) == []
    assert "筛选条件有误" in response.content.decode()


def test_sorting_by_clicking_column_headers(office, industry):
    for name, amount in [("中", "500"), ("大", "900"), ("小", "100")]:
        ProjectFactory(name=name, category=industry, total_investment=Decimal(amount), annual_planned_investment=0)
    url = reverse("projects:list")
    assert names_in(office.get(url, {"ordering": "total_investment"})) == ["小", "中", "大"]
    response = office.get(url, {"ordering": "-total_investment"})
    assert names_in(response) == ["大", "中", "小"]
    # The header now links to the reverse order and keeps the other parameters.
    assert 'href="?ordering=total_investment"' in response.content.decode()
    assert 'href="?category=1&amp;ordering=name"' in office.get(url, {"category": "1"}).content.decode()


def test_pagination_50_per_page(office, industry):
    ProjectFactory.create_batch(60, category=industry)
    url = reverse("projects:list")
    first = office.get(url)
    second = office.get(url, {"page": 2})
    assert len(names_in(first)) == 50
    assert len(names_in(second)) == 10
    assert not set(names_in(first)) & set(names_in(second))
    assert "共 60 个项目" in first.content.decode()
    assert "?page=2" in first.content.decode()


def test_list_query_count_is_flat(office, industry, django_assert_max_num_queries):
    ProjectFactory.create_batch(60, category=industry)
    with django_assert_max_num_queries(11):  # 10, and the nav's unread-notice count
        response = office.get(reverse("projects:list"), {"q": "测试", "ordering": "-total_investment"})
    assert len(names_in(response)) == 50


def test_list_counts_once(office, industry):
    ProjectFactory.create_batch(3, category=industry)
    with CaptureQueriesContext(connection) as queries:
        office.get(reverse("projects:list"))
    # The list's own count (the nav's unread-notice count is another table's).
    counts = [
        q["sql"]
        for q in queries.captured_queries
        if "COUNT(" in q["sql"].upper() and "progress_progressnotice" not in q["sql"]
    ]
    assert len(counts) == 1


def test_htmx_request_gets_only_the_results(office, industry):
    ProjectFactory(name="国强自动化光伏新能源生产基地", category=industry)
    response = office.get(reverse("projects:list"), {"q": "gqzdh"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body
    assert body.lstrip().startswith('<section id="project-results"')
    assert names_in(response) == ["国强自动化光伏新能源生产基地"]
    assert "HX-Request" in response["Vary"]
    # The full page (no htmx, or a history restore) still works at the same URL.
    full = office.get(reverse("projects:list"), {"q": "gqzdh"})
    assert "<html" in full.content.decode()
    assert 'hx-push-url="true"' in full.content.decode()
    restore = office.get(
        reverse("projects:list"), {"q": "gqzdh"}, HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true"
    )
    assert "<html" in restore.content.decode()


def test_export_link_carries_the_current_filters(office, industry):
    try:
        export_url = reverse("projects:ledger-export")
    except NoReverseMatch:
        pytest.skip("ledger export page not installed yet")
    ProjectFactory(category=industry)
    body = office.get(reverse("projects:list"), {"category": industry.pk, "q": "测试", "page": 1}).content.decode()
    assert f'href="{export_url}?category={industry.pk}&amp;q=%E6%B5%8B%E8%AF%95"' in body


@pytest.mark.parametrize(("role", "shown"), [(Role.OFFICE, True), (Role.LEADER, False), (Role.DEPARTMENT, False)])
def test_import_link_only_for_importers(login, users, role, shown):
    try:
        import_url = reverse("projects:ledger-import")
    except NoReverseMatch:
        pytest.skip("ledger import page not installed yet")
    body = login(users[role]).get(reverse("projects:list")).content.decode()
    assert ('data-testid="import-link"' in body) is shown
    assert (import_url in body) is shown


# --- detail -------------------------------------------------------------------------------------------------


def test_detail_shows_fields_owner_investors_batches(office, industry, organization, other_organization):
    project = ProjectFactory(
        name="国强光伏",
        category=industry,
        owner=organization,
        total_investment=Decimal("1155000"),
        construction_content="新建厂房三座",
    )
    project.investors.set([other_organization])
    batch = GroundbreakingBatchFactory(name="2024年第一批集中开工")
    services.save_batch(batch=batch, data={}, members=[(project, 1)])
    body = office.get(reverse("projects:detail", args=[project.pk])).content.decode()
    for text in ("国强光伏", "新建厂房三座", organization.name, other_organization.name, "2024年第一批集中开工"):
        assert text in body
    assert "1,155,000万元" in body and "115.5亿元" in body
    assert "可变更为:前期、新开工、暂停、退库" in body


def test_detail_of_unknown_project_is_404(office):
    assert office.get(reverse("projects:detail", args=[999999])).status_code == 404


# --- create and edit ----------------------------------------------------------------------------------------


def test_create_with_thousands_separators_and_fullwidth_digits(office, industry, department):
    response = office.post(
        reverse("projects:create"),
        {
            "name": "国强自动化光伏新能源生产基地",
            "category": industry.pk,
            "year": 2024,
            "responsible_department": department.pk,
            "total_investment": "1,234.5",
            "annual_planned_investment": "１２３",
            "pool": "planning",
        },
    )
    project = Project.objects.get(name="国强自动化光伏新能源生产基地")
    assert response.status_code == 302
    assert response["Location"] == reverse("projects:detail", args=[project.pk])
    assert project.total_investment == Decimal("1234.50")
    assert project.annual_planned_investment == Decimal("123.00")
    assert "|gqzdh" in project.search_text
    detail = office.get(response["Location"]).content.decode()
    assert "新建" in detail and "1,234.5万元" in detail


def test_create_errors_redisplay_the_input(office, industry):
    response = office.post(
        reverse("projects:create"),
        {
            "name": "保留我的输入",
            "category": industry.pk,
            "year": 2024,
            "total_investment": "一千万",
            "annual_planned_investment": "50",
            "construction_content": "很长的建设内容",
            "pool": "planning",
        },
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "金额格式不正确" in body
    assert 'value="保留我的输入"' in body
    assert 'value="一千万"' in body
    assert "很长的建设内容" in body
    assert not Project.objects.filter(name="保留我的输入").exists()


def test_model_rule_errors_show_on_the_field(office, industry):
    response = office.post(
        reverse("projects:create"),
        {"name": "年度大于总投资", "category": industry.pk, "year": 2024, "total_investment": "10",
         "annual_planned_investment": "20", "pool": "planning"},
    )  # fmt: skip
    assert response.status_code == 200
    assert "年度计划投资不能大于总投资" in response.content.decode()
    assert not Project.objects.filter(name="年度大于总投资").exists()


def test_department_officer_is_offered_only_its_department(login, users, department, other_department, industry):
    web = login(users[Role.DEPARTMENT])
    body = web.get(reverse("projects:create")).content.decode()
    assert department.name in body
    assert other_department.name not in body
    # Even a forged choice of another department is refused by the form, and the service would override it.
    response = web.post(
        reverse("projects:create"),
        {"name": "部门项目", "category": industry.pk, "year": 2024, "total_investment": "100",
         "annual_planned_investment": "0", "pool": "planning", "responsible_department": other_department.pk},
    )  # fmt: skip
    assert response.status_code == 200
    assert not Project.objects.filter(name="部门项目").exists()
    response = web.post(
        reverse("projects:create"),
        {"name": "部门项目", "category": industry.pk, "year": 2024, "total_investment": "100",
         "annual_planned_investment": "0", "pool": "planning", "responsible_department": department.pk},
    )  # fmt: skip
    assert response.status_code == 302
    assert Project.objects.get(name="部门项目").responsible_department == department


def test_edit_saves_and_history_shows_the_change(office, users, industry):
    project = ProjectFactory(name="旧名称", category=industry, level=LevelFactory())
    response = office.post(
        reverse("projects:edit", args=[project.pk]), form_data(project, name="新名称", total_investment="20,000")
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert (project.name, project.total_investment, project.version) == ("新名称", Decimal("20000.00"), 2)
    body = office.get(reverse("projects:detail", args=[project.pk])).content.decode()
    history = body[body.index("变更记录") :]
    assert "项目名称" in history and "旧名称" in history and "新名称" in history
    assert "总投资(万元)" in history and "10,000万元" in history and "20,000万元" in history
    assert str(users[Role.OFFICE]) in history  # who made the change


def test_edit_form_starts_with_the_stored_values(office, industry):
    project = ProjectFactory(name="已有项目", category=industry, total_investment=Decimal("1234.5"))
    body = office.get(reverse("projects:edit", args=[project.pk])).content.decode()
    assert 'value="已有项目"' in body
    assert 'value="1234.50"' in body
    assert 'name="version" value="1"' in body


def test_stale_edit_is_refused_and_keeps_the_input(office, users, industry):
    project = ProjectFactory(name="原名", category=industry)
    stale_form = form_data(project, name="我的修改", remarks="我写的备注")
    # Someone else saves first.
    services.update_project(project=Project.objects.get(pk=project.pk), data={"name": "他人的修改"}, actor=None)
    response = office.post(reverse("projects:edit", args=[project.pk]), stale_form)
    body = response.content.decode()
    assert response.status_code == 200
    assert "该项目已被他人修改" in body
    assert 'value="我的修改"' in body and "我写的备注" in body  # nothing typed is lost
    assert "他人的修改" in body  # the stored value is shown beside the user's
    differences = [str(d["label"]) for d in response.context["stale"]["differences"]]
    assert differences == ["项目名称", "备注"]  # only the fields that really differ
    stored = Project.objects.get(pk=project.pk)
    assert stored.name == "他人的修改"  # nothing overwritten
    assert stored.version == 2
    # The form now carries the current version: a deliberate second submit saves the user's input.
    assert 'name="version" value="2"' in body
    again = office.post(reverse("projects:edit", args=[project.pk]), {**stale_form, "version": 2})
    assert again.status_code == 302
    assert Project.objects.get(pk=project.pk).name == "我的修改"


def test_edit_without_version_is_refused(office, industry):
    project = ProjectFactory(name="原名", category=industry)
    data = form_data(project, name="改了")
    del data["version"]
    response = office.post(reverse("projects:edit", args=[project.pk]), data)
    assert response.status_code == 200
    assert Project.objects.get(pk=project.pk).name == "原名"


# --- stage change ------------------------------------------------------------------------------------------


def test_stage_change_writes_history_visible_on_detail(office, industry):
    project = ProjectFactory(category=industry, coded=True)
    page = office.get(reverse("projects:stage", args=[project.pk])).content.decode()
    assert 'value="started"' in page and 'value="operating"' not in page
    response = office.post(
        reverse("projects:stage", args=[project.pk]),
        {"stage": "started", "effective_date": "2024-01-01", "reason": "集中开工", "version": 1},
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.stage == "started"
    assert project.actual_start_date == dt.date(2024, 1, 1)
    body = office.get(reverse("projects:detail", args=[project.pk])).content.decode()
    history = body[body.index("变更记录") :]
    assert "阶段变更" in history and "集中开工" in history
    assert "谋划" in history and "新开工" in history
    assert "实际开工时间" in history and "2024-01-01" in history


def test_pause_without_reason_shows_the_error_and_keeps_input(office, industry):
    project = ProjectFactory(category=industry)
    response = office.post(
        reverse("projects:stage", args=[project.pk]),
        {"stage": "paused", "effective_date": "2024-05-06", "reason": "", "version": 1},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "暂停或退库须填写原因" in body
    assert 'value="2024-05-06"' in body
    assert Project.objects.get(pk=project.pk).stage == "planning"


def test_stage_not_allowed_from_here_is_refused(office, industry):
    project = ProjectFactory(category=industry)
    response = office.post(
        reverse("projects:stage", args=[project.pk]),
        {"stage": "operating", "effective_date": "2024-05-06", "version": 1},
    )
    assert response.status_code == 200
    assert "field-error" in response.content.decode()
    assert Project.objects.get(pk=project.pk).stage == "planning"


def test_stale_stage_change_is_refused(office, industry):
    project = ProjectFactory(category=industry)
    services.update_project(project=project, data={"remarks": "先改了"}, actor=None)
    response = office.post(
        reverse("projects:stage", args=[project.pk]),
        {"stage": "preparation", "effective_date": "2024-05-06", "version": 1},
    )
    assert response.status_code == 200
    assert "该项目已被他人修改" in response.content.decode()
    assert Project.objects.get(pk=project.pk).stage == "planning"


# --- batches and overview ----------------------------------------------------------------------------------


def test_batch_page_shows_summary_and_members_in_featured_order(office, industry, infrastructure):
    a = ProjectFactory(name="甲项目", category=industry, total_investment=Decimal("600000"),
                       annual_planned_investment=Decimal("200000"))  # fmt: skip
    b = ProjectFactory(name="乙项目", category=industry, total_investment=Decimal("400000"),
                       annual_planned_investment=Decimal("100000"))  # fmt: skip
    c = ProjectFactory(name="丙道路", category=infrastructure, total_investment=Decimal("155000"),
                       annual_planned_investment=Decimal("28000"))  # fmt: skip
    batch = GroundbreakingBatchFactory(
        name="2024年第一批", main_site="侯马经济开发区", sub_sites=["新田乡", "上马街道"]
    )
    services.save_batch(batch=batch, data={}, members=[(b, 1), (a, 2), (c, None)])
    listing = office.get(reverse("projects:batch-list")).content.decode()
    assert "2024年第一批" in listing and "侯马经济开发区" in listing
    body = office.get(reverse("projects:batch-detail", args=[batch.pk])).content.decode()
    assert (
        "此次集中开工3个项目，包括乙项目、甲项目等2个产业类项目，1个基础设施类项目，总投资115.5亿元，年度投资32.8亿元。"
        in body
    )
    assert "1,155,000万元" in body
    assert "新田乡、上马街道" in body
    assert body.index("乙项目</a>") < body.index("甲项目</a>") < body.index("丙道路</a>")


def test_overview_counts_and_investment_by_stage_and_category(office, users, industry, infrastructure):
    ProjectFactory(category=industry, total_investment=Decimal("1000000"), year=2024)
    started = ProjectFactory(category=infrastructure, total_investment=Decimal("155000"), year=2024, coded=True)
    ProjectFactory(category=industry, total_investment=Decimal("50000"), year=2023)
    services.change_project_stage(project=started, stage="started", actor=users[Role.OFFICE])
    response = office.get(reverse("projects:overview"), {"year": 2024})
    body = response.content.decode()
    assert response.context["overview"].count == 2
    assert 'data-stat="total-yi">115.5<' in body
    assert "1,155,000万元" in body
    rows = {row["category__name"]: row["count"] for row in response.context["overview"].by_category}
    assert rows == {"产业类": 1, "基础设施类": 1}
    assert {row["stage"]: row["count"] for row in response.context["overview"].by_stage}["started"] == 1
    assert '<option value="2023"' in body and '<option value="2024" selected' in body
    assert 'id="overview-chart-data"' in body and "vendor/echarts/echarts.common.min.js" in body
    everything = office.get(reverse("projects:overview"))
    assert everything.context["overview"].count == 3


def test_overview_is_scoped_to_the_user(login, users, department, other_department, industry):
    ProjectFactory(category=industry, responsible_department=department)
    ProjectFactory(category=industry, responsible_department=other_department)
    assert login(users[Role.DEPARTMENT]).get(reverse("projects:overview")).context["overview"].count == 1
    assert login(users[Role.LEADER]).get(reverse("projects:overview")).context["overview"].count == 2


# --- layout --------------------------------------------------------------------------------------------------


def test_layout_is_responsive_and_has_language_switcher(office):
    body = office.get(reverse("projects:overview")).content.decode()
    assert 'name="viewport" content="width=device-width, initial-scale=1"' in body
    assert reverse("set_language") in body and 'value="en"' in body
    assert "data-nav-toggle" in body
    assert "cdn" not in body.lower()


def test_switching_to_english(office):
    response = office.post(reverse("set_language"), {"language": "en", "next": reverse("projects:overview")})
    assert response.status_code == 302
    body = office.get(reverse("projects:overview")).content.decode()
    assert '<html lang="en">' in body


def test_server_error_page_renders_without_context():
    html = render_to_string("500.html")
    assert "服务器出错了" in html and "css/kaigong.css" in html


def test_history_is_paged_and_names_the_object_of_each_event(office, industry, django_assert_max_num_queries):
    from kaigong.approvals.checklists.services import generate_checklist
    from kaigong.approvals.models import ChecklistItem
    from kaigong.audit.models import AuditEvent
    from kaigong.audit.services import record_event

    project = ProjectFactory(name="分页项目", category=industry)
    for n in range(45):
        record_event(
            action="update", actor_label="test", obj=project, project=project, changes={"remarks": ["", f"备注{n}"]}
        )
    generate_checklist(project=project, actor=None, actor_label="清单生成")
    item = ChecklistItem.objects.filter(checklist__project=project).select_related("matter").first()
    changes = {"status": ["not_started", "submitted"]}
    record_event(action="update", actor_label="test", obj=item, project=project, changes=changes)
    url = reverse("projects:detail", args=[project.pk])
    total = AuditEvent.objects.filter(project=project).count()
    pages = -(-total // 20)
    assert pages >= 3

    with django_assert_max_num_queries(25):
        first = office.get(url).content.decode()
    history = first[first.index('id="history"') :]
    assert history.count('class="history-item"') == 20
    assert f"1 / {pages}" in history and "history_page=2#history" in history
    # The checklist item's event names its item, and its field is labelled by the item's model.
    assert str(item)[:20] in history and str(ChecklistItem._meta.get_field("status").verbose_name) in history
    last = office.get(url, {"history_page": pages}).content.decode()
    history = last[last.index('id="history"') :]
    assert history.count('class="history-item"') == total - 20 * (pages - 1)
    assert "备注0" in history and "备注44" not in history  # oldest last
    bad = office.get(url, {"history_page": "x"}).content.decode()  # a bad page number shows the first page
    assert f"1 / {pages}" in bad


def test_batch_page_reads_the_published_summary_to_everyone_and_lists_the_rows_each_may_see(
    login, users, office, industry, infrastructure, organization, other_organization
):
    own = ProjectFactory(name="国强光伏组件", category=industry, owner=organization,
                         total_investment=Decimal("500000"), annual_planned_investment=Decimal("100000"))  # fmt: skip
    other = ProjectFactory(name="旺龙药业扩建", category=industry, owner=other_organization,
                           total_investment=Decimal("300000"), annual_planned_investment=Decimal("80000"))  # fmt: skip
    road = ProjectFactory(name="浍河治理", category=infrastructure, owner=other_organization,
                          total_investment=Decimal("355000"), annual_planned_investment=Decimal("148000"))  # fmt: skip
    batch = GroundbreakingBatchFactory(name="2024年第一批", main_site="开发区主会场", sub_sites=["浍河分会场"])
    services.save_batch(
        batch=batch, data={}, members=[(other, 1, "开发区主会场"), (own, 2, "开发区主会场"), (road, None, "浍河分会场")]
    )
    url = reverse("projects:batch-detail", args=[batch.pk])
    sentence = (
        "此次集中开工3个项目，包括旺龙药业扩建、国强光伏组件等2个产业类项目，1个基础设施类项目，"
        "总投资115.5亿元，年度投资32.8亿元。"
    )

    everything = office.get(url).content.decode()
    assert sentence in everything
    assert all(f"{name}</a>" in everything for name in ["国强光伏组件", "旺龙药业扩建", "浍河治理"])
    assert 'data-testid="batch-visible-count"' not in everything
    # Each row names the venue its project takes part from.
    rows = re.findall(r"<tr>\s*<td class=\"num\">.*?</tr>", everything, flags=re.DOTALL)
    venues = [re.findall(r"<td>([^<]*)</td>\s*</tr>", row)[0] for row in rows]
    assert venues == ["开发区主会场", "开发区主会场", "浍河分会场"]

    enterprise = login(users[Role.ENTERPRISE]).get(url).content.decode()
    assert sentence in enterprise  # the published figures, not a sum over the rows it may see
    assert 'data-stat="batch-count">3<' in enterprise
    assert "国强光伏组件</a>" in enterprise
    assert "旺龙药业扩建" in enterprise  # cited by the published sentence …
    assert "旺龙药业扩建</a>" not in enterprise and "浍河治理" not in enterprise  # … but not listed
    assert "此次集中开工3个项目，您可查看其中1个项目。" in enterprise


def test_overview_counts_the_active_projects_and_gives_the_withdrawn_apart(office, users, industry):
    ProjectFactory(category=industry, total_investment=Decimal("100000"), annual_planned_investment=Decimal("10000"))
    gone = ProjectFactory(category=industry, total_investment=Decimal("25000"), annual_planned_investment=Decimal("0"))
    services.change_project_stage(project=gone, stage="withdrawn", reason="企业调整计划", actor=users[Role.OFFICE])

    response = office.get(reverse("projects:overview"))
    body = response.content.decode()
    assert 'data-stat="count">1<' in body
    assert 'data-stat="total-yi">10<' in body
    assert [row["count"] for row in response.context["overview"].by_category] == [1]
    note = re.search(r'data-testid="overview-withdrawn">(.*?)</p>', body, flags=re.DOTALL).group(1)
    assert "以上统计不含已退库项目：退库 1 个，总投资 2.5 亿元。" in note
    assert "stage=withdrawn" in note
    withdrawn_row = next(row for row in response.context["overview"].by_stage if row["stage"] == "withdrawn")
    assert withdrawn_row["count"] == 1  # the stage table still lists 退库, labelled


def test_list_gives_the_count_and_totals_of_the_filtered_set(
    office, industry, infrastructure, django_assert_max_num_queries
):
    for amount in ["100000", "55000"]:
        ProjectFactory(category=industry, total_investment=Decimal(amount), annual_planned_investment=Decimal("20000"))
    ProjectFactory(category=infrastructure, total_investment=Decimal("900000"), annual_planned_investment=Decimal("1"))
    ProjectFactory.create_batch(55, category=industry, total_investment=Decimal("0"),
                                annual_planned_investment=Decimal("0"))  # fmt: skip

    with CaptureQueriesContext(connection) as every:
        body = office.get(reverse("projects:list"), {"category": industry.pk}).content.decode()
    totals = re.search(r'data-testid="list-totals">(.*?)</p>', body, flags=re.DOTALL).group(1)
    assert "共 57 个项目" in body and "第 1/2 页" in body
    assert 'data-total="total">15.5<' in totals and 'data-total="annual">4<' in totals
    # One aggregate gives the count and both sums: no separate COUNT query.
    aggregates = [q["sql"] for q in every.captured_queries if "SUM(" in q["sql"].upper()]
    counts = [
        q["sql"]
        for q in every.captured_queries
        if q["sql"].upper().startswith("SELECT COUNT(")
        and "SUM(" not in q["sql"].upper()
        and "progress_progressnotice" not in q["sql"]  # the nav's unread-notice count
    ]
    assert len(aggregates) == 1 and not counts

    everything = office.get(reverse("projects:list")).content.decode()
    assert 'data-total="total">105.5<' in everything


def test_the_site_box_starts_empty_and_shows_a_stored_geometry(office, industry):
    body = office.get(reverse("projects:create")).content.decode()
    box = re.search(r'<textarea name="site_polygon"[^>]*>(.*?)</textarea>', body, flags=re.DOTALL).group(1)
    assert box.strip() == ""  # not the text "null"
    empty = ProjectFactory(category=industry, site_polygon=None)
    body = office.get(reverse("projects:edit", args=[empty.pk])).content.decode()
    assert (
        re.search(r'<textarea name="site_polygon"[^>]*>(.*?)</textarea>', body, flags=re.DOTALL).group(1).strip() == ""
    )
    square = {"type": "Polygon", "coordinates": [[[111.3, 35.6], [111.4, 35.6], [111.4, 35.7], [111.3, 35.6]]]}
    drawn = ProjectFactory(category=industry, site_polygon=square)
    body = office.get(reverse("projects:edit", args=[drawn.pk])).content.decode()
    assert "&quot;Polygon&quot;" in body and "111.3" in body
    # Saving the form with the box left empty stores no geometry.
    response = office.post(reverse("projects:edit", args=[empty.pk]), form_data(empty, site_polygon=""))
    assert response.status_code == 302
    empty.refresh_from_db()
    assert empty.site_polygon is None
