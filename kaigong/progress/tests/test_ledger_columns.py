"""The monthly ledger (月度台账): the ledger export with ``progress_month`` carries each project's progress figures for
the month, read from real reports; scoped like the ledger; a bounded number of queries whatever the projects; and
the sheet re-imported into the project ledger names the progress columns among those it does not read."""

import datetime as dt
import html
import re
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from kaigong.accounts.choices import Role
from kaigong.audit.models import AuditEvent
from kaigong.progress import services
from kaigong.progress.importer import read_progress_file
from kaigong.progress.ledger_columns import progress_columns
from kaigong.progress.models import ProjectProgress
from kaigong.progress.tests.factories import building_project
from kaigong.projects.ledger import extensions
from kaigong.projects.ledger.columns import COLUMNS
from kaigong.projects.ledger.importer import import_ledger
from kaigong.projects.ledger.reader import ignored_columns_message, read_ledger_file
from kaigong.projects.models import Project
from kaigong.projects.tests.factories import CategoryFactory

OCTOBER = dt.date(2024, 10, 1)
TODAY = dt.date(2024, 10, 20)
HEADERS = [c.header for c in COLUMNS]
OWN = len(HEADERS)
PROGRESS_HEADERS = [
    "本月完成投资(万元)",
    "1–10月累计完成投资(万元)",
    "完成率",
    "开工以来累计完成投资(万元)",
    "形象进度",
    "形象进度阶段",
    "存在问题及需协调事项",
    "是否入库纳统(本月)",
    "预警",
]


@pytest.fixture(autouse=True)
def registered(monkeypatch):
    """The provider as ProgressConfig.ready registers it, alone in the registry for these tests."""
    monkeypatch.setattr(extensions, "_providers", {})
    extensions.register_export_columns("progress", progress_columns)


def report(project, month, amount, actor, *, today=TODAY, problems=(), **data):
    return services.submit_report(
        project=project,
        month=month,
        data={"monthly_investment": Decimal(amount), **data},
        problems=problems,
        actor=actor,
        today=today,
    )


@pytest.fixture
def city(users, department, other_department):
    industry = CategoryFactory(name="产业类", code="industry", sort_order=1)
    office = users[Role.OFFICE]
    laggard = building_project(name="光伏组件项目", category=industry, responsible_department=department)
    services.set_opening_balance(project=laggard, amount=Decimal("5000"), month=dt.date(2023, 12, 1), actor=office)
    for month in range(1, 10):
        report(laggard, dt.date(2024, month, 1), "50", office)
    report(
        laggard,
        OCTOBER,
        "80.5",
        office,
        visible_progress="主体结构完成60%",
        visible_stage="基本过半",
        registered_in_statistics=True,
        problems=["用地手续未办结", "施工用电\n未接入"],
    )
    services.refresh_lights(month=OCTOBER, actor=office, today=TODAY)

    quiet = building_project(
        name="未报送项目", category=industry, responsible_department=department, registered=False, annual="600"
    )
    report(quiet, dt.date(2024, 9, 1), "300", office, registered_in_statistics=False)

    elsewhere = building_project(name="他部门项目", category=industry, responsible_department=other_department)
    report(elsewhere, OCTOBER, "10", office, problems=["资金未到位"])
    # A problem of a later month is not October's.
    report(laggard, dt.date(2024, 11, 1), "20", office, today=dt.date(2024, 11, 20), problems=["十一月新问题"])
    return {"laggard": laggard, "quiet": quiet, "elsewhere": elsewhere}


def _export(client, **params):
    response = client.get(reverse("projects:ledger-export"), params)
    assert response.status_code == 200, response.content[:500]
    content = b"".join(response.streaming_content)
    return response, content, load_workbook(BytesIO(content)).active


def _by_name(ws):
    names = HEADERS.index("项目名称")
    return {row[names].value: row for row in ws.iter_rows(min_row=4) if row[HEADERS.index("项目ID")].value}


