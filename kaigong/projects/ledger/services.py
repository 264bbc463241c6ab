"""The LedgerImport record's life: an upload stored, checked, claimed, imported, failed, cancelled, retried. Every
status change of a LedgerImport goes through here; ``tasks.py`` hands the work to the background worker.

Each status line is stored in both languages (``record_message``), so the page shows its own.

Crashed workers. A running check or import beats (``_beat``): one UPDATE of its record, with the progress it
already saved every few hundred rows, that pushes ``lease_until`` ahead by KAIGONG_IMPORT_STALE_SECONDS. Nothing
inside the import's one write transaction is visible to anyone else (and on SQLite nobody else may write then), so
the worker beats just before it and takes a lease sized to the rows it writes. A record whose lease has passed
belongs to a dead worker: ``recover_stale_imports`` marks it failed, and its task row failed, so it can be
retried. The write ends by setting the record done *inside* its transaction, on the condition that the attempt is
still the running one: a write whose attempt was recovered or cancelled meanwhile rolls back whole, and a recovery
after the commit finds it done. Every UPDATE of a running attempt is conditional on its number, so a worker that
wakes up late changes nothing.

Locks (PostgreSQL). The write's transaction locks its record's row first, then the audit chain (its events); a
recovery, cancel or retry changes the row, then records its event: the same order, so none of them deadlocks with
a write. Recovery also skips a row another transaction holds (SELECT … FOR UPDATE SKIP LOCKED): that is a live
write whose lease ran out, and the page that triggered the recovery answers at once instead of waiting for it.
"""

import datetime as dt
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop, override

from kaigong.audit.choices import AuditAction
from kaigong.audit.services import record_event
from kaigong.core.exceptions import KaigongError, PermissionDeniedError, translated
from kaigong.projects.choices import LedgerEvent
from kaigong.projects.ledger.bulk import ProgressCallback
from kaigong.projects.ledger.checker import LedgerResult
from kaigong.projects.ledger.importer import LedgerImporter
from kaigong.projects.ledger.owners import new_owners_messages
from kaigong.projects.ledger.preview import preview_rows
from kaigong.projects.ledger.reader import ignored_columns_message, read_ledger_file
from kaigong.projects.models import LedgerImport

Status = LedgerImport.Status
# A check or import queued or under way: the page polls it.
RUNNING = (Status.PENDING, Status.CHECKING, Status.IMPORTING)
# The write's lease: generous seconds per row written in the one transaction (a 10k-row write takes a few seconds);
# KAIGONG_IMPORT_WRITE_SECONDS_PER_ROW overrides it.
WRITE_SECONDS_PER_ROW = 0.005
MISSING_FILE = gettext_noop("上传的文件已不存在,请重新上传")
STALE_MESSAGE = gettext_noop("处理进程中断，未写入任何数据，可以重试")
RECOVERY_ACTOR = "台账导入心跳检查"
UPLOADS_DIR = "ledger-imports"


class ImportStateError(KaigongError):
    """Retry or cancel asked of an upload in a state that does not allow it (the API answers 409)."""

    code = "import_state"
    status = 409


class ImportAbandoned(Exception):
    """The attempt a worker runs was recovered, cancelled or retried meanwhile: it stops and changes nothing."""


def stale_seconds() -> int:
    return int(getattr(settings, "KAIGONG_IMPORT_STALE_SECONDS", 120))


def _require_import(user) -> None:
    if not getattr(user, "can_import", False):
        raise PermissionDeniedError(gettext_noop("只有项目办可以导入台账"))


def create_ledger_import(*, upload, user) -> LedgerImport:
    """Store an uploaded file as it is, waiting for its check: the web request never reads the sheet (a hostile
    file may only hurt the worker, which checks it under the reader's limits). The size is the form's limit."""
    _require_import(user)
    name = Path(upload.name).name
    record = LedgerImport(original_name=name[:255], uploaded_by=user, status=Status.PENDING)
    record.file.save(name, upload, save=False)
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


