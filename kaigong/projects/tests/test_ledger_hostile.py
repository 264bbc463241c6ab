"""Hostile ledger files (issue 10 §2): a cell at XFD1048576, zip bombs, sheets too long or too wide, a cell
longer than Excel allows, CSV bombs. Each is refused with its own message before a cell is read, and a worker
that reads one survives: the page and the API answer 400, the command exits 1.

The files are built here, not shipped: a 6.5 KB workbook with openpyxl, and raw archives written with zipfile
when the XML itself has to lie (a dimension that understates the sheet, a directory that understates a member).
"""

import contextlib
import json
import struct
import subprocess
import sys
import textwrap
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import execute_from_command_line
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from kaigong.accounts.choices import Role
from kaigong.projects.ledger import reader
from kaigong.projects.ledger.reader import LedgerFileError, read_ledger_file
from kaigong.projects.models import LedgerImport
from kaigong.projects.tests.ledger_sheets import make_ledger_world, write_csv, write_xlsx

HEADER = ["项目名称", "项目类别", "总投资", "计划年度"]
ROW = ["新项目", "产业类", 100, 2024]
FAR_CELL_MESSAGE = "有 1,048,576 行,超过 100,000 行的上限"

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
OFFICE_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


@pytest.fixture
def ledger_world(db, department, other_department, organization):
    return make_ledger_world(department, other_department, organization)


