"""`kaigong progress remind | close | refresh | bulletin | oc4ids`: the monthly cycle's jobs and documents.

- remind: in the last days before the close, a notice to whoever still owes this month's report (daily job);
- close: after a month's window closed, light it (the not-reported projects turn yellow) and list who did not report;
- refresh: recompute a month's lights under the active preset (the monthly job; also run after a preset changes);
- bulletin: the month's 工作简报 as PDF or Word (by the file's extension, or --format);
- oc4ids: the OC4IDS project package of the whole city as JSON.
"""

import datetime as dt
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from kaigong.audit.events import command_actor
from kaigong.core.exceptions import KaigongError
from kaigong.progress import selectors, services
from kaigong.progress.choices import ReportStatus
from kaigong.progress.models import ProgressReport
from kaigong.projects.models import Project

ACTOR = "progress"


def month_argument(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(f"{text}-01" if len(text) == 7 else text).replace(day=1)
    except ValueError as exc:
        raise CommandError(f"月份格式须为 YYYY-MM (month must be YYYY-MM): {text}") from exc


class Command(BaseCommand):
    help = (
        "月度进度: remind(催报)、close(截止后亮灯并列出未报送)、refresh(重算预警灯)、bulletin(工作简报)、"
        "oc4ids(开放数据)"
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        remind = sub.add_parser("remind", help="notify whoever still owes the month's report, before the close")
        remind.add_argument("--month", type=month_argument, help="YYYY-MM, default this month")
        remind.add_argument("--date", type=dt.date.fromisoformat, help="as of this date (ISO), default today")
        close = sub.add_parser("close", help="after the month's window closed: light it and list who did not report")
        close.add_argument("--month", type=month_argument, help="YYYY-MM, default the last month whose window closed")
        close.add_argument("--date", type=dt.date.fromisoformat, help="as of this date (ISO), default today")
        refresh = sub.add_parser("refresh", help="recompute the month's lights under the active preset")
        refresh.add_argument("--month", type=month_argument, help="YYYY-MM, default this month")
        refresh.add_argument("--date", type=dt.date.fromisoformat, help="as of this date (ISO), default today")
        bulletin = sub.add_parser("bulletin", help="write the month's bulletin (工作简报) as PDF or Word")
        bulletin.add_argument("--month", type=month_argument, required=True, help="YYYY-MM")
        bulletin.add_argument("--out", type=Path, required=True, help="the file to write (.pdf or .docx)")
        bulletin.add_argument("--format", choices=["pdf", "docx"], help="default: from the file's extension")
        oc4ids = sub.add_parser("oc4ids", help="write the OC4IDS project package of the whole city (JSON)")
        oc4ids.add_argument("--out", type=Path, required=True, help="the file to write")

    def handle(self, *args, subcommand, **options):
        try:
            getattr(self, f"_{subcommand}")(**options)
        except KaigongError as exc:
            raise CommandError(str(exc)) from exc

    def _remind(self, *, month=None, date=None, **options):
        today = date or timezone.localdate()
        month = month or today.replace(day=1)
        made = services.send_reminders(month=month, today=today)
        self.stdout.write(f"{month:%Y-%m}: {made} reminder(s)")

    def _close(self, *, month=None, date=None, **options):
        today = date or timezone.localdate()
        settings = selectors.get_settings()
        if month is None:
            month = today.replace(day=1)
            if today <= settings.window(month)[1]:
                month = (month - dt.timedelta(days=1)).replace(day=1)
        if today <= settings.window(month)[1]:
            raise CommandError(
                f"{month:%Y-%m} 的报送截止日 {settings.window(month)[1]} 未到 "
                f"(the reporting window of {month:%Y-%m} closes on {settings.window(month)[1]})"
            )
        counts = services.refresh_lights(month=month, today=today, actor_label=command_actor(f"{ACTOR} close"))
        reported = ProgressReport.objects.filter(selectors.CURRENT, month=month).values("project_id")
        missing = Project.objects.filter(selectors.reporting_scope(month)).exclude(pk__in=reported).order_by("pk")
        self.stdout.write(self._counts(month, counts))
        self.stdout.write(f"not reported: {missing.count()}")
        for project in missing.select_related("responsible_department")[:200]:
            department = project.responsible_department.name if project.responsible_department_id else "-"
            self.stdout.write(f"  {project.pk}\t{project.name}\t{department}")
        waiting = ProgressReport.objects.filter(month=month, status=ReportStatus.SUBMITTED).count()
        self.stdout.write(f"awaiting review: {waiting}")

    def _refresh(self, *, month=None, date=None, **options):
        today = date or timezone.localdate()
        month = month or today.replace(day=1)
        counts = services.refresh_lights(month=month, today=today, actor_label=command_actor(f"{ACTOR} refresh"))
        self.stdout.write(self._counts(month, counts))

    def _bulletin(self, *, month, out: Path, format=None, **options):
        fmt = format or out.suffix.lstrip(".").lower()
        if fmt not in ("pdf", "docx"):
            raise CommandError(
                "文件须为 .pdf 或 .docx,或用 --format 指定 (the file must be .pdf or .docx, or --format)"
            )
        from kaigong.progress.bulletin import write_bulletin

        write_bulletin(out, month=month, fmt=fmt)
        self.stdout.write(f"{out} ({out.stat().st_size} bytes)")

    def _oc4ids(self, *, out: Path, **options):
        from kaigong.progress.oc4ids import write_package

        write_package(out)
        self.stdout.write(f"{out} ({out.stat().st_size} bytes)")

    @staticmethod
    def _counts(month: dt.date, counts: dict) -> str:
        return (
            f"{month:%Y-%m}: {counts['projects']} project(s) lit, {counts['changed']} changed; "
            f"red {counts['red']}, yellow {counts['yellow']}, green {counts['green']}; {counts['notices']} notice(s)"
        )
