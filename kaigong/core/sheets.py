"""Text written into a spreadsheet comes out as the text people typed, never as something else.

openpyxl stores a string that starts with "=" as a formula, one that is an error code ("#N/A") as an error, and
refuses outright (IllegalCharacterError) a string holding a control character that .xlsx cannot carry, such as a
vertical tab pasted from Word: one such project name made every export of the ledger fail. Exporters pass their
strings through here.
"""

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE


def sheet_text(value: str) -> str:
    """The string with each control character .xlsx cannot hold replaced by a space."""
    return ILLEGAL_CHARACTERS_RE.sub(" ", value) if ILLEGAL_CHARACTERS_RE.search(value) else value


def needs_text_cell(value: str) -> bool:
    """Whether openpyxl would read this string as a formula or an error instead of text."""
    return bool(value) and (value[0] == "=" or value in ERROR_CODES)


def text_cell(sheet, value: str) -> WriteOnlyCell:
    """A write-only cell holding ``value`` as text, whatever it looks like."""
    cell = WriteOnlyCell(sheet, value=sheet_text(value))
    cell.data_type = "s"
    return cell


def sheet_value(sheet, value):
    """A value for a write-only row: text made safe (a text cell where openpyxl would misread it), others as is."""
    if not isinstance(value, str):
        return value
    value = sheet_text(value)
    return text_cell(sheet, value) if needs_text_cell(value) else value
