"""Background tasks of the progress app: checking and importing uploaded progress sheets (django-tasks; the database
backend in production, run by `kaigong db_worker`; the immediate backend in tests). The web request never reads a
sheet: it stores the upload and queues its check; the import, once confirmed, is queued too. The state lives in
the ProgressImport row (kaigong.progress.importer), so the page polls it and survives a reload."""

from django_tasks import TaskContext, task

from kaigong.accounts.models import User
from kaigong.progress import importer
from kaigong.progress.models import ProgressImport


def _task_id(context: TaskContext) -> str:
    return str(getattr(context.task_result, "id", "") or "")[:64]


def _guarded(record: ProgressImport, work) -> None:
    """A crash must not leave the page polling forever: the record is marked failed."""
    try:
        work()
    except Exception:
        importer.fail_progress_import(record)
        raise


@task(takes_context=True)
def check_progress_import_task(context: TaskContext, import_id: int) -> None:
    record = ProgressImport.objects.filter(pk=import_id).first()
    if record is None:
        return
    ProgressImport.objects.filter(pk=record.pk, task_id="").update(task_id=_task_id(context))
    _guarded(record, lambda: importer.check_progress_import(record))


@task(takes_context=True)
def run_progress_import_task(context: TaskContext, import_id: int, actor_id: int | None) -> None:
    record = ProgressImport.objects.filter(pk=import_id).first()
    if record is None:
        return
    ProgressImport.objects.filter(pk=record.pk).update(task_id=_task_id(context))
    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    _guarded(record, lambda: importer.run_progress_import(record, actor=actor))


def start_check(record: ProgressImport) -> ProgressImport:
    """Queue the check (the dry run) of a stored upload; the tests' immediate backend runs it at once."""
    check_progress_import_task.enqueue(record.pk)
    record.refresh_from_db()
    return record


def start_import(record: ProgressImport, *, actor) -> ProgressImport:
    """Claim a checked upload and queue its import on behalf of ``actor``."""
    importer.claim_progress_import(record, actor=actor)
    run_progress_import_task.enqueue(record.pk, actor.pk if actor is not None else None)
    record.refresh_from_db()
    return record
