"""Plan + critical path for one project (issue 3 §4 target: ≤ 10 ms p95 for ~25 items). Prints one JSON line.

Seeds a demo-like project on the whole seeded catalogue (every matter on its checklist, so ~35 items: some
decided, some running, one stopped for 补正, the rest open; a saved baseline and one reasoned slip), then times
over ``--runs`` runs:
- ``schedule``: building the tasks and the forward/backward passes with the critical path (the algorithm, the
  calendar preloaded, rows already loaded);
- ``read``: the whole read the page and API do (plans.selectors.get_project_plan: queries + schedule + rows).

    python -m bench.plan [--runs 500] [--database-url URL]

Without ``--database-url`` (or DATABASE_URL) it uses a scratch SQLite file under bench/out/, migrated on first use.
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=500)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    args = parser.parse_args(argv)
    if not args.database_url:
        (ROOT / "bench" / "out").mkdir(parents=True, exist_ok=True)
        args.database_url = f"sqlite:///{ROOT / 'bench' / 'out' / 'plan.sqlite3'}"
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kaigong.settings")

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)

    import datetime as dt

    from kaigong.accounts.choices import Role
    from kaigong.accounts.models import User
    from kaigong.approvals.models import ApprovalMatter, Checklist, ChecklistItem, CorrectionWindow
    from kaigong.approvals.plans.planning import build_tasks, schedule
    from kaigong.approvals.plans.selectors import get_project_plan
    from kaigong.approvals.plans.services import matter_edges, save_baseline, update_plan_item
    from kaigong.projects.models import Project
    from kaigong.workdays.calendar import get_calendar

    today = dt.date(2025, 9, 22)
    user, _ = User.objects.get_or_create(username="bench-plan", defaults={"role": Role.OFFICE})
    project = Project.objects.filter(name="方案基准项目").first()
    if project is None:
        from kaigong.projects.tests.factories import ProjectFactory

        project = ProjectFactory(
            name="方案基准项目", planned_start_date=dt.date(2025, 12, 1), planned_completion_date=None
        )
        checklist = Checklist.objects.create(project=project)
        matters = list(ApprovalMatter.objects.order_by("approval_stage", "sort_order"))
        items = []
        for i, matter in enumerate(matters):
            item = ChecklistItem(checklist=checklist, matter=matter)
            if i % 5 == 0:  # decided
                item.status, item.decision, item.document_number = "decided", "approved", f"基准{i}号"
                item.accepted_on, item.decided_on = dt.date(2025, 8, 4), dt.date(2025, 8, 20)
            elif i % 7 == 1:  # running
                item.status, item.accepted_on = "accepted", dt.date(2025, 9, 10)
            elif i == 3:  # stopped for 补正
                item.status, item.accepted_on = "correction_requested", dt.date(2025, 9, 1)
            items.append(item)
        ChecklistItem.objects.bulk_create(items)
        stopped = ChecklistItem.objects.get(checklist=checklist, status="correction_requested")
        CorrectionWindow.objects.create(item=stopped, requested_on=dt.date(2025, 9, 5), reason="基准")
        # As in service: a plan with its baseline and one reasoned slip, so the read includes plan items and slips.
        save_baseline(project=project, actor=None, actor_label="bench", today=today)
        slipped = ChecklistItem.objects.filter(checklist=checklist, status="not_started").order_by("pk").first()
        update_plan_item(
            project=project,
            item_id=slipped.pk,
            actor=None,
            actor_label="bench",
            target_finish=dt.date(2025, 11, 28),
            reason="基准:材料延后",
            today=today,
        )

    calendar = get_calendar()
    loaded = list(
        ChecklistItem.objects.filter(checklist__project=project)
        .select_related("matter")
        .prefetch_related("corrections")
    )
    edges = matter_edges()

    def algorithm():
        tasks = build_tasks(loaded, edges, {}, today=today)
        return schedule(tasks, today=today, planned_groundbreaking=project.planned_start_date, calendar=calendar)

    def timed(fn, runs):
        for _ in range(min(20, runs)):
            fn()
        values = []
        for _ in range(runs):
            start = time.perf_counter()
            fn()
            values.append((time.perf_counter() - start) * 1000)
        return {"p50_ms": round(statistics.median(values), 3), "p95_ms": round(pct(values, 95), 3)}

    result = algorithm()
    report = {
        "bench": "plan",
        "database": connection.vendor,
        "items": len(loaded),
        "critical_path": len(result.critical_path),
        "forecast": result.forecast_groundbreaking.isoformat() if result.forecast_groundbreaking else None,
        "feasible": result.feasible,
        "runs": args.runs,
        "schedule": timed(algorithm, args.runs),
        "read": timed(lambda: get_project_plan(user=user, project_pk=project.pk, today=today), args.runs),
        "target_p95_ms": 10,
    }
    print(json.dumps(report, ensure_ascii=False))


if __name__ == "__main__":
    sys.exit(main())
