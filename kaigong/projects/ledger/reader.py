"""Reading a ledger file: refuse bad files, read the cells, find the header row and the columns.

Refuses a file that is not a spreadsheet, encrypted, empty, too big or with too many rows (``LedgerFileError``
says why, in Chinese with English); reads the cells with python-calamine (CSV with the csv module), fills merged
cells, finds the header (one row, or two under a group label) and says which columns it does not read.

A spreadsheet is untrusted input. calamine builds a sheet as one dense range from its first to its last cell,
so one cell at XFD1048576 asks for 2^34 cells (512 GB) and aborts the process, and a zip bomb expands to
gigabytes. So before calamine sees an .xlsx, ``_check_xlsx`` opens it as a zip (nothing extracted): the declared
and real size of every member and the ratio of large ones, the workbook part, each sheet's declared dimension and
then the cells it really holds, streamed, stopping at the first cap passed. The caps below bound what calamine
and the merged-cell filling allocate; each has its own message.
"""

import csv
import functools
import io
import posixpath
import re
import xml.parsers.expat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import python_calamine
from django.conf import settings
from django.utils.translation import gettext, gettext_noop, override

from kaigong.core.exceptions import KaigongError
from kaigong.core.text import fold
from kaigong.projects.ledger.columns import (
    AMOUNT,
    COLUMNS_BY_KEY,
    REQUIRED_KEYS,
    UNIT_WAN,
    LedgerColumn,
    column_letter,
    find_unit_note,
    is_blank,
    is_total_label,
    match_header,
)

HEADER_SEARCH_ROWS = 15
# Rows read below the ledger's row limit: the title, notes and header rows above the data, blank rows.
ROW_SLACK = HEADER_SEARCH_ROWS + 100

# Limits on an .xlsx archive, checked from the zip directory before anything is decompressed. A real 100,000-row
# ledger of 8 columns is 48 MB of sheet XML compressed 15:1 (a sheet of blank bordered cells, 16:1), so 30 columns
# fit in 300 MB; deflate packs repeated bytes about 1000:1, so a member of more than 1 MB packed beyond 100:1 is
# a bomb, not a ledger. Members are then read through (bounded by their declared size, checked by their CRC), so
# a directory that lies about a size is refused as a damaged file.
MAX_UNCOMPRESSED_BYTES = 300 * 1024 * 1024
RATIO_CHECKED_FROM_BYTES = 1024 * 1024
MAX_COMPRESSION_RATIO = 100
WORKBOOK_PART = "xl/workbook.xml"
# Limits on a sheet's extent (from A1 to its last cell holding something): a ledger has about 30 columns, and
# 5 million cells (100,000 rows × 50 columns) is about 160 MB in calamine's range and as much again in Python.
# Rows: the ledger's row limit (settings.KAIGONG_IMPORT_MAX_ROWS) plus ROW_SLACK.
MAX_COLUMNS = 200
MAX_CELLS = 5_000_000
# Excel's own limit on a cell's text; a longer cell was not typed in Excel.
MAX_CELL_CHARS = 32_767
XML_CHUNK = 1024 * 1024
CELL_CONTENT = frozenset({"v", "f", "is"})  # what a cell holding something has inside
CELL_REF = re.compile(r"\$?([A-Za-z]{1,10})\$?([0-9]{1,15})$")
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
ENCRYPTED_MARK = "EncryptedPackage".encode("utf-16-le")


class LedgerFileError(KaigongError):
    """A file the importer refuses as a whole (the message says why, in Chinese with English)."""

    code = "ledger_file"


@dataclass
class LedgerSheet:
    """The cells of the sheet holding the ledger, merged cells filled, and where its header and columns are."""

    name: str
    rows: list[list]  # every row from sheet row 1, merged cells filled with their top-left value
    header_row: int  # 0-based index of the (last) header row; data starts below it
    columns: dict[str, int]  # column key → 0-based column index
    headers: dict[int, str]  # column index → the header text as the sheet writes it
    units: dict[str, str]  # money column key → 万元 / 亿元
    default_year: int | None
    data_rows: int  # rows below the header that are not blank
    merged: list = field(default_factory=list)  # merged ranges ((row0, col0), (row1, col1)), 0-based, inclusive
    ignored: list = field(default_factory=list)  # IgnoredColumn: the columns not read, listed in the dry run