def _mine(record: LedgerImport, *statuses: str):
    """The record's row while it still runs this attempt, in one of ``statuses``."""
    return LedgerImport.objects.filter(pk=record.pk, attempt=record.attempt, status__in=statuses)


def _lease(now: dt.datetime, extra_seconds: float = 0) -> dt.datetime:
    return now + dt.timedelta(seconds=stale_seconds() + extra_seconds)


def _beat(record: LedgerImport, *, extra_seconds: float = 0, **fields) -> None:
    """One UPDATE: the heartbeat, the lease and any progress. Raises ImportAbandoned when the attempt is no longer
    the record's running one (recovered as stale, cancelled)."""
    now = timezone.now()
    fields |= {"heartbeat_at": now, "lease_until": _lease(now, extra_seconds)}
    if not _mine(record, Status.CHECKING, Status.IMPORTING).update(**fields):
        raise ImportAbandoned(record.pk)
    for name, value in fields.items():
        setattr(record, name, value)


def _finish(record: LedgerImport, status: str, **fields) -> None:
    """The attempt's last UPDATE, on the same condition as a beat."""
    fields |= {"status": status, "lease_until": None}
    if not _mine(record, Status.CHECKING, Status.IMPORTING).update(**fields):
        raise ImportAbandoned(record.pk)
    for name, value in fields.items():
        setattr(record, name, value)


def _start(record: LedgerImport, *, waiting: str, running: str, task_id: str) -> None:
    """The worker takes up the attempt: the first beat. A record no longer waiting (cancelled, or taken by another
    task of the same attempt) is abandoned."""
    now = timezone.now()
    fields = {"status": running, "heartbeat_at": now, "lease_until": _lease(now), "processed_rows": 0, "message": ""}
    if task_id:
        fields["task_id"] = task_id[:64]
    query = _mine(record, waiting)
    if waiting == running:  # an import is claimed (importing) before it is queued: not yet started by a worker
        query = query.filter(heartbeat_at__isnull=True)
    if not query.update(**fields):
        raise ImportAbandoned(record.pk)
    for name, value in fields.items():
        setattr(record, name, value)


def stored_preview(result: LedgerResult) -> dict:
    """What the upload's page and the API show beside the problems, computed by the worker in both languages: the
    columns not read, the owners the import registers, the first rows' changes and the warnings."""
    creates = sum(1 for plan in result.plans if plan.creating)
    stored = {
        "warnings": [warning.as_dict() for warning in result.warnings],
        "ignored_columns": [column.as_dict() for column in result.ignored],
        "new_owners": [owner.as_dict() for owner in result.new_owners],
        "creates": creates,
        "updates": len(result.plans) - creates,
    }
    for language in ("zh-hans", "en"):
        with override(language):
            rows = preview_rows(result)
            stored[language] = {
                "ignored_message": ignored_columns_message(result.ignored, language),
                "new_owner_lines": new_owners_messages(result.new_owners, language),
                "rows": [row.as_dict() | {"creating": row.creating} for row in rows],
            }
    return stored


def _failure(exc: KaigongError) -> dict:
    """A refused file or a failed import, as the API answers it (its message is the record's)."""
    return {"error": {"code": exc.code, "status": exc.status}}


def _progress_saver(record: LedgerImport) -> ProgressCallback:
    def save(done: int, total: int) -> None:
        _beat(record, processed_rows=done, total_rows=total)

    return save


