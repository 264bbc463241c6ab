"""No value lost without a word (issue 8 §2): the names real ledgers give their columns, two-row headers, the
columns not read listed in every dry run, absent columns never blanking a value, the preview of what the first
rows write, and the template; through the command, the pages and the API."""

import datetime as dt
from decimal import Decimal
from io import BytesIO, StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils.translation import gettext, override
from openpyxl import Workbook, load_workbook

from kaigong.accounts.choices import Role
from kaigong.projects.ledger.importer import import_ledger
from kaigong.projects.models import LedgerImport, Project
from kaigong.projects.tests.factories import ProjectFactory
from kaigong.projects.tests.ledger_sheets import (
    ANNUAL_PLAN_MERGES,
    annual_plan_sheet_rows,
    make_ledger_world,
    write_xlsx,
)


@pytest.fixture
def ledger_world(db, department, other_department, organization):
    return make_ledger_world(department, other_department, organization)


@pytest.fixture
def bug_sheet(tmp_path, ledger_world):
    """The county's sheet of issue 8: 投资情况 merged over 总投资 | 2025年计划投资, in 亿元."""
    return write_xlsx(tmp_path / "2025年台账.xlsx", annual_plan_sheet_rows(ledger_world), merges=ANNUAL_PLAN_MERGES)


def _english(msgid: str) -> str:
    """A message's English as the catalogue has it, cut before its first placeholder."""
    with override("en"):
        return gettext(msgid).split("%(")[0]


IGNORED_EN = "未识别的列,不会导入:%(columns)s"


def _run(*args):
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


# -- the importer, as the command and the pages call it ------------------------------------------------------


def test_the_annual_plan_under_a_merged_parent_lands_on_every_row(bug_sheet):
    result = import_ledger(bug_sheet, actor_label="测试")

    assert result.problems == [] and result.created == 5
    plans = dict(Project.objects.values_list("name", "annual_planned_investment"))
    assert plans["浍河湿地公园"] == Decimal("12000.00")  # 1.2亿元
    assert plans["新田大道改造"] == Decimal("15000.00")
    assert sum(plans.values()) == Decimal("64000.00")  # the 6.4亿元 that vanished
    assert set(Project.objects.values_list("total_investment", flat=True)) == {Decimal("100000.00")}
    assert set(Project.objects.values_list("year", flat=True)) == {2025}
    assert set(Project.objects.values_list("planned_start_date", flat=True)) == {dt.date(2025, 3, 1)}


def test_the_dry_run_lists_the_columns_it_will_not_import(bug_sheet):
    result = import_ledger(bug_sheet, dry_run=True)

    assert result.problems == []
    # 备注2 is no column; J is unnamed but has notes; K is unnamed and empty; 投资情况 is a parent, not a column.
    assert [(c.letter, c.header) for c in result.ignored] == [("I", "备注2"), ("J", "")]
    assert not Project.objects.exists()


@pytest.mark.parametrize(
    "header",
    [
        "年度计划投资",
        "年度投资计划",
        "本年计划投资",
        "2025年计划投资",
        "2024年度计划投资",
        "2026年投资计划",
        "计划完成投资",
    ],
)
def test_the_annual_plan_is_recognised_under_the_names_ledgers_use(tmp_path, ledger_world, header):
    rows = [
        ["项目名称", "项目类别", "总投资(亿元)", f"{header}(亿元)", "计划年度"],
        ["甲项目", "产业类", 3, "1.5", 2025],
    ]
    result = import_ledger(write_xlsx(tmp_path / "a.xlsx", rows))

    assert result.problems == [] and result.ignored == []
    assert Project.objects.get().annual_planned_investment == Decimal("15000.00")


@pytest.mark.parametrize(
    ("header", "value", "field", "expected"),
    [
        ("计划总投资", "80", "total_investment", Decimal("80.00")),
        ("项目总投资(万元)", "80", "total_investment", Decimal("80.00")),
        ("建设规模及内容", "新建厂房", "construction_content", "新建厂房"),
        ("开工时间", "2025.5.1", "planned_start_date", dt.date(2025, 5, 1)),
        ("计划竣工日期", "2026年6月", "planned_completion_date", dt.date(2026, 6, 1)),
        ("项目负责人", "张三", "contact_person", "张三"),
    ],
)
def test_other_columns_are_recognised_under_their_variants(tmp_path, ledger_world, header, value, field, expected):
    base = ["项目名称", "项目类别", "计划年度"]
    cells = ["乙项目", "产业类", 2025]
    if field != "total_investment":
        base.append("总投资")
        cells.append(100)
    rows = [[*base, header], [*cells, value]]
    result = import_ledger(write_xlsx(tmp_path / "a.xlsx", rows))

    assert result.problems == [] and result.ignored == []
    assert getattr(Project.objects.get(), field) == expected


