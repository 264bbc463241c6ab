"""The projects API through HTTP: list with filters, detail, create, update, stage, delete, history, batches."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from kaigong.accounts.choices import Role
from kaigong.accounts.tests.factories import OrganizationFactory
from kaigong.audit.choices import AuditAction
from kaigong.audit.models import AuditEvent
from kaigong.projects import services
from kaigong.projects.models import Project, StageChange
from kaigong.projects.tests.factories import CategoryFactory, LevelFactory, ProjectFactory

LIST_URL = reverse("project-list")


def detail_url(project) -> str:
    return reverse("project-detail", args=[project.pk])


@pytest.fixture
def industry(db):
    return CategoryFactory(name="产业类", code="industry", sort_order=1)


@pytest.fixture
def infrastructure(db):
    return CategoryFactory(name="基础设施类", code="infrastructure", sort_order=2)


@pytest.fixture
def office(users, api_login):
    return api_login(users[Role.OFFICE])


def give_code(project, code="2019-141081-04-01-000042"):
    """Set up a project code (a move to 新开工 needs one) without a new version."""
    project.project_code = code
    project.save(update_fields=["project_code"])


@pytest.fixture
def project(department, organization, industry):
    return ProjectFactory(
        name="国强自动化光伏组件项目",
        category=industry,
        responsible_department=department,
        owner=organization,
        total_investment=Decimal("150000.00"),
        annual_planned_investment=Decimal("50000.00"),
    )


def new_project_payload(category, **extra) -> dict:
    return {
        "name": "侯马市智能制造产业园",
        "category": category.pk,
        "year": 2024,
        "total_investment": "12345.67",
        "annual_planned_investment": "2345.60",
        "planned_start_date": "2024-03-01",
        "planned_completion_date": "2025-12-31",
        **extra,
    }


# --- list, filters, search, ordering ---


def test_list_shows_glossary_fields_labels_and_money_as_strings(office, project):
    investor = OrganizationFactory(name="山西投资集团有限公司")
    project.investors.add(investor)

    response = office.get(LIST_URL)

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    row = body["results"][0]
    assert row["name"] == "国强自动化光伏组件项目"
    assert row["total_investment"] == "150000.00"
    assert row["annual_planned_investment"] == "50000.00"
    assert row["category_name"] == "产业类"
    assert row["stage"] == "planning"
    assert row["stage_display"] == "谋划"
    assert row["owner_name"] == "江苏国强兴晟能源科技有限公司"
    assert row["responsible_department_name"] == "侯马市发展和改革局"
    assert row["investors"] == [investor.pk]
    assert row["investor_names"] == ["山西投资集团有限公司"]
    assert row["version"] == 1
    for name in ("project_code", "liaison_leader", "latitude", "site_polygon", "registered_in_statistics", "pool"):
        assert name in row


def test_list_search_by_pinyin_initials_name_and_code(office, project, industry):
    other = ProjectFactory(name="侯马市污水处理厂提标改造", category=industry, project_code="2403-141081-77-01-000001")

    assert [r["id"] for r in office.get(LIST_URL, {"q": "gqzdh"}).json()["results"]] == [project.pk]
    assert [r["id"] for r in office.get(LIST_URL, {"q": "污水"}).json()["results"]] == [other.pk]
    assert [r["id"] for r in office.get(LIST_URL, {"q": "141081-77"}).json()["results"]] == [other.pk]
    assert [r["id"] for r in office.get(LIST_URL, {"q": "兴晟能源"}).json()["results"]] == [project.pk]


def test_list_filters_by_category_stage_year_and_batch(office, project, industry, infrastructure):
    road = ProjectFactory(name="迎宾路改造", category=infrastructure, year=2023)
    give_code(project)
    services.change_project_stage(project=project, stage="started", effective_date=dt.date(2024, 1, 1))
    batch = services.save_batch(data={"name": "2024年第一批", "date": dt.date(2024, 1, 1)}, members=[(project, 1)])

    def ids(params):
        response = office.get(LIST_URL, params)
        assert response.status_code == 200, response.json()
        return sorted(r["id"] for r in response.json()["results"])

    assert ids({"category": infrastructure.pk}) == [road.pk]
    assert ids({"stage": "started"}) == [project.pk]
    assert ids({"stage": ["started", "planning"]}) == sorted([project.pk, road.pk])
    assert ids({"year": 2023}) == [road.pk]
    assert ids({"batch": batch.pk}) == [project.pk]
    assert ids({"category": industry.pk, "year": 2023}) == []


def test_list_ordering_by_total_investment(office, industry):
    small = ProjectFactory(category=industry, total_investment=Decimal("100"), annual_planned_investment=0)
    big = ProjectFactory(category=industry, total_investment=Decimal("900000"))
    middle = ProjectFactory(category=industry, total_investment=Decimal("50000"))

    desc = office.get(LIST_URL, {"ordering": "-total_investment"}).json()["results"]
    asc = office.get(LIST_URL, {"ordering": "total_investment"}).json()["results"]

    assert [r["id"] for r in desc] == [big.pk, middle.pk, small.pk]
    assert [r["id"] for r in asc] == [small.pk, middle.pk, big.pk]


def test_list_rejects_an_unknown_filter_value_with_the_field_named(office, project):
    response = office.get(LIST_URL, {"category": 999999, "ordering": "-nonsense"})

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert set(error["fields"]) == {"category", "ordering"}


def test_list_is_paginated(office, industry):
    ProjectFactory.create_batch(7, category=industry)

    body = office.get(LIST_URL, {"page_size": 3, "page": 2}).json()

    assert body["count"] == 7
    assert len(body["results"]) == 3
    assert body["next"] and body["previous"]


def test_list_does_not_query_per_row(office, industry, django_assert_max_num_queries):
    investors = OrganizationFactory.create_batch(3)
    for _ in range(25):
        ProjectFactory(category=industry, level=LevelFactory()).investors.set(investors)

    with django_assert_max_num_queries(4):  # count, page, investors prefetch
        response = office.get(LIST_URL)

    assert response.status_code == 200
    assert len(response.json()["results"]) == 25
    assert all(len(r["investor_names"]) == 3 for r in response.json()["results"])


def test_detail(office, project):
    response = office.get(detail_url(project))

    assert response.status_code == 200
    assert response.json()["id"] == project.pk
    assert response.json()["category_name"] == "产业类"


def test_detail_of_a_missing_project_is_404_in_the_error_shape(office, db):
    response = office.get(reverse("project-detail", args=[987654]))

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


# --- create ---


def test_create_registers_an_audited_project(users, api_login, industry, organization, other_organization):
    api = api_login(users[Role.OFFICE])
    payload = new_project_payload(
        industry,
        project_code="2403-141081-04-01-123456",
        owner=organization.pk,
        investors=[organization.pk, other_organization.pk],
        site_polygon={"type": "Polygon", "coordinates": [[[111.3, 35.6], [111.4, 35.6], [111.4, 35.7], [111.3, 35.6]]]},
        latitude="35.620000",
        longitude="111.350000",
    )

    response = api.post(LIST_URL, payload, format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    project = Project.objects.get(pk=body["id"])
    assert project.total_investment == Decimal("12345.67")
    assert body["stage"] == "planning"
    assert body["version"] == 1
    assert sorted(body["investors"]) == sorted([organization.pk, other_organization.pk])
    assert body["site_polygon"]["type"] == "Polygon"
    event = AuditEvent.objects.get(project_id=project.pk)
    assert event.action == AuditAction.CREATE
    assert event.actor == users[Role.OFFICE]
    assert event.changes["name"] == [None, "侯马市智能制造产业园"]
    assert event.changes["total_investment"] == [None, "12345.67"]


def test_department_officer_creates_projects_for_its_own_department(users, api_login, industry, other_department):
    api = api_login(users[Role.DEPARTMENT])

    response = api.post(LIST_URL, new_project_payload(industry, responsible_department=other_department.pk))

    assert response.status_code == 201, response.json()
    assert response.json()["responsible_department"] == users[Role.DEPARTMENT].department_id


def test_create_with_model_rule_broken_names_the_field(office, industry):
    response = office.post(
        LIST_URL,
        new_project_payload(industry, total_investment="100.00", annual_planned_investment="200.00"),
        format="json",
    )

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert error["fields"]["annual_planned_investment"] == ["年度计划投资不能大于总投资"]
    assert not Project.objects.exists()
    assert not AuditEvent.objects.exists()


def test_create_with_bad_values_names_every_field(office, industry, project):
    project.project_code = "2403-141081-04-01-000001"
    project.save()
    response = office.post(
        LIST_URL,
        {
            "name": "",
            "category": industry.pk,
            "year": 1800,
            "total_investment": "12.345",
            "project_code": "2403-141081-04-01-000001",
            "site_polygon": {"type": "Point", "coordinates": [111.3, 35.6]},
        },
        format="json",
    )

    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert set(fields) >= {"name", "year", "total_investment", "project_code"}
    assert fields["project_code"] == ["该项目代码已被其他项目使用"]


def test_create_with_malformed_project_code(office, industry):
    response = office.post(LIST_URL, new_project_payload(industry, project_code="2024-1"), format="json")

    assert response.status_code == 400
    assert "24位" in response.json()["error"]["fields"]["project_code"][0]


def test_create_rejects_a_bad_polygon(office, industry):
    payload = new_project_payload(industry, site_polygon={"type": "Point", "coordinates": [111.3, 35.6]})

    response = office.post(LIST_URL, payload, format="json")

    assert response.status_code == 400
    assert "site_polygon" in response.json()["error"]["fields"]


# --- update ---


def test_put_updates_with_the_version_read_and_is_audited(users, api_login, project, industry):
    api = api_login(users[Role.OFFICE])
    payload = new_project_payload(industry, name="国强自动化光伏组件项目(二期)", version=1)

    response = api.put(detail_url(project), payload, format="json")

    assert response.status_code == 200, response.json()
    assert response.json()["version"] == 2
    assert response.json()["name"] == "国强自动化光伏组件项目(二期)"
    event = AuditEvent.objects.get(project_id=project.pk, action=AuditAction.UPDATE)
    assert event.actor == users[Role.OFFICE]
    assert event.changes["name"] == ["国强自动化光伏组件项目", "国强自动化光伏组件项目(二期)"]
    assert event.changes["total_investment"] == ["150000.00", "12345.67"]


def test_patch_changes_only_the_fields_sent(office, project):
    response = office.patch(detail_url(project), {"annual_planned_investment": "60000.00", "version": 1}, format="json")

    assert response.status_code == 200, response.json()
    project.refresh_from_db()
    assert project.annual_planned_investment == Decimal("60000.00")
    assert project.name == "国强自动化光伏组件项目"
    assert project.version == 2
    event = AuditEvent.objects.get(project_id=project.pk)
    assert event.changes == {"annual_planned_investment": ["50000.00", "60000.00"]}


def test_patch_without_version_is_refused(office, project):
    response = office.patch(detail_url(project), {"remarks": "无版本号"}, format="json")

    assert response.status_code == 400
    assert "version" in response.json()["error"]["fields"]
    project.refresh_from_db()
    assert project.remarks == ""


def test_put_on_a_stale_version_is_409_and_changes_nothing(office, project):
    first = office.patch(detail_url(project), {"remarks": "甲的修改", "version": 1}, format="json")
    assert first.status_code == 200

    second = office.patch(detail_url(project), {"remarks": "乙的修改", "version": 1}, format="json")

    assert second.status_code == 409
    error = second.json()["error"]
    assert error["code"] == "stale_version"
    assert error["message"] == "该项目已被他人修改,请刷新后重试"
    assert error["message_en"]
    project.refresh_from_db()
    assert project.remarks == "甲的修改"
    assert project.version == 2
    assert AuditEvent.objects.filter(project_id=project.pk).count() == 1


# --- stage ---


def test_stage_change_sets_actual_start_and_is_audited(users, api_login, project):
    api = api_login(users[Role.DEPARTMENT])
    url = reverse("project-stage", args=[project.pk])
    give_code(project)

    response = api.post(url, {"stage": "started", "effective_date": "2024-01-01", "reason": "集中开工", "version": 1})

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["stage"] == "started"
    assert body["stage_display"] == "新开工"
    assert body["actual_start_date"] == "2024-01-01"
    assert body["version"] == 2
    change = StageChange.objects.get(project=project)
    assert (change.from_stage, change.to_stage, change.reason) == ("planning", "started", "集中开工")
    assert change.actor == users[Role.DEPARTMENT]
    event = AuditEvent.objects.get(project_id=project.pk, action=AuditAction.STAGE_CHANGE)
    assert event.actor == users[Role.DEPARTMENT]
    assert event.changes["stage"] == ["planning", "started"]
    assert event.note == "集中开工"


def test_stage_change_not_allowed_is_400_with_the_rule(office, project):
    response = office.post(
        reverse("project-stage", args=[project.pk]), {"stage": "operating", "version": 1}, format="json"
    )

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "transition_not_allowed"
    assert error["message"] == "项目不能从“谋划”变更为“投产”"
    project.refresh_from_db()
    assert project.stage == "planning"


def test_stage_pause_needs_a_reason(office, project):
    response = office.post(reverse("project-stage", args=[project.pk]), {"stage": "paused", "version": 1})

    assert response.status_code == 400
    assert response.json()["error"]["message"] == "暂停或退库须填写原因"
    assert not StageChange.objects.exists()


def test_stage_change_on_stale_version_is_409(office, project):
    response = office.post(
        reverse("project-stage", args=[project.pk]), {"stage": "preparation", "version": 7}, format="json"
    )

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "stale_version"


def test_stage_change_validates_its_input(office, project):
    response = office.post(reverse("project-stage", args=[project.pk]), {"stage": "flying"}, format="json")

    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"stage", "version"}


# --- delete ---


def test_delete_by_the_office_keeps_an_audit_event(users, api_login, project):
    response = api_login(users[Role.OFFICE]).delete(detail_url(project))

    assert response.status_code == 204
    assert not Project.objects.filter(pk=project.pk).exists()
    event = AuditEvent.objects.get(project_id=project.pk, action=AuditAction.DELETE)
    assert event.actor == users[Role.OFFICE]
    assert event.changes["name"] == ["国强自动化光伏组件项目", None]


# --- history ---


def test_history_lists_the_audit_events_newest_first(users, office, project):
    office.patch(detail_url(project), {"remarks": "第一次", "version": 1}, format="json")
    office.post(reverse("project-stage", args=[project.pk]), {"stage": "preparation", "version": 2}, format="json")

    response = office.get(reverse("project-history", args=[project.pk]))

    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["action"] for r in results] == ["stage_change", "update"]
    assert results[0]["action_display"] == "阶段变更"
    assert results[1]["changes"] == {"remarks": ["", "第一次"]}
    assert results[1]["actor"] == users[Role.OFFICE].pk
    assert results[1]["actor_display"] == str(users[Role.OFFICE])


def test_history_is_read_only(office, project):
    url = reverse("project-history", args=[project.pk])
    office.patch(detail_url(project), {"remarks": "x", "version": 1}, format="json")

    for method in (office.post, office.put, office.patch, office.delete):
        assert method(url, {}, format="json").status_code == 405
    assert AuditEvent.objects.filter(project_id=project.pk).count() == 1


def test_history_does_not_query_per_event(office, project, django_assert_max_num_queries):
    for version in range(1, 11):
        office.patch(detail_url(project), {"remarks": f"第{version}次", "version": version}, format="json")

    with django_assert_max_num_queries(6):  # project (+2 prefetches), count, the page's keys, events with actors
        response = office.get(reverse("project-history", args=[project.pk]))

    assert response.json()["count"] == 10


# --- dictionaries and batches ---


def test_categories_and_levels_are_plain_lists(office, industry, infrastructure):
    LevelFactory()

    categories = office.get(reverse("category-list")).json()
    levels = office.get(reverse("level-list")).json()

    assert [c["name"] for c in categories] == ["产业类", "基础设施类"]
    assert [level["code"] for level in levels] == ["municipal"]


@pytest.fixture
def batch(department, organization, other_organization, industry, infrastructure):
    """A batch of four projects: two owned by the enterprise user's organization, two by another."""
    own_a = ProjectFactory(
        name="国强光伏组件", category=industry, owner=organization, total_investment=Decimal("500000")
    )
    own_b = ProjectFactory(
        name="国强储能电池", category=industry, owner=organization, total_investment=Decimal("150000")
    )
    other_a = ProjectFactory(
        name="旺龙药业扩建", category=industry, owner=other_organization, total_investment=Decimal("300000")
    )
    other_b = ProjectFactory(
        name="浍河治理", category=infrastructure, owner=other_organization, total_investment=Decimal("205000")
    )
    return services.save_batch(
        data={"name": "2024年第一批集中开工", "date": dt.date(2024, 1, 1), "main_site": "经济开发区"},
        members=[(other_a, 1), (own_b, 2), (other_b, 3), (own_a, None)],
    )