def read_ledger_file(path: Path | str, *, filename: str = "") -> LedgerSheet:
    """Open a ledger file and locate its header, or raise LedgerFileError saying why the file is refused."""
    path = Path(path)
    filename = filename or path.name
    size = path.stat().st_size
    max_bytes = settings.KAIGONG_IMPORT_MAX_BYTES
    if size == 0:
        raise LedgerFileError(gettext_noop("文件为空"))
    if size >= max_bytes:
        raise LedgerFileError(
            gettext_noop("文件过大(%(size)s MB),上限为 %(limit)s MB"),
            params={"size": _mb(size), "limit": _mb(max_bytes)},
        )
    with path.open("rb") as handle:
        head = handle.read(8)
    suffix = Path(filename).suffix.lower()
    if head.startswith(OLE_MAGIC):
        if ENCRYPTED_MARK in path.read_bytes():
            raise LedgerFileError(gettext_noop("文件设有密码保护(已加密),请取消密码后再导入"))
        sheets = _read_calamine(path)
    elif head.startswith(ZIP_MAGIC):
        _check_xlsx(path)
        sheets = _read_calamine(path)
    elif suffix in (".csv", ".txt"):
        sheets = [("CSV", _read_csv(path), [])]
    else:
        raise LedgerFileError(gettext_noop("无法识别的文件格式,请上传 .xlsx、.xls 或 .csv 格式的台账"))
    for name, rows, merged in sheets:
        _check_cells(name, rows, merged)
    return _locate(sheets)


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:.1f}".rstrip("0").rstrip(".")


def _row_limit() -> int:
    return settings.KAIGONG_IMPORT_MAX_ROWS


def _damaged() -> LedgerFileError:
    return LedgerFileError(gettext_noop("文件已损坏或无法读取"))


def _check_extent(sheet: str, rows: int, columns: int) -> None:
    """Refuse a sheet reaching beyond the row, column or cell caps (``rows``, ``columns``: its last row and column
    holding something, counted from A1, as calamine lays the sheet out)."""
    if rows > _row_limit() + ROW_SLACK:
        raise LedgerFileError(
            gettext_noop("工作表“%(sheet)s”有 %(rows)s 行,超过 %(limit)s 行的上限,请拆分后分批导入"),
            params={"sheet": sheet, "rows": f"{rows:,}", "limit": f"{_row_limit():,}"},
        )
    if columns > MAX_COLUMNS:
        raise LedgerFileError(
            gettext_noop("工作表“%(sheet)s”有 %(columns)s 列,超过 %(limit)s 列的上限"),
            params={"sheet": sheet, "columns": f"{columns:,}", "limit": f"{MAX_COLUMNS:,}"},
        )
    if rows * columns > MAX_CELLS:
        raise LedgerFileError(
            gettext_noop("工作表“%(sheet)s”的范围过大(%(rows)s 行 × %(columns)s 列),上限为 %(limit)s 个单元格"),
            params={"sheet": sheet, "rows": f"{rows:,}", "columns": f"{columns:,}", "limit": f"{MAX_CELLS:,}"},
        )


def _cell_position(ref: str) -> tuple[int, int] | None:
    """``"XFD1048576"`` → (1048576, 16384): 1-based row and column; None for a reference that is not one."""
    match = CELL_REF.match(ref)
    if not match:
        return None
    return int(match.group(2)), _column_number(match.group(1))


@functools.lru_cache(maxsize=1024)
def _column_number(letters: str) -> int:
    column = 0
    for letter in letters.upper():
        column = column * 26 + ord(letter) - 64
    return column


def _local(name: str) -> str:
    return name.rpartition(":")[2]  # "x:c" → "c": producers may prefix SpreadsheetML's elements