@pytest.mark.parametrize(("owner_header", "department_header"), [("项目单位", "牵头单位"), ("业主单位", "责任部门")])
def test_owner_and_department_columns_under_their_variants(tmp_path, ledger_world, owner_header, department_header):
    org = ledger_world["organization"]
    rows = [
        ["项目名称", "项目类别", "总投资", "计划年度", owner_header, department_header],
        ["丙项目", "产业类", 100, 2025, org.name, "住建局"],
    ]
    import_ledger(write_xlsx(tmp_path / "a.xlsx", rows))
    project = Project.objects.get()
    assert project.owner == org
    assert project.responsible_department == ledger_world["other_department"]


def test_a_second_column_for_the_same_field_is_listed_not_dropped(tmp_path, ledger_world):
    rows = [["项目名称", "项目类别", "总投资", "计划年度", "备注", "说明"], ["丁项目", "产业类", 100, 2025, "甲", "乙"]]
    result = import_ledger(write_xlsx(tmp_path / "a.xlsx", rows), dry_run=True)
    assert [(c.letter, c.header, c.duplicate_of) for c in result.ignored] == [("F", "说明", "备注")]


def test_an_unmerged_two_row_header_typed_in_a_csv_like_layout(tmp_path, ledger_world):
    rows = [
        ["项目名称", "项目类别", "计划年度", "投资情况(亿元)", None, "其他"],
        [None, None, None, "总投资", "本年计划投资", None],
        ["戊项目", "产业类", 2025, 2, "0.5", "x"],
    ]
    result = import_ledger(write_xlsx(tmp_path / "a.xlsx", rows))
    assert result.problems == []
    assert [(c.letter, c.header) for c in result.ignored] == [("F", "其他")]
    project = Project.objects.get()
    assert (project.total_investment, project.annual_planned_investment) == (Decimal("20000.00"), Decimal("5000.00"))


def test_a_title_and_a_unit_note_above_the_header_are_not_columns(tmp_path, ledger_world):
    rows = [
        ["侯马市2025年重点项目台账"],
        [None, None, None, None, "单位:亿元"],  # typed right of the last header, unmerged
        ["项目名称", "项目类别", "总投资", "计划年度"],
        ["己项目", "产业类", 2, 2025],
    ]
    result = import_ledger(write_xlsx(tmp_path / "a.xlsx", rows))
    assert result.problems == [] and result.ignored == []
    assert Project.objects.get().total_investment == Decimal("20000.00")


def test_a_column_absent_from_the_sheet_never_blanks_an_existing_value(tmp_path, ledger_world):
    project = ProjectFactory(
        name="浍河湿地公园",
        year=2025,
        category=ledger_world["industry"],
        total_investment=Decimal("90000"),
        annual_planned_investment=Decimal("30000"),
        construction_content="湿地 1200 亩",
        contact_person="王五",
        planned_start_date=dt.date(2025, 4, 1),
    )
    rows = [
        ["项目名称", "项目类别", "总投资(亿元)", "计划年度", "联系人"],
        ["浍河湿地公园", "产业类", "10", 2025, None],  # a blank cell is not a value either
    ]
    result = import_ledger(write_xlsx(tmp_path / "update.xlsx", rows))

    assert result.updated == 1
    project.refresh_from_db()
    assert project.total_investment == Decimal("100000.00")
    assert project.annual_planned_investment == Decimal("30000.00")
    assert project.construction_content == "湿地 1200 亩"
    assert project.contact_person == "王五"
    assert project.planned_start_date == dt.date(2025, 4, 1)


# -- the command -----------------------------------------------------------------------------------------------


