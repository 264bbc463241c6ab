"""kaigong workdays add DATE N | count START END | is-workday DATE | load FILE | seed [YEAR ...]

Exit status 1 with a bilingual message (中文 (English)) when a needed year is not loaded or the input is bad.
"""

import datetime as dt
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext_noop

from kaigong.audit.events import command_actor
from kaigong.core.exceptions import KaigongError
from kaigong.workdays import calendar, services

ACTOR_LABEL = command_actor("workdays")


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise CommandError(
            str(KaigongError(gettext_noop("日期“%(value)s”无效,应为 YYYY-MM-DD"), params={"value": value}))
        ) from None


def _suspension(value: str) -> tuple[dt.date, dt.date]:
    parts = value.split(",")
    if len(parts) != 2:
        raise CommandError(str(KaigongError(gettext_noop("中止计时时段应写作 开始日期,结束日期,格式 YYYY-MM-DD"))))
    return _date(parts[0]), _date(parts[1])


class Command(BaseCommand):
    help = "Working-day arithmetic on the Chinese calendar and loading of holiday schedules."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)

        def arithmetic(name, help_text):
            p = sub.add_parser(name, help=help_text)
            p.add_argument(
                "--provisional",
                action="store_true",
                help="answer even when a year is not loaded (weekends only), flagged on stderr",
            )
            p.add_argument(
                "--suspend",
                action="append",
                default=[],
                metavar="FIRST,LAST",
                help="a suspension window (补正) whose working days are not counted; repeatable",
            )
            return p

        add = arithmetic("add", "print the ISO date of the Nth working day after DATE")
        add.add_argument("date")
        add.add_argument("n", type=int)
        count = arithmetic("count", "print the working days after START up to and including END")
        count.add_argument("start")
        count.add_argument("end")
        check = sub.add_parser("is-workday", help="print yes or no")
        check.add_argument("date")
        load = sub.add_parser("load", help="load a year's schedule from a CSV (date,kind,name) or JSON file")
        load.add_argument("file")
        load.add_argument("--replace", action="store_true", help="replace that year's stored days")
        seed = sub.add_parser("seed", help="load years from the installed chinesecalendar package")
        seed.add_argument("years", nargs="*", type=int, help="default: every year the package covers")
        seed.add_argument("--replace", action="store_true", help="reload years already stored")

    def handle(self, *args, action, **options):
        try:
            getattr(self, "handle_" + action.replace("-", "_"))(**options)
        except KaigongError as exc:
            raise CommandError(str(exc)) from exc

    def _print_result(self, result, provisional: bool):
        if provisional:
            if result.provisional:
                self.stderr.write(str(calendar.CalendarYearMissing(result.missing_years)))
                self.stderr.write("provisional: weekends only for " + ", ".join(map(str, result.missing_years)))
            value = result.value
        else:
            value = result
        self.stdout.write(value.isoformat() if isinstance(value, dt.date) else str(value))

    def handle_add(self, *, date, n, provisional, suspend, **_):
        suspensions = [_suspension(s) for s in suspend]
        result = calendar.add_workdays(_date(date), n, suspensions=suspensions, provisional=provisional)
        self._print_result(result, provisional)

    def handle_count(self, *, start, end, provisional, suspend, **_):
        suspensions = [_suspension(s) for s in suspend]
        result = calendar.count_workdays(_date(start), _date(end), suspensions=suspensions, provisional=provisional)
        self._print_result(result, provisional)

    def handle_is_workday(self, *, date, **_):
        self.stdout.write("yes" if calendar.is_workday(_date(date)) else "no")

    def handle_load(self, *, file, replace, **_):
        path = Path(file)
        try:
            content = path.read_bytes()
        except OSError:
            raise CommandError(
                str(KaigongError(gettext_noop("无法读取文件 %(path)s"), params={"path": str(path)}))
            ) from None
        result = services.load_schedule_file(
            content=content, filename=path.name, replace=replace, actor=None, actor_label=ACTOR_LABEL
        )
        schedule = result.schedule
        for note in schedule.notes:
            self.stderr.write(str(note))
        self.stdout.write(
            f"{schedule.year}: {schedule.holiday_count} holidays, {schedule.makeup_workday_count} make-up workdays"
            + (f" (replaced {result.replaced_days} days)" if result.replaced_days else "")
        )

    def handle_seed(self, *, years, replace, **_):
        results = services.seed_from_chinesecalendar(
            years=years or None, replace=replace, actor=None, actor_label=ACTOR_LABEL
        )
        loaded = [str(result.schedule.year) for result in results]
        self.stdout.write("loaded: " + (", ".join(loaded) if loaded else "none (all years already stored)"))
