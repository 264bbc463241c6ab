"""The LedgerImport record's life: an upload stored, checked, claimed, imported, failed. Every status change of a
LedgerImport goes through here; ``tasks.py`` decides whether the work runs now or in the background.

Each status line is stored in both languages (``record_message``), so the page shows its own.
"""

from pathlib import Path

from django.utils import timezone
from django.utils.translation import gettext_noop

from kaigong.core.exceptions import KaigongError, PermissionDeniedError, translated
from kaigong.projects.ledger.bulk import ProgressCallback
from kaigong.projects.ledger.importer import LedgerImporter
from kaigong.projects.ledger.reader import LedgerFileError, read_ledger_file
from kaigong.projects.models import LedgerImport


def create_ledger_import(*, upload, user) -> LedgerImport:
    """Store an uploaded file and count its rows; a bad file is refused (LedgerFileError) and not kept."""
    if not getattr(user, "can_import", False):
        raise PermissionDeniedError(gettext_noop("只有项目办可以导入台账"))
    record = LedgerImport(original_name=Path(upload.name).name[:255], uploaded_by=user)
    record.file.save(Path(upload.name).name, upload, save=False)
    try:
        sheet = read_ledger_file(record.file.path, filename=record.original_name)
    except LedgerFileError:
        record.file.delete(save=False)
        raise
    record.total_rows = sheet.data_rows
    record.save()
    return record


def record_message(msgid: str, params: dict | None = None) -> str:
    """A LedgerImport's status line: the Chinese, then the English on a second line. The page shows the line of
    the active language (selectors.message_in); the admin and the database keep both."""
    zh, en = translated(msgid, params, language="zh-hans"), translated(msgid, params, language="en")
    return (zh if zh == en else f"{zh}\n{en}")[:500]


def _error_message(exc: KaigongError) -> str:
    return record_message(exc.msgid, exc.params)


def _set(record: LedgerImport, **fields) -> None:
    for name, value in fields.items():
        setattr(record, name, value)
    LedgerImport.objects.filter(pk=record.pk).update(**fields)


def _progress_saver(record: LedgerImport) -> ProgressCallback:
    def save(done: int, total: int) -> None:
        _set(record, processed_rows=done, total_rows=total)

    return save


def check_ledger_import(record: LedgerImport) -> LedgerImport:
    """The dry run of an upload: stores every problem on the record, writes no project."""
    _set(record, status=LedgerImport.Status.CHECKING, processed_rows=0, message="")
    try:
        sheet = read_ledger_file(record.file.path, filename=record.original_name)
        importer = LedgerImporter(actor=None, filename=record.original_name)
        result = importer.check(sheet, progress=_progress_saver(record))
    except KaigongError as exc:
        _set(record, status=LedgerImport.Status.FAILED, message=_error_message(exc), finished_at=timezone.now())
        return record
    creates = sum(1 for p in result.plans if p.creating)
    _set(
        record,
        status=LedgerImport.Status.CHECKED,
        total_rows=result.total_rows,
        processed_rows=result.total_rows,
        problems=[p.as_dict() for p in result.problems],
        message=record_message(
            gettext_noop("检查完成:%(rows)s行,将新增%(created)s个、更新%(updated)s个项目"),
            {"rows": result.total_rows, "created": creates, "updated": len(result.plans) - creates},
        )
        if result.ok
        else record_message(gettext_noop("检查发现%(count)s个问题"), {"count": len(result.problems)}),
    )
    return record


def run_ledger_import(record: LedgerImport, *, actor) -> LedgerImport:
    """The real import of a checked upload: checked again (the registry may have changed), then all-or-nothing."""
    if record.status != LedgerImport.Status.IMPORTING:  # claimed by claim_ledger_import
        raise KaigongError(gettext_noop("只有检查通过的台账才能导入"))
    _set(record, processed_rows=0, message="")
    try:
        sheet = read_ledger_file(record.file.path, filename=record.original_name)
        importer = LedgerImporter(actor=actor, filename=record.original_name)
        result = importer.check(sheet, progress=_progress_saver(record))
        if result.problems:
            _set(
                record,
                status=LedgerImport.Status.CHECKED,
                problems=[p.as_dict() for p in result.problems],
                message=record_message(gettext_noop("检查发现%(count)s个问题"), {"count": len(result.problems)}),
            )
            return record
        importer.write(result)
    except KaigongError as exc:
        _set(record, status=LedgerImport.Status.FAILED, message=_error_message(exc), finished_at=timezone.now())
        return record
    _set(
        record,
        status=LedgerImport.Status.DONE,
        processed_rows=result.total_rows,
        created_count=result.created,
        updated_count=result.updated,
        finished_at=timezone.now(),
        message=record_message(
            gettext_noop("导入完成:新增%(created)s个项目,更新%(updated)s个项目"),
            {"created": result.created, "updated": result.updated},
        ),
    )
    return record


def queue_ledger_check(record: LedgerImport) -> LedgerImport:
    """Mark an upload as being checked before its check is queued (the page polls it meanwhile)."""
    _set(record, status=LedgerImport.Status.CHECKING)
    return record


def claim_ledger_import(record: LedgerImport) -> LedgerImport:
    """Claim a checked upload without problems for its import: a second click, or a second tab, finds it no longer
    'checked' and is refused."""
    claimed = not record.problems and LedgerImport.objects.filter(
        pk=record.pk, status=LedgerImport.Status.CHECKED
    ).update(status=LedgerImport.Status.IMPORTING, processed_rows=0)
    if not claimed:
        raise KaigongError(gettext_noop("只有检查通过的台账才能导入"))
    record.refresh_from_db()
    return record


def fail_ledger_import(record: LedgerImport) -> LedgerImport:
    """A check or import that crashed: marked failed, so the page stops polling and says so."""
    _set(
        record,
        status=LedgerImport.Status.FAILED,
        message=record_message(gettext_noop("导入过程出错,请联系管理员")),
    )
    return record