def check_ledger_import(record: LedgerImport, *, task_id: str = "") -> LedgerImport:
    """The dry run of an upload, run by the worker: stores every problem on the record, writes no project."""
    _start(record, waiting=Status.PENDING, running=Status.CHECKING, task_id=task_id)
    try:
        sheet = read_ledger_file(record.file.path, filename=record.original_name)
        _beat(record, total_rows=sheet.data_rows)
        importer = LedgerImporter(actor=None, filename=record.original_name)
        result = importer.check(sheet, progress=_progress_saver(record))
    except KaigongError as exc:
        _finish(record, Status.FAILED, message=_error_message(exc), preview=_failure(exc), finished_at=timezone.now())
        return record
    except FileNotFoundError:
        _finish(record, Status.FAILED, message=record_message(MISSING_FILE), finished_at=timezone.now())
        return record
    creates = sum(1 for p in result.plans if p.creating)
    _finish(
        record,
        Status.CHECKED,
        total_rows=result.total_rows,
        processed_rows=result.total_rows,
        problems=[p.as_dict() for p in result.problems],
        preview=stored_preview(result),
        message=record_message(
            gettext_noop("检查完成:%(rows)s行,将新增%(created)s个、更新%(updated)s个项目"),
            {"rows": result.total_rows, "created": creates, "updated": len(result.plans) - creates},
        )
        if result.ok
        else record_message(gettext_noop("检查发现%(count)s个问题"), {"count": len(result.problems)}),
    )
    return record


def run_ledger_import(record: LedgerImport, *, actor, actor_label: str = "", task_id: str = "") -> LedgerImport:
    """The real import of a checked upload, run by the worker: checked again (the registry may have changed), then
    all-or-nothing, the record set done in the same transaction as the projects."""
    if record.status != Status.IMPORTING:  # claimed by claim_ledger_import
        raise KaigongError(gettext_noop("只有检查通过的台账才能导入"))
    _start(record, waiting=Status.IMPORTING, running=Status.IMPORTING, task_id=task_id)
    try:
        sheet = read_ledger_file(record.file.path, filename=record.original_name)
        _beat(record, total_rows=sheet.data_rows)
        importer = LedgerImporter(actor=actor, actor_label=actor_label, filename=record.original_name)
        result = importer.check(sheet, progress=_progress_saver(record))
        if result.problems:
            _finish(
                record,
                Status.CHECKED,
                problems=[p.as_dict() for p in result.problems],
                preview=stored_preview(result),
                message=record_message(gettext_noop("检查发现%(count)s个问题"), {"count": len(result.problems)}),
            )
            return record
        # Nobody sees a beat made inside the write's transaction: the lease covers the whole write instead.
        per_row = float(getattr(settings, "KAIGONG_IMPORT_WRITE_SECONDS_PER_ROW", WRITE_SECONDS_PER_ROW))
        _beat(record, extra_seconds=result.total_rows * per_row)
        with transaction.atomic():
            # The record's row first, then the audit chain (record_events): the order recovery and cancel take
            # them in, so they cannot deadlock with the write; recovery skips a locked row (its writer lives).
            if not _mine(record, Status.IMPORTING).select_for_update().values_list("pk", flat=True):
                raise ImportAbandoned(record.pk)
            importer.write(result)
            _finish(
                record,
                Status.DONE,
                processed_rows=result.total_rows,
                created_count=result.created,
                updated_count=result.updated,
                finished_at=timezone.now(),
                message=record_message(
                    gettext_noop("导入完成:新增%(created)s个项目,更新%(updated)s个项目"),
                    {"created": result.created, "updated": result.updated},
                ),
            )
    except KaigongError as exc:
        _finish(
            record,
            Status.FAILED,
            message=_error_message(exc),
            preview=(record.preview or {}) | _failure(exc),
            finished_at=timezone.now(),
        )
        return record
    except FileNotFoundError:
        _finish(record, Status.FAILED, message=record_message(MISSING_FILE), finished_at=timezone.now())
        return record
    return record


def claim_ledger_import(record: LedgerImport) -> LedgerImport:
    """Claim a checked upload without problems for its import: a second click, or a second tab, finds it no longer
    'checked' and is refused."""
    claimed = not record.problems and LedgerImport.objects.filter(pk=record.pk, status=Status.CHECKED).update(
        status=Status.IMPORTING,
        phase=LedgerImport.Phase.IMPORT,
        processed_rows=0,
        heartbeat_at=None,
        lease_until=None,
        task_id="",
    )
    if not claimed:
        raise KaigongError(gettext_noop("只有检查通过的台账才能导入"))
    record.refresh_from_db()
    return record