def test_the_command_dry_run_lists_ignored_columns_and_previews_the_annual_plan(bug_sheet):
    out, _ = _run("import-ledger", str(bug_sheet), "--dry-run")

    assert "未识别的列,不会导入:备注2(列I)、列J(无列名)" in out
    zh, en = [line for line in out.splitlines() if "备注2" in line]  # both languages on the command line
    assert zh.startswith("未识别的列") and en.startswith(_english(IGNORED_EN))
    assert "第5行" in out and "浍河湿地公园" in out
    assert "年度计划投资(万元): 12,000万元" in out
    assert "将新增5个" in out
    assert not Project.objects.exists()


def test_the_command_dry_run_shows_before_and_after_for_an_existing_project(tmp_path, ledger_world):
    ProjectFactory(name="老项目", year=2025, category=ledger_world["industry"], annual_planned_investment=Decimal(0))
    rows = [["项目名称", "项目类别", "总投资", "计划年度", "2025年计划投资"], ["老项目", "产业类", 900, 2025, 300]]
    out, _ = _run("import-ledger", str(write_xlsx(tmp_path / "a.xlsx", rows)), "--dry-run")
    assert "年度计划投资(万元): 0万元 → 300万元" in out


def test_the_command_writes_a_template_that_imports_cleanly(tmp_path, ledger_world):
    path = tmp_path / "模板.xlsx"
    out, _ = _run("import-ledger", "--template", str(path))
    assert "模板" in out
    ws = load_workbook(path)["台账"]
    headers = [c.value for c in ws[3]]
    assert "总投资(万元)" in headers and "年度计划投资(万元)" in headers and "建设单位" in headers

    out, _ = _run("import-ledger", str(path))

    assert "新增1个项目" in out and "未识别" not in out
    project = Project.objects.get()
    assert project.annual_planned_investment == Decimal("20000.00")
    assert project.category == ledger_world["industry"]
    assert project.owner == ledger_world["organization"]


# -- the pages -------------------------------------------------------------------------------------------------


def _upload(client, path):
    data = SimpleUploadedFile(path.name, path.read_bytes())
    return client.post(reverse("projects:ledger-import"), {"file": data})


def test_the_import_page_lists_ignored_columns_and_previews_the_first_rows(login, users, bug_sheet):
    client = login(users[Role.OFFICE])
    response = _upload(client, bug_sheet)
    page = client.get(response["Location"]).content.decode()

    assert "未识别的列,不会导入:备注2(列I)、列J(无列名)" in page
    assert 'data-testid="ledger-preview"' in page
    assert "年度计划投资(万元): 12,000万元" in page
    assert "检查完成:5行,将新增5个、更新0个项目" in page
    assert "Check finished" not in page  # the Chinese page in Chinese only

    english = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Check finished: 5 rows" in english and "检查完成" not in english
    assert _english(IGNORED_EN) in english


def test_the_page_says_problems_in_the_active_language_and_the_confirm_button_looks_disabled(
    login, users, tmp_path, ledger_world
):
    client = login(users[Role.OFFICE])
    rows = [["项目名称", "项目类别", "总投资", "计划年度"], ["坏项目", "旅游类", "abc", 2025]]
    response = _upload(client, write_xlsx(tmp_path / "bad.xlsx", rows))
    page = client.get(response["Location"]).content.decode()

    assert "检查发现2个问题" in page and "Problems found" not in page
    assert "检查发现2个问题" in LedgerImport.objects.get().message  # the record keeps both for the admin
    assert '<button type="button" class="btn" disabled' in page  # not the blue primary button
    english = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Problems found by the check: 2" in english and "检查发现" not in english


def test_the_template_downloads_from_the_import_page_and_imports_cleanly(login, users, tmp_path, ledger_world):
    client = login(users[Role.OFFICE])
    page = client.get(reverse("projects:ledger-import")).content.decode()
    url = reverse("projects:ledger-template")
    assert f'href="{url}"' in page

    download = client.get(url)
    assert download.status_code == 200
    path = tmp_path / "template.xlsx"
    path.write_bytes(b"".join(download.streaming_content))
    response = _upload(client, path)
    record = LedgerImport.objects.get()
    assert record.problems == []
    client.post(reverse("projects:ledger-import-confirm", args=[record.pk]))

    record.refresh_from_db()
    assert record.status == LedgerImport.Status.DONE and record.created_count == 1
    assert Project.objects.get().total_investment == Decimal("50000.00")
    assert client.get(response["Location"]).status_code == 200


@pytest.mark.parametrize("role", [Role.DEPARTMENT, Role.LEADER, Role.ENTERPRISE])
def test_the_template_is_for_the_office(login, users, role):
    assert login(users[role]).get(reverse("projects:ledger-template")).status_code == 403


