"""`kaigong ledger-imports`: the uploads of the import page and the API, from the command line.

    kaigong ledger-imports list                 # recent uploads, their state and attempt
    kaigong ledger-imports recover              # imports whose worker died → failed; orphan uploads removed
    kaigong ledger-imports recover --assume-dead  # at service start: every started check or import → failed
    kaigong ledger-imports retry ID             # a failed or cancelled upload queued again, as a new attempt
    kaigong ledger-imports cancel ID            # an upload that waits, or whose worker died, cancelled

`recover` is safe to run at any time (a cron job, or before starting `kaigong db_worker`): it fails only checks and
imports whose heartbeat stopped for KAIGONG_IMPORT_STALE_SECONDS, and removes stored uploads no import refers to
that are older than --older-than-hours (24). `recover --assume-dead` fails every started check or import whatever
its lease, for when no worker runs (`make serve` before it starts its worker); uploads waiting for a worker stay.
"""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext_noop

from kaigong.audit.events import command_actor
from kaigong.core.exceptions import KaigongError, bilingual
from kaigong.projects.ledger import services, tasks
from kaigong.projects.ledger.selectors import message_in
from kaigong.projects.models import LedgerImport


class Command(BaseCommand):
    help = (
        "台账上传的恢复、重试与取消: list ledger uploads, recover those whose worker died (and remove orphan "
        "uploads), retry or cancel one."
    )
    requires_system_checks = []

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("list", help="最近的台账上传 (recent uploads)")
        recover = sub.add_parser("recover", help="处理进程中断的导入标记为失败,清理无主上传 (recover, clean up)")
        recover.add_argument("--older-than-hours", type=float, default=24.0)
        recover.add_argument(
            "--assume-dead",
            action="store_true",
            help="没有进程在运行时使用(如服务启动):所有已开始的检查和导入都标记为失败 (no worker runs: fail them all)",
        )
        for name, text in (
            ("retry", "重试失败或已取消的上传 (retry)"),
            ("cancel", "取消等待中或已中断的上传 (cancel)"),
        ):
            parser_ = sub.add_parser(name, help=text)
            parser_.add_argument("id", type=int)

    def handle(self, *args, action, **options):
        if action == "list":
            return self._list()
        if action == "recover":
            return self._recover(options["older_than_hours"], assume_dead=options["assume_dead"])
        record = LedgerImport.objects.filter(pk=options["id"]).first()
        if record is None:
            raise CommandError(bilingual(gettext_noop("没有编号为 %(id)s 的台账上传"), {"id": options["id"]}))
        services.recover_stale_imports(record=record)
        label = command_actor(f"ledger-imports {action}")
        try:
            if action == "retry":
                tasks.retry(record, actor_label=label)
            else:
                services.cancel_ledger_import(record=record, actor_label=label)
        except KaigongError as exc:
            raise CommandError(str(exc)) from exc
        record.refresh_from_db()
        self.stdout.write(self.style.SUCCESS(self._line(record)))

    def _line(self, record: LedgerImport) -> str:
        text = f"#{record.pk} {record.original_name} · {record.status} · attempt {record.attempt}"
        text += f" · {record.processed_rows}/{record.total_rows}"
        message = message_in(record.message, "zh-hans")
        return f"{text} · {message}" if message else text

    def _list(self) -> None:
        services.recover_stale_imports()
        for record in LedgerImport.objects.all()[:50]:
            self.stdout.write(self._line(record))

    def _recover(self, hours: float, *, assume_dead: bool = False) -> None:
        recovered = services.recover_stale_imports(assume_dead=assume_dead)
        for record in recovered:
            self.stdout.write(self.style.WARNING(self._line(record)))
        removed = services.remove_orphan_uploads(older_than=dt.timedelta(hours=hours))
        for path in removed:
            self.stdout.write(str(path))
        self.stdout.write(
            self.style.SUCCESS(
                bilingual(
                    gettext_noop("已将%(failed)s个中断的台账导入标记为失败,清理%(removed)s个无主上传文件"),
                    {"failed": len(recovered), "removed": len(removed)},
                )
            )
        )