def far_cell_workbook(path):
    """A real ledger with one more cell, at XFD1048576: the 6.5 KB file that aborted a web worker."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "台账"
    sheet.append(HEADER)
    sheet.append(ROW)
    sheet["XFD1048576"] = "x"
    workbook.save(path)
    return path


def _inline(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def raw_xlsx(path, cells: str, *, dimension: str = "A1", merges: str = "", extra: dict | None = None):
    """A minimal .xlsx whose sheet XML is written by hand: ``cells`` is the content of <sheetData>, ``dimension``
    what the sheet declares (it may lie), ``extra`` more members (name → bytes)."""
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
        ),
        "_rels/.rels": (
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{RELS}">'
            f'<Relationship Id="rId1" Type="{OFFICE_RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" xmlns:r="{OFFICE_RELS}">'
            '<sheets><sheet name="台账" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{RELS}">'
            f'<Relationship Id="rId1" Type="{OFFICE_RELS}/worksheet" Target="worksheets/sheet1.xml"/>'
            "</Relationships>"
        ),
        "xl/worksheets/sheet1.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}"><dimension ref="{dimension}"/>'
            f"<sheetData>{cells}</sheetData>{merges}</worksheet>"
        ),
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text.encode())
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return path


def ledger_cells() -> str:
    """A header and one project, as sheet XML rows."""
    header = "".join(_inline(f"{letter}1", text) for letter, text in zip("ABCD", HEADER, strict=True))
    row = _inline("A2", ROW[0]) + _inline("B2", ROW[1]) + '<c r="C2"><v>100</v></c><c r="D2"><v>2024</v></c>'
    return f'<row r="1">{header}</row><row r="2">{row}</row>'


def zip_bomb(path, member: str, megabytes: int):
    """A workbook with one member of ``megabytes`` MB of zeros (deflate packs them about 1000:1)."""
    raw_xlsx(path, ledger_cells())
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as archive, archive.open(member, "w") as handle:
        block = b"\0" * 1024 * 1024
        for _ in range(megabytes):
            handle.write(block)
    return path


def read_in_a_small_process(path) -> dict:
    """read_ledger_file in a child process limited to 1 GiB of address space, so a regression that allocates the
    sheet's dense range fails this test (the child aborts) instead of eating the machine."""
    script = textwrap.dedent(
        f"""
        import json, os, resource
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kaigong.settings")
        import django
        django.setup()
        from kaigong.projects.ledger.reader import LedgerFileError, read_ledger_file
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
        try:
            read_ledger_file({str(path)!r})
        except LedgerFileError as exc:
            print(json.dumps({{"refused": exc.message}}))
        else:
            print(json.dumps({{"refused": ""}}))
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


# -- one cell at XFD1048576 ------------------------------------------------------------------------------------


def test_a_cell_at_xfd1048576_is_refused_from_the_declared_dimension(tmp_path):
    path = far_cell_workbook(tmp_path / "far.xlsx")
    assert path.stat().st_size < 8 * 1024

    assert FAR_CELL_MESSAGE in read_in_a_small_process(path)["refused"]


def test_a_dimension_that_lies_does_not_hide_the_far_cell(tmp_path):
    path = raw_xlsx(tmp_path / "liar.xlsx", ledger_cells() + f'<row r="1048576">{_inline("XFD1048576", "x")}</row>')

    assert FAR_CELL_MESSAGE in read_in_a_small_process(path)["refused"]


def test_cells_without_a_reference_are_placed_and_counted(tmp_path):
    # A cell may leave out its reference (r): it is the cell after the previous one. 201 of them in one row.
    cells = "".join("<c><v>1</v></c>" for _ in range(201))
    path = raw_xlsx(tmp_path / "wide.xlsx", ledger_cells() + f"<row>{cells}</row>")
    with pytest.raises(LedgerFileError, match="有 201 列,超过 200 列的上限"):
        read_ledger_file(path)


def test_empty_styled_cells_far_away_are_no_reason_to_refuse(tmp_path, db):
    # Borders drawn down the sheet leave empty cells that calamine does not lay out: the ledger is read.
    path = raw_xlsx(
        tmp_path / "borders.xlsx",
        ledger_cells() + '<row r="1048576"><c r="XFD1048576" s="1"/></row>',
        dimension="A1:D2",
    )
    assert read_ledger_file(path).data_rows == 1


# -- zip bombs and broken archives -------------------------------------------------------------------------------


def test_a_zip_bomb_is_refused_by_its_size_without_decompressing(tmp_path, monkeypatch):
    path = zip_bomb(tmp_path / "bomb.xlsx", "xl/worksheets/sheet2.xml", 320)
    assert path.stat().st_size < 1024 * 1024

    def no_decompressing(*args, **kwargs):
        raise AssertionError("a member was opened")

    monkeypatch.setattr(zipfile.ZipFile, "open", no_decompressing)
    with pytest.raises(LedgerFileError, match=r"文件解压后过大\(320 MB\),上限为 300 MB"):
        read_ledger_file(path)


def test_a_member_packed_beyond_the_ratio_is_refused(tmp_path, monkeypatch):
    path = zip_bomb(tmp_path / "bomb.xlsx", "xl/sharedStrings.xml", 20)
    monkeypatch.setattr(zipfile.ZipFile, "open", lambda *a, **k: pytest.fail("a member was opened"))
    with pytest.raises(LedgerFileError, match=r"“xl/sharedStrings\.xml”压缩比异常") as excinfo:
        read_ledger_file(path)
    assert "可能是压缩炸弹" in str(excinfo.value)


def test_a_member_larger_than_the_directory_says_is_refused(tmp_path):
    # The directory says 20 KB, the member inflates to 5 MB: the ratio check passes on the lie, the read does not.
    path = zip_bomb(tmp_path / "liar.xlsx", "xl/media/image1.bin", 5)
    data = bytearray(path.read_bytes())
    name = b"xl/media/image1.bin"
    entry = data.index(b"PK\x01\x02")  # the central directory's entries
    while data[entry + 46 : entry + 46 + len(name)] != name:
        entry = data.index(b"PK\x01\x02", entry + 4)
    struct.pack_into("<I", data, entry + 24, 20 * 1024)  # its uncompressed size, as the directory says
    path.write_bytes(bytes(data))
    with pytest.raises(LedgerFileError, match="文件已损坏或无法读取"):
        read_ledger_file(path)


def test_an_archive_without_a_workbook_is_refused(tmp_path):
    path = tmp_path / "notes.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("word/document.xml", "<document/>")
    with pytest.raises(LedgerFileError, match=r"文件不是有效的 \.xlsx 工作簿\(缺少 xl/workbook\.xml\)"):
        read_ledger_file(path)


def test_a_sheet_declaring_entities_is_refused(tmp_path):
    laughs = '<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    path = raw_xlsx(tmp_path / "laughs.xlsx", ledger_cells())
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    parts["xl/worksheets/sheet1.xml"] = sheet.replace("?>", "?>" + laughs, 1).encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    with pytest.raises(LedgerFileError, match="文件已损坏或无法读取"):
        read_ledger_file(path)


# -- rows, columns, cells ---------------------------------------------------------------------------------------


def test_too_many_rows_are_refused_before_reading(tmp_path, settings):
    settings.KAIGONG_IMPORT_MAX_ROWS = 5  # rows 1 to 5 + 115 (title, notes and header rows) may hold something
    workbook = write_xlsx(tmp_path / "long.xlsx", [HEADER, ROW])
    liar = raw_xlsx(tmp_path / "liar.xlsx", ledger_cells() + f'<row r="121">{_inline("A121", "x")}</row>')
    book = load_workbook(workbook)
    book.active["A121"] = "x"
    book.save(workbook)
    for path in (workbook, liar):
        with pytest.raises(LedgerFileError, match="工作表“台账”有 121 行,超过 5 行的上限,请拆分后分批导入"):
            read_ledger_file(path)


def test_too_many_columns_and_too_large_an_area_are_refused(tmp_path):
    wide = raw_xlsx(tmp_path / "wide.xlsx", ledger_cells() + f'<row r="3">{_inline("GS3", "x")}</row>')
    with pytest.raises(LedgerFileError, match="工作表“台账”有 201 列,超过 200 列的上限"):
        read_ledger_file(wide)
    # 30,000 rows × 200 columns is 6 million cells, each within its cap.
    area = raw_xlsx(tmp_path / "area.xlsx", ledger_cells() + f'<row r="30000">{_inline("GR30000", "x")}</row>')
    with pytest.raises(LedgerFileError, match=r"范围过大\(30,000 行 × 200 列\),上限为 5,000,000 个单元格"):
        read_ledger_file(area)


def test_a_merged_range_across_the_whole_width_is_refused(tmp_path):
    path = raw_xlsx(
        tmp_path / "merge.xlsx", ledger_cells(), merges='<mergeCells><mergeCell ref="A3:XFD3"/></mergeCells>'
    )
    with pytest.raises(LedgerFileError, match="有 16,384 列,超过 200 列的上限"):
        read_ledger_file(path)


def test_a_cell_longer_than_excel_allows_is_refused_with_its_real_length(tmp_path):
    path = raw_xlsx(tmp_path / "long-cell.xlsx", ledger_cells() + f'<row r="3">{_inline("B3", "长" * 100_000)}</row>')
    with pytest.raises(LedgerFileError, match="第3行列B的单元格有 100,000 个字符,上限为 32,767 个"):
        read_ledger_file(path)


def test_a_cell_of_exactly_the_excel_limit_is_read(tmp_path, db):
    path = write_xlsx(tmp_path / "limit.xlsx", [HEADER, ROW, ["另一个项目", "产业类", 1, 2024, "长" * 32_767]])
    assert read_ledger_file(path).data_rows == 2


# -- CSV ---------------------------------------------------------------------------------------------------------


def test_csv_bombs_are_refused(tmp_path, settings):
    wide = tmp_path / "wide.csv"
    wide.write_text(",".join(HEADER) + "\n" + "," * 100_000 + "\n", encoding="utf-8")
    with pytest.raises(LedgerFileError, match="工作表“CSV”有 100,001 列,超过 200 列的上限"):
        read_ledger_file(wide)
    # Longer than the csv module's own field limit (131,072): refused with its length, not a csv.Error.
    long_cell = write_csv(tmp_path / "long.csv", [HEADER, ["甲", "产业类", 1, "长" * 200_000]])
    with pytest.raises(LedgerFileError, match="第2行列D的单元格有 200,000 个字符,上限为 32,767 个"):
        read_ledger_file(long_cell)
    settings.KAIGONG_IMPORT_MAX_BYTES = 2 * 1024 * 1024
    big = tmp_path / "big.csv"
    big.write_bytes(b"\n" * 3 * 1024 * 1024)
    with pytest.raises(LedgerFileError, match="文件过大"):
        read_ledger_file(big)


# -- through the interfaces ------------------------------------------------------------------------------------


def test_the_import_page_refuses_the_far_cell_workbook(login, users, tmp_path, ledger_world):
    """The request only stores the upload; the worker's check refuses it and the upload's page says why."""
    path = far_cell_workbook(tmp_path / "far.xlsx")
    client = login(users[Role.OFFICE])
    response = client.post(
        reverse("projects:ledger-import"), {"file": SimpleUploadedFile("far.xlsx", path.read_bytes())}
    )
    record = LedgerImport.objects.get()
    assert response["Location"] == reverse("projects:ledger-import-detail", args=[record.pk])
    assert record.status == LedgerImport.Status.FAILED
    assert FAR_CELL_MESSAGE in client.get(response["Location"]).content.decode()


@pytest.mark.parametrize("name", ["api-ledger-check", "api-ledger-import"])
def test_the_api_answers_the_limit_as_a_400(api_login, users, tmp_path, ledger_world, name):
    path = zip_bomb(tmp_path / "bomb.xlsx", "xl/sharedStrings.xml", 20)
    api = api_login(users[Role.OFFICE])
    for hostile, message, english in (
        (far_cell_workbook(tmp_path / "far.xlsx"), FAR_CELL_MESSAGE, "1,048,576"),
        (path, "压缩比异常", "xl/sharedStrings.xml"),
    ):
        with hostile.open("rb") as handle:
            response = api.post(reverse(name), {"file": handle}, format="multipart")
        assert response.status_code == 400
        error = response.json()["error"]
        assert error["code"] == "ledger_file"
        assert message in error["message"]
        assert english in error["message_en"]  # the English once the messages are compiled


def test_the_command_exits_1_with_the_message(tmp_path, ledger_world, capsys):
    path = far_cell_workbook(tmp_path / "far.xlsx")
    with pytest.raises(SystemExit) as exit_info:
        execute_from_command_line(["kaigong", "import-ledger", str(path), "--dry-run"])
    assert exit_info.value.code == 1
    assert FAR_CELL_MESSAGE in capsys.readouterr().err


# The sheet check's fast path (reader._plainly_inside_caps): a sheet plainly inside the caps is accepted without
# walking its elements; every doubtful one is walked, which decides. The fast path may only ever accept what the
# walk accepts.


def _walked(monkeypatch) -> list[str]:
    walked: list[str] = []
    original = reader._SheetScan.__init__

    def spy(self, sheet):
        walked.append(sheet)
        original(self, sheet)

    monkeypatch.setattr(reader._SheetScan, "__init__", spy)
    return walked


def test_an_ordinary_ledger_is_checked_without_walking_its_elements(tmp_path, monkeypatch, db):
    walked = _walked(monkeypatch)
    path = write_xlsx(tmp_path / "台账.xlsx", [HEADER, ROW, ROW])

    read_ledger_file(path)

    assert walked == []


@pytest.mark.parametrize(
    ("cells", "dimension"),
    [
        ("<row><c><v>1</v></c></row>", "A1"),  # a cell without its reference: only the walk can place it
        ('<row r="1048576"><c r="XFD1048576" s="1"/></row>', "A1:D2"),  # far, but empty: the walk accepts it
        ("", "A1:XFD1048576"),  # a declared range beyond the caps: the walk refuses it
    ],
)
def test_doubtful_sheets_are_walked(tmp_path, monkeypatch, cells, dimension):
    walked = _walked(monkeypatch)
    path = raw_xlsx(tmp_path / "doubtful.xlsx", ledger_cells() + cells, dimension=dimension)

    with contextlib.suppress(LedgerFileError):
        read_ledger_file(path)

    assert walked == ["台账"]


@given(
    cells=st.lists(
        st.tuples(
            st.integers(min_value=1, max_value=1_100_000),
            st.integers(min_value=1, max_value=16_384),
            st.booleans(),  # holds a value, or is an empty styled cell
            st.booleans(),  # carries its reference
        ),
        max_size=6,
    ),
    dimension=st.sampled_from(["A1", "A1:D2", "A1:GR100", "A1:XFD1048576", "A1:GS1"]),
)
@hypothesis_settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_the_fast_path_accepts_only_what_the_walk_accepts(tmp_path, cells, dimension):
    xml = ""
    for row, column, value, ref in sorted(cells):
        reference = f' r="{reader.column_letter(column - 1)}{row}"' if ref else ""
        content = "><v>1</v></c>" if value else ' s="1"/>'
        xml += f'<row r="{row}"><c{reference}{content}</row>'
    path = raw_xlsx(tmp_path / "random.xlsx", ledger_cells() + xml, dimension=dimension)
    with zipfile.ZipFile(path) as archive:
        fast = reader._plainly_inside_caps(archive, "xl/worksheets/sheet1.xml")
        scan = reader._SheetScan("台账")
        try:
            reader._stream_xml(archive, "xl/worksheets/sheet1.xml", scan.start)
            walked_ok = True
        except LedgerFileError:
            walked_ok = False

    assert not fast or walked_ok