def fail_ledger_import(record: LedgerImport) -> LedgerImport:
    """A check or import that crashed: marked failed, so the page stops polling and says so (unless the attempt
    was already recovered or cancelled)."""
    _mine(record, *RUNNING).update(
        status=Status.FAILED,
        lease_until=None,
        finished_at=timezone.now(),
        message=record_message(gettext_noop("导入过程出错,请联系管理员")),
    )
    record.refresh_from_db()
    return record


# --- crashed workers, retry and cancel ---------------------------------------------------------------------------


def is_stale(record: LedgerImport, *, now: dt.datetime | None = None) -> bool:
    """A check or import a worker started whose lease has passed: the worker died (or hangs)."""
    return (
        record.status in (Status.CHECKING, Status.IMPORTING)
        and record.lease_until is not None
        and record.lease_until < (now or timezone.now())
    )


def is_queued(record: LedgerImport) -> bool:
    """Waiting for a worker to take it up."""
    return record.status == Status.PENDING or (record.status == Status.IMPORTING and record.heartbeat_at is None)


def _end_task(task_id: str, *, statuses: tuple[str, ...], reason: str) -> None:
    """The attempt's task row, when it runs on the database backend, no longer counts as running or waiting."""
    if not task_id:
        return
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.filter(pk=_uuid(task_id), status__in=statuses).update(
        status="FAILED", finished_at=timezone.now(), exception_class_path=reason, traceback=reason
    )


def _uuid(task_id: str):
    import uuid

    try:
        return uuid.UUID(task_id)
    except ValueError:
        return uuid.UUID(int=0)


def recover_stale_imports(*, record: LedgerImport | None = None, assume_dead: bool = False) -> list[LedgerImport]:
    """Mark failed every started check or import whose worker stopped beating (or ``record`` alone), with the
    reason, and end its task row. Nothing of its sheet was written: the write is one transaction. Returns the
    records recovered.

    ``assume_dead``: every started check or import, whatever its lease, for when no worker runs (the service
    starting); uploads still waiting for a worker are left to it. Either way a row another transaction holds is
    skipped, neither waited for nor failed: a running write locks its record's row first (run_ledger_import), so
    its worker is alive even when its lease ran out."""
    now = timezone.now()
    started = LedgerImport.objects.filter(status__in=(Status.CHECKING, Status.IMPORTING), heartbeat_at__isnull=False)
    if not assume_dead:
        started = started.filter(lease_until__lt=now)
    if record is not None and not (assume_dead or is_stale(record, now=now)):
        return []  # a page read of a running upload: no transaction, no lock
    candidates = list(started) if record is None else [record]
    recovered = []
    for candidate in candidates:
        with transaction.atomic():
            fields = {
                "status": Status.FAILED,
                "lease_until": None,
                "finished_at": now,
                "message": record_message(STALE_MESSAGE),
            }
            mine = _mine(candidate, candidate.status) & started
            if not mine.select_for_update(skip_locked=True).values_list("pk", flat=True):
                continue  # running (its writer holds the row), or no longer stale
            mine.update(**fields)
            before = candidate.status
            for name, value in fields.items():
                setattr(candidate, name, value)
            _end_task(candidate.task_id, statuses=("RUNNING", "READY"), reason="kaigong.ledger.WorkerLost")
            record_event(
                action=AuditAction.UPDATE,
                actor=None,
                actor_label=RECOVERY_ACTOR,
                obj=candidate,
                changes={"status": [before, Status.FAILED], "attempt": candidate.attempt},
                code=LedgerEvent.LOST,
                note=candidate.original_name,
            )
        recovered.append(candidate)
    return recovered


