"""Crashed workers, retry and cancel of ledger uploads (issue 10 §6) through the page, the API and the command.

A dead worker is what it leaves in the database: its import importing (or checking), its last heartbeat minutes
ago, its lease passed, its task row RUNNING. The real kill is in test_ledger_worker_kill.py."""

import datetime as dt
import logging
import os
import threading
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, connections, transaction
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from kaigong.accounts.choices import Role
from kaigong.audit.models import AuditEvent
from kaigong.projects.choices import LedgerEvent
from kaigong.projects.ledger import services, tasks
from kaigong.projects.ledger.importer import LedgerImporter
from kaigong.projects.models import LedgerImport, Project
from kaigong.projects.tests.ledger_sheets import make_ledger_world, write_xlsx

HEADER = ["项目名称", "项目类别", "总投资", "计划年度"]
STALE = "处理进程中断，未写入任何数据，可以重试"
DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
Status = LedgerImport.Status


@pytest.fixture
def ledger_world(db, department, other_department, organization):
    return make_ledger_world(department, other_department, organization)


@pytest.fixture
def sheet(tmp_path):
    rows = [[f"恢复测试项目{i}", "产业类", 100 + i, 2025] for i in range(3)]
    return write_xlsx(tmp_path / "台账.xlsx", [HEADER, *rows])


def _upload(client, sheet) -> LedgerImport:
    client.post(reverse("projects:ledger-import"), {"file": SimpleUploadedFile(sheet.name, sheet.read_bytes())})
    return LedgerImport.objects.latest("pk")


def _checked(client, sheet) -> LedgerImport:
    record = _upload(client, sheet)
    assert record.status == Status.CHECKED and not record.problems, record.message
    return record


def _dead_worker(record: LedgerImport, settings, *, status=Status.IMPORTING) -> DBTaskResult:
    """What a worker killed during ``record``'s import leaves: the import under way, no beat for five minutes, and
    its task row RUNNING."""
    settings.TASKS = DB_TASKS
    result = tasks.run_ledger_import_task.enqueue(record.pk, None, record.attempt)
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    DBTaskResult.objects.filter(pk=result.id).update(status="RUNNING", started_at=timezone.now())
    now = timezone.now()
    LedgerImport.objects.filter(pk=record.pk).update(
        status=status,
        phase=LedgerImport.Phase.IMPORT if status == Status.IMPORTING else LedgerImport.Phase.CHECK,
        processed_rows=1,
        heartbeat_at=now - dt.timedelta(minutes=5),
        lease_until=now - dt.timedelta(minutes=3),
        task_id=str(result.id),
    )
    record.refresh_from_db()
    return DBTaskResult.objects.get(pk=result.id)


def _live_worker(record: LedgerImport) -> None:
    now = timezone.now()
    LedgerImport.objects.filter(pk=record.pk).update(
        status=Status.IMPORTING, heartbeat_at=now, lease_until=now + dt.timedelta(minutes=2), processed_rows=1
    )
    record.refresh_from_db()


# --- the page ---------------------------------------------------------------------------------------------------


def test_a_dead_workers_import_is_failed_with_the_reason_when_its_page_is_read(
    login, users, ledger_world, sheet, settings
):
    client = login(users[Role.OFFICE])
    record = _checked(client, sheet)
    task = _dead_worker(record, settings)

    page = client.get(reverse("projects:ledger-import-detail", args=[record.pk])).content.decode()

    record.refresh_from_db()
    assert record.status == Status.FAILED and record.message.startswith(STALE)
    assert STALE in page and 'data-testid="ledger-retry"' in page and 'hx-trigger="every 1s"' not in page
    task.refresh_from_db()
    assert task.status == "FAILED"  # the task row no longer counts as running
    assert not Project.objects.filter(name__startswith="恢复测试项目").exists()
    event = AuditEvent.objects.get(object_id=str(record.pk), changes__status=["importing", "failed"])
    assert event.actor is None and event.actor_label == services.RECOVERY_ACTOR
    assert event.code == LedgerEvent.LOST


