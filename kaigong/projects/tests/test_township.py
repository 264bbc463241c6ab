"""所在乡镇(街道) (Project.township) through every interface that carries a project's fields: the form, the API,
the list's filter (page, API, export), the ledger's columns both ways, the template and the demo city."""

from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from kaigong.accounts.choices import Role
from kaigong.audit.models import AuditEvent
from kaigong.projects.demo import build_demo_city
from kaigong.projects.ledger.columns import COLUMNS, match_header
from kaigong.projects.ledger.importer import import_ledger
from kaigong.projects.ledger.template import build_ledger_template
from kaigong.projects.models import Project
from kaigong.projects.tests.factories import CategoryFactory, ProjectFactory

HEADERS = [c.header for c in COLUMNS]
HOUMA = {"浍滨街道", "路西街道", "上马街道", "张村街道", "新田乡", "高村乡", "凤城乡"}


@pytest.fixture
def industry(db):
    return CategoryFactory(name="产业类", code="industry", sort_order=1)


@pytest.fixture
def office(users, login):
    return login(users[Role.OFFICE])


@pytest.fixture
def towns(industry, department):
    return [
        ProjectFactory(name="浍滨项目", category=industry, responsible_department=department, township="浍滨街道"),
        ProjectFactory(name="新田项目", category=industry, responsible_department=department, township="新田乡"),
        ProjectFactory(name="无乡镇项目", category=industry, responsible_department=department),
    ]


def test_edit_form_saves_the_township_and_audits_it(office, industry):
    project = ProjectFactory(name="乡镇项目", category=industry)
    form = office.get(reverse("projects:edit", args=[project.pk])).content.decode()
    assert 'name="township"' in form and "所在乡镇(街道)" in form
    data = {
        "name": project.name,
        "category": project.category_id,
        "level": project.level_id,
        "year": project.year,
        "owner": project.owner_id,
        "responsible_department": project.responsible_department_id,
        "total_investment": str(project.total_investment),
        "annual_planned_investment": str(project.annual_planned_investment),
        "pool": project.pool,
        "version": project.version,
        "township": "上马街道",
    }
    response = office.post(reverse("projects:edit", args=[project.pk]), data)
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.township == "上马街道"
    event = AuditEvent.objects.get(project_id=project.pk)
    assert event.changes["township"] == ["", "上马街道"]


def test_api_shows_sets_and_filters_by_township(users, api_login, towns):
    api = api_login(users[Role.OFFICE])
    listed = api.get(reverse("project-list"), {"township": "浍滨街道"}).json()
    assert [p["name"] for p in listed["results"]] == ["浍滨项目"]
    assert listed["results"][0]["township"] == "浍滨街道"

    project = towns[2]
    response = api.patch(
        reverse("project-detail", args=[project.pk]), {"township": "路西街道", "version": 1}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert Project.objects.get(pk=project.pk).township == "路西街道"


def test_api_township_change_is_refused_to_a_leader(users, api_login, towns):
    api = api_login(users[Role.LEADER])
    response = api.patch(
        reverse("project-detail", args=[towns[0].pk]), {"township": "路西街道", "version": 1}, format="json"
    )
    assert response.status_code in (403, 404)
    assert Project.objects.get(pk=towns[0].pk).township == "浍滨街道"


def test_list_page_filters_by_township_exactly(office, towns):
    body = office.get(reverse("projects:list"), {"township": "新田乡"}).content.decode()
    assert 'name="township"' in body
    assert "新田项目" in body and "浍滨项目" not in body
    # Exact: part of a name matches nothing.
    assert "新田项目" not in office.get(reverse("projects:list"), {"township": "新田"}).content.decode()


def test_ledger_export_writes_and_import_reads_the_township(tmp_path, office, users, towns):
    content = b"".join(office.get(reverse("projects:ledger-export"), {"township": "浍滨街道"}).streaming_content)
    ws = load_workbook(BytesIO(content)).active
    header = [c.value for c in ws[3]]
    assert header == HEADERS
    column = header.index("所在乡镇(街道)")
    rows = [r for r in ws.iter_rows(min_row=4, values_only=True) if r[0] is not None]
    assert [(r[header.index("项目名称")], r[column]) for r in rows] == [("浍滨项目", "浍滨街道")]

    path = tmp_path / "export.xlsx"
    workbook = load_workbook(BytesIO(content))
    workbook.active.cell(row=4, column=column + 1, value="凤城乡")
    workbook.save(path)
    result = import_ledger(path, actor=users[Role.OFFICE])
    assert [str(p) for p in result.problems] == []
    assert result.updated == 1
    assert Project.objects.get(name="浍滨项目").township == "凤城乡"


@pytest.mark.parametrize("header", ["所在乡镇(街道)", "乡镇", "所在乡镇", "乡镇(街道)", "街道", "所属乡镇", "乡镇街道"])
def test_township_headers_are_recognised(header):
    column, _unit = match_header(header)
    assert column is not None and column.key == "township"


def test_template_has_the_township_column_with_an_example(db):
    path = build_ledger_template()
    try:
        ws = load_workbook(path).active
        header = [str(c.value or "") for c in ws[3]]
        index = next(i for i, h in enumerate(header) if h.startswith("所在乡镇(街道)"))
        assert ws.cell(row=4, column=index + 1).value
    finally:
        path.unlink()


def test_demo_city_gives_every_project_a_houma_township():
    city = build_demo_city()
    assert {p.township for p in city.projects} <= HOUMA
    assert len({p.township for p in city.projects}) == len(HOUMA)
    # A place the address names is the township.
    assert all(p.township in p.address for p in city.projects if any(t in p.address for t in HOUMA))