def _stream_xml(archive: zipfile.ZipFile, member: str, start) -> None:
    """Parse one member of the archive in chunks, calling ``start(name, attrs)`` for each element, with its
    name as written (prefixed or not): never the whole member in memory. A document type declaration (entities)
    is refused: Excel writes none."""
    parser = xml.parsers.expat.ParserCreate()

    def refuse_doctype(*_args):
        raise _damaged()

    parser.StartDoctypeDeclHandler = refuse_doctype
    parser.StartElementHandler = start
    try:
        with archive.open(member) as handle:
            while chunk := handle.read(XML_CHUNK):
                parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except xml.parsers.expat.ExpatError as exc:
        raise _damaged() from exc


# The fast path of the sheet check. Following every element with expat costs a Python call per element: 0.44 s for a
# 10,000-row ledger, read twice by a dry run and an import (issue 2's import target). Most sheets are plainly
# inside the caps, and that can be shown by regular expressions over the raw XML at C speed: the largest row and
# column of every r="A1"-like attribute anywhere in the part (every cell reference calamine could follow is among
# them, and also empty styled cells, which calamine leaves out: a bound, never an under-count) and of the declared
# dimension's last cell (refused by the walk before any cell, as calamine may reserve for it), provided every cell
# element carries its reference (a cell without one is placed after the previous one, which only the element walk
# knows) and the part declares no document type (entities). When that bound is inside the caps the sheet is
# accepted; in every other case (a bound outside, a cell without a reference, a document type, a tag longer than
# the carry) the part is walked element by element (_SheetScan), which decides and words the refusal.
_ANY_CELL = re.compile(rb"<(?:[A-Za-z_][\w.\-]*:)?c[\s/>]")
_CELL_WITH_REF = re.compile(rb"<(?:[A-Za-z_][\w.\-]*:)?c\s[^>]*?(?<![\w.\-])(?:[A-Za-z_][\w.\-]*:)?r\s*=\s*[\"']")
# Any attribute whose name ends in r (r, x:r, but also xr, …) with a cell reference for a value: a superset of the
# references, so still a bound. Starting with the literal r lets the engine skip ahead; a lookbehind or a prefix
# group in front made the search 8 times slower.
_REF_VALUE = re.compile(rb"r\s*=\s*[\"']\$?([A-Za-z]{1,10})\$?([0-9]{1,15})[\"']")
_DIMENSION_END = re.compile(
    rb"<(?:[A-Za-z_][\w.\-]*:)?dimension\s[^>]*?(?<![\w.\-])ref\s*=\s*[\"'][^\"':]*:?\$?([A-Za-z]{1,10})\$?([0-9]{1,15})[\"']"
)
_CARRY_LIMIT = 64 * 1024


def _plainly_inside_caps(archive: zipfile.ZipFile, member: str) -> bool:
    """True when the part's cells are shown inside the caps without walking its elements (see the note above)."""
    last_row, widest = 0, b""
    carry = b""
    with archive.open(member) as handle:
        while chunk := handle.read(XML_CHUNK):
            text = carry + chunk
            cut = text.rfind(b"<")
            if cut < 0 or text.find(b">", cut) >= 0:  # the last tag is complete: nothing to carry
                cut = len(text)
            body, carry = text[:cut], text[cut:]
            if len(carry) > _CARRY_LIMIT or b"<!DOCTYPE" in body:
                return False
            if len(_ANY_CELL.findall(body)) != len(_CELL_WITH_REF.findall(body)):
                return False
            refs = _REF_VALUE.findall(body) + _DIMENSION_END.findall(body)  # the declared range counts too
            if refs:
                letters, rows = zip(*refs, strict=True)  # C-speed throughout: a sheet has few distinct column letters
                last_row = max(last_row, *map(int, set(rows)))
                widest = max({widest, *(c.upper() for c in set(letters))}, key=lambda c: (len(c), c))
    if carry.strip():
        return False  # a member ending inside a tag: let the walk say it is damaged
    columns = _column_number(widest.decode()) if widest else 0
    return last_row <= _row_limit() + ROW_SLACK and columns <= MAX_COLUMNS and last_row * columns <= MAX_CELLS