def test_a_live_import_keeps_running_and_cannot_be_cancelled(login, users, ledger_world, sheet):
    client = login(users[Role.OFFICE])
    record = _checked(client, sheet)
    _live_worker(record)

    page = client.get(reverse("projects:ledger-import-detail", args=[record.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in page
    assert 'data-testid="ledger-cancel"' not in page and 'data-testid="ledger-retry"' not in page
    response = client.post(reverse("projects:ledger-import-cancel", args=[record.pk]), follow=True)
    assert "正在处理中的台账不能取消" in response.content.decode()
    record.refresh_from_db()
    assert record.status == Status.IMPORTING


def test_retry_from_the_page_imports_the_stored_file_as_a_new_attempt(login, users, ledger_world, sheet, settings):
    client = login(users[Role.OFFICE])
    record = _checked(client, sheet)
    _dead_worker(record, settings)
    client.get(reverse("projects:ledger-import-detail", args=[record.pk]))  # recovered: failed

    response = client.post(reverse("projects:ledger-import-retry", args=[record.pk]))

    assert response["Location"] == reverse("projects:ledger-import-detail", args=[record.pk])
    record.refresh_from_db()
    assert record.status == Status.DONE and record.attempt == 2 and record.created_count == 3
    assert Project.objects.filter(name__startswith="恢复测试项目").count() == 3
    retry = AuditEvent.objects.get(object_id=str(record.pk), changes__attempt=[1, 2])
    assert retry.actor == users[Role.OFFICE] and retry.changes["status"] == ["failed", "importing"]
    assert retry.code == LedgerEvent.RETRIED


def test_a_queued_upload_is_cancelled_from_the_page_and_its_task_then_does_nothing(
    login, users, ledger_world, sheet, settings
):
    settings.TASKS = DB_TASKS  # no worker runs: the upload waits for its check
    client = login(users[Role.OFFICE])
    record = _upload(client, sheet)
    assert record.status == Status.PENDING
    page = client.get(reverse("projects:ledger-import-detail", args=[record.pk])).content.decode()
    assert 'data-testid="ledger-queued"' in page and 'data-testid="ledger-cancel"' in page

    client.post(reverse("projects:ledger-import-cancel", args=[record.pk]))

    record.refresh_from_db()
    assert record.status == Status.CANCELLED and record.finished_at is not None
    assert AuditEvent.objects.get(object_id=str(record.pk), code=LedgerEvent.CANCELLED).actor == users[Role.OFFICE]
    assert DBTaskResult.objects.get().status == "FAILED"  # the worker will not take it up
    queued_copy = LedgerImport.objects.get(pk=record.pk)
    queued_copy.status = Status.PENDING  # as the task read it before the cancel
    with pytest.raises(services.ImportAbandoned):
        services.check_ledger_import(queued_copy)
    record.refresh_from_db()
    assert record.status == Status.CANCELLED


def test_a_late_worker_of_a_recovered_attempt_changes_nothing(login, users, ledger_world, sheet, settings):
    client = login(users[Role.OFFICE])
    record = _checked(client, sheet)
    _dead_worker(record, settings)
    late = LedgerImport.objects.get(pk=record.pk)  # the worker's copy: attempt 1, importing
    services.recover_stale_imports()
    record.refresh_from_db()
    tasks.retry(record, actor=users[Role.OFFICE])
    assert record.status == Status.DONE and record.attempt == 2

    with pytest.raises(services.ImportAbandoned):  # it wakes up and beats: refused, and it stops
        services._progress_saver(late)(2, 3)
    record.refresh_from_db()
    assert record.status == Status.DONE and record.processed_rows == 3


@pytest.mark.parametrize("role", [Role.DEPARTMENT, Role.LEADER, Role.ENTERPRISE])
def test_only_those_who_may_import_retry_or_cancel_on_the_page(login, users, ledger_world, sheet, role, settings):
    record = _checked(login(users[Role.OFFICE]), sheet)
    _dead_worker(record, settings)
    client = login(users[role])
    for name in ("ledger-import-retry", "ledger-import-cancel"):
        assert client.post(reverse(f"projects:{name}", args=[record.pk])).status_code == 403
    record.refresh_from_db()
    assert record.status == Status.IMPORTING  # not even recovered by a refused request


def test_a_cancelled_check_is_retried_as_a_new_check(login, users, ledger_world, sheet):
    client = login(users[Role.OFFICE])
    record = _checked(client, sheet)
    client.post(reverse("projects:ledger-import-cancel", args=[record.pk]))
    record.refresh_from_db()
    assert record.status == Status.CANCELLED
    assert (
        'data-testid="ledger-retry"'
        in client.get(reverse("projects:ledger-import-detail", args=[record.pk])).content.decode()
    )

    client.post(reverse("projects:ledger-import-retry", args=[record.pk]))
    record.refresh_from_db()
    assert record.status == Status.CHECKED and record.attempt == 2
    assert not Project.objects.filter(name__startswith="恢复测试项目").exists()


# --- the API ----------------------------------------------------------------------------------------------------


def test_the_api_uploads_follows_confirms_and_refuses_a_retry_of_a_done_import(api_login, users, ledger_world, sheet):
    api = api_login(users[Role.OFFICE])
    with sheet.open("rb") as handle:
        response = api.post(reverse("api-ledger-imports"), {"file": handle}, format="multipart")
    assert response.status_code == 202
    pk = response.json()["id"]
    body = api.get(reverse("api-ledger-import-detail", args=[pk])).json()
    assert body["status"] == "checked" and body["total_rows"] == 3 and body["can_cancel"] and not body["can_retry"]

    confirmed = api.post(reverse("api-ledger-import-confirm", args=[pk]))
    assert confirmed.status_code == 202 and confirmed.json()["status"] == "done"
    refused = api.post(reverse("api-ledger-import-retry", args=[pk]))
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "import_state"
    assert [item["id"] for item in api.get(reverse("api-ledger-imports")).json()] == [pk]


def test_the_api_answers_a_dead_workers_import_failed_then_retries_it(
    api_login, login, users, ledger_world, sheet, settings
):
    record = _checked(login(users[Role.OFFICE]), sheet)
    _dead_worker(record, settings)
    api = api_login(users[Role.OFFICE])

    body = api.get(reverse("api-ledger-import-detail", args=[record.pk])).json()
    assert body["status"] == "failed" and body["message"] == STALE and body["can_retry"]
    assert "message_en" in body  # the English once the lead's catalogue has it

    retried = api.post(reverse("api-ledger-import-retry", args=[record.pk]))
    assert retried.status_code == 202
    assert retried.json()["status"] == "done" and retried.json()["attempt"] == 2


def test_the_api_cancels_a_queued_upload_but_not_a_running_import(
    api_login, login, users, ledger_world, sheet, settings
):
    running = _checked(login(users[Role.OFFICE]), sheet)
    _live_worker(running)
    settings.TASKS = DB_TASKS  # no worker: the next upload waits for its check
    api = api_login(users[Role.OFFICE])
    with sheet.open("rb") as handle:
        queued = api.post(reverse("api-ledger-imports"), {"file": handle}, format="multipart").json()
    assert queued["status"] == "pending" and queued["queued"] and queued["can_cancel"]

    cancelled = api.post(reverse("api-ledger-import-cancel", args=[queued["id"]]))
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    refused = api.post(reverse("api-ledger-import-cancel", args=[running.pk]))
    assert refused.status_code == 409 and "正在处理中的台账不能取消" in refused.json()["error"]["message"]
    running.refresh_from_db()
    assert running.status == Status.IMPORTING


@pytest.mark.parametrize("role", [Role.DEPARTMENT, Role.LEADER, Role.ENTERPRISE])
def test_the_api_refuses_uploads_retries_and_cancels_to_those_who_may_not_import(
    api_login, login, users, ledger_world, sheet, settings, role
):
    record = _checked(login(users[Role.OFFICE]), sheet)
    api = api_login(users[role])
    with sheet.open("rb") as handle:
        assert api.post(reverse("api-ledger-imports"), {"file": handle}, format="multipart").status_code == 403
    assert api.get(reverse("api-ledger-imports")).status_code == 403
    for name in ("api-ledger-import-detail",):
        assert api.get(reverse(name, args=[record.pk])).status_code == 403
    for name in ("api-ledger-import-confirm", "api-ledger-import-retry", "api-ledger-import-cancel"):
        response = api.post(reverse(name, args=[record.pk]))
        assert response.status_code == 403 and response.json()["error"]["code"] == "permission_denied"
    assert LedgerImport.objects.count() == 1


def test_the_api_refuses_a_file_over_the_size_limit_before_storing_it(api_login, users, ledger_world, sheet, settings):
    settings.KAIGONG_IMPORT_MAX_BYTES = 100
    api = api_login(users[Role.OFFICE])
    with sheet.open("rb") as handle:
        response = api.post(reverse("api-ledger-imports"), {"file": handle}, format="multipart")
    assert response.status_code == 400 and "文件过大" in response.json()["error"]["message"]
    assert not LedgerImport.objects.exists()


# --- the command ------------------------------------------------------------------------------------------------


def test_recover_fails_dead_imports_and_removes_only_old_orphan_uploads(
    login, users, ledger_world, sheet, settings, capsys
):
    record = _checked(login(users[Role.OFFICE]), sheet)
    live = _checked(login(users[Role.OFFICE]), sheet)
    _dead_worker(record, settings)
    _live_worker(live)
    folder = settings.MEDIA_ROOT / services.UPLOADS_DIR / "2026" / "12"
    folder.mkdir(parents=True, exist_ok=True)
    old_orphan, young_orphan = folder / "请求中断.xlsx", folder / "刚上传.xlsx"
    old_orphan.write_bytes(b"x")
    young_orphan.write_bytes(b"x")
    two_days_ago = (timezone.now() - dt.timedelta(days=2)).timestamp()
    os.utime(old_orphan, (two_days_ago, two_days_ago))
    os.utime(record.file.path, (two_days_ago, two_days_ago))  # an old upload an import refers to stays

    call_command("ledger-imports", "recover")

    out = capsys.readouterr().out
    assert f"#{record.pk}" in out and STALE in out and "已将1个中断的台账导入标记为失败,清理1个无主上传文件" in out
    record.refresh_from_db()
    live.refresh_from_db()
    assert record.status == Status.FAILED and live.status == Status.IMPORTING
    assert not old_orphan.exists() and young_orphan.exists() and os.path.exists(record.file.path)


def test_the_command_retries_and_cancels_by_id(login, users, ledger_world, sheet, settings, capsys):
    record = _checked(login(users[Role.OFFICE]), sheet)
    _dead_worker(record, settings)

    call_command("ledger-imports", "retry", str(record.pk))  # recovered first, then retried

    record.refresh_from_db()
    assert record.status == Status.DONE and record.attempt == 2
    retry = AuditEvent.objects.get(object_id=str(record.pk), changes__attempt=[1, 2])
    assert retry.actor_label == "命令 ledger-imports retry"

    other = _checked(login(users[Role.OFFICE]), sheet)
    call_command("ledger-imports", "cancel", str(other.pk))
    other.refresh_from_db()
    assert other.status == Status.CANCELLED
    with pytest.raises(CommandError, match="只有失败或已取消的台账可以重试"):
        call_command("ledger-imports", "retry", str(record.pk))
    with pytest.raises(CommandError, match="没有编号为 999 的台账上传"):
        call_command("ledger-imports", "cancel", "999")


def test_the_upload_page_shows_the_check_without_reading_the_sheet_again(login, users, ledger_world, sheet):
    """The worker stores what the check found; the web request shows it and never opens the file."""
    client = login(users[Role.OFFICE])
    record = _checked(client, sheet)
    os.remove(record.file.path)

    page = client.get(reverse("projects:ledger-import-detail", args=[record.pk])).content.decode()

    assert 'data-testid="ledger-preview"' in page and "恢复测试项目0" in page and 'data-testid="ledger-confirm"' in page


@pytest.mark.parametrize("name", ["api-ledger-check", "api-ledger-import"])
def test_the_api_hands_the_sheet_to_the_worker_and_answers_202_when_it_is_not_done(
    api_login, users, ledger_world, sheet, settings, name
):
    """No worker runs: the request stores the upload, queues its check, waits a moment and answers where to follow
    it; it never reads the sheet itself."""
    settings.TASKS = DB_TASKS
    settings.KAIGONG_IMPORT_API_WAIT_SECONDS = 0.3
    api = api_login(users[Role.OFFICE])
    with sheet.open("rb") as handle:
        response = api.post(reverse(name), {"file": handle}, format="multipart")
    assert response.status_code == 202
    queued = response.json()["import"]
    assert queued["status"] == "pending" and queued["queued"]
    assert DBTaskResult.objects.get().status == "READY"
    assert not Project.objects.filter(name__startswith="恢复测试项目").exists()


# --- a write that outlives its lease, and recovery at the same time (PostgreSQL's locks) --------------------------

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="row locks and the audit chain's advisory lock exist on PostgreSQL; SQLite serializes writers",
)


def _started(record: LedgerImport, *, lease_minutes: float) -> None:
    """A check or import a worker took up, its lease ending ``lease_minutes`` from now (negative: passed)."""
    now = timezone.now()
    LedgerImport.objects.filter(pk=record.pk).update(
        status=Status.IMPORTING,
        phase=LedgerImport.Phase.IMPORT,
        heartbeat_at=now - dt.timedelta(minutes=5),
        lease_until=now + dt.timedelta(minutes=lease_minutes),
    )
    record.refresh_from_db()


def _in_thread(work, **events):
    """Run ``work`` on its own database connection; returns (thread, outcome)."""
    outcome = {}

    def run():
        try:
            outcome["result"] = work()
        except BaseException as exc:  # reported to the test
            outcome["error"] = exc
        finally:
            for event in events.values():
                event.set()
            connections.close_all()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, outcome


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_write_past_its_lease_finishes_while_its_page_is_read(
    login, users, ledger_world, sheet, settings, monkeypatch
):
    """The deadlock the review found: the write holds the audit chain's lock; a page read recovered the row (its
    lease had passed), then waited for the chain while the write waited for the row. Now the write holds its row
    from its first statement, and the page's recovery skips it at once."""
    client = login(users[Role.OFFICE])
    record = _checked(client, sheet)
    services.claim_ledger_import(record)
    settings.KAIGONG_IMPORT_STALE_SECONDS = -60  # every lease the worker takes has passed already
    settings.KAIGONG_IMPORT_WRITE_SECONDS_PER_ROW = 0
    writing, go_on = threading.Event(), threading.Event()
    write = LedgerImporter.write

    def slow_write(self, result, **kwargs):
        written = write(self, result, **kwargs)  # the projects and their events: the chain's lock is held
        writing.set()
        go_on.wait(timeout=10)
        return written

    monkeypatch.setattr(LedgerImporter, "write", slow_write)
    worker_copy = LedgerImport.objects.get(pk=record.pk)
    thread, outcome = _in_thread(lambda: services.run_ledger_import(worker_copy, actor=users[Role.OFFICE]), w=writing)
    assert writing.wait(timeout=30) and "error" not in outcome, outcome
    assert services.is_stale(LedgerImport.objects.get(pk=record.pk))

    started = time.monotonic()
    page = client.get(reverse("projects:ledger-import-detail", args=[record.pk]))
    recovered = services.recover_stale_imports()
    waited = time.monotonic() - started
    go_on.set()
    thread.join(timeout=30)

    assert page.status_code == 200 and 'hx-trigger="every 1s"' in page.content.decode()  # still under way
    assert recovered == [] and waited < 5, waited
    assert "error" not in outcome, outcome
    record.refresh_from_db()
    assert record.status == Status.DONE and record.created_count == 3
    assert Project.objects.filter(name__startswith="恢复测试项目").count() == 3
    assert not AuditEvent.objects.filter(object_id=str(record.pk), code=LedgerEvent.LOST).exists()


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_recovery_skips_a_row_a_writer_holds_and_fails_the_others(login, users, ledger_world, sheet):
    """Another connection holds one import's row, as a write does from its first statement; recovery, even assuming
    every worker dead, fails the other stale import without waiting, and the held one once it is let go. (While a
    write also holds the audit chain, a recovery's event waits for its commit, as every audited save does.)"""
    client = login(users[Role.OFFICE])
    held, dead = _checked(client, sheet), _checked(client, sheet)
    _started(held, lease_minutes=-3)
    _started(dead, lease_minutes=-3)
    locked, release = threading.Event(), threading.Event()

    def hold():
        with transaction.atomic():
            list(LedgerImport.objects.select_for_update().filter(pk=held.pk))
            locked.set()
            release.wait(timeout=10)
            raise DatabaseError("rolled back")  # nothing of it stays

    thread, outcome = _in_thread(hold, locked=locked)
    assert locked.wait(timeout=30)
    started = time.monotonic()
    recovered = services.recover_stale_imports(assume_dead=True)
    page = client.get(reverse("projects:ledger-import-detail", args=[held.pk]))
    waited = time.monotonic() - started
    release.set()
    thread.join(timeout=30)

    assert [item.pk for item in recovered] == [dead.pk] and waited < 5, waited
    assert page.status_code == 200 and str(outcome.get("error")) == "rolled back"  # held to the end
    held.refresh_from_db()
    assert held.status == Status.IMPORTING
    assert [item.pk for item in services.recover_stale_imports()] == [held.pk]  # let go: it was a dead worker's
    held.refresh_from_db()
    assert held.status == Status.FAILED and held.message.startswith(STALE)


# --- the service starts: no worker runs --------------------------------------------------------------------------


def test_assume_dead_fails_every_started_upload_whatever_its_lease_and_leaves_the_waiting_ones(
    login, users, ledger_world, sheet
):
    client = login(users[Role.OFFICE])
    live, dead, waiting, checked = (_checked(client, sheet) for _ in range(4))
    _started(live, lease_minutes=2)
    _started(dead, lease_minutes=-3)
    services.claim_ledger_import(waiting)  # confirmed, its import queued for a worker: not started

    assert [item.pk for item in services.recover_stale_imports()] == [dead.pk]
    live.refresh_from_db()
    assert live.status == Status.IMPORTING  # its lease runs: a worker may be writing it

    recovered = services.recover_stale_imports(assume_dead=True)

    assert [item.pk for item in recovered] == [live.pk]
    for record, status in ((live, Status.FAILED), (waiting, Status.IMPORTING), (checked, Status.CHECKED)):
        record.refresh_from_db()
        assert record.status == status
    assert live.message.startswith(STALE) and live.lease_until is None
    event = AuditEvent.objects.get(object_id=str(live.pk), code=LedgerEvent.LOST)
    assert event.actor_label == services.RECOVERY_ACTOR and event.changes["status"] == ["importing", "failed"]
    page = client.get(reverse("projects:ledger-import-detail", args=[live.pk])).content.decode()
    assert 'data-testid="ledger-retry"' in page


def test_a_recovery_that_fails_at_task_start_does_not_strand_the_tasks_own_upload(
    login, users, ledger_world, sheet, monkeypatch, caplog
):
    def broken(**kwargs):
        raise DatabaseError("lock timeout")

    monkeypatch.setattr(services, "recover_stale_imports", broken)
    client = login(users[Role.OFFICE])
    with caplog.at_level(logging.ERROR, logger="kaigong.projects.ledger.tasks"):
        record = _checked(client, sheet)  # the check's task ran all the same
        response = client.post(reverse("projects:ledger-import-confirm", args=[record.pk]))

    assert response.status_code == 302
    record.refresh_from_db()
    assert record.status == Status.DONE and record.created_count == 3
    assert [r.exc_info[0] for r in caplog.records] == [DatabaseError, DatabaseError]


def test_recover_assume_dead_fails_every_started_upload_for_the_service_start(
    login, users, ledger_world, sheet, capsys
):
    client = login(users[Role.OFFICE])
    live, waiting = _checked(client, sheet), _checked(client, sheet)
    _live_worker(live)  # its lease runs: plain recover leaves it
    services.claim_ledger_import(waiting)  # queued for a worker, not started

    call_command("ledger-imports", "recover")
    live.refresh_from_db()
    assert live.status == Status.IMPORTING

    call_command("ledger-imports", "recover", "--assume-dead")

    out = capsys.readouterr().out
    assert f"#{live.pk}" in out and "已将1个中断的台账导入标记为失败" in out
    live.refresh_from_db()
    waiting.refresh_from_db()
    assert live.status == Status.FAILED and live.message.startswith(STALE) and waiting.status == Status.IMPORTING
