"""kaigong backup / restore (kaigong/core/backup.py) through the commands, on the test database of either vendor:
a round trip brings back the projects, the audit log (its chain verifies, with the same head) and the uploaded
files; a damaged backup, or one whose copy to the staging directory fails or differs, is refused before anything is
touched; a fresh install without a media directory backs up; a backup whose empty media/ was dropped restores with
no uploads and says so; only the owner can read a backup; a restore signs everyone out.

Transactional tests: pg_dump and pg_restore are other processes, and see only what is committed."""

import json
import os
import shutil
import stat
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.sessions.models import Session
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from kaigong.accounts.choices import Role
from kaigong.audit.models import AuditEvent
from kaigong.core import backup as backup_module
from kaigong.projects import services
from kaigong.projects.ledger.services import create_ledger_import
from kaigong.projects.models import LedgerImport, Project
from kaigong.projects.tests.factories import CategoryFactory, LevelFactory

pytestmark = pytest.mark.django_db(transaction=True)

WORKBOOK = b"PK\x03\x04 a stored upload, byte for byte"


def _project(office, name):
    return services.create_project(
        data={
            "name": name,
            "category": CategoryFactory(),
            "level": LevelFactory(),
            "year": 2026,
            "total_investment": "1000.00",
            "annual_planned_investment": "100.00",
        },
        actor=office,
    )


def _backup(output: Path) -> tuple[Path, str]:
    out = StringIO()
    call_command("backup", f"--output={output}", stdout=out)
    (path,) = output.iterdir()
    return path, out.getvalue()


def _restore(path: Path, *args) -> str:
    out, err = StringIO(), StringIO()
    try:
        call_command("restore", str(path), *args, stdout=out, stderr=err)
    except CommandError as exc:
        raise CommandError(f"{exc}\n{err.getvalue()}") from exc
    return out.getvalue()


def _verify(path: Path) -> str:
    out, err = StringIO(), StringIO()
    try:
        call_command("backup", f"--verify={path}", stdout=out, stderr=err)
    except CommandError as exc:
        raise CommandError(f"{exc}\n{err.getvalue()}") from exc
    return out.getvalue()


@pytest.fixture(autouse=True)
def _data_dir(settings, tmp_path):
    """The automatic backup a restore --yes takes goes under DATA_DIR/backups: keep it in the test's directory."""
    settings.DATA_DIR = tmp_path / "data"


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _head():
    return AuditEvent.objects.order_by("-id").values_list("id", "chain_hash").first()


@pytest.fixture
def city(users, settings):
    """Two projects (audited), a ledger upload stored under MEDIA_ROOT."""
    office = users[Role.OFFICE]
    _project(office, "国强自动化光伏新能源生产基地")
    _project(office, "合欢街南延道路建设工程")
    record = create_ledger_import(upload=SimpleUploadedFile("台账.xlsx", WORKBOOK), user=office)
    return {"office": office, "upload": Path(settings.MEDIA_ROOT) / record.file.name}


def test_round_trip_brings_back_projects_audit_log_and_uploads(city, tmp_path, settings):
    names = sorted(Project.objects.values_list("name", flat=True))
    head = _head()
    events = AuditEvent.objects.count()
    path, printed = _backup(tmp_path / "backups")
    assert path.name.startswith("kaigong-backup-")
    assert f"#{head[0]} {head[1]}" in printed

    manifest = json.loads((path / "manifest.json").read_text())
    assert manifest["database"]["vendor"] == connection.vendor
    assert manifest["tables"]["projects_project"] == 2
    assert manifest["tables"]["audit_auditevent"] == events
    assert manifest["audit_head"] == {"id": head[0], "hash": head[1]}
    assert "projects.0001_initial" in manifest["migrations"]
    upload_name = "media/" + city["upload"].relative_to(settings.MEDIA_ROOT).as_posix()
    assert (path / upload_name).read_bytes() == WORKBOOK
    assert set(manifest["files"]) == {manifest["database"]["file"], upload_name}

    # After the backup: a project deleted, another added (more events), the upload gone, a stray file uploaded.
    services.delete_project(
        project=Project.objects.get(name="合欢街南延道路建设工程"), actor=city["office"], reason="测试"
    )
    _project(city["office"], "新田路沿街可视面提升改造工程")
    city["upload"].unlink()
    stray = Path(settings.MEDIA_ROOT) / "ledger" / "later.xlsx"
    stray.parent.mkdir(parents=True, exist_ok=True)
    stray.write_bytes(b"uploaded after the backup")

    with pytest.raises(CommandError, match="--yes"):
        _restore(path)
    assert sorted(Project.objects.values_list("name", flat=True)) != names  # refused: nothing touched

    media_inode = os.stat(settings.MEDIA_ROOT).st_ino
    printed = _restore(path, "--yes")
    assert "校验通过" in printed and f"#{head[0]} {head[1]}" in printed
    # The data it overwrote was backed up first, and it says where.
    (safety,) = (Path(settings.DATA_DIR) / "backups").iterdir()
    assert f"已自动备份到 {safety}" in printed
    assert (safety / "media" / "ledger" / "later.xlsx").read_bytes() == b"uploaded after the backup"
    assert json.loads((safety / "manifest.json").read_text())["tables"]["projects_project"] == 2
    # MEDIA_ROOT's contents were swapped, not the directory: it works where MEDIA_ROOT is a mount point.
    assert os.stat(settings.MEDIA_ROOT).st_ino == media_inode
    assert not list(Path(settings.MEDIA_ROOT).parent.glob(".media.restoring-*"))
    assert sorted(Project.objects.values_list("name", flat=True)) == names
    assert AuditEvent.objects.count() == events and _head() == head
    assert LedgerImport.objects.count() == 1
    assert city["upload"].read_bytes() == WORKBOOK
    assert not stray.exists()
    (kept,) = Path(settings.MEDIA_ROOT).parent.glob("media.before-restore-*")
    assert (kept / "ledger" / "later.xlsx").read_bytes() == b"uploaded after the backup"

    # The chain goes on from the restored head.
    _project(city["office"], "恢复后新建的项目")
    out = StringIO()
    call_command("audit", "verify", f"--expect={head[0]}:{head[1]}", stdout=out)
    assert f"{events + 1} 个事件" in out.getvalue()