def test_the_error_report_keeps_formulas_and_column_widths(login, users, tmp_path, ledger_world):
    workbook = Workbook()
    ws = workbook.active
    ws.append(["项目名称", "项目类别", "总投资", "年度计划投资", "计划年度"])
    ws.append(["好项目", "产业类", 100, "=C2/2", 2025])
    ws.append(["坏项目", "旅游类", 200, "=C3/2", 2025])
    ws.column_dimensions["A"].width = 41
    path = tmp_path / "formulas.xlsx"
    workbook.save(path)
    client = login(users[Role.OFFICE])
    _upload(client, path)
    record = LedgerImport.objects.get()

    report = client.get(reverse("projects:ledger-import-errors", args=[record.pk]))

    sheet = load_workbook(BytesIO(b"".join(report.streaming_content))).active
    assert sheet["D2"].value == "=C2/2" and sheet["D3"].value == "=C3/2"
    assert sheet.column_dimensions["A"].width == 41
    assert sheet["F1"].value == "错误" and "未知的项目类别“旅游类”" in sheet["F3"].value
    assert sheet["F2"].value is None


# -- the API ---------------------------------------------------------------------------------------------------


def _post(api, name, path):
    with path.open("rb") as handle:
        return api.post(reverse(name), {"file": handle}, format="multipart")


def test_the_api_dry_run_lists_ignored_columns_and_the_preview(api_login, users, bug_sheet):
    response = _post(api_login(users[Role.OFFICE]), "api-ledger-check", bug_sheet)

    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is True and body["written"] is False and body["creates"] == 5
    assert [(c["letter"], c["header"]) for c in body["ignored_columns"]] == [("I", "备注2"), ("J", "")]
    assert body["ignored_message"].startswith("未识别的列,不会导入:")
    assert body["ignored_message_en"].startswith(_english(IGNORED_EN))
    first = body["preview"][0]
    assert first["row"] == 5 and first["action"] == "create"
    changes = {c["field"]: c["after"] for c in first["changes"]}
    assert changes["annual_planned_investment"] == "12,000万元"
    assert not Project.objects.exists()


def test_the_api_import_writes_the_annual_plan(api_login, users, bug_sheet):
    response = _post(api_login(users[Role.OFFICE]), "api-ledger-import", bug_sheet)

    assert response.status_code == 200
    assert response.json()["created"] == 5
    assert sum(Project.objects.values_list("annual_planned_investment", flat=True)) == Decimal("64000.00")


def test_the_api_import_refuses_a_sheet_with_problems(api_login, users, tmp_path, ledger_world):
    rows = [["项目名称", "项目类别", "总投资", "计划年度"], ["坏项目", "旅游类", 1, 2025]]
    response = _post(api_login(users[Role.OFFICE]), "api-ledger-import", write_xlsx(tmp_path / "bad.xlsx", rows))
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "ledger_problems"
    assert response.json()["problems"][0]["row"] == 2
    assert not Project.objects.exists()


@pytest.mark.parametrize("role", [Role.DEPARTMENT, Role.LEADER, Role.ENTERPRISE])
def test_the_api_ledger_endpoints_are_for_the_office(api_login, users, bug_sheet, role):
    api = api_login(users[role])
    assert _post(api, "api-ledger-check", bug_sheet).status_code == 403
    assert _post(api, "api-ledger-import", bug_sheet).status_code == 403
    assert api.get(reverse("api-ledger-template")).status_code == 403
    assert not Project.objects.exists()


def test_the_api_template_imports_cleanly(api_login, users, tmp_path, ledger_world):
    api = api_login(users[Role.OFFICE])
    download = api.get(reverse("api-ledger-template"))
    assert download.status_code == 200
    path = tmp_path / "template.xlsx"
    path.write_bytes(b"".join(download.streaming_content))
    response = _post(api, "api-ledger-import", path)
    assert response.status_code == 200 and response.json()["created"] == 1


def test_the_api_refuses_a_file_that_is_no_ledger_with_a_clear_message(api_login, users, tmp_path, ledger_world):
    path = tmp_path / "photo.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n0000")
    response = _post(api_login(users[Role.OFFICE]), "api-ledger-check", path)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "ledger_file" and "无法识别的文件格式" in error["message"]