@pytest.mark.django_db
def test_the_monthly_ledger_has_each_projects_figures_for_the_month(login, users, city):
    response, _content, ws = _export(login(users[Role.OFFICE]), progress_month="2024-10")

    assert ws["A1"].value == "侯马市重点项目台账(2024年1–10月)"
    assert "2024年1–10月" in response["Content-Disposition"] or "filename*" in response["Content-Disposition"]
    assert [c.value for c in ws[3]] == HEADERS + PROGRESS_HEADERS
    rows = _by_name(ws)

    laggard = [c.value for c in rows["光伏组件项目"][OWN:]]
    assert laggard[0] == pytest.approx(80.5)
    assert Decimal(str(laggard[1])) == Decimal("530.50")  # 9 × 50 + 80.5
    assert laggard[2] == pytest.approx(530.5 / 1200, abs=1e-4)  # 完成率 against the annual plan 1200
    assert rows["光伏组件项目"][OWN + 2].number_format == "0.00%"
    assert rows["光伏组件项目"][OWN].number_format == "#,##0.00"
    assert Decimal(str(laggard[3])) == Decimal("5530.50")  # the opening balance and the months since
    assert laggard[4] == "主体结构完成60%"
    assert laggard[5] == "基本过半"
    assert laggard[6] == "用地手续未办结；施工用电 未接入"
    assert laggard[7] == "是"
    light = ProjectProgress.objects.get(project=city["laggard"])
    assert light.measured_month == OCTOBER and light.warning_level
    assert laggard[8] == {"red": "红灯", "yellow": "黄灯", "green": "绿灯"}[light.warning_level]

    # Reported in September only: no October figure nor 形象进度, the year to date carried from September.
    quiet = [c.value for c in rows["未报送项目"][OWN:]]
    assert quiet[0] is None
    assert Decimal(str(quiet[1])) == Decimal("300")
    assert quiet[2] == pytest.approx(0.5)
    assert quiet[4] in (None, "")
    assert quiet[6] in (None, "")
    assert quiet[7] == "否"

    assert [c.value for c in rows["他部门项目"][OWN:]][6] == "资金未到位"
    event = AuditEvent.objects.get(action="export")
    assert event.changes["filters"] == {"progress_month": "2024-10"}


@pytest.mark.django_db
def test_the_light_is_the_months_and_january_is_said_plainly(login, users, city):
    _response, _content, ws = _export(login(users[Role.OFFICE]), progress_month="2024-01")
    assert ws["A1"].value == "侯马市重点项目台账(2024年1月)"
    assert ws.cell(row=3, column=OWN + 2).value == "1月累计完成投资(万元)"
    laggard = [c.value for c in _by_name(ws)["光伏组件项目"][OWN:]]
    assert Decimal(str(laggard[0])) == Decimal("50")
    assert laggard[6] in (None, "")  # October's problems were not raised yet
    assert laggard[8] in (None, "")  # the light was measured for October, not January


@pytest.mark.django_db
def test_a_department_exports_only_its_projects(login, users, city):
    _response, _content, ws = _export(login(users[Role.DEPARTMENT]), progress_month="2024-10")
    assert set(_by_name(ws)) == {"光伏组件项目", "未报送项目"}
    assert "资金未到位" not in {c.value for row in ws.iter_rows() for c in row}


@pytest.mark.django_db
def test_the_export_without_a_month_is_the_plain_ledger(login, users, city):
    _response, _content, ws = _export(login(users[Role.OFFICE]))
    assert [c.value for c in ws[3]] == HEADERS
    assert ws["A1"].value == "侯马市重点项目台账"


@pytest.mark.django_db
@pytest.mark.parametrize("month", ["2024-13", "2024/10", "十月"])
def test_a_bad_month_is_refused(login, users, city, month):
    response = login(users[Role.OFFICE]).get(reverse("projects:ledger-export"), {"progress_month": month})
    assert response.status_code == 400
    assert "月份格式不正确" in response.content.decode()


