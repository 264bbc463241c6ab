"""A worker killed in the middle of an import (issue 10 §6), for real: `kaigong db_worker` runs as a process against
the test database (PostgreSQL as it is; SQLite copied to a file the processes share), takes up a confirmed import,
and is killed with SIGKILL once it writes. Then: nothing of the sheet is in the database, the import is stuck
(importing, its task RUNNING) until `kaigong ledger-imports recover` marks it failed with the reason and ends the
task, and `kaigong ledger-imports retry` queues it again for a new worker, which imports every row."""

import datetime as dt
import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from kaigong.accounts.choices import Role
from kaigong.projects.models import LedgerImport
from kaigong.projects.tests.ledger_sheets import make_ledger_world, write_xlsx

ROWS = 6000
PREFIX = "断电测试项目"
HEADER = ["项目名称", "项目类别", "总投资", "计划年度"]
STALE_MESSAGE = "处理进程中断，未写入任何数据，可以重试"
WORKER_SETTINGS = "kaigong.projects.tests.worker_settings"  # heartbeat lease of 2 s


class SharedDatabase:
    """The test database as the worker processes see it: their environment, and reads of what they committed."""

    def __init__(self, tmp_path):
        self.data_dir = tmp_path / "data"
        settings_dict = connection.settings_dict
        if connection.vendor == "sqlite":
            # The tests' SQLite database lives in memory: the processes share a file copy of it instead.
            self.path = tmp_path / "shared.sqlite3"
            copy = sqlite3.connect(self.path)
            connection.ensure_connection()
            connection.connection.backup(copy)
            copy.close()
            url = f"sqlite:///{self.path}"
        else:
            user, host = settings_dict["USER"], settings_dict["HOST"] or "127.0.0.1"
            url = f"postgres://{user}@{host}:{settings_dict['PORT'] or 5432}/{settings_dict['NAME']}"
        self.env = {
            **os.environ,
            "DATABASE_URL": url,
            "KAIGONG_DATA_DIR": str(self.data_dir),
            "DJANGO_SETTINGS_MODULE": WORKER_SETTINGS,
            "TASKS_IMMEDIATE": "0",
        }

    def query(self, sql: str, params=()) -> list[tuple]:
        if connection.vendor == "sqlite":
            with sqlite3.connect(self.path, timeout=20) as shared:
                return shared.execute(sql, params).fetchall()
        with connection.cursor() as cursor:
            cursor.execute(sql.replace("?", "%s"), params)
            return cursor.fetchall()

    def record(self, pk: int) -> dict:
        columns = ["status", "attempt", "processed_rows", "total_rows", "heartbeat_at", "lease_until", "message"]
        row = self.query(f"SELECT {', '.join(columns)} FROM projects_ledgerimport WHERE id = ?", (pk,))[0]
        record = dict(zip(columns, row, strict=True))
        for name in ("heartbeat_at", "lease_until"):
            if isinstance(record[name], str):  # SQLite: UTC, without its zone
                record[name] = parse_datetime(record[name]).replace(tzinfo=dt.UTC)
        return record

    def sheet_projects(self) -> int:
        return self.query("SELECT COUNT(*) FROM projects_project WHERE name LIKE ?", (PREFIX + "%",))[0][0]

    def task_statuses(self) -> list[str]:
        rows = self.query("SELECT status FROM django_tasks_database_dbtaskresult ORDER BY enqueued_at")
        return [row[0] for row in rows]

    def other_transaction(self) -> bool:
        """PostgreSQL: another session (the worker's) has a transaction open."""
        return (
            self.query(
                "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND xact_start IS NOT NULL "
                "AND pid <> pg_backend_pid()"
            )[0][0]
            > 0
        )

    def kaigong(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
        command = [sys.executable, "-m", "kaigong.manage", *args]
        return subprocess.run(command, env=self.env, capture_output=True, text=True, timeout=timeout, check=False)

    def start_worker(self, *extra: str) -> subprocess.Popen:
        command = [sys.executable, "-m", "kaigong.manage", "db_worker", "--queue-name", "*", "--no-reload"]
        command += ["--no-startup-delay", "--interval", "0.2", *extra]
        return subprocess.Popen(command, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def _wait_for(condition, *, timeout: float, what: str, worker: subprocess.Popen | None = None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        if worker is not None and worker.poll() is not None:
            pytest.fail(f"the worker stopped before {what}: {worker.stderr.read()[-2000:]}")
        time.sleep(0.05)
    pytest.fail(f"timed out waiting for {what}")


def _writing(record: dict) -> bool:
    """The worker has taken its write lease (stale seconds + rows × seconds per row): it is inside the write."""
    lease, beat = record["lease_until"], record["heartbeat_at"]
    return record["status"] == "importing" and lease and beat and (lease - beat).total_seconds() > 2.3


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_import_writes_nothing_and_the_import_is_recovered_and_retried(
    client, users, department, other_department, organization, tmp_path, settings
):
    make_ledger_world(department, other_department, organization)
    rows = [[f"{PREFIX}{i:05d}", "产业类", 100 + i % 50, 2025] for i in range(ROWS)]
    sheet = write_xlsx(tmp_path / "big.xlsx", [HEADER, *rows])
    shared_media = tmp_path / "data" / "media"
    settings.MEDIA_ROOT = shared_media

    # Upload and check (the immediate backend runs the check here), then confirm: the import is queued for a worker.
    client.force_login(users[Role.OFFICE])
    client.post(reverse("projects:ledger-import"), {"file": SimpleUploadedFile("big.xlsx", sheet.read_bytes())})
    record = LedgerImport.objects.get()
    assert record.status == LedgerImport.Status.CHECKED and record.total_rows == ROWS, record.message
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    client.post(reverse("projects:ledger-import-confirm", args=[record.pk]))
    record.refresh_from_db()
    assert record.status == LedgerImport.Status.IMPORTING and record.heartbeat_at is None  # queued

    shared = SharedDatabase(tmp_path)
    worker = shared.start_worker()
    try:
        # Its heartbeat and progress first, then the write lease: the worker is inside the one write transaction.
        _wait_for(lambda: shared.record(record.pk)["heartbeat_at"], timeout=30, what="a heartbeat", worker=worker)
        _wait_for(lambda: _writing(shared.record(record.pk)), timeout=30, what="the write", worker=worker)
        if connection.vendor == "postgresql":  # killed inside its open transaction
            _wait_for(shared.other_transaction, timeout=10, what="the write's transaction", worker=worker)
        else:
            time.sleep(0.15)
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()

    # Nothing of the sheet was written; the import looks stuck, its task RUNNING, until its lease passes.
    assert shared.sheet_projects() == 0
    stuck = shared.record(record.pk)
    assert stuck["status"] == "importing" and stuck["attempt"] == 1
    assert shared.task_statuses() == ["RUNNING"]

    _wait_for(lambda: shared.record(record.pk)["lease_until"] < timezone.now(), timeout=30, what="the lease to pass")
    recovered = shared.kaigong("ledger-imports", "recover")
    assert recovered.returncode == 0, recovered.stderr
    assert f"#{record.pk}" in recovered.stdout and STALE_MESSAGE in recovered.stdout
    failed = shared.record(record.pk)
    assert failed["status"] == "failed" and failed["message"].startswith(STALE_MESSAGE)
    assert shared.task_statuses() == ["FAILED"]  # no longer running: nothing waits on it
    assert shared.sheet_projects() == 0

    # Retried from the command: a new attempt of the same stored file, which a new worker imports whole.
    retried = shared.kaigong("ledger-imports", "retry", str(record.pk))
    assert retried.returncode == 0, retried.stderr
    assert shared.record(record.pk)["status"] == "importing"
    second = shared.start_worker("--batch")
    _, errors = second.communicate(timeout=90)
    assert second.returncode == 0, errors[-2000:]
    done = shared.record(record.pk)
    assert done["status"] == "done" and done["attempt"] == 2, done["message"]
    assert shared.sheet_projects() == ROWS
    assert shared.task_statuses() == ["FAILED", "SUCCESSFUL"]
