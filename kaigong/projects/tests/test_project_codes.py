"""Project codes through the interfaces: the issue month on the project page and in the API, and a bad code
refused by the API, the importer and the CLI with a message that names the wrong segment."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from kaigong.accounts.choices import Role
from kaigong.projects.ledger.importer import import_ledger
from kaigong.projects.models import Project
from kaigong.projects.tests.factories import CategoryFactory, ProjectFactory
from kaigong.projects.tests.ledger_sheets import make_ledger_world, write_xlsx

HEADER = ["项目代码", "项目名称", "项目类别", "总投资", "计划年度"]


@pytest.fixture
def industry(db):
    return CategoryFactory(name="产业类", code="industry", sort_order=1)


@pytest.fixture
def ledger_world(db, department, other_department, organization):
    return make_ledger_world(department, other_department, organization)


def test_project_page_shows_the_month_the_code_was_issued(users, login, industry):
    project = ProjectFactory(category=industry, project_code="2403-141081-04-01-513027")
    client = login(users[Role.OFFICE])

    html = client.get(reverse("projects:detail", args=[project.pk])).content.decode()
    assert "赋码时间：2024年3月" in html

    client.post(reverse("set_language"), {"language": "en"})
    html = client.get(reverse("projects:detail", args=[project.pk])).content.decode()
    assert "March 2024" in html
    assert "2024年3月" not in html


def test_project_page_shows_only_the_year_of_an_older_code_and_nothing_without_a_code(users, login, industry):
    older = ProjectFactory(category=industry, project_code="2019-141081-48-01-000001")
    planned = ProjectFactory(category=industry, project_code="")
    client = login(users[Role.OFFICE])

    assert "赋码时间：2019年<" in client.get(reverse("projects:detail", args=[older.pk])).content.decode()
    assert "赋码时间" not in client.get(reverse("projects:detail", args=[planned.pk])).content.decode()


def test_api_gives_the_issue_month_read_only(users, api_login, industry):
    project = ProjectFactory(category=industry, project_code="2112-141081-04-01-000001")
    older = ProjectFactory(category=industry, project_code="2019-141081-48-01-000002")
    planned = ProjectFactory(category=industry, project_code="")
    client = api_login(users[Role.OFFICE])

    def issued(p):
        return client.get(reverse("project-detail", args=[p.pk])).json()["code_issued"]

    assert issued(project) == {"year": 2021, "month": 12}
    assert issued(older) == {"year": 2019, "month": None}
    assert issued(planned) is None

    response = client.patch(
        reverse("project-detail", args=[project.pk]),
        {"code_issued": {"year": 2000, "month": 1}, "version": project.version},
        format="json",
    )
    assert response.status_code == 200  # the field is ignored: it is read from the code
    assert response.json()["code_issued"] == issued(project) == {"year": 2021, "month": 12}


@pytest.mark.parametrize(
    ("code", "segment"),
    [
        ("2024-141081-04-01-000001", "第1段"),  # the year form after the switch: month 24
        ("2403-991081-04-01-000001", "第2段"),
        ("2403-141081-00-01-000001", "第3段"),
        ("2403-141081-04-00-000001", "第4段"),
    ],
)
def test_api_refuses_a_bad_code_naming_the_segment(users, api_login, industry, code, segment):
    payload = {
        "name": "侯马市智能制造产业园",
        "category": industry.pk,
        "year": 2024,
        "total_investment": "100.00",
        "annual_planned_investment": "10.00",
        "project_code": code,
    }
    response = api_login(users[Role.OFFICE]).post(reverse("project-list"), payload, format="json")

    assert response.status_code == 400
    assert segment in response.json()["error"]["fields"]["project_code"][0]
    assert not Project.objects.exists()


def test_importer_names_the_segment_of_a_bad_code(tmp_path, users, ledger_world):
    path = write_xlsx(
        tmp_path / "codes.xlsx",
        [
            HEADER,
            ["2403-141081-04-01-000001", "好项目", "产业类", 100, 2024],
            ["2413-141081-04-01-000002", "坏月份", "产业类", 100, 2024],
            ["2403-147581-04-01-000003", "坏地区", "产业类", 100, 2024],
        ],
    )
    result = import_ledger(path, actor=users[Role.OFFICE], dry_run=True)

    messages = [(p.row, p.message) for p in result.problems]
    assert len(messages) == 2
    assert messages[0][0] == 3 and "第1段赋码时间“2413”" in messages[0][1]
    assert messages[1][0] == 4 and "第2段地区代码“147581”" in messages[1][1]


def test_cli_prints_the_segment_of_a_bad_code(tmp_path, ledger_world):
    path = write_xlsx(tmp_path / "codes.xlsx", [HEADER, ["2403-141081-04-00-000001", "坏类型", "产业类", 100, 2024]])
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("import-ledger", str(path), "--dry-run", stderr=err, stdout=StringIO())
    assert "第4段项目类型代码" in err.getvalue()