def cancel_ledger_import(*, record: LedgerImport, actor=None, actor_label: str = "") -> LedgerImport:
    """Cancel an upload that waits (for its check, for a worker, for confirmation) or whose worker died."""
    if actor is not None:
        _require_import(actor)
    now = timezone.now()
    if not (is_queued(record) or record.status == Status.CHECKED or is_stale(record, now=now)):
        raise ImportStateError(
            gettext_noop("正在处理中的台账不能取消;如果处理进程已经中断,%(minutes)s分钟内没有进展后即可取消或重试"),
            params={"minutes": max(1, round(stale_seconds() / 60))},
        )
    with transaction.atomic():
        query = LedgerImport.objects.filter(pk=record.pk, attempt=record.attempt, status=record.status)
        if record.status in (Status.CHECKING, Status.IMPORTING) and not is_queued(record):
            query = query.filter(lease_until__lt=now)
        elif record.status == Status.IMPORTING:
            query = query.filter(heartbeat_at__isnull=True)
        fields = {
            "status": Status.CANCELLED,
            "lease_until": None,
            "finished_at": now,
            "message": record_message(gettext_noop("已取消,未写入任何数据")),
        }
        if not query.update(**fields):
            raise ImportStateError(gettext_noop("台账的状态刚刚变化,请刷新页面后再试"))
        before = record.status
        for name, value in fields.items():
            setattr(record, name, value)
        _end_task(record.task_id, statuses=("READY", "RUNNING"), reason="kaigong.ledger.Cancelled")
        record_event(
            action=AuditAction.UPDATE,
            actor=actor,
            actor_label=actor_label,
            obj=record,
            changes={"status": [before, Status.CANCELLED], "attempt": record.attempt},
            code=LedgerEvent.CANCELLED,
            note=record.original_name,
        )
    return record


def retry_ledger_import(*, record: LedgerImport, actor=None, actor_label: str = "") -> LedgerImport:
    """A failed or cancelled upload as a new attempt, from the same stored file: its import again when it failed
    while importing (the import checks the sheet again first), else its check. The caller queues the work."""
    if actor is not None:
        _require_import(actor)
    if record.status not in (Status.FAILED, Status.CANCELLED):
        raise ImportStateError(gettext_noop("只有失败或已取消的台账可以重试"))
    if not record.file or not Path(record.file.path).exists():
        raise KaigongError(MISSING_FILE)
    importing = record.phase == LedgerImport.Phase.IMPORT and record.status == Status.FAILED and not record.problems
    status = Status.IMPORTING if importing else Status.PENDING
    with transaction.atomic():
        fields = {
            "status": status,
            "phase": LedgerImport.Phase.IMPORT if importing else LedgerImport.Phase.CHECK,
            "attempt": record.attempt + 1,
            "processed_rows": 0,
            "heartbeat_at": None,
            "lease_until": None,
            "finished_at": None,
            "task_id": "",
            "message": "",
        }
        if not importing:
            fields["problems"] = []
        if not LedgerImport.objects.filter(pk=record.pk, attempt=record.attempt, status=record.status).update(**fields):
            raise ImportStateError(gettext_noop("台账的状态刚刚变化,请刷新页面后再试"))
        before = (record.status, record.attempt)
        for name, value in fields.items():
            setattr(record, name, value)
        record_event(
            action=AuditAction.UPDATE,
            actor=actor,
            actor_label=actor_label,
            obj=record,
            changes={"status": [before[0], status], "attempt": [before[1], record.attempt]},
            code=LedgerEvent.RETRIED,
            note=record.original_name,
        )
    return record


def remove_orphan_uploads(*, older_than: dt.timedelta = dt.timedelta(days=1)) -> list[Path]:
    """Delete stored uploads no LedgerImport refers to (the request that stored one died before saving its
    record), older than ``older_than``. Returns the files removed."""
    root = Path(settings.MEDIA_ROOT) / UPLOADS_DIR
    if not root.is_dir():
        return []
    known = {Path(name).as_posix() for name in LedgerImport.objects.values_list("file", flat=True)}
    cutoff = (timezone.now() - older_than).timestamp()
    removed = []
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(settings.MEDIA_ROOT).as_posix()
        if path.is_file() and relative not in known and path.stat().st_mtime < cutoff:
            path.unlink()
            removed.append(path)
    return removed
