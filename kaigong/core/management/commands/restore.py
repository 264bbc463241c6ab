"""`kaigong restore PATH [--yes] [--check]`: restore a backup made by `kaigong backup` (kaigong/core/backup.py).

The backup is checked first (every checksum), then copied to a private staging directory and checked again there:
a corrupted backup or a failing copy is refused before anything is touched. A database that already holds data is
overwritten only with --yes, and is backed up first (KAIGONG_DATA_DIR/backups; the path is printed). After loading,
the row counts, the uploaded files and the audit chain (its head too) are compared with the manifest; exit status 1
naming every mismatch. Every API token and session is then deleted: everyone signs in again.
`--check`: only check the backup, as `kaigong backup --verify` does.
"""

from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext_noop

from kaigong.core import backup
from kaigong.core.exceptions import bilingual
from kaigong.core.management.commands.backup import summary_lines

RESTORED = gettext_noop("已恢复:%(path)s")
VERIFIED = gettext_noop("校验通过:%(tables)s 张数据表共 %(rows)s 行与清单一致,%(media)s 个上传文件校验和一致")
REPLACED = gettext_noop("原上传文件目录已移到 %(path)s,确认无误后可删除")
SAFETY = gettext_noop("恢复前的数据已自动备份到 %(path)s")
REVOKED = gettext_noop(
    "已删除全部 %(tokens)s 个 API 令牌和 %(sessions)s 个登录会话:所有人需重新登录,API 调用方需重新获取令牌"
)
MISMATCH = gettext_noop("恢复后的数据与备份不一致(见上),请检查后重新恢复")


class Command(BaseCommand):
    help = "从 kaigong backup 的备份恢复数据库和上传文件,并按清单校验;数据库非空时需加 --yes"

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="a backup directory made by kaigong backup")
        parser.add_argument(
            "--yes",
            action="store_true",
            help="overwrite a database that already holds data (stop the web server and worker first)",
        )
        parser.add_argument("--check", action="store_true", help="only check the backup; touch nothing")
        parser.add_argument("--database", default="default", help="database alias (default: default)")

    def handle(self, *args, path, yes, check, database, **options):
        if check:
            call_command("backup", verify=path, stdout=self.stdout, stderr=self.stderr)
            return
        try:
            report = backup.restore_backup(path=path, using=database, replace=yes)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(bilingual(RESTORED, {"path": str(path)}))
        for line in summary_lines(report.manifest, size=0)[:1]:
            self.stdout.write(line)
        if report.safety_backup is not None:
            self.stdout.write(bilingual(SAFETY, {"path": str(report.safety_backup)}))
        for msgid, params in report.notes:
            self.stdout.write(bilingual(msgid, params))
        if report.replaced_media is not None:
            self.stdout.write(bilingual(REPLACED, {"path": str(report.replaced_media)}))
        if report.audit_output:
            self.stdout.write(report.audit_output)
        self.stdout.write(bilingual(REVOKED, {"tokens": report.revoked_tokens, "sessions": report.revoked_sessions}))
        if report.problems:
            for msgid, params in report.problems:
                self.stderr.write(bilingual(msgid, params))
            raise CommandError(bilingual(MISMATCH))
        self.stdout.write(
            bilingual(VERIFIED, {"tables": report.tables, "rows": report.rows, "media": report.media_files})
        )
