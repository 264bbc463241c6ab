"""`kaigong export-ledger --out FILE [--year … --category … --stage … --department … --batch … --township … --q …]
[--progress-month 2024-10]`: with a month, the monthly ledger (the progress columns an app registered)."""

import shutil
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext_noop

from kaigong.accounts.models import Department
from kaigong.core.exceptions import KaigongError, bilingual
from kaigong.projects.ledger.exporter import export_ledger
from kaigong.projects.models import Category, GroundbreakingBatch, Level

ACTOR_LABEL = "命令 export-ledger"


class Command(BaseCommand):
    help = "导出重点项目台账 (.xlsx): Export the project ledger, filtered like the project list."

    def add_arguments(self, parser):
        parser.add_argument("--out", required=True, help="输出文件 (output .xlsx file)")
        parser.add_argument("--year", help="计划年度 (plan year)")
        parser.add_argument("--category", help="项目类别ID (category id)")
        parser.add_argument("--level", help="项目级别ID (level id)")
        parser.add_argument("--stage", action="append", help="项目阶段, 可重复 (stage, repeatable)")
        parser.add_argument("--department", help="责任单位ID (responsible department id)")
        parser.add_argument("--batch", help="开工批次ID (groundbreaking batch id)")
        parser.add_argument("--pool", help="项目库 (pool)")
        parser.add_argument("--township", help="所在乡镇(街道) (township)")
        parser.add_argument(
            "--progress-month", help="月度台账的月份, 如 2024-10 (monthly ledger: the month's progress columns)"
        )
        parser.add_argument("--q", help="搜索 (search: name, code, owner, pinyin initials)")
        parser.add_argument("--ordering", help="排序 (ordering, e.g. -total_investment)")

    def handle(self, *args, out, **options):
        params = {}
        for option, key in (
            ("year", "year"),
            ("category", "category"),
            ("level", "level"),
            ("department", "responsible_department"),
            ("batch", "batch"),
            ("pool", "pool"),
            ("township", "township"),
            ("progress_month", "progress_month"),
            ("q", "q"),
            ("ordering", "ordering"),
        ):
            if options.get(option):
                params[key] = _by_name(key, options[option])
        if options.get("stage"):
            params["stage"] = options["stage"]
        try:
            export = export_ledger(user=None, params=_QueryParams(params), actor_label=ACTOR_LABEL)
        except KaigongError as exc:
            raise CommandError(str(exc)) from exc
        target = Path(out)
        try:
            shutil.move(str(export.path), target)
        except OSError as exc:
            export.path.unlink(missing_ok=True)
            raise CommandError(bilingual(gettext_noop("无法写入文件: %(path)s"), {"path": out})) from exc
        self.stdout.write(
            self.style.SUCCESS(
                bilingual(
                    gettext_noop("已导出%(count)s个项目到 %(path)s"), {"count": export.row_count, "path": str(target)}
                )
            )
        )


class _QueryParams(dict):
    """A dict with QueryDict's getlist, so repeated options (--stage a --stage b) reach the FilterSet."""

    def getlist(self, key, default=None):
        value = self.get(key, default if default is not None else [])
        return value if isinstance(value, list) else [value]

    def get(self, key, default=None):
        value = super().get(key, default)
        return value[-1] if isinstance(value, list) and value else value


_BY_NAME = {
    "category": Category,
    "level": Level,
    "responsible_department": Department,
    "batch": GroundbreakingBatch,
}


def _by_name(key: str, value: str) -> str:
    """--category 产业类 as well as --category 3: names are looked up, ids passed through."""
    model = _BY_NAME.get(key)
    if model is None or value.isdigit():
        return value
    pks = list(model.objects.filter(name=value).values_list("pk", flat=True)[:2])
    if len(pks) != 1:
        raise CommandError(bilingual(gettext_noop("找不到名为“%(name)s”的筛选项"), {"name": value}))
    return str(pks[0])
