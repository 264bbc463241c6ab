"""Background tasks for the ledger: checking and importing uploads (django-tasks; the database backend in
production, run by `kaigong db_worker`; the immediate backend in tests). The web request never reads a sheet: it
stores the upload and queues its check; the import, once confirmed, is queued too.

The state lives in the LedgerImport row, changed only by ``services``, so the page can poll it and survives a
reload. Each task first recovers the imports of workers that died (services.recover_stale_imports), so a new
worker frees what an old one left; a recovery that fails is logged and the task goes on with its own upload.
django-tasks finds a task by its module path: nothing requires this module to be an app's tasks.py.
"""

import logging

from django_tasks import TaskContext, task

from kaigong.accounts.models import User
from kaigong.projects.ledger import services
from kaigong.projects.models import LedgerImport

logger = logging.getLogger(__name__)


def _recover_others() -> None:
    """Free what dead workers left before taking up this task's upload. Someone else's upload must not strand this
    one: a failure (a database error, a lock timeout) is logged and the task goes on; the next task, the page or
    `kaigong ledger-imports recover` recovers them later."""
    try:
        services.recover_stale_imports()
    except Exception:
        logger.exception("Recovering the ledger imports of dead workers failed; this task goes on")


def _task_id(context: TaskContext) -> str:
    return str(getattr(context.task_result, "id", "") or "")


@task(takes_context=True)
def check_ledger_import_task(context: TaskContext, import_id: int, attempt: int | None = None) -> None:
    _recover_others()
    record = _attempt(import_id, attempt)
    if record is not None:
        _guarded(record, lambda: services.check_ledger_import(record, task_id=_task_id(context)))


@task(takes_context=True)
def run_ledger_import_task(
    context: TaskContext, import_id: int, actor_id: int | None, attempt: int | None = None, actor_label: str = ""
) -> None:
    _recover_others()
    record = _attempt(import_id, attempt)
    if record is None:
        return
    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    task_id = _task_id(context)
    _guarded(record, lambda: services.run_ledger_import(record, actor=actor, actor_label=actor_label, task_id=task_id))


def _attempt(import_id: int, attempt: int | None) -> LedgerImport | None:
    """The record, while it still runs the attempt the task was queued for (a retried one has a new task)."""
    record = LedgerImport.objects.filter(pk=import_id).first()
    if record is None or (attempt is not None and record.attempt != attempt):
        return None
    return record


def _guarded(record: LedgerImport, work) -> None:
    """A crash must not leave the page polling forever: the record is marked failed. An attempt recovered or
    cancelled meanwhile just stops."""
    try:
        work()
    except services.ImportAbandoned:
        return
    except Exception:
        services.fail_ledger_import(record)
        raise


def _queued(record: LedgerImport, result) -> LedgerImport:
    """Note the queued task on the record (a cancel ends it), unless its worker already did."""
    LedgerImport.objects.filter(pk=record.pk, attempt=record.attempt, task_id="").update(task_id=str(result.id)[:64])
    record.refresh_from_db()
    return record


def start_check(record: LedgerImport) -> LedgerImport:
    """Queue the check of a stored upload (the immediate backend of the tests runs it at once)."""
    return _queued(record, check_ledger_import_task.enqueue(record.pk, record.attempt))


def start_import(record: LedgerImport, *, actor) -> LedgerImport:
    """Claim a checked upload and queue its import."""
    services.claim_ledger_import(record)
    actor_id = actor.pk if actor is not None else None
    return _queued(record, run_ledger_import_task.enqueue(record.pk, actor_id, record.attempt))


def retry(record: LedgerImport, *, actor=None, actor_label: str = "") -> LedgerImport:
    """A failed or cancelled upload as a new attempt (audited), queued."""
    services.retry_ledger_import(record=record, actor=actor, actor_label=actor_label)
    if record.status == LedgerImport.Status.IMPORTING:
        actor_id = actor.pk if actor is not None else None
        result = run_ledger_import_task.enqueue(record.pk, actor_id, record.attempt, actor_label=actor_label)
    else:
        result = check_ledger_import_task.enqueue(record.pk, record.attempt)
    return _queued(record, result)
