"""Text written into a spreadsheet comes out as the text people typed, never as something else.

openpyxl stores a string that starts with "=" as a formula, one that is an error code ("#N/A") as an error, and
refuses outright (IllegalCharacterError) a string holding a control character that .xlsx cannot carry, such as a
vertical tab pasted from Word: one such project name made every export of the ledger fail. Exporters pass their
strings through here.

A CSV cell has no type: Excel and LibreOffice run a field starting with =, +, -, @ (or a tab or carriage return
before one) as a formula, so a project named ``=HYPERLINK("http://…","x")`` would be a live link in a CSV export.
``csv_text`` prefixes such a field with a single quote, as OWASP's CSV-injection guidance says; every CSV the app
writes goes through it (``csv_row``).

On import the same leading characters earn a warning, not a refusal (``starts_like_formula``): a remark "-见附件"
is ordinary text and is imported as typed.
"""

import re

from django.utils.translation import gettext

# openpyxl's own (openpyxl.cell.cell), spelled out so that the importer, which asks ``starts_like_formula``, does not
# load openpyxl (0.06 s for every command); a test keeps them equal.
ERROR_CODES = ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A")
ILLEGAL_CHARACTERS_RE = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")

# Excel's own limit on a cell's text; openpyxl cuts a longer string there without a word.
EXCEL_CELL_CHARS = 32_767
# The characters a spreadsheet reads a typed or CSV field beginning with as a formula (OWASP: = + - @, and tab and
# carriage return, which some programs skip before looking at the next character).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# On import: the triggers a text cell may start with, warned about.
FORMULA_STARTS = ("=", "+", "-", "@")


def _cut(value: str) -> str:
    """A string longer than a cell holds, cut so that its end says how long it really was and what the limit is
    (rather than openpyxl's silent cut at 32,767)."""
    note = gettext("…(全文 %(length)s 个字符,超过 Excel 单元格上限 %(limit)s 个,其余未写入)") % {
        "length": f"{len(value):,}",
        "limit": f"{EXCEL_CELL_CHARS:,}",
    }
    return value[: EXCEL_CELL_CHARS - len(note)] + note


def sheet_text(value: str) -> str:
    """The string with each control character .xlsx cannot hold replaced by a space, cut (and said so) where it is
    longer than a cell holds."""
    if ILLEGAL_CHARACTERS_RE.search(value):
        value = ILLEGAL_CHARACTERS_RE.sub(" ", value)
    return _cut(value) if len(value) > EXCEL_CELL_CHARS else value


def needs_text_cell(value: str) -> bool:
    """Whether openpyxl would read this string as a formula or an error instead of text."""
    return bool(value) and (value[0] == "=" or value in ERROR_CODES)


def text_cell(sheet, value: str):
    """A write-only cell holding ``value`` as text, whatever it looks like."""
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=sheet_text(value))
    cell.data_type = "s"
    return cell


def sheet_value(sheet, value):
    """A value for a row (``sheet.append``, write-only or not): text made safe (a text cell where openpyxl would
    misread it), others as is."""
    if not isinstance(value, str):
        return value
    value = sheet_text(value)
    return text_cell(sheet, value) if needs_text_cell(value) else value


def sheet_row(sheet, values) -> list:
    """A row for ``sheet.append`` with every string made safe (``sheet_value``)."""
    return [sheet_value(sheet, value) for value in values]


def set_text(cell, value: str) -> None:
    """Put ``value`` into an existing cell (``ws.cell(...)``) as text, whatever it looks like."""
    cell.value = sheet_text(value)
    if needs_text_cell(cell.value):
        cell.data_type = "s"


def csv_text(value):
    """A CSV field: a string a spreadsheet would run as a formula gets a leading single quote (OWASP); anything
    else as is."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def csv_row(values) -> list:
    """A row for ``csv.writer.writerow`` with every field made safe (``csv_text``)."""
    return [csv_text(value) for value in values]


def starts_like_formula(text: str) -> bool:
    """Whether imported text begins as a formula would (=, +, -, @ and something after it): a lone "-", as
    ledgers write for "none", does not."""
    return text.startswith(FORMULA_STARTS) and bool(text.lstrip("=+-@ "))
