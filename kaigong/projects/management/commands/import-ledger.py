"""`kaigong import-ledger FILE [--dry-run]`: check (and import) a ledger sheet; exit 0 only on success.
`kaigong import-ledger --template FILE.xlsx` writes the template the importer reads."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext_noop, override

from kaigong.core.exceptions import KaigongError, bilingual
from kaigong.projects.ledger.importer import import_ledger
from kaigong.projects.ledger.owners import new_owners_messages
from kaigong.projects.ledger.preview import preview_rows
from kaigong.projects.ledger.reader import ignored_columns_message

ACTOR_LABEL = "命令 import-ledger"


class Command(BaseCommand):
    help = (
        "导入重点项目台账 (.xlsx/.xls/.csv): Import a project ledger sheet; --dry-run only checks it and shows what "
        "the first rows will become; --template FILE.xlsx writes the ledger template."
    )
    # No system checks first: they import every URL conf, view and serializer (half a second) to check things a
    # data import does not touch; `kaigong check` and the server run them.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", help="台账文件 (ledger file: .xlsx, .xls or .csv)")
        parser.add_argument("--dry-run", action="store_true", help="只检查,不写入 (check only, write nothing)")
        parser.add_argument(
            "--template",
            metavar="FILE.xlsx",
            help="写出台账模板:可识别的列名、单位和一行示例 (write the template: headers, units, an example row)",
        )

    def handle(self, *args, file=None, dry_run=False, template=None, **options):
        if template:
            self._write_template(template)
            if not file:
                return
        if not file:
            raise CommandError(bilingual(gettext_noop("请指定台账文件,或用 --template 写出模板")))
        try:
            result = import_ledger(file, actor=None, actor_label=ACTOR_LABEL, dry_run=dry_run)
        except FileNotFoundError as exc:
            raise CommandError(bilingual(gettext_noop("文件不存在: %(path)s"), {"path": file})) from exc
        except KaigongError as exc:
            raise CommandError(str(exc)) from exc
        if result.ignored:
            # Never dropped in silence: each column the importer does not read, in both languages.
            for language in ("zh-hans", "en"):
                self.stdout.write(self.style.WARNING(ignored_columns_message(result.ignored, language)))
        for language in ("zh-hans", "en"):  # the owners it registers (or did), those without a code said so
            for line in new_owners_messages(result.new_owners, language):
                self.stdout.write(line)
        for warning in result.warnings:  # imported as typed, said in both languages
            self.stdout.write(self.style.WARNING(str(warning)))
        for problem in result.problems:
            self.stderr.write(str(problem))
        if result.problems:
            raise CommandError(
                bilingual(gettext_noop("发现%(count)s个问题,未导入任何项目"), {"count": len(result.problems)})
            )
        if dry_run:
            self._write_preview(result)
            creates = sum(1 for p in result.plans if p.creating)
            message = bilingual(
                gettext_noop("检查通过(未写入):%(rows)s行,将新增%(created)s个、更新%(updated)s个项目"),
                {"rows": result.total_rows, "created": creates, "updated": len(result.plans) - creates},
            )
        else:
            message = bilingual(
                gettext_noop("导入完成:%(rows)s行,新增%(created)s个项目,更新%(updated)s个项目,未变%(unchanged)s个"),
                {
                    "rows": result.total_rows,
                    "created": result.created,
                    "updated": result.updated,
                    "unchanged": result.unchanged,
                },
            )
        self.stdout.write(self.style.SUCCESS(message))

    def _write_template(self, path: str) -> None:
        from kaigong.projects.ledger.template import build_ledger_template

        try:
            build_ledger_template(path)
        except OSError as exc:
            raise CommandError(bilingual(gettext_noop("无法写入文件: %(path)s"), {"path": path}) + f": {exc}") from exc
        self.stdout.write(self.style.SUCCESS(bilingual(gettext_noop("已写出台账模板: %(path)s"), {"path": path})))

    def _write_preview(self, result) -> None:
        """What the first rows will write: a new project's values, an existing one's changes (before → after)."""
        with override("zh-hans"):
            rows = preview_rows(result)
        if not rows:
            return
        self.stdout.write(bilingual(gettext_noop("前%(count)s行将写入的内容:"), {"count": len(rows)}))
        for row in rows:
            action = gettext_noop("新增") if row.creating else gettext_noop("更新")
            self.stdout.write(
                f"  {bilingual(gettext_noop('第%(row)s行'), {'row': row.row})} {bilingual(action)} {row.name}"
            )
            for change in row.changes:
                if row.creating:
                    self.stdout.write(f"    {change.label}: {change.after or '—'}")
                else:
                    self.stdout.write(f"    {change.label}: {change.before or '—'} → {change.after or '—'}")
            if not row.changes:
                self.stdout.write(f"    {bilingual(gettext_noop('无变化'))}")
