"""Spreadsheets are untrusted input (issue 10 §1): text that looks like a formula comes out of every ledger workbook
as text, and the importer imports it as text with a warning; formula cells are read by their value; an exported
cell longer than Excel holds says its real length (an imported one is refused with it: test_ledger_hostile)."""

import io
import zipfile
from io import BytesIO, StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from kaigong.accounts.choices import Role
from kaigong.accounts.models import Department
from kaigong.projects.models import LedgerImport, Project
from kaigong.projects.tests.factories import ProjectFactory
from kaigong.projects.tests.ledger_sheets import make_ledger_world, write_csv

HEADER = ["项目名称", "项目类别", "总投资", "计划年度", "联系电话", "备注"]
HYPERLINK = '=HYPERLINK("http://x","y")'


@pytest.fixture
def ledger_world(db, department, other_department, organization):
    return make_ledger_world(department, other_department, organization)


def _workbook(response):
    assert response.status_code == 200
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return load_workbook(BytesIO(content))


def _cells(ws, text):
    return [cell for row in ws.iter_rows() for cell in row if cell.value == text]


def _text_xlsx(path, rows):
    """An .xlsx whose string cells are stored as text, as Excel stores a name typed as '=1+2 (not a formula)."""
    workbook = Workbook()
    ws = workbook.active
    ws.title = "台账"
    for row_number, row in enumerate(rows, start=1):
        for column, value in enumerate(row, start=1):
            cell = ws.cell(row=row_number, column=column, value=value)
            if isinstance(value, str):
                cell.data_type = "s"
    workbook.save(path)
    return path


def _upload(client, path):
    return client.post(reverse("projects:ledger-import"), {"file": SimpleUploadedFile(path.name, path.read_bytes())})


# -- the error workbook -----------------------------------------------------------------------------------------


def test_the_error_report_of_a_csv_writes_its_cells_as_text(login, users, tmp_path, ledger_world):
    path = write_csv(tmp_path / "bad.csv", [HEADER, ["=1+2", "旅游类", "100", "2024", "", HYPERLINK]])
    client = login(users[Role.OFFICE])
    _upload(client, path)
    record = LedgerImport.objects.get()
    assert record.problems  # the unknown category
    ws = _workbook(client.get(reverse("projects:ledger-import-errors", args=[record.pk]))).active
    for text in ("=1+2", HYPERLINK):
        [cell] = _cells(ws, text)
        assert cell.data_type == "s", text
    error = ws.cell(row=2, column=len(HEADER) + 1)
    assert "旅游类" in error.value and error.data_type == "s"


def test_the_error_report_of_an_xlsx_keeps_text_as_text(login, users, tmp_path, ledger_world):
    path = _text_xlsx(tmp_path / "bad.xlsx", [HEADER, ["=1+2", "旅游类", 100, 2024, None, HYPERLINK]])
    client = login(users[Role.OFFICE])
    _upload(client, path)
    record = LedgerImport.objects.get()
    ws = _workbook(client.get(reverse("projects:ledger-import-errors", args=[record.pk]))).active
    for text in ("=1+2", HYPERLINK):
        [cell] = _cells(ws, text)
        assert cell.data_type == "s", text


# -- the template -----------------------------------------------------------------------------------------------


def test_the_template_writes_dictionary_names_as_text(login, users, ledger_world):
    # The example row names the first department and organization of this installation.
    Department.objects.filter(pk=Department.objects.order_by("pk").first().pk).update(name="=1+2")
    first_org = ledger_world["organization"]
    type(first_org).objects.filter(pk=first_org.pk).update(name=HYPERLINK)
    ws = _workbook(login(users[Role.OFFICE]).get(reverse("projects:ledger-template"))).worksheets[0]
    for text in ("=1+2", HYPERLINK):
        [cell] = _cells(ws, text)
        assert cell.data_type == "s", text


# -- a cell longer than Excel holds ---------------------------------------------------------------------------


