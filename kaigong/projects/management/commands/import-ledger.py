"""`kaigong import-ledger FILE [--dry-run]`: check (and import) a ledger sheet; exit 0 only on success."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext_noop

from kaigong.core.exceptions import KaigongError
from kaigong.projects.importers import bilingual_message, import_ledger

ACTOR_LABEL = "命令 import-ledger"


class Command(BaseCommand):
    help = "导入重点项目台账 (.xlsx/.xls/.csv): Import a project ledger sheet; --dry-run only checks it."
    # No system checks first: they import every URL conf, view and serializer (half a second) to check things a
    # data import does not touch; `kaigong check` and the server run them.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("file", help="台账文件 (ledger file: .xlsx, .xls or .csv)")
        parser.add_argument("--dry-run", action="store_true", help="只检查,不写入 (check only, write nothing)")

    def handle(self, *args, file, dry_run=False, **options):
        try:
            result = import_ledger(file, actor=None, actor_label=ACTOR_LABEL, dry_run=dry_run)
        except FileNotFoundError as exc:
            raise CommandError(bilingual_message(gettext_noop("文件不存在: %(path)s"), {"path": file})) from exc
        except KaigongError as exc:
            raise CommandError(str(exc)) from exc
        for problem in result.problems:
            self.stderr.write(str(problem))
        if result.problems:
            raise CommandError(
                bilingual_message(gettext_noop("发现%(count)s个问题,未导入任何项目"), {"count": len(result.problems)})
            )
        if dry_run:
            creates = sum(1 for p in result.plans if p.creating)
            message = bilingual_message(
                gettext_noop("检查通过(未写入):%(rows)s行,将新增%(created)s个、更新%(updated)s个项目"),
                {"rows": result.total_rows, "created": creates, "updated": len(result.plans) - creates},
            )
        else:
            message = bilingual_message(
                gettext_noop("导入完成:%(rows)s行,新增%(created)s个项目,更新%(updated)s个项目,未变%(unchanged)s个"),
                {
                    "rows": result.total_rows,
                    "created": result.created,
                    "updated": result.updated,
                    "unchanged": result.unchanged,
                },
            )
        self.stdout.write(self.style.SUCCESS(message))
