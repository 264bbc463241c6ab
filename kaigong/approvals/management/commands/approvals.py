"""`kaigong approvals seed | generate | refresh | forecast`: the catalogue seed, checklist generation, the daily
clock job and the daily forecast of the plans (一方案)."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from kaigong.approvals.catalogue import services as catalogue_services
from kaigong.approvals.checklists import services
from kaigong.approvals.plans import services as plan_services
from kaigong.audit.events import command_actor
from kaigong.core.exceptions import KaigongError
from kaigong.projects.models import Project

ACTOR = "approvals"


class Command(BaseCommand):
    help = (
        "审批事项目录与清单: seed(补齐目录与默认规则)、generate(按规则生成清单)、refresh(重算计时与预警灯)、"
        "forecast(重算项目方案的预测开工日期)"
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        sub.add_parser("seed", help="add the seed catalogue's missing departments, matters and rules")
        generate = sub.add_parser("generate", help="generate or regenerate checklists from the rules")
        target = generate.add_mutually_exclusive_group(required=True)
        target.add_argument("--project", type=int, action="append", help="project id (repeatable)")
        target.add_argument("--all", action="store_true", help="every project")
        refresh = sub.add_parser("refresh", help="recompute clocks and lights of running items (daily job)")
        refresh.add_argument("--date", type=dt.date.fromisoformat, help="as of this date (ISO), default today")
        refresh.add_argument(
            "--enqueue", action="store_true", help="hand the refresh to the background worker instead of running it"
        )

        forecast = sub.add_parser("forecast", help="recompute the plans' forecast groundbreaking (daily job)")
        forecast.add_argument("--project", type=int, action="append", help="project id (repeatable), default all")
        forecast.add_argument("--date", type=dt.date.fromisoformat, help="as of this date (ISO), default today")
        forecast.add_argument(
            "--enqueue", action="store_true", help="hand the forecast to the background worker instead of running it"
        )

    def handle(self, *args, subcommand, **options):
        try:
            getattr(self, f"_{subcommand}")(**options)
        except KaigongError as exc:
            raise CommandError(str(exc)) from exc

    def _seed(self, **options):
        created = catalogue_services.seed_catalogue(actor_label=command_actor(f"{ACTOR} seed"))
        self.stdout.write(
            f"departments +{len(created['departments'])}, matters +{len(created['matters'])}, "
            f"rules +{len(created['rules'])}"
        )

    def _generate(self, *, project=None, all=False, **options):
        queryset = Project.objects.order_by("pk")
        if not all:
            queryset = queryset.filter(pk__in=project)
            missing = sorted(set(project) - set(queryset.values_list("pk", flat=True)))
            if missing:
                raise CommandError(f"项目不存在 (no such project): {', '.join(map(str, missing))}")
        count = 0
        failed = []
        rules = services.active_rules()
        for item in queryset.iterator(chunk_size=500):
            try:
                with transaction.atomic():  # one project's failure rolls back that project alone
                    services.generate_checklist(
                        project=item,
                        actor=None,
                        actor_label=command_actor(f"{ACTOR} generate"),
                        rules=rules,
                        refresh_forecast=False,
                    )
            except (KaigongError, ValidationError, OverflowError, ValueError) as exc:
                self.stderr.write(f"project {item.pk}: {exc}")
                failed.append(item.pk)
                continue
            count += 1
        forecasts = plan_services.refresh_forecasts(project_ids=None if all else project)
        failed_forecasts = forecasts.pop("failed_projects")
        self.stdout.write(f"checklists generated: {count}")
        self.stdout.write("forecasts: " + " ".join(f"{k}={v}" for k, v in forecasts.items() if k != "failed" or v))
        failed = sorted(set(failed) | set(failed_forecasts))
        if failed:
            raise CommandError(
                f"{len(failed)} 个项目生成失败,其余已完成 (failed, the rest were done): {', '.join(map(str, failed))}"
            )

    def _refresh(self, *, date=None, enqueue=False, **options):
        if enqueue:
            if date:
                raise CommandError("--enqueue 不能与 --date 同用 (--enqueue refreshes as of the day it runs)")
            from kaigong.approvals.checklists.tasks import refresh_clocks_task

            result = refresh_clocks_task.enqueue()
            self.stdout.write(f"enqueued: {result.id}")
            return
        counts = services.refresh_clocks(today=date)
        self._report(counts, "failed_items", "事项 (items)")

    def _forecast(self, *, project=None, date=None, enqueue=False, **options):
        if enqueue:
            if date or project:
                raise CommandError(
                    "--enqueue 不能与 --date 或 --project 同用 (--enqueue forecasts every project, as of its day)"
                )
            from kaigong.approvals.plans.tasks import refresh_forecasts_task

            result = refresh_forecasts_task.enqueue()
            self.stdout.write(f"enqueued: {result.id}")
            return
        if project:
            missing = sorted(set(project) - set(Project.objects.filter(pk__in=project).values_list("pk", flat=True)))
            if missing:
                raise CommandError(f"项目不存在 (no such project): {', '.join(map(str, missing))}")
        counts = plan_services.refresh_forecasts(project_ids=project, today=date)
        self._report(counts, "failed_projects", "项目 (projects)")

    def _report(self, counts: dict, failed_key: str, what: str) -> None:
        """The job's counts on stdout (``failed=N`` only when some failed); then, on stderr, which ones failed, and
        exit status 1 — after everyone else was done."""
        failed = counts.pop(failed_key, [])
        self.stdout.write(" ".join(f"{key}={value}" for key, value in counts.items() if key != "failed" or value))
        if failed:
            ids = ", ".join(map(str, failed[:50])) + (" …" if len(failed) > 50 else "")
            raise CommandError(f"{len(failed)} 个{what}计算失败,其余已完成 (failed, the rest were done): {ids}")