class _SheetScan:
    """Follows a worksheet's XML: refuses its declared dimension beyond the caps, then each cell that holds
    something (a value, an inline string, a formula) beyond them, as soon as it is met. Empty styled cells do not
    count: calamine leaves them out of the range. Called for every element of sheets of millions of cells, so it
    compares names inline, commonest first, and needs no end-of-element calls."""

    def __init__(self, sheet: str):
        self.sheet = sheet
        self.row = 0
        self.column = 0
        self.open_cell = False  # a <c> met (at self.row, self.column) whose content is not seen yet
        self.last_row = 0
        self.last_column = 0

    def start(self, name: str, attrs: dict) -> None:
        if name == "c" or name[-2:] == ":c":
            match = CELL_REF.match(attrs.get("r", ""))
            if match is None:  # no reference: the cell after the previous one
                self.column += 1
            else:
                self.row, self.column = int(match[2]), _column_number(match[1])
            self.open_cell = True
        elif self.open_cell and (name in CELL_CONTENT or _local(name) in CELL_CONTENT):
            self.open_cell = False
            if self.row > self.last_row or self.column > self.last_column:
                self.last_row = max(self.last_row, self.row)
                self.last_column = max(self.last_column, self.column)
                _check_extent(self.sheet, self.last_row, self.last_column)
        elif name == "row" or name[-4:] == ":row":
            number = attrs.get("r", "")
            self.row = int(number) if number.isdigit() and len(number) <= 15 else self.row + 1
            self.column = 0
            self.open_cell = False
        elif _local(name) == "dimension":
            # The declared used range ("A1:XFD1048576"): refused before a single cell is read. It may be missing
            # or lie; the cells themselves are then checked one by one.
            position = _cell_position(attrs.get("ref", "").rpartition(":")[2])
            if position is not None:
                _check_extent(self.sheet, *position)


def _worksheet_parts(archive: zipfile.ZipFile, names: set[str]) -> dict[str, str]:
    """The archive's sheet parts and their names (part → sheet name), from the workbook and its relationships as
    calamine follows them, plus any part under xl/worksheets/ (named by its file) so none is read unchecked."""
    sheets: list[tuple[str, str]] = []  # (name, relationship id)
    targets: dict[str, str] = {}

    def on_workbook(name, attrs):
        if _local(name) == "sheet":
            rel = next((value for key, value in attrs.items() if _local(key) == "id"), "")
            sheets.append((attrs.get("name", ""), rel))

    def on_rels(name, attrs):
        if _local(name) == "Relationship" and attrs.get("TargetMode") != "External":
            targets[attrs.get("Id", "")] = attrs.get("Target", "")

    _stream_xml(archive, WORKBOOK_PART, on_workbook)
    if "xl/_rels/workbook.xml.rels" in names:
        _stream_xml(archive, "xl/_rels/workbook.xml.rels", on_rels)
    parts: dict[str, str] = {}
    for sheet_name, rel in sheets:
        target = targets.get(rel, "")
        if not target:
            continue
        candidates = [target.lstrip("/"), posixpath.join("xl", target)]
        for candidate in candidates:
            part = posixpath.normpath(candidate)
            if part in names:
                parts.setdefault(part, sheet_name)
                break
    for part in sorted(names):
        if part.startswith("xl/worksheets/") and part.endswith(".xml"):
            parts.setdefault(part, posixpath.basename(part))
    return parts