@pytest.mark.django_db
def test_the_monthly_ledger_requires_login(client, city):
    response = client.get(reverse("projects:ledger-export"), {"progress_month": "2024-10"})
    assert response.status_code == 302
    assert not AuditEvent.objects.filter(action="export").exists()


def _queries(client) -> int:
    with CaptureQueriesContext(connection) as context:
        _export(client, progress_month="2024-10")
    return len(context.captured_queries)


@pytest.mark.django_db
def test_query_count_does_not_grow_with_the_projects(login, users, city, department):
    client = login(users[Role.OFFICE])
    few = _queries(client)
    for i in range(12):
        project = building_project(name=f"新增项目{i}", responsible_department=department)
        report(project, OCTOBER, "5", users[Role.OFFICE], problems=[f"问题{i}"])
    assert _queries(client) == few


@pytest.mark.django_db
def test_reimported_into_the_project_ledger_the_progress_columns_are_named_as_not_read(login, users, city, tmp_path):
    _response, content, _ws = _export(login(users[Role.OFFICE]), progress_month="2024-10")
    path = tmp_path / "monthly.xlsx"
    path.write_bytes(content)

    sheet = read_ledger_file(path)
    assert [column.header for column in sheet.ignored] == PROGRESS_HEADERS
    message = ignored_columns_message(sheet.ignored, "zh-hans")
    for header in PROGRESS_HEADERS:
        assert header in message
    # The project columns round-trip: nothing changes in the registry.
    result = import_ledger(path, actor=users[Role.OFFICE])
    assert [str(p) for p in result.problems] == []
    assert (result.created, result.updated) == (0, 0)


@pytest.mark.django_db
def test_the_list_pages_month_makes_its_export_link_the_monthly_ledger(login, users, city):
    client = login(users[Role.OFFICE])
    page = client.get(reverse("projects:list"), {"progress_month": "2024-10"}).content.decode()
    assert 'name="progress_month"' in page and 'value="2024-10"' in page
    link = re.search(r'href="([^"]*)"[^>]*data-testid="export-link"', page).group(1)
    assert "progress_month=2024-10" in link
    content = b"".join(client.get(html.unescape(link)).streaming_content)
    ws = load_workbook(BytesIO(content)).active
    assert ws["A1"].value == "侯马市重点项目台账(2024年1–10月)"
    assert [c.value for c in ws[3]][OWN:] == PROGRESS_HEADERS


@pytest.mark.django_db
def test_the_command_exports_the_monthly_ledger_of_a_township(city, tmp_path):
    Project.objects.filter(pk=city["laggard"].pk).update(township="上马街道")
    out = tmp_path / "monthly.xlsx"
    call_command("export-ledger", "--out", str(out), "--progress-month", "2024-10", "--township", "上马街道")
    ws = load_workbook(out).active
    assert ws["A1"].value == "侯马市重点项目台账(2024年1–10月)"
    assert set(_by_name(ws)) == {"光伏组件项目"}
    assert [c.value for c in _by_name(ws)["光伏组件项目"][OWN:]][4] == "主体结构完成60%"
    with pytest.raises(CommandError):
        call_command("export-ledger", "--out", str(out), "--progress-month", "2024-13")


@pytest.mark.django_db
def test_the_progress_import_reads_the_monthly_columns_of_the_sheet(login, users, city, tmp_path):
    _response, content, _ws = _export(login(users[Role.OFFICE]), progress_month="2024-10")
    path = tmp_path / "monthly.xlsx"
    path.write_bytes(content)
    sheet = read_progress_file(path)
    read = {sheet.headers[index] for index in sheet.columns.values()}
    assert {
        "本月完成投资(万元)",
        "1–10月累计完成投资(万元)",
        "形象进度",
        "形象进度阶段",
        "存在问题及需协调事项",
    } <= read
    assert [column.header for column in sheet.computed] == ["完成率"]
    assert sheet.stated_month[:2] == (2024, 10)