def test_verify_checks_a_backup_without_touching_anything(city, tmp_path):
    path, _ = _backup(tmp_path / "backups")
    assert "备份完整" in _verify(path)
    out = StringIO()
    call_command("restore", str(path), "--check", stdout=out)
    assert "备份完整" in out.getvalue()
    assert Project.objects.count() == 2


def _flip_database(path, manifest):
    file = path / manifest["database"]["file"]
    data = bytearray(file.read_bytes())
    data[len(data) // 2] ^= 0xFF
    file.write_bytes(bytes(data))


def _change_upload(path, manifest):
    (upload,) = (name for name in manifest["files"] if name.startswith("media/"))
    (path / upload).write_bytes(b"changed")


def _add_file(path, manifest):
    (path / "media" / "planted.xlsx").write_bytes(b"not from the backup")


def _remove_upload(path, manifest):
    (upload,) = (name for name in manifest["files"] if name.startswith("media/"))
    (path / upload).unlink()


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (_flip_database, "校验和与清单不符"),
        (_change_upload, "校验和与清单不符"),
        (_add_file, "清单未列出的文件"),
        (_remove_upload, "备份缺少文件"),
    ],
)
def test_a_damaged_backup_is_refused_before_anything_is_touched(city, tmp_path, settings, damage, message):
    path, _ = _backup(tmp_path / "backups")
    manifest = json.loads((path / "manifest.json").read_text())
    damage(path, manifest)
    _project(city["office"], "备份之后的项目")
    head = _head()

    with pytest.raises(CommandError, match=message):
        _verify(path)
    with pytest.raises(CommandError, match=f"未做任何改动.*{message}"):
        _restore(path, "--yes")
    assert Project.objects.filter(name="备份之后的项目").exists()
    assert _head() == head
    assert city["upload"].read_bytes() == WORKBOOK
    assert not list(Path(settings.MEDIA_ROOT).parent.glob("media.before-restore-*"))


def test_a_backup_without_a_manifest_is_refused(tmp_path):
    (tmp_path / "not-a-backup").mkdir()
    with pytest.raises(CommandError, match=r"没有 manifest\.json"):
        _restore(tmp_path / "not-a-backup", "--yes")
    (tmp_path / "not-a-backup" / "manifest.json").write_text("{broken")
    with pytest.raises(CommandError, match="无法读取"):
        _verify(tmp_path / "not-a-backup")


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda m: m["tables"].update(projects_project=m["tables"]["projects_project"] + 1),
            "projects_project 有 2 行",
        ),
        (lambda m: m["audit_head"].update(hash="0" * 64), "审计链校验失败"),
    ],
)
def test_a_restore_that_does_not_match_the_manifest_exits_1(city, tmp_path, edit, message):
    """The manifest is the reference the restored database is compared with: a mismatch is reported, exit 1."""
    path, _ = _backup(tmp_path / "backups")
    file = path / "manifest.json"
    manifest = json.loads(file.read_text())
    edit(manifest)
    file.write_text(json.dumps(manifest))
    with pytest.raises(CommandError, match=f"(?s)不一致.*{message}"):
        _restore(path, "--yes")


def test_a_backup_from_a_newer_kaigong_is_refused(city, tmp_path):
    path, _ = _backup(tmp_path / "backups")
    file = path / "manifest.json"
    manifest = json.loads(file.read_text())
    manifest["migrations"].append("projects.9999_from_the_future")
    file.write_text(json.dumps(manifest))
    with pytest.raises(CommandError, match="请先升级"):
        _restore(path, "--yes")
    assert Project.objects.count() == 2


def test_a_fresh_install_without_media_backs_up_and_restores(tmp_path, settings):
    assert not Path(settings.MEDIA_ROOT).exists()
    path, printed = _backup(tmp_path / "backups")
    assert "0 个上传文件" in printed and "审计日志为空" in printed
    assert (path / "media").is_dir() and not any((path / "media").iterdir())
    assert "备份完整" in _verify(path)
    printed = _restore(path)  # an empty database needs no --yes
    assert "校验通过" in printed
    assert Path(settings.MEDIA_ROOT).is_dir()


