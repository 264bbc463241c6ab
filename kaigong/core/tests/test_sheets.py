"""kaigong.core.sheets: the one place that says how text goes into a spreadsheet or a CSV file."""

import csv
import io

import openpyxl.cell.cell
import pytest
from openpyxl import Workbook, load_workbook

from kaigong.core.sheets import (
    ERROR_CODES,
    ILLEGAL_CHARACTERS_RE,
    csv_row,
    sheet_row,
    sheet_text,
    starts_like_formula,
)


def test_the_rules_spelled_out_are_openpyxls():
    assert ERROR_CODES == openpyxl.cell.cell.ERROR_CODES
    assert ILLEGAL_CHARACTERS_RE.pattern == openpyxl.cell.cell.ILLEGAL_CHARACTERS_RE.pattern


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=1+2", "'=1+2"),
        ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
        ("+86 138", "'+86 138"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1+2", "'\t=1+2"),
        ("\r=1+2", "'\r=1+2"),
        ("侯马", "侯马"),
        ("a=1", "a=1"),
        (5, 5),
        (None, None),
    ],
)
def test_a_csv_field_a_spreadsheet_would_run_gets_a_leading_quote(value, written):
    assert csv_row([value]) == [written]


def test_a_csv_written_through_csv_row_opens_with_no_formula():
    buffer = io.StringIO()
    csv.writer(buffer).writerow(csv_row(["=1+2", "普通", 3]))
    assert next(csv.reader(io.StringIO(buffer.getvalue()))) == ["'=1+2", "普通", "3"]


@pytest.mark.parametrize("write_only", [True, False])
def test_sheet_rows_hold_text_as_text(write_only):
    workbook = Workbook(write_only=write_only)
    ws = workbook.create_sheet() if write_only else workbook.active
    ws.append(sheet_row(ws, ["=1+2", "#N/A", "a\x0bb", 7]))
    buffer = io.BytesIO()
    workbook.save(buffer)
    cells = next(load_workbook(buffer).worksheets[0].iter_rows())
    assert [(c.value, c.data_type) for c in cells] == [("=1+2", "s"), ("#N/A", "s"), ("a b", "s"), (7, "n")]


def test_text_longer_than_a_cell_is_cut_and_says_its_length():
    text = sheet_text("x" * 100_000)
    assert len(text) == 32_767 and text.startswith("x" * 1000)
    assert "100,000" in text and "32,767" in text
    assert sheet_text("y" * 32_767) == "y" * 32_767


@pytest.mark.parametrize(
    ("text", "warned"),
    [("=1+2", True), ("+见附件", True), ("-2", True), ("@a", True), ("-", False), ("——", False), ("a", False)],
)
def test_imported_text_that_starts_as_a_formula(text, warned):
    assert starts_like_formula(text) is warned
