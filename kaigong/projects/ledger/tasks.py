"""Background tasks for the ledger: checking and importing large uploads (django-tasks; the database backend
in production, run by `kaigong db_worker`; the immediate backend in tests).

The state lives in the LedgerImport row, so the page can poll it and survives a reload.
"""

from django.conf import settings
from django.utils.translation import gettext_noop
from django_tasks import task

from kaigong.accounts.models import User
from kaigong.core.exceptions import KaigongError
from kaigong.projects.ledger import checker
from kaigong.projects.models import LedgerImport


def runs_in_background(record: LedgerImport) -> bool:
    return record.total_rows > settings.KAIGONG_IMPORT_BACKGROUND_ROWS


@task()
def check_ledger_import_task(import_id: int) -> None:
    record = LedgerImport.objects.filter(pk=import_id).first()
    if record is not None:
        _guarded(record, lambda: checker.check_ledger_import(record))


@task()
def run_ledger_import_task(import_id: int, actor_id: int | None) -> None:
    record = LedgerImport.objects.filter(pk=import_id).first()
    if record is None:
        return
    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    _guarded(record, lambda: checker.run_ledger_import(record, actor=actor))


def _guarded(record: LedgerImport, work) -> None:
    """A crash must not leave the page polling forever: the record is marked failed."""
    try:
        work()
    except Exception:
        LedgerImport.objects.filter(pk=record.pk).update(
            status=LedgerImport.Status.FAILED,
            message=checker.record_message(gettext_noop("导入过程出错,请联系管理员")),
        )
        raise


def start_check(record: LedgerImport) -> LedgerImport:
    """Check an upload now, or queue the check when the sheet is large."""
    if runs_in_background(record):
        LedgerImport.objects.filter(pk=record.pk).update(status=LedgerImport.Status.CHECKING)
        check_ledger_import_task.enqueue(record.pk)
    else:
        checker.check_ledger_import(record)
    record.refresh_from_db()
    return record


def start_import(record: LedgerImport, *, actor) -> LedgerImport:
    """Import a checked upload now, or queue the import when the sheet is large."""
    # Claim the upload (a second click, or a second tab, finds it no longer 'checked').
    claimed = not record.problems and LedgerImport.objects.filter(
        pk=record.pk, status=LedgerImport.Status.CHECKED
    ).update(status=LedgerImport.Status.IMPORTING, processed_rows=0)
    if not claimed:
        raise KaigongError(gettext_noop("只有检查通过的台账才能导入"))
    record.refresh_from_db()
    if runs_in_background(record):
        run_ledger_import_task.enqueue(record.pk, actor.pk if actor is not None else None)
    else:
        checker.run_ledger_import(record, actor=actor)
    record.refresh_from_db()
    return record
