"""Backups of a Kaigong installation: the database and the uploaded files (MEDIA_ROOT), with a manifest to check
them by (`kaigong backup`, `kaigong backup --verify`, `kaigong restore`; docs/operations.md).

A backup is a directory ``kaigong-backup-YYYYMMDD-HHMMSSZ`` holding

- ``database.dump`` (PostgreSQL: ``pg_dump --format=custom``) or ``database.sqlite3`` (SQLite: a copy made with
  sqlite3's online backup API, never a copy of the file while it is written);
- ``media/``: the uploaded files, as they are under MEDIA_ROOT (empty when there are none, or no MEDIA_ROOT yet);
- ``manifest.json``: Kaigong's version, the database's vendor, the migrations applied, when it was made, the row
  count of every table, the SHA-256 of every other file in the backup, and the audit chain's head.

The counts and the chain head are read from the very snapshot the dump holds: on PostgreSQL pg_dump reads the
snapshot of a REPEATABLE READ transaction that counted the rows (``--snapshot``), on SQLite they are read from the
copy. A backup is written as ``….partial`` and renamed when complete, so a directory with the final name is whole.

A backup holds every row, API tokens and password hashes included: its directory is created 0700 and its files
0600, so only the account that made it can read it.

Restoring checks the backup first (every checksum, no file missing or added, the vendor, migrations this code
knows), so a corrupted backup is refused before anything is touched. Then, still before the database is touched, it
copies the dump and the media into a private staging directory beside MEDIA_ROOT and checks the staged copy's
checksums: a failing copy (disk full, unreadable file) leaves everything as it was, and what is loaded is exactly
what was checked. A missing ``media/`` (an empty directory that zip, git or rsync dropped) counts as no uploads, and
both the check and the restore say so. Then it loads the database from the staged dump (pg_restore --clean
--if-exists --no-owner in one transaction / the backup API into the configured database), swaps the CONTENTS of
MEDIA_ROOT for the staged media (the directory itself stays, so a mount point works; what it held is kept beside
it), verifies (the row counts equal the manifest's, the audit chain verifies through `kaigong audit verify` and its
head is the manifest's), and finally deletes every API token and session: access revoked after the backup must not
come back, so everyone logs in again.

Core sits below the audit app (pyproject's layers), so the audit table is found through the app registry and its
chain checked through the ``audit verify`` command, not by importing kaigong.audit.
"""

import datetime as dt
import hashlib
import importlib.metadata
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.utils.translation import gettext_noop

from kaigong.core.exceptions import KaigongError, bilingual

FORMAT = 1  # the manifest's layout; a later Kaigong reading an older backup knows it by this
MANIFEST = "manifest.json"
MEDIA = "media"
DUMP = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}
PREFIX = "kaigong-backup-"
PARTIAL = ".partial"
CHUNK = 1024 * 1024
DIR_MODE = 0o700  # a backup holds password hashes and API tokens: only its owner reads it
FILE_MODE = 0o600
# Signed-in state a restore revokes (see restore_backup): the models, found through the app registry.
SIGNED_IN_MODELS = ("authtoken.Token", "sessions.Session")

# A database holds data once it has any of these (a fresh, migrated installation has none: its migrations only
# load the departments, approval matters and workday calendar every city starts from).
DATA_MODELS = ("accounts.User", "accounts.Organization", "projects.Project", "audit.AuditEvent")


class BackupError(KaigongError):
    code = "backup"


@dataclass
class CheckReport:
    """What checking a backup found: ``problems`` empty means it is whole."""

    path: Path
    manifest: dict
    files: int = 0
    size: int = 0
    problems: list = field(default_factory=list)  # (msgid, params)
    notes: list = field(default_factory=list)  # (msgid, params): worth saying, not a fault


@dataclass
class RestoreReport:
    path: Path
    manifest: dict
    tables: int
    rows: int
    media_files: int
    replaced_media: Path | None
    audit_output: str
    problems: list = field(default_factory=list)  # (msgid, params)
    notes: list = field(default_factory=list)  # (msgid, params)
    revoked_tokens: int = 0
    revoked_sessions: int = 0
    safety_backup: Path | None = None


# --- making a backup -------------------------------------------------------------------------------------------


