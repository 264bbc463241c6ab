"""Reads of ledger imports for the pages: the recent uploads, an upload's status line, its preview."""

from kaigong.core.exceptions import KaigongError
from kaigong.projects.ledger.checker import LedgerChecker, formula_warnings
from kaigong.projects.ledger.preview import PREVIEW_ROWS, LedgerPreview, preview_rows, preview_sheet
from kaigong.projects.ledger.reader import read_ledger_file
from kaigong.projects.models import LedgerImport


def list_ledger_imports(*, user, limit: int = 20):
    """Recent uploads (the office sees all of them)."""
    if not getattr(user, "can_import", False):
        return LedgerImport.objects.none()
    return LedgerImport.objects.select_related("uploaded_by")[:limit]


def message_in(text: str, language: str | None) -> str:
    """A status line stored by services.record_message, in ``language`` (older records hold one line: shown as it
    is)."""
    lines = (text or "").split("\n")
    return lines[1] if len(lines) > 1 and (language or "").startswith("en") else lines[0]


def preview_ledger_import(record: LedgerImport, *, limit: int = PREVIEW_ROWS) -> LedgerPreview:
    """For an upload's page: the columns it does not read and, while it waits for confirmation, what its first rows
    will write (read again from the file: the record keeps the problems, not the plans)."""
    try:
        sheet = read_ledger_file(record.file.path, filename=record.original_name)
    except (KaigongError, FileNotFoundError, ValueError):
        return LedgerPreview()
    preview = LedgerPreview(ignored=list(sheet.ignored), warnings=formula_warnings(sheet))
    if record.status == LedgerImport.Status.CHECKED:
        preview.new_owners = LedgerChecker().list_new_owners(sheet)
    if record.status == LedgerImport.Status.CHECKED and not record.problems:
        result = LedgerChecker().check(preview_sheet(sheet, limit))
        preview.rows = preview_rows(result, limit=limit)
    return preview