def test_an_exported_cell_longer_than_excel_holds_says_its_real_length(login, users, ledger_world):
    ProjectFactory(name="长备注项目", category=ledger_world["industry"], remarks="备" * 100_000)
    ws = _workbook(login(users[Role.OFFICE]).get(reverse("projects:ledger-export"))).active
    [cell] = [c for row in ws.iter_rows() for c in row if isinstance(c.value, str) and c.value.startswith("备备")]
    assert len(cell.value) == 32_767
    assert "100,000" in cell.value[-60:] and "32,767" in cell.value[-60:]


# -- reading: formula cells by their value, text that looks like a formula warned about -------------------------


def test_a_formula_cell_is_read_by_its_saved_value(tmp_path, ledger_world):
    workbook = Workbook()
    workbook.active.append(HEADER)
    workbook.active.append(["公式项目", "产业类", "=60+40", 2024])
    buffer = io.BytesIO()
    workbook.save(buffer)
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    path = tmp_path / "formula.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":  # the value Excel saves beside the formula
                data = data.replace(b"<f>60+40</f><v></v>", b"<f>60+40</f><v>100</v>")
            target.writestr(info, data)
    out = StringIO()
    call_command("import-ledger", str(path), stdout=out, stderr=StringIO())
    assert Project.objects.get(name="公式项目").total_investment == 100


def _warned_sheet(tmp_path):
    return write_csv(
        tmp_path / "warned.csv",
        [
            HEADER,
            ["=1+2", "产业类", "100", "2024", "+86 138 0000 0000", HYPERLINK],
            ["普通项目", "产业类", "50", "2024", "", "-"],  # a lone "-" means "none": no warning
            ["@项目", "产业类", "-5", "2024", "", "+见附件"],  # -5 is a number (refused as negative, not warned)
        ],
    )


def test_the_api_check_warns_about_text_that_looks_like_a_formula(api_login, users, tmp_path, ledger_world):
    path = _warned_sheet(tmp_path)
    upload = SimpleUploadedFile(path.name, path.read_bytes())
    body = api_login(users[Role.OFFICE]).post("/api/ledger/check/", {"file": upload}, format="multipart").json()
    warnings = [(w["row"], w["column"], w["letter"], w["message"]) for w in body["warnings"]]
    assert warnings == [
        (2, "项目名称", "A", "以“=”开头的文本按文本导入,不作为公式"),
        (2, "备注", "F", "以“=”开头的文本按文本导入,不作为公式"),
        (4, "项目名称", "A", "以“@”开头的文本按文本导入,不作为公式"),
        (4, "备注", "F", "以“+”开头的文本按文本导入,不作为公式"),
    ]
    assert all(w["message_en"] for w in body["warnings"])
    # The amount -5 is a number: a problem of its own (not negative), not a warning.
    assert [(p["row"], p["letter"]) for p in body["problems"]] == [(4, "C")]


def test_warned_text_is_imported_as_it_is_by_the_command(tmp_path, ledger_world):
    path = write_csv(
        tmp_path / "warned.csv",
        [HEADER, ["=1+2", "产业类", "100", "2024", "+86 138 0000 0000", HYPERLINK]],
    )
    out = StringIO()
    call_command("import-ledger", str(path), stdout=out, stderr=StringIO())
    project = Project.objects.get()
    assert (project.name, project.remarks, project.contact_phone) == ("=1+2", HYPERLINK, "+86 138 0000 0000")
    lines = [line for line in out.getvalue().splitlines() if "按文本导入" in line]
    assert len(lines) == 2  # the name and the remark; the phone number is not warned about
    assert lines[0].startswith("第2行 项目名称(列A): 以“=”开头的文本按文本导入,不作为公式")


def test_the_check_page_lists_the_warnings_and_still_imports(login, users, tmp_path, ledger_world):
    path = write_csv(tmp_path / "warned.csv", [HEADER, ["=1+2", "产业类", "100", "2024", "", HYPERLINK]])
    client = login(users[Role.OFFICE])
    response = _upload(client, path)
    record = LedgerImport.objects.get()
    assert record.problems == []
    page = client.get(response["Location"]).content.decode()
    assert 'data-testid="ledger-warnings"' in page
    assert page.count("以“=”开头的文本按文本导入,不作为公式") == 2
    client.post(reverse("projects:ledger-import-confirm", args=[record.pk]))
    assert Project.objects.get().name == "=1+2"
