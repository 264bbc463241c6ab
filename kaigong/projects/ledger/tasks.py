"""Background tasks for the ledger: checking and importing large uploads (django-tasks; the database backend
in production, run by `kaigong db_worker`; the immediate backend in tests).

The state lives in the LedgerImport row, changed only by ``services``, so the page can poll it and survives a
reload. django-tasks finds a task by its module path: nothing requires this module to be an app's tasks.py.
"""

from django.conf import settings
from django_tasks import task

from kaigong.accounts.models import User
from kaigong.projects.ledger import services
from kaigong.projects.models import LedgerImport


def runs_in_background(record: LedgerImport) -> bool:
    return record.total_rows > settings.KAIGONG_IMPORT_BACKGROUND_ROWS


@task()
def check_ledger_import_task(import_id: int) -> None:
    record = LedgerImport.objects.filter(pk=import_id).first()
    if record is not None:
        _guarded(record, lambda: services.check_ledger_import(record))


@task()
def run_ledger_import_task(import_id: int, actor_id: int | None) -> None:
    record = LedgerImport.objects.filter(pk=import_id).first()
    if record is None:
        return
    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    _guarded(record, lambda: services.run_ledger_import(record, actor=actor))


def _guarded(record: LedgerImport, work) -> None:
    """A crash must not leave the page polling forever: the record is marked failed."""
    try:
        work()
    except Exception:
        services.fail_ledger_import(record)
        raise


def start_check(record: LedgerImport) -> LedgerImport:
    """Check an upload now, or queue the check when the sheet is large."""
    if runs_in_background(record):
        services.queue_ledger_check(record)
        check_ledger_import_task.enqueue(record.pk)
    else:
        services.check_ledger_import(record)
    record.refresh_from_db()
    return record


def start_import(record: LedgerImport, *, actor) -> LedgerImport:
    """Import a checked upload now, or queue the import when the sheet is large."""
    services.claim_ledger_import(record)
    if runs_in_background(record):
        run_ledger_import_task.enqueue(record.pk, actor.pk if actor is not None else None)
    else:
        services.run_ledger_import(record, actor=actor)
    record.refresh_from_db()
    return record
