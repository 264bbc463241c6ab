"""Reads of ledger imports for the pages: the recent uploads, an upload's status line, its preview."""

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


def preview_ledger_import(record: LedgerImport, *, language: str | None) -> dict:
    """For an upload's page, as the worker's check stored it (services.stored_preview; the request never reads
    the sheet): the columns not read and the warnings, and, while the upload waits for confirmation, the owners it
    registers and what its first rows will write (only when nothing blocks)."""
    stored = record.preview or {}
    shown = stored.get("en" if (language or "").startswith("en") else "zh-hans") or {}
    checked = record.status == LedgerImport.Status.CHECKED
    return {
        "warnings": stored.get("warnings", []),
        "ignored_message": shown.get("ignored_message", ""),
        "new_owner_lines": shown.get("new_owner_lines", []) if checked else [],
        "rows": shown.get("rows", []) if checked and not record.problems else [],
    }