def _staging_dirs(settings):
    return list(Path(settings.MEDIA_ROOT).parent.glob(".media.restoring-*"))


def _disk_full(*args, **kwargs):
    raise OSError(28, "No space left on device")


@pytest.mark.parametrize("step", ["copytree", "copyfile"])
def test_a_restore_whose_staging_copy_fails_leaves_the_database_and_uploads_as_they_were(
    city, tmp_path, settings, monkeypatch, step
):
    path, _ = _backup(tmp_path / "backups")
    _project(city["office"], "备份之后的项目")
    head = _head()
    monkeypatch.setattr(shutil, step, _disk_full)

    with pytest.raises(CommandError, match="未做任何改动"):
        _restore(path, "--yes")
    assert Project.objects.filter(name="备份之后的项目").exists()
    assert _head() == head
    assert city["upload"].read_bytes() == WORKBOOK
    assert not _staging_dirs(settings)
    assert not list(Path(settings.MEDIA_ROOT).parent.glob("media.before-restore-*"))


def test_a_backup_changed_after_its_check_is_refused_from_the_staged_copy(city, tmp_path, settings, monkeypatch):
    """What is loaded is the staged copy, checked again: a file changed between the check and the copy is caught."""
    path, _ = _backup(tmp_path / "backups")
    _project(city["office"], "备份之后的项目")
    head = _head()
    copyfile = shutil.copyfile

    def copy_then_change(source, target, **kwargs):
        copyfile(source, target, **kwargs)
        data = bytearray(Path(target).read_bytes())
        data[len(data) // 2] ^= 0xFF
        Path(target).write_bytes(bytes(data))

    monkeypatch.setattr(shutil, "copyfile", copy_then_change)
    with pytest.raises(CommandError, match=r"未做任何改动.*校验和与清单不符"):
        _restore(path, "--yes")
    assert Project.objects.filter(name="备份之后的项目").exists()
    assert _head() == head
    assert not _staging_dirs(settings)


def test_a_backup_whose_empty_media_dir_was_dropped_restores_with_no_uploads_and_says_so(tmp_path, settings):
    path, _ = _backup(tmp_path / "backups")
    (path / "media").rmdir()  # as zip, git or rsync without -r of empty dirs leave it
    assert "没有 media/ 目录" in _verify(path)
    out = StringIO()
    call_command("restore", str(path), "--check", stdout=out)
    assert "备份完整" in out.getvalue() and "没有 media/ 目录" in out.getvalue()

    stray = Path(settings.MEDIA_ROOT) / "ledger" / "stray.xlsx"
    stray.parent.mkdir(parents=True)
    stray.write_bytes(b"not in the backup")
    printed = _restore(path)
    assert "没有 media/ 目录" in printed and "校验通过" in printed
    assert Path(settings.MEDIA_ROOT).is_dir() and not any(Path(settings.MEDIA_ROOT).iterdir())
    (kept,) = Path(settings.MEDIA_ROOT).parent.glob("media.before-restore-*")
    assert (kept / "ledger" / "stray.xlsx").read_bytes() == b"not in the backup"


def test_a_backup_with_uploads_whose_media_dir_is_gone_is_refused(city, tmp_path):
    path, _ = _backup(tmp_path / "backups")
    shutil.rmtree(path / "media")
    with pytest.raises(CommandError, match=r"未做任何改动.*备份缺少文件"):
        _restore(path, "--yes")
    assert city["upload"].read_bytes() == WORKBOOK


def test_only_the_owner_can_read_a_backup(city, tmp_path, monkeypatch):
    seen = {}
    copy_media = backup_module._copy_media

    def spy(source, target):
        seen["partial"] = _mode(target.parent)
        copy_media(source, target)

    monkeypatch.setattr(backup_module, "_copy_media", spy)
    old = os.umask(0o022)
    try:
        path, _ = _backup(tmp_path / "backups")
    finally:
        os.umask(old)
    assert seen["partial"] == 0o700
    assert _mode(tmp_path / "backups") == 0o700
    assert _mode(path) == 0o700
    entries = list(path.rglob("*"))
    for entry in entries:
        assert _mode(entry) == (0o700 if entry.is_dir() else 0o600), entry
    assert any(e.is_file() and e.parent != path for e in entries)  # the upload is covered too


def test_a_restore_signs_everyone_out(city, users, tmp_path, client):
    office = city["office"]
    token = Token.objects.create(user=office)
    client.force_login(office)
    path, _ = _backup(tmp_path / "backups")
    assert Token.objects.filter(key=token.key).exists()

    printed = _restore(path, "--yes")
    assert "API 令牌" in printed and "重新登录" in printed
    # A token in the backup (one that may have been revoked since) does not come back; nor does any session.
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api.get("/api/projects/").status_code == 401
    response = client.get(reverse("projects:list"))
    assert response.status_code == 302 and "login" in response["Location"]
    assert not Token.objects.exists() and not Session.objects.exists()