def create_backup(*, output: Path, using: str = DEFAULT_DB_ALIAS, now: dt.datetime | None = None) -> Path:
    """Back up the database ``using`` and MEDIA_ROOT into a new directory under ``output``; return its path."""
    connection = connections[using]
    vendor = _vendor(connection)
    now = now or dt.datetime.now(dt.UTC)
    output = Path(output)
    output.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    final = _free_name(output, PREFIX + now.strftime("%Y%m%d-%H%M%SZ"))
    partial = final.with_name(final.name + PARTIAL)
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(mode=DIR_MODE)
    partial.chmod(DIR_MODE)  # whatever the umask: nothing inside is reachable by others while it is written
    try:
        dump = partial / DUMP[vendor]
        if vendor == "postgresql":
            tables, head = _dump_postgresql(connection, dump)
        else:
            tables, head = _dump_sqlite(connection, dump)
        _copy_media(Path(settings.MEDIA_ROOT), partial / MEDIA)
        manifest = {
            "format": FORMAT,
            "kaigong_version": kaigong_version(),
            "created_at": now.isoformat(timespec="seconds"),
            "database": {"vendor": vendor, "file": DUMP[vendor]},
            "migrations": _migrations(connection),
            "tables": tables,
            "audit_head": head,
            "files": {name: digest for name, digest in _hash_tree(partial)},
        }
        (partial / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        _make_private(partial)
        partial.rename(final)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return final


def kaigong_version() -> str:
    try:
        return importlib.metadata.version("kaigong")
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover - run from a checkout never installed
        return "unknown"


def _vendor(connection) -> str:
    if connection.vendor not in DUMP:
        raise BackupError(
            gettext_noop("不支持备份该类型的数据库:%(vendor)s。只支持 PostgreSQL 和 SQLite。"),
            params={"vendor": connection.vendor},
        )
    return connection.vendor


def _free_name(output: Path, name: str) -> Path:
    path, n = output / name, 1
    while path.exists() or path.with_name(path.name + PARTIAL).exists():
        n += 1
        path = output / f"{name}-{n}"
    return path


def _audit_table() -> str:
    return apps.get_model("audit", "AuditEvent")._meta.db_table


def _count_tables(cursor, names, quote) -> dict:
    counts = {}
    for name in sorted(names):
        cursor.execute(f"SELECT COUNT(*) FROM {quote(name)}")
        counts[name] = cursor.fetchone()[0]
    return counts


def _head(cursor, tables: dict, quote) -> dict | None:
    table = _audit_table()
    if table not in tables:
        return None
    cursor.execute(f"SELECT id, chain_hash FROM {quote(table)} ORDER BY id DESC LIMIT 1")
    row = cursor.fetchone()
    return None if row is None else {"id": row[0], "hash": row[1]}


def _dump_sqlite(connection, dump: Path) -> tuple[dict, dict | None]:
    """Copy the database with the backup API, then read counts and head from the copy (the same snapshot)."""
    connection.ensure_connection()
    target = sqlite3.connect(dump)
    try:
        connection.connection.backup(target)
        target.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        cursor = target.cursor()
        tables = _count_tables(cursor, _sqlite_tables(cursor), _quote_sqlite)
        head = _head(cursor, tables, _quote_sqlite)
    finally:
        target.close()
    return tables, head


def _sqlite_tables(cursor) -> list[str]:
    cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    return [row[0] for row in cursor.fetchall()]


def _quote_sqlite(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _dump_postgresql(connection, dump: Path) -> tuple[dict, dict | None]:
    """Count the rows in a REPEATABLE READ transaction and have pg_dump read that transaction's snapshot."""
    quote = connection.ops.quote_name
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        tables = _count_tables(cursor, connection.introspection.table_names(cursor), quote)
        head = _head(cursor, tables, quote)
        _run(
            ["pg_dump", "--format=custom", f"--snapshot={snapshot}", f"--file={dump}", *_pg_args(connection)],
            connection,
        )
    return tables, head


def _pg_args(connection) -> list[str]:
    params = connection.settings_dict
    args = []
    if params.get("HOST"):
        args.append(f"--host={params['HOST']}")
    if params.get("PORT"):
        args.append(f"--port={params['PORT']}")
    if params.get("USER"):
        args.append(f"--username={params['USER']}")
    return [*args, "--no-password", f"--dbname={params['NAME']}"]


def _run(command: list[str], connection) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    params = connection.settings_dict
    if params.get("PASSWORD"):
        env["PGPASSWORD"] = str(params["PASSWORD"])
    sslmode = (params.get("OPTIONS") or {}).get("sslmode")
    if sslmode:
        env["PGSSLMODE"] = sslmode
    try:
        result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    except FileNotFoundError as exc:
        raise BackupError(
            gettext_noop("找不到程序 %(program)s:请安装 PostgreSQL 客户端(postgresql-client),版本不低于数据库服务器。"),
            params={"program": command[0]},
        ) from exc
    if result.returncode != 0:
        raise BackupError(
            gettext_noop("%(program)s 失败(退出码 %(code)s):%(error)s"),
            params={"program": command[0], "code": result.returncode, "error": result.stderr.strip()[-2000:]},
        )
    return result


def _migrations(connection) -> list[str]:
    recorder = MigrationRecorder(connection)
    return sorted(f"{app}.{name}" for app, name in recorder.applied_migrations())


def _copy_media(source: Path, target: Path) -> None:
    """Copy the regular files under ``source`` (none if it does not exist) into ``target``."""
    target.mkdir()
    if not source.is_dir():
        return
    for root, dirs, files in os.walk(source):
        dirs.sort()
        relative = Path(root).relative_to(source)
        (target / relative).mkdir(parents=True, exist_ok=True)
        for name in sorted(files):
            path = Path(root) / name
            if path.is_file() and not path.is_symlink():
                shutil.copy2(path, target / relative / name)


def _make_private(root: Path) -> None:
    """Directories 0700, files 0600 under root (copy2 and pg_dump leave the source's or the umask's modes)."""
    root.chmod(DIR_MODE)
    for path in root.rglob("*"):
        if not path.is_symlink():
            path.chmod(DIR_MODE if path.is_dir() else FILE_MODE)


def _hash_tree(root: Path):
    """(relative POSIX path, SHA-256) of every regular file under root but the manifest, in path order."""
    for path in sorted(p for p in root.rglob("*") if p.is_file() or p.is_symlink()):
        relative = path.relative_to(root).as_posix()
        if relative != MANIFEST:
            yield relative, sha256(path)


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        while chunk := file.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


# --- checking a backup -----------------------------------------------------------------------------------------


def check_backup(path: Path) -> CheckReport:
    """Check a backup without touching the database: the manifest reads, every file it lists is there with its
    checksum, no other file is, and the database file opens. Raises BackupError when there is no manifest to read."""
    path = Path(path)
    manifest = read_manifest(path)
    report = CheckReport(path=path, manifest=manifest)
    listed = manifest["files"]
    found = dict.fromkeys(p.relative_to(path).as_posix() for p in path.rglob("*") if (p.is_file() or p.is_symlink()))
    found.pop(MANIFEST, None)
    if not (path / MEDIA).is_dir():
        report.notes.append((NO_MEDIA_DIR, {}))
    for name in sorted(set(found) - set(listed)):
        report.problems.append((gettext_noop("备份中有清单未列出的文件:%(file)s"), {"file": name}))
    for name, digest in sorted(listed.items()):
        file = path / name
        if name not in found or not _inside(path, file) or file.is_symlink():
            report.problems.append((gettext_noop("备份缺少文件:%(file)s"), {"file": name}))
            continue
        report.files += 1
        report.size += file.stat().st_size
        if sha256(file) != digest:
            report.problems.append(
                (gettext_noop("文件 %(file)s 的校验和与清单不符:备份已损坏或被改动"), {"file": name})
            )
    database = manifest["database"]["file"]
    if not report.problems and manifest["database"]["vendor"] == "sqlite":
        problem = _sqlite_integrity(path / database)
        if problem:
            report.problems.append(
                (gettext_noop("数据库文件 %(file)s 不完整:%(error)s"), {"file": database, "error": problem})
            )
    return report


NO_MEDIA_DIR = gettext_noop(
    "备份中没有 media/ 目录(打包或同步时可能丢掉了空目录):按没有上传文件处理;清单列出的上传文件仍须都在。"
)


def read_manifest(path: Path) -> dict:
    file = Path(path) / MANIFEST
    if not Path(path).is_dir():
        raise BackupError(
            gettext_noop("%(path)s 不是备份目录:请给出 kaigong backup 生成的目录。"), params={"path": str(path)}
        )
    try:
        manifest = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise BackupError(
            gettext_noop("%(path)s 中没有 manifest.json:这不是 kaigong backup 生成的备份,或备份不完整。"),
            params={"path": str(path)},
        ) from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise BackupError(
            gettext_noop("%(path)s 的 manifest.json 无法读取(%(error)s):备份已损坏。"),
            params={"path": str(path), "error": str(exc)},
        ) from exc
    if not _manifest_shape(manifest):
        raise BackupError(
            gettext_noop("%(path)s 的 manifest.json 缺少必要内容:备份已损坏,或来自不兼容的版本。"),
            params={"path": str(path)},
        )
    return manifest


def _manifest_shape(manifest) -> bool:
    try:
        return (
            manifest["format"] == FORMAT
            and manifest["database"]["vendor"] in DUMP
            and manifest["database"]["file"] == DUMP[manifest["database"]["vendor"]]
            and isinstance(manifest["files"], dict)
            and manifest["database"]["file"] in manifest["files"]
            and isinstance(manifest["tables"], dict)
            and isinstance(manifest["migrations"], list)
            and (manifest["audit_head"] is None or {"id", "hash"} <= set(manifest["audit_head"]))
        )
    except (KeyError, TypeError):
        return False


def _inside(root: Path, path: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
    except ValueError:
        return False
    return True


def _sqlite_integrity(file: Path) -> str:
    try:
        source = sqlite3.connect(f"{file.resolve().as_uri()}?mode=ro", uri=True)
        try:
            result = source.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            source.close()
    except sqlite3.DatabaseError as exc:
        return str(exc)
    return "" if result == "ok" else result


# --- restoring -------------------------------------------------------------------------------------------------


def database_is_empty(using: str = DEFAULT_DB_ALIAS) -> bool:
    """No user, organization, project or audit event: a fresh installation, migrated, before anyone used it."""
    connection = connections[using]
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        present = set(connection.introspection.table_names(cursor))
        for label in DATA_MODELS:
            table = apps.get_model(label)._meta.db_table
            if table in present:
                cursor.execute(f"SELECT 1 FROM {quote(table)} LIMIT 1")
                if cursor.fetchone() is not None:
                    return False
    return True


def restore_backup(
    *, path: Path, using: str = DEFAULT_DB_ALIAS, replace: bool = False, safety_backup_dir: Path | None = None
) -> RestoreReport:
    """Check the backup, stage and re-check a private copy of it, load that copy into the database ``using`` and
    MEDIA_ROOT, verify the result, then revoke every API token and session.

    Refused before anything is touched: a backup that does not check, of another vendor, with migrations this
    code does not know, a database that is not empty unless ``replace``, or a staged copy that fails or does not
    match the manifest. With ``replace`` on a database that holds data, the current data is first backed up into
    ``safety_backup_dir`` (default: KAIGONG_DATA_DIR/backups)."""
    path = Path(path)
    report = check_backup(path)
    _refuse_if_problems(report.problems)
    manifest = report.manifest
    connection = connections[using]
    vendor = _vendor(connection)
    if manifest["database"]["vendor"] != vendor:
        raise BackupError(
            gettext_noop("这是 %(backup)s 数据库的备份,当前配置的数据库是 %(current)s:请恢复到同类数据库。"),
            params={"backup": manifest["database"]["vendor"], "current": vendor},
        )
    unknown = _unknown_migrations(manifest, connection)
    if unknown:
        raise BackupError(
            gettext_noop(
                "备份来自更新的 Kaigong(%(version)s),有本版本没有的迁移 %(migrations)s:请先升级 Kaigong,再恢复。"
            ),
            params={"version": manifest["kaigong_version"], "migrations": ", ".join(unknown[:5])},
        )
    if connection.in_atomic_block:
        raise BackupError(gettext_noop("不能在事务中恢复备份。"))
    has_data = not database_is_empty(using)
    if has_data and not replace:
        raise BackupError(
            gettext_noop(
                "数据库中已有数据,恢复会用备份覆盖它们。确认要覆盖,请加 --yes 重新运行(先停止网站和后台任务进程)。"
            )
        )
    media_root = Path(settings.MEDIA_ROOT)
    staging = _stage(path, manifest, media_root)
    safety = None
    try:
        if has_data:  # the data about to be overwritten, kept in case the backup chosen was the wrong one
            safety = create_backup(output=Path(safety_backup_dir or Path(settings.DATA_DIR) / "backups"), using=using)
        database = staging / manifest["database"]["file"]
        if vendor == "postgresql":
            _restore_postgresql(connection, database)
        else:
            _restore_sqlite(connection, database)
    except BaseException as exc:
        shutil.rmtree(staging, ignore_errors=True)
        if safety is None or not isinstance(exc, BackupError):
            raise
        raise BackupError(
            gettext_noop("恢复数据库失败,数据库未改动:%(error)s(恢复前自动做的备份在 %(path)s)"),
            params={"error": str(exc), "path": str(safety)},
        ) from exc
    try:
        replaced = _swap_media(staging / MEDIA, media_root)
    except OSError as exc:
        raise BackupError(
            gettext_noop(
                "数据库已恢复,但上传文件没有换完(%(error)s):已核对的上传文件在 %(staging)s,"
                "请把其中 media/ 的内容移入 %(media)s,或解决问题后重新恢复。"
            ),
            params={"error": str(exc), "staging": str(staging), "media": str(media_root)},
        ) from exc
    shutil.rmtree(staging, ignore_errors=True)
    restored = verify_restored(path=path, manifest=manifest, using=using, replaced_media=replaced)
    restored.notes = report.notes
    restored.safety_backup = safety
    restored.revoked_tokens, restored.revoked_sessions = _revoke_signed_in(using)
    return restored


def _refuse_if_problems(problems: list) -> None:
    if problems:
        msgid, params = problems[0]
        raise BackupError(
            gettext_noop("备份未通过检查,未做任何改动:%(problem)s"), params={"problem": bilingual(msgid, params)}
        )


def _stage(path: Path, manifest: dict, media_root: Path) -> Path:
    """Copy the dump and the media into a private directory beside MEDIA_ROOT (same disk, so the swap is moves)
    and check the copy against the manifest: what is loaded afterwards is exactly what was checked. Any failure
    (disk full, an unreadable file, a file changed since the check) removes the copy and touches nothing else."""
    media_root.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{media_root.name}.restoring-", dir=media_root.parent))  # 0700
    try:
        database = manifest["database"]["file"]
        shutil.copyfile(path / database, staging / database)
        if (path / MEDIA).is_dir():
            shutil.copytree(path / MEDIA, staging / MEDIA, symlinks=True)
        else:
            (staging / MEDIA).mkdir()
        _make_private(staging)
        problems = _staged_problems(staging, manifest)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise BackupError(
            gettext_noop("无法把备份复制到 %(directory)s(%(error)s),未做任何改动:请检查磁盘空间和权限后重试。"),
            params={"directory": str(media_root.parent), "error": str(exc)},
        ) from exc
    if problems:
        shutil.rmtree(staging, ignore_errors=True)
        _refuse_if_problems(problems)
    return staging


def _staged_problems(staging: Path, manifest: dict) -> list:
    """The staged copy against the manifest: the same files, none added, every checksum, the SQLite file whole."""
    problems = []
    found = {name: digest for name, digest in _hash_tree(staging)}
    for name in sorted(set(found) - set(manifest["files"])):
        problems.append((gettext_noop("备份中有清单未列出的文件:%(file)s"), {"file": name}))
    for name, digest in sorted(manifest["files"].items()):
        if name not in found:
            problems.append((gettext_noop("备份缺少文件:%(file)s"), {"file": name}))
        elif found[name] != digest or (staging / name).is_symlink():
            problems.append((gettext_noop("文件 %(file)s 的校验和与清单不符:备份已损坏或被改动"), {"file": name}))
    database = manifest["database"]["file"]
    if not problems and manifest["database"]["vendor"] == "sqlite":
        problem = _sqlite_integrity(staging / database)
        if problem:
            problems.append(
                (gettext_noop("数据库文件 %(file)s 不完整:%(error)s"), {"file": database, "error": problem})
            )
    return problems


def _unknown_migrations(manifest: dict, connection) -> list[str]:
    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    known = {f"{app}.{name}" for app, name in known}
    return [name for name in manifest["migrations"] if name not in known]


def _restore_sqlite(connection, database: Path) -> None:
    """The backup API into the configured database: its pages replaced by the backup's, in one step."""
    connection.ensure_connection()
    source = sqlite3.connect(f"{database.resolve().as_uri()}?mode=ro", uri=True)
    try:
        source.backup(connection.connection)
    finally:
        source.close()


def _restore_postgresql(connection, database: Path) -> None:
    """pg_restore in one transaction: on failure the database is left as it was."""
    connection.close()
    _run(
        [
            "pg_restore",
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            *_pg_args(connection),
            str(database),
        ],
        connection,
    )


def _swap_media(staged: Path, media_root: Path) -> Path | None:
    """Move MEDIA_ROOT's contents into a directory kept beside it (returned; None when it held nothing), then the
    staged media's contents into MEDIA_ROOT. The directory itself stays, so MEDIA_ROOT may be a mount point."""
    media_root.mkdir(parents=True, exist_ok=True)
    replaced = None
    current = sorted(media_root.iterdir())
    if current:
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%SZ")
        replaced = _free_name(media_root.parent, f"{media_root.name}.before-restore-{stamp}")
        replaced.mkdir(mode=DIR_MODE)
        for entry in current:
            shutil.move(entry, replaced / entry.name)
    for entry in sorted(staged.iterdir()):
        shutil.move(entry, media_root / entry.name)
    return replaced


def _revoke_signed_in(using: str) -> tuple[int, int]:
    """Delete every API token and session: tokens and sessions revoked after the backup must not come back."""
    counts = []
    for label in SIGNED_IN_MODELS:
        try:
            model = apps.get_model(label)
        except LookupError:  # the app is not installed: nothing to revoke
            counts.append(0)
            continue
        counts.append(model.objects.using(using).all().delete()[0])
    return counts[0], counts[1]


def verify_restored(*, path: Path, manifest: dict, using: str, replaced_media: Path | None = None) -> RestoreReport:
    """Compare the database and MEDIA_ROOT with the manifest: every table's rows, the audit chain and its head,
    every media file's checksum."""
    connection = connections[using]
    problems = []
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        present = set(connection.introspection.table_names(cursor))
        for table, expected in sorted(manifest["tables"].items()):
            if table not in present:
                problems.append((gettext_noop("恢复后缺少数据表 %(table)s"), {"table": table}))
                continue
            cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")
            found = cursor.fetchone()[0]
            if found != expected:
                problems.append(
                    (
                        gettext_noop("数据表 %(table)s 有 %(found)s 行,备份清单记录 %(expected)s 行"),
                        {"table": table, "found": found, "expected": expected},
                    )
                )
    media_root = Path(settings.MEDIA_ROOT)
    media_files = 0
    for name, digest in sorted(manifest["files"].items()):
        if not name.startswith(MEDIA + "/"):
            continue
        media_files += 1
        file = media_root / name[len(MEDIA) + 1 :]
        if not file.is_file() or sha256(file) != digest:
            problems.append((gettext_noop("恢复后的上传文件 %(file)s 与备份不符"), {"file": name}))
    audit_output = io.StringIO()
    args = ["audit", "verify", f"--database={using}"]
    if manifest["audit_head"] is not None:
        args.append(f"--expect={manifest['audit_head']['id']}:{manifest['audit_head']['hash']}")
    try:
        call_command(*args, stdout=audit_output)
    except CommandError as exc:
        problems.append((gettext_noop("恢复后审计链校验失败:%(error)s"), {"error": str(exc)}))
    if manifest["audit_head"] is None and _audit_table() in present:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM {quote(_audit_table())}")
            if cursor.fetchone()[0]:
                problems.append((gettext_noop("备份中没有审计事件,恢复后却有"), {}))
    return RestoreReport(
        path=path,
        manifest=manifest,
        tables=len(manifest["tables"]),
        rows=sum(manifest["tables"].values()),
        media_files=media_files,
        replaced_media=replaced_media,
        audit_output=audit_output.getvalue().strip(),
        problems=problems,
    )