def _check_xlsx(path: Path) -> None:
    """Refuse an .xlsx whose archive or sheets pass a cap, before calamine reads it (see the module's note)."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise LedgerFileError(gettext_noop("无法识别的文件格式,请上传 .xlsx、.xls 或 .csv 格式的台账")) from exc
    with archive:
        infos = archive.infolist()
        total = sum(info.file_size for info in infos)
        if total > MAX_UNCOMPRESSED_BYTES:
            raise LedgerFileError(
                gettext_noop("文件解压后过大(%(size)s MB),上限为 %(limit)s MB"),
                params={"size": _mb(total), "limit": _mb(MAX_UNCOMPRESSED_BYTES)},
            )
        for info in infos:
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size > RATIO_CHECKED_FROM_BYTES and ratio > MAX_COMPRESSION_RATIO:
                raise LedgerFileError(
                    gettext_noop("文件中的“%(member)s”压缩比异常(%(ratio)s 倍,上限 %(limit)s 倍),可能是压缩炸弹"),
                    params={"member": info.filename, "ratio": f"{ratio:,.0f}", "limit": MAX_COMPRESSION_RATIO},
                )
        names = {info.filename for info in infos}
        if WORKBOOK_PART not in names:
            raise LedgerFileError(
                gettext_noop("文件不是有效的 .xlsx 工作簿(缺少 %(part)s)"), params={"part": WORKBOOK_PART}
            )
        try:
            parts = _worksheet_parts(archive, names)
            for part, sheet_name in parts.items():
                if _plainly_inside_caps(archive, part):
                    continue
                scan = _SheetScan(sheet_name)
                _stream_xml(archive, part, scan.start)
            # Every other member read through too: zipfile stops at the declared size and checks the CRC, so a
            # member expanding beyond what the directory says is refused here, not found out by calamine.
            for info in infos:
                if info.filename not in parts and not info.is_dir():
                    with archive.open(info) as handle:
                        while handle.read(XML_CHUNK):
                            pass
        except (zipfile.BadZipFile, RuntimeError, NotImplementedError, EOFError, OSError) as exc:
            raise _damaged() from exc  # a bad CRC or size, an encrypted member, an unknown compression


def _check_cells(sheet: str, rows: list[list], merged: list) -> None:
    """Refuse a sheet as read whose extent (merged ranges included: they are filled in) passes the caps, or with
    a cell longer than Excel allows; the message says where the cell is and how long it really is."""
    width = max((len(row) for row in rows), default=0)
    filled = 0
    for (r0, c0), (r1, c1) in merged:
        width = max(width, c1 + 1)
        if r0 < len(rows):
            filled += (min(r1, len(rows) - 1) - r0 + 1) * (c1 - c0 + 1)
    _check_extent(sheet, len(rows), width)
    if filled > MAX_CELLS:
        raise LedgerFileError(
            gettext_noop("工作表“%(sheet)s”的合并单元格过多(共 %(cells)s 个单元格),上限为 %(limit)s 个"),
            params={"sheet": sheet, "cells": f"{filled:,}", "limit": f"{MAX_CELLS:,}"},
        )
    for row_index, row in enumerate(rows):
        for column_index, cell in enumerate(row):
            if isinstance(cell, str) and len(cell) > MAX_CELL_CHARS:
                raise LedgerFileError(
                    gettext_noop(
                        "工作表“%(sheet)s”第%(row)s行列%(letter)s的单元格有 %(length)s 个字符,上限为 %(limit)s 个"
                    ),
                    params={
                        "sheet": sheet,
                        "row": row_index + 1,
                        "letter": column_letter(column_index),
                        "length": f"{len(cell):,}",
                        "limit": f"{MAX_CELL_CHARS:,}",
                    },
                )


def _read_calamine(path: Path) -> list[tuple[str, list[list], list]]:
    try:
        workbook = python_calamine.CalamineWorkbook.from_path(str(path))
    except python_calamine.PasswordError as exc:
        raise LedgerFileError(gettext_noop("文件设有密码保护(已加密),请取消密码后再导入")) from exc
    except Exception as exc:  # calamine raises several error types for files it cannot read
        raise LedgerFileError(gettext_noop("无法识别的文件格式,请上传 .xlsx、.xls 或 .csv 格式的台账")) from exc
    sheets = []
    limit = _row_limit() + ROW_SLACK
    with workbook:
        for meta in workbook.sheets_metadata:
            if meta.typ != python_calamine.SheetTypeEnum.WorkSheet:
                continue
            try:
                sheet = workbook.get_sheet_by_name(meta.name)
                rows = sheet.to_python(skip_empty_area=False, nrows=limit)
                merged = sheet.merged_cell_ranges or []
            except python_calamine.PasswordError as exc:
                raise LedgerFileError(gettext_noop("文件设有密码保护(已加密),请取消密码后再导入")) from exc
            except Exception as exc:
                raise LedgerFileError(gettext_noop("文件已损坏或无法读取")) from exc
            sheets.append((meta.name, rows, merged))
    return sheets


def _read_csv(path: Path) -> list[list]:
    raw = path.read_bytes()
    if b"\x00" in raw[:4096]:
        raise LedgerFileError(gettext_noop("无法识别的文件格式,请上传 .xlsx、.xls 或 .csv 格式的台账"))
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise LedgerFileError(gettext_noop("CSV 文件编码无法识别,请另存为 UTF-8 或 GBK 编码"))
    sample = text[:8192]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    # A field can be no longer than the file, which is capped (KAIGONG_IMPORT_MAX_BYTES): with the csv module's
    # limit (process-wide, 131,072 by default) raised to that, a long cell is read and refused with its real length
    # by _check_cells instead of failing here.
    csv.field_size_limit(max(csv.field_size_limit(), len(text) + 1))
    rows = []
    limit = _row_limit() + ROW_SLACK
    try:
        for row in csv.reader(io.StringIO(text, newline=""), dialect):
            if len(row) > MAX_COLUMNS:  # refused at the first such row, before the others are padded to its width
                _check_extent("CSV", len(rows) + 1, len(row))
            rows.append(row)
            if len(rows) >= limit:
                break
    except csv.Error as exc:
        raise _damaged() from exc
    return rows


def _fill_merged(rows: list[list], merged: list) -> list[list]:
    """Pad rows to one width and give every cell of a merged range the value of its top-left cell."""
    width = max((len(r) for r in rows), default=0)
    for _start, (_r1, c1) in merged:
        width = max(width, c1 + 1)
    rows = [list(r) + [""] * (width - len(r)) for r in rows]
    for (r0, c0), (r1, c1) in merged:
        if r0 >= len(rows):
            continue
        value = rows[r0][c0]
        for r in range(r0, min(r1, len(rows) - 1) + 1):
            for c in range(c0, c1 + 1):
                if r != r0 or c != c0:
                    rows[r][c] = value
    return rows


def _header_matches(row: list) -> dict[str, tuple[int, LedgerColumn, str | None]]:
    found: dict[str, tuple[int, LedgerColumn, str | None]] = {}
    for index, cell in enumerate(row):
        if is_blank(cell) or not isinstance(cell, str):
            continue
        column, unit = match_header(cell)
        if column is not None and column.key not in found:
            found[column.key] = (index, column, unit)
    return found


def _is_sub_header(top: list, below: list, name_index: int) -> bool:
    """Whether ``below`` is the second row of a two-row header whose first row is ``top`` (投资情况 over
    总投资 | 2025年计划投资): its name cell is blank or merged from above, and each cell of its own is text that
    names a known column or sits under a group label (a cell naming no column, or blank). A data row has a name;
    a section row (一、产业类项目) sits under 序号, which is a column."""
    if not is_blank(below[name_index]) and below[name_index] != top[name_index]:
        return False
    own = [(index, cell) for index, cell in enumerate(below) if not is_blank(cell) and cell != top[index]]
    if not own:
        return False
    for index, cell in own:
        if not isinstance(cell, str):
            return False
        if match_header(cell)[0] is None and not is_blank(top[index]) and match_header(top[index])[0] is not None:
            return False
    return True


@dataclass(frozen=True)
class IgnoredColumn:
    """A column of the sheet the importer does not read, said in the dry run: a header it does not know (备注2,
    2024年完成投资), a second column for a field already read (a second 备注), or an unnamed column with data."""

    letter: str
    header: str = ""  # as the sheet writes it; "" for an unnamed column
    duplicate_of: str = ""  # the header of the column that is read instead

    def label(self, language: str) -> str:
        with override(language):
            if not self.header:
                return gettext("列%(letter)s(无列名)") % {"letter": self.letter}
            if self.duplicate_of:
                return gettext("%(header)s(列%(letter)s,与“%(other)s”重复)") % {
                    "header": self.header,
                    "letter": self.letter,
                    "other": self.duplicate_of,
                }
            return gettext("%(header)s(列%(letter)s)") % {"header": self.header, "letter": self.letter}

    def as_dict(self) -> dict:
        return {
            "letter": self.letter,
            "header": self.header,
            "duplicate_of": self.duplicate_of,
            "label": self.label("zh-hans"),
            "label_en": self.label("en"),
        }


def ignored_columns_message(ignored: list[IgnoredColumn], language: str) -> str:
    """ "未识别的列,不会导入:备注2(列H)、列J(无列名)" in ``language`` ("" when every column is read)."""
    if not ignored:
        return ""
    separator = "、" if language.startswith("zh") else ", "
    with override(language):
        return gettext("未识别的列,不会导入:%(columns)s") % {
            "columns": separator.join(column.label(language) for column in ignored)
        }


def _header_text(cell: object) -> str:
    return "" if is_blank(cell) else re.sub(r"\s+", "", str(cell))


def _read_header(row: list, parent: list | None) -> tuple[dict, dict[int, str], list[tuple[int, str, str, bool]]]:
    """The columns a header row names: key → (index, column, unit), index → header text, and the columns it does
    not read as (index, header text, header of the column read instead, listed only if it holds data). Under a
    two-row header (``parent`` the upper row) a column's own cell wins; the upper cell names it only when its own
    cell is blank or merged from above, or when the upper cell names a field no cell below names (总投资 over
    合计 | 其中:中央资金). Text only in the upper row over a blank cell may be a note (单位:万元), not a header:
    listed only when its column holds data."""
    width = len(row)
    primary: list[str] = []
    own: list[bool] = []
    upper_only: list[bool] = []
    for index in range(width):
        cell = row[index]
        above = parent[index] if parent is not None else None
        upper_only.append(parent is not None and is_blank(cell))
        if not is_blank(cell) and (parent is None or cell != above):
            primary.append(_header_text(cell))
            own.append(True)
        elif parent is not None and not is_blank(above):
            group = any(0 <= j < width and parent[j] == above for j in (index - 1, index + 1))
            primary.append("" if group and is_blank(cell) else _header_text(above))  # a group label is no column
            own.append(False)
        else:
            primary.append("")
            own.append(False)
    found: dict[str, tuple[int, LedgerColumn, str | None]] = {}
    headers: dict[int, str] = {}
    leftovers: dict[int, tuple[str, str, bool]] = {}
    for first_pass in (True, False):  # the columns' own cells first: the child header wins
        for index in range(width):
            if own[index] != first_pass or not primary[index]:
                continue
            column, unit = match_header(primary[index])
            if column is None:
                leftovers[index] = (primary[index], "", upper_only[index])
            elif column.key in found:
                leftovers[index] = (primary[index], headers[found[column.key][0]], False)
            else:
                found[column.key] = (index, column, unit)
                headers[index] = primary[index]
    if parent is not None:
        for index in sorted(leftovers):
            if leftovers[index][1]:
                continue
            column, unit = match_header(parent[index])
            if column is not None and column.key not in found:
                found[column.key] = (index, column, unit)
                headers[index] = _header_text(parent[index])
                del leftovers[index]
    for index, text in enumerate(primary):
        if not text and index not in headers:
            leftovers[index] = ("", "", True)
    return found, headers, [(index, *leftovers[index]) for index in sorted(leftovers)]


def _locate(sheets: list[tuple[str, list[list], list]]) -> LedgerSheet:
    if not sheets or all(not any(not is_blank(c) for r in rows for c in r) for _, rows, _ in sheets):
        raise LedgerFileError(gettext_noop("文件中没有数据"))
    best_missing: list[str] | None = None
    for name, raw_rows, merged in sheets:
        if not any(not is_blank(c) for r in raw_rows for c in r):
            continue
        rows = _fill_merged(raw_rows, merged)
        candidates = []
        for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
            found = _header_matches(row)
            if "name" in found and len(found) >= 2:
                candidates.append((len(found), -index, index, found))
        if not candidates:
            continue
        _, _, header_index, found = max(candidates)
        name_index = found["name"][0]
        # A two-row header (投资情况 merged over 总投资 | 2025年计划投资): the data starts below its second row.
        parent = None
        if header_index + 1 < len(rows) and _is_sub_header(rows[header_index], rows[header_index + 1], name_index):
            parent = rows[header_index]
            header_index += 1
        elif header_index > 0 and _is_sub_header(rows[header_index - 1], rows[header_index], name_index):
            parent = rows[header_index - 1]
        found, headers, leftovers = _read_header(rows[header_index], parent)
        missing = [COLUMNS_BY_KEY[k].header for k in REQUIRED_KEYS if k not in found]
        if missing:
            best_missing = missing
            continue
        return _layout(
            name, rows, header_index, found, merged, headers=headers, leftovers=leftovers, two_row=parent is not None
        )
    if best_missing:
        raise LedgerFileError(
            gettext_noop("表头缺少必需的列: %(columns)s"), params={"columns": "、".join(best_missing)}
        )
    raise LedgerFileError(
        gettext_noop("未找到表头行:前%(n)s行中没有可识别的列名,需要的列: %(columns)s"),
        params={"n": HEADER_SEARCH_ROWS, "columns": "、".join(COLUMNS_BY_KEY[k].header for k in REQUIRED_KEYS)},
    )


def is_data_row(cells: list) -> bool:
    """A row that may hold a project: not blank, not a heading or note merged across the row, not a total."""
    filled = [c for c in cells if not is_blank(c)]
    if not filled or all(c == filled[0] for c in filled[1:]):
        return False
    return not any(isinstance(c, str) and is_total_label(c) for c in filled[:3])


def _ignored(rows: list[list], header_index: int, leftovers: list[tuple[int, str, str, bool]]) -> list[IgnoredColumn]:
    """The columns not read, as the dry run lists them; an unnamed column only when it holds data."""
    ignored = []
    unnamed = [index for index, _, _, needs_data in leftovers if needs_data]
    with_data: set[int] = set()
    if unnamed:
        for cells in rows[header_index + 1 :]:
            if is_data_row(cells):
                with_data.update(i for i in unnamed if i < len(cells) and not is_blank(cells[i]))
                if len(with_data) == len(unnamed):
                    break
    for index, text, duplicate_of, needs_data in leftovers:
        if not needs_data or index in with_data:
            ignored.append(IgnoredColumn(column_letter(index), text, duplicate_of))
    return ignored


def _layout(
    name: str,
    rows: list[list],
    header_index: int,
    found: dict,
    merged: list,
    *,
    headers: dict[int, str] | None = None,
    leftovers: list | None = None,
    two_row: bool = False,
) -> LedgerSheet:
    columns = {key: index for key, (index, _, _) in found.items()}
    headers = dict(headers or {})
    for key, (index, _, _) in found.items():
        if not headers.get(index):
            header_cell = rows[header_index][index]
            headers[index] = re.sub(r"\s+", "", str(header_cell)) if not is_blank(header_cell) else key
    sheet_unit = None
    default_year = None
    for row in rows[: header_index + 1]:
        for cell in row:
            if isinstance(cell, str):
                sheet_unit = sheet_unit or find_unit_note(cell)
                if default_year is None:
                    match = re.search(r"(20\d{2})\s*年", fold(cell))
                    if match:
                        default_year = int(match.group(1))
    units = {}
    for key, (index, column, unit) in found.items():
        if column.kind != AMOUNT:
            continue
        above = None
        if header_index > 0:
            parent_row = rows[header_index - 1]
            group = index
            # Under an unmerged group label (投资情况(亿元) typed over the first of its columns) the unit is the
            # label's: the nearest cell to the left in the upper row.
            while two_row and group > 0 and is_blank(parent_row[group]):
                group -= 1
            above = match_header(parent_row[group])[1]
        units[key] = unit or above or sheet_unit or UNIT_WAN
    data_rows = sum(1 for row in rows[header_index + 1 :] if any(not is_blank(c) for c in row))
    limit = _row_limit()
    if data_rows > limit:
        raise LedgerFileError(
            gettext_noop("数据行过多(超过 %(limit)s 行),请拆分后分批导入"), params={"limit": f"{limit:,}"}
        )
    if data_rows == 0:
        raise LedgerFileError(gettext_noop("表头下没有数据行"))
    return LedgerSheet(
        name=name,
        rows=rows,
        header_row=header_index,
        columns=columns,
        headers=headers,
        units=units,
        default_year=default_year,
        data_rows=data_rows,
        merged=list(merged),
        ignored=_ignored(rows, header_index, leftovers or []),
    )