def test_batch_list(office, batch):
    response = office.get(reverse("batch-list"))

    assert response.status_code == 200
    row = response.json()["results"][0]
    assert row["name"] == "2024年第一批集中开工"
    assert row["date"] == "2024-01-01"
    assert row["project_count"] == 4


def test_batch_detail_gives_the_summary_in_the_articles_form(office, batch):
    response = office.get(reverse("batch-detail", args=[batch.pk]))

    assert response.status_code == 200
    body = response.json()
    summary = body["summary"]
    assert summary["count"] == 4
    assert summary["total_investment"] == "1155000.00"
    assert summary["total_investment_yi"] == "115.5"
    assert summary["annual_planned_investment"] == "12000.00"
    assert summary["annual_planned_investment_yi"] == "1.2"
    assert [(c["category_name"], c["count"]) for c in summary["categories"]] == [("产业类", 3), ("基础设施类", 1)]
    assert summary["categories"][0]["featured"] == ["旺龙药业扩建", "国强储能电池"]
    assert summary["categories"][0]["total_investment_yi"] == "95"
    assert summary["sentence"] == (
        "此次集中开工4个项目，包括旺龙药业扩建、国强储能电池等3个产业类项目，浍河治理等1个基础设施类项目，"
        "总投资115.5亿元，年度投资1.2亿元。"
    )
    assert [m["name"] for m in body["members"]] == ["旺龙药业扩建", "国强储能电池", "浍河治理", "国强光伏组件"]
    assert [m["featured_order"] for m in body["members"]] == [1, 2, 3, None]


def test_batch_detail_for_an_enterprise_user_lists_its_projects_under_the_published_summary(users, api_login, batch):
    response = api_login(users[Role.ENTERPRISE]).get(reverse("batch-detail", args=[batch.pk]))

    assert response.status_code == 200
    body = response.json()
    assert [m["name"] for m in body["members"]] == ["国强储能电池", "国强光伏组件"]
    # The summary was published: the same figures and sentence for every reader, over all member projects.
    assert body["summary"]["count"] == 4
    assert body["summary"]["total_investment_yi"] == "115.5"
    assert body["summary"]["sentence"].startswith("此次集中开工4个项目，包括旺龙药业扩建、国强储能电池等3个产业类项目")


def test_batch_detail_does_not_query_per_member(office, batch, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        response = office.get(reverse("batch-detail", args=[batch.pk]))
    assert len(response.json()["members"]) == 4


def test_batch_list_does_not_query_per_batch(office, batch, django_assert_max_num_queries):
    for n in range(5):
        services.save_batch(data={"name": f"第{n}批", "date": dt.date(2024, 5, n + 1)}, members=[])

    with django_assert_max_num_queries(2):
        response = office.get(reverse("batch-list"))
    assert response.json()["count"] == 6
