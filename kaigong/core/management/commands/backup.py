"""`kaigong backup [--output DIR]`: back up the database and the uploaded files into a new, timestamped directory
with a manifest (kaigong/core/backup.py). `kaigong backup --verify PATH`: check a backup without restoring it.

Exit status 1 with a bilingual message (中文 (English)) when the backup cannot be made, or does not check.
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext_noop

from kaigong.core import backup
from kaigong.core.exceptions import bilingual

DONE = gettext_noop("备份完成:%(path)s")
SUMMARY = gettext_noop("%(tables)s 张数据表,%(rows)s 行;%(media)s 个上传文件;共 %(files)s 个文件,%(size)s 字节")
HEAD = gettext_noop("审计链尾:#%(id)s %(hash)s")
NO_EVENTS = gettext_noop("审计日志为空")
CHECKED = gettext_noop("备份完整:%(path)s")
MADE = gettext_noop("Kaigong %(version)s,%(vendor)s,创建于 %(created_at)s")
BROKEN = gettext_noop("备份未通过检查:%(path)s")


def summary_lines(manifest: dict, *, size: int) -> list[str]:
    media = sum(1 for name in manifest["files"] if name.startswith(backup.MEDIA + "/"))
    lines = [
        bilingual(
            MADE,
            {
                "version": manifest["kaigong_version"],
                "vendor": manifest["database"]["vendor"],
                "created_at": manifest["created_at"],
            },
        ),
        bilingual(
            SUMMARY,
            {
                "tables": len(manifest["tables"]),
                "rows": sum(manifest["tables"].values()),
                "media": media,
                "files": len(manifest["files"]),
                "size": size,
            },
        ),
    ]
    head = manifest["audit_head"]
    lines.append(bilingual(HEAD, head) if head else bilingual(NO_EVENTS))
    return lines


class Command(BaseCommand):
    help = "备份数据库和上传文件到一个带时间的目录(含清单与校验和);--verify PATH 检查一个备份而不恢复"

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            type=Path,
            default=None,
            help="directory to create the backup in (default: KAIGONG_DATA_DIR/backups)",
        )
        parser.add_argument(
            "--verify",
            type=Path,
            metavar="PATH",
            default=None,
            help="check the backup at PATH (checksums, files, database file) without restoring it",
        )
        parser.add_argument("--database", default="default", help="database alias (default: default)")

    def handle(self, *args, output, verify, database, **options):
        if verify is not None:
            return self._verify(verify)
        output = output if output is not None else Path(settings.DATA_DIR) / "backups"
        try:
            path = backup.create_backup(output=output, using=database)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        manifest = backup.read_manifest(path)
        size = sum((path / name).stat().st_size for name in manifest["files"])
        self.stdout.write(bilingual(DONE, {"path": str(path)}))
        for line in summary_lines(manifest, size=size):
            self.stdout.write(line)

    def _verify(self, path: Path):
        try:
            report = backup.check_backup(path)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        if report.problems:
            for msgid, params in report.problems:
                self.stderr.write(bilingual(msgid, params))
            raise CommandError(bilingual(BROKEN, {"path": str(path)}))
        self.stdout.write(bilingual(CHECKED, {"path": str(path)}))
        for msgid, params in report.notes:
            self.stdout.write(bilingual(msgid, params))
        for line in summary_lines(report.manifest, size=report.size):
            self.stdout.write(line)
