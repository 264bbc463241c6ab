"""Ledger import pages: upload → check → problems / confirm → import, background progress, error report."""

from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from kaigong.accounts.choices import Role
from kaigong.audit.models import AuditEvent
from kaigong.projects.models import LedgerImport, Project
from kaigong.projects.tests.ledger_sheets import (
    MESSY_MERGES,
    make_ledger_world,
    messy_sheet_rows,
    write_xlsx,
)

HEADER = ["项目名称", "项目类别", "总投资", "计划年度"]


@pytest.fixture
def ledger_world(db, department, other_department, organization):
    return make_ledger_world(department, other_department, organization)


def _upload(client, path, name=None):
    data = SimpleUploadedFile(name or path.name, path.read_bytes())
    return client.post(reverse("projects:ledger-import"), {"file": data})


@pytest.mark.parametrize("role", [Role.DEPARTMENT, Role.LEADER, Role.ENTERPRISE])
def test_only_the_office_and_admins_may_import(login, users, role, tmp_path, ledger_world):
    client = login(users[role])
    assert client.get(reverse("projects:ledger-import")).status_code == 403
    path = write_xlsx(tmp_path / "a.xlsx", [HEADER, ["甲", "产业类", 1, 2024]])
    assert _upload(client, path).status_code == 403
    assert not LedgerImport.objects.exists()


def test_pages_of_an_import_are_denied_to_others(login, users, tmp_path, ledger_world):
    path = write_xlsx(tmp_path / "a.xlsx", [HEADER, ["甲", "产业类", 1, 2024]])
    _upload(login(users[Role.OFFICE]), path)
    record = LedgerImport.objects.get()
    client = login(users[Role.LEADER])
    for name in ("ledger-import-detail", "ledger-import-progress", "ledger-import-errors"):
        assert client.get(reverse(f"projects:{name}", args=[record.pk])).status_code == 403
    assert client.post(reverse("projects:ledger-import-confirm", args=[record.pk])).status_code == 403
    assert not Project.objects.exists()


def test_upload_check_then_confirm_imports(login, users, tmp_path, ledger_world):
    client = login(users[Role.OFFICE])
    assert client.get(reverse("projects:ledger-import")).status_code == 200
    path = write_xlsx(tmp_path / "messy.xlsx", messy_sheet_rows(ledger_world), merges=MESSY_MERGES)

    response = _upload(client, path)

    record = LedgerImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("projects:ledger-import-detail", args=[record.pk])
    assert record.status == LedgerImport.Status.CHECKED and record.problems == []
    assert not Project.objects.exists()  # the check writes nothing
    page = client.get(response["Location"])
    assert b'data-testid="ledger-confirm"' in page.content and b"disabled" not in page.content

    response = client.post(reverse("projects:ledger-import-confirm", args=[record.pk]))

    assert response.status_code == 302
    record.refresh_from_db()
    assert record.status == LedgerImport.Status.DONE
    assert (record.created_count, record.updated_count) == (4, 0)
    assert Project.objects.count() == 4
    summary = AuditEvent.objects.get(action="import", project__isnull=True)
    assert summary.actor == users[Role.OFFICE]
    # A second confirm does not import twice.
    client.post(reverse("projects:ledger-import-confirm", args=[record.pk]))
    assert Project.objects.count() == 4
    listing = client.get(reverse("projects:ledger-import"))
    assert "messy.xlsx" in listing.content.decode()


def test_problems_are_listed_confirm_is_disabled_and_the_error_report_downloads(login, users, tmp_path, ledger_world):
    client = login(users[Role.ADMIN])
    rows = [["2024年台账"], HEADER, ["好项目", "产业类", "100", 2024], ["坏项目", "旅游类", "abc", 2024]]
    path = write_xlsx(tmp_path / "bad.xlsx", rows)
    _upload(client, path)
    record = LedgerImport.objects.get()

    page = client.get(reverse("projects:ledger-import-detail", args=[record.pk])).content.decode()

    assert len(record.problems) == 2
    assert "未知的项目类别“旅游类”" in page and "列B" in page
    assert "disabled" in page
    response = client.post(reverse("projects:ledger-import-confirm", args=[record.pk]))
    assert response.status_code == 302
    assert not Project.objects.exists()

    report = client.get(reverse("projects:ledger-import-errors", args=[record.pk]))
    assert report.status_code == 200
    ws = load_workbook(BytesIO(b"".join(report.streaming_content))).active
    values = [list(r) for r in ws.iter_rows(values_only=True)]
    assert values[0][0] == "2024年台账"  # the original rows, title included
    assert values[1][-1] == "错误"
    assert values[2][-1] is None
    assert "项目类别: 未知的项目类别“旅游类”" in values[3][-1] and "总投资" in values[3][-1]


