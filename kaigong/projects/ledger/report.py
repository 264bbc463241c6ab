"""The error report: the uploaded sheet with a 错误 column, to fix and upload again.

The uploaded values and the problems are written as text (``kaigong.core.sheets``): a CSV cell "=1+2" comes back as
the text it was, not a formula the clerk's Excel would run.
"""

from pathlib import Path

from kaigong.projects.ledger.columns import column_letter, is_blank
from kaigong.projects.ledger.problems import Problem
from kaigong.projects.ledger.reader import ZIP_MAGIC, LedgerSheet, read_ledger_file


def build_error_report(path: Path | str, problems: list[Problem], *, filename: str = "") -> Path:
    """A .xlsx copy of the uploaded sheet (title, unit note, header, every row) with an added 错误 column.

    An .xlsx upload is the workbook itself, opened with openpyxl: its formulas, column widths, merged cells and
    other sheets are kept, the problems are written in a new column. Other formats (.xls, .csv) are copied
    value by value."""
    import tempfile

    from openpyxl import Workbook  # here, not at the top: the import command need not load it (0.2 s)
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font, PatternFill

    from kaigong.core.sheets import sheet_row, text_cell  # loads openpyxl too

    sheet = read_ledger_file(path, filename=filename)
    by_row: dict[int, list[str]] = {}
    file_level = []
    for problem in problems:
        text = f"{problem.column}: {problem.message}" if problem.column else problem.message
        if problem.row:
            by_row.setdefault(problem.row, []).append(text)
        else:
            file_level.append(text)
    with Path(path).open("rb") as handle:
        is_xlsx = handle.read(4) == ZIP_MAGIC
    if is_xlsx:
        try:
            return _annotated_workbook(path, sheet, by_row, file_level)
        except Exception:  # a workbook openpyxl cannot load, which calamine could: copy its values
            pass
    width = max((len(r) for r in sheet.rows), default=0)
    workbook = Workbook(write_only=True)
    ws = workbook.create_sheet(title="错误报告")
    red = Font(color="C00000", bold=True)
    fill = PatternFill("solid", fgColor="FDE9E7")
    covered = set()  # cells inside a merged range, except its top-left one: blank again, merged again below
    for (r0, c0), (r1, c1) in sheet.merged:
        covered.update((r, c) for r in range(r0, r1 + 1) for c in range(c0, c1 + 1) if (r, c) != (r0, c0))
        ws.merged_cells.add(f"{column_letter(c0)}{r0 + 1}:{column_letter(c1)}{r1 + 1}")
    for index, row in enumerate(sheet.rows):
        row_number = index + 1
        values = [None if is_blank(c) or (index, i) in covered else c for i, c in enumerate(row)]
        values += [None] * (width - len(row))
        if index == sheet.header_row:
            cell = WriteOnlyCell(ws, value="错误")
            cell.font = red
            values.append(cell)
        elif row_number in by_row:
            cell = text_cell(ws, "; ".join(by_row[row_number]))
            cell.font = red
            cell.fill = fill
            values.append(cell)
        elif index == 0 and file_level:
            values.append(text_cell(ws, "; ".join(file_level)))
        ws.append(sheet_row(ws, values))
    handle = tempfile.NamedTemporaryFile(prefix="kaigong-errors-", suffix=".xlsx", delete=False)  # noqa: SIM115
    handle.close()
    workbook.save(handle.name)
    return Path(handle.name)


def _annotated_workbook(path, sheet: LedgerSheet, by_row: dict[int, list[str]], file_level: list[str]) -> Path:
    """The uploaded .xlsx with a 错误 column after its last column, on the ledger's sheet; the rest untouched."""
    import tempfile

    from openpyxl import load_workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    from kaigong.core.sheets import set_text

    workbook = load_workbook(path, rich_text=True)  # formulas as formulas (data_only=False), styles and widths
    ws = workbook[sheet.name] if sheet.name in workbook.sheetnames else workbook.worksheets[0]
    width = max([ws.max_column, *(len(r) for r in sheet.rows[: sheet.header_row + 1])])
    column = width + 1
    red = Font(color="C00000", bold=True)
    fill = PatternFill("solid", fgColor="FDE9E7")
    wrap = Alignment(wrap_text=True, vertical="top")
    header = ws.cell(row=sheet.header_row + 1, column=column, value="错误")
    header.font = red
    for row_number, texts in by_row.items():
        cell = ws.cell(row=row_number, column=column)
        set_text(cell, "; ".join(texts))
        cell.font = red
        cell.fill = fill
        cell.alignment = wrap
    if file_level:
        cell = ws.cell(row=1, column=column)
        set_text(cell, "; ".join(file_level))
        cell.font = red
    ws.column_dimensions[get_column_letter(column)].width = 50
    handle = tempfile.NamedTemporaryFile(prefix="kaigong-errors-", suffix=".xlsx", delete=False)  # noqa: SIM115
    handle.close()
    workbook.save(handle.name)
    return Path(handle.name)