def test_many_problems_are_paginated(login, users, tmp_path, ledger_world):
    client = login(users[Role.OFFICE])
    rows = [HEADER] + [[f"项目{i}", "旅游类", 1, 2024] for i in range(150)]
    _upload(client, write_xlsx(tmp_path / "many.xlsx", rows))
    record = LedgerImport.objects.get()
    first = client.get(reverse("projects:ledger-import-detail", args=[record.pk])).content.decode()
    second = client.get(reverse("projects:ledger-import-detail", args=[record.pk]), {"page": 2}).content.decode()
    assert "1 / 2" in first and first.count("旅游类") == 100
    assert second.count("旅游类") == 50


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"\x89PNG\r\n\x1a\n0000", "photo.png", "无法识别的文件格式"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "EncryptedPackage".encode("utf-16-le"), "s.xlsx", "密码保护"),
    ],
)
def test_bad_files_are_stored_then_refused_by_the_worker(login, users, content, name, message):
    """The request stores the upload as it is and never reads it; the check (run by the worker, here at once by
    the immediate backend) refuses it, and the upload's page says why and writes nothing."""
    client = login(users[Role.OFFICE])
    response = client.post(reverse("projects:ledger-import"), {"file": SimpleUploadedFile(name, content)})
    record = LedgerImport.objects.get()
    assert response["Location"] == reverse("projects:ledger-import-detail", args=[record.pk])
    assert record.status == LedgerImport.Status.FAILED and message in record.message
    page = client.get(response["Location"]).content.decode()
    assert message in page and 'data-testid="ledger-retry"' in page
    assert not Project.objects.exists()


def test_an_empty_file_is_refused_on_the_form(login, users):
    client = login(users[Role.OFFICE])
    response = client.post(reverse("projects:ledger-import"), {"file": SimpleUploadedFile("empty.xlsx", b"")})
    assert response.status_code == 400
    assert "文件为空" in response.content.decode()
    assert not LedgerImport.objects.exists()


def test_too_big_is_refused_on_the_form_and_too_many_rows_by_the_check(login, users, tmp_path, settings, ledger_world):
    client = login(users[Role.OFFICE])
    path = write_xlsx(tmp_path / "a.xlsx", [HEADER] + [[f"项目{i}", "产业类", 1, 2024] for i in range(5)])
    settings.KAIGONG_IMPORT_MAX_ROWS = 4
    _upload(client, path)
    record = LedgerImport.objects.get()
    assert record.status == LedgerImport.Status.FAILED and "数据行过多" in record.message
    settings.KAIGONG_IMPORT_MAX_BYTES = 100
    response = _upload(client, path)
    assert response.status_code == 400 and "文件过大" in response.content.decode()
    assert LedgerImport.objects.count() == 1


def test_every_upload_runs_as_background_tasks_with_progress(login, users, tmp_path, settings, ledger_world):
    client = login(users[Role.OFFICE])
    rows = [HEADER] + [[f"项目{i}", "产业类", 1, 2024] for i in range(5)]
    _upload(client, write_xlsx(tmp_path / "big.xlsx", rows))
    record = LedgerImport.objects.get()
    # The immediate backend of the tests has already run the queued check.
    assert record.status == LedgerImport.Status.CHECKED and record.total_rows == 5

    progress = client.get(reverse("projects:ledger-import-progress", args=[record.pk]), HTTP_HX_REQUEST="true")
    assert progress.status_code == 200
    assert progress["HX-Refresh"] == "true"  # finished: the page reloads to show the result

    client.post(reverse("projects:ledger-import-confirm", args=[record.pk]))
    record.refresh_from_db()
    assert record.status == LedgerImport.Status.DONE and record.created_count == 5


def test_a_running_import_shows_a_polling_progress_bar(login, users, tmp_path, ledger_world):
    client = login(users[Role.OFFICE])
    _upload(client, write_xlsx(tmp_path / "a.xlsx", [HEADER, ["甲", "产业类", 1, 2024]]))
    record = LedgerImport.objects.get()
    LedgerImport.objects.filter(pk=record.pk).update(
        status=LedgerImport.Status.IMPORTING, processed_rows=3, total_rows=4
    )
    page = client.get(reverse("projects:ledger-import-detail", args=[record.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in page and 'value="75"' in page
    fragment = client.get(reverse("projects:ledger-import-progress", args=[record.pk]), HTTP_HX_REQUEST="true")
    assert "HX-Refresh" not in fragment and b"<progress" in fragment.content
