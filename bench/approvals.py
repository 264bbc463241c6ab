"""Issue 3 benchmarks: checklists (一项目一清单) at scale, over HTTP against gunicorn.

For one database (SQLite file in bench/out/<db>-approvals, or PostgreSQL database kaigong_bench_approvals):
migrate, generate N synthetic projects (bench.generate) with checklist-rule attributes, then measure
- checklist generation throughput through the real service (generate_checklist, as `kaigong approvals generate`
  runs it) on a sample of projects; the remaining checklists (≈24 items per project) are bulk-inserted as
  benchmark data, in plausible states (decided, running at various points of their clocks, in correction …);
- the daily refresh (the real refresh_clocks) over all items: first run, a second run the same day (idempotent:
  nothing to write) and the next working day (every running clock moves: the realistic daily job); then the daily
  forecast of the plans (refresh_forecasts) on both days;
- the 前期手续 tab of a project and the office warning list (yellow and red items): p50/p95 over loopback.
Prints one JSON line and appends a section to bench/RESULTS-approvals.md.

    python -m bench.approvals [--n 100000] [--db sqlite|postgres] [--sample 2000] [--requests 200]
"""

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
PG_URL = "postgres://postgres@127.0.0.1:5432/kaigong_bench_approvals"
QUIET = ["--log-level", "warning"]

# Checklist-rule attributes of the synthetic projects, by pk modulo 4 (22–26 matters each with the heritage ones).
PROFILES = [
    {
        "review_regime": "approval",
        "project_class": 1,
        "land_source": "allocated",
        "eia_category": "report",
        "building_area": 30000,
        "annual_energy_use": 2000,
    },
    {
        "review_regime": "ratification",
        "project_class": 9,
        "land_source": "transferred",
        "eia_category": "report",
        "building_area": 50000,
        "annual_energy_use": 5000,
    },
    {
        "review_regime": "approval",
        "project_class": 2,
        "land_source": "allocated",
        "eia_category": "table",
        "building_area": 25000,
        "annual_energy_use": 1500,
    },
    {
        "review_regime": "filing",
        "project_class": 6,
        "land_source": "transferred",
        "eia_category": "table",
        "building_area": 40000,
        "annual_energy_use": 3000,
    },
]


# The synthetic city lies in an old town's heritage control zone (侯马晋国遗址, as Houma does): every project also
# needs the three heritage matters, ≈24 items per project in all (≈2.4M at 100k projects).
IN_CONTROL_ZONE = True


# --- Django-side steps (run in a fresh process: python -m bench.approvals inner TASK ARGS) -------------------


def _django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kaigong.settings")
    import django

    django.setup()


def step_attributes() -> dict:
    """The checklist-rule profiles, and a planned groundbreaking for every project not yet started: 30 to 360 days
    from today by pk, so the daily forecast finds some plans that cannot make their date (the late list at scale)."""
    from django.db.models import F
    from django.db.models.functions import Mod

    from kaigong.projects.models import Project

    for index, profile in enumerate(PROFILES):
        Project.objects.annotate(m=Mod(F("id"), len(PROFILES))).filter(m=index).update(**profile)
    today = dt.date.today()
    not_started = Project.objects.filter(stage__in=["planning", "preparation"])
    for offset in range(0, 360, 30):
        start = today + dt.timedelta(days=30 + offset)
        not_started.annotate(m=Mod(F("id"), 12)).filter(m=offset // 30).update(
            planned_start_date=start, planned_completion_date=start + dt.timedelta(days=540)
        )
    return {"projects": Project.objects.count(), "planned": not_started.count()}


def step_generate(sample: str) -> dict:
    """The real generate_checklist (rules re-read per project, audited) on the first ``sample`` projects."""
    from kaigong.approvals.checklists import services
    from kaigong.approvals.models import ChecklistItem
    from kaigong.approvals.plans import services as plan_services
    from kaigong.projects.models import Project

    projects = list(Project.objects.order_by("pk")[: int(sample)])
    start = time.perf_counter()
    # As `kaigong approvals generate` does: the rules read once, the plans' forecasts refreshed in one batch at the end.
    rules = services.active_rules()
    for project in projects:
        project.in_heritage_control_zone = IN_CONTROL_ZONE
        services.generate_checklist(
            project=project, actor=None, actor_label="bench", rules=rules, refresh_forecast=False
        )
    plan_services.refresh_forecasts(project_ids=[p.pk for p in projects])
    seconds = time.perf_counter() - start
    items = ChecklistItem.objects.filter(checklist__project__in=[p.pk for p in projects]).count()
    return {
        "projects": len(projects),
        "items": items,
        "s": round(seconds, 2),
        "projects_per_s": round(len(projects) / seconds, 1),
        "items_per_s": round(items / seconds),
    }


def step_bulk(today_iso: str) -> dict:
    """Checklists of the other projects, bulk-inserted (benchmark data: no audit) with items in mixed states."""
    import random

    from django.db import connection, transaction

    from kaigong.approvals.checklists.services import required_matters
    from kaigong.approvals.models import Checklist, ChecklistItem, CorrectionWindow
    from kaigong.projects.models import Project
    from kaigong.workdays.calendar import get_calendar

    today = dt.date.fromisoformat(today_iso)
    calendar = get_calendar()
    back = [calendar.add_workdays(today, -k, provisional=True).value for k in range(0, 200)]
    rng = random.Random(3)
    start = time.perf_counter()
    by_profile = {}
    for index in range(len(PROFILES)):
        sample = next(p for p in Project.objects.order_by("pk")[:8] if p.pk % len(PROFILES) == index)
        sample.in_heritage_control_zone = IN_CONTROL_ZONE
        by_profile[index] = sorted(required_matters(sample).items())
    done = set(Checklist.objects.values_list("project_id", flat=True))
    pks = [pk for pk in Project.objects.order_by("pk").values_list("pk", flat=True) if pk not in done]
    made_items = 0
    for offset in range(0, len(pks), 5000):
        chunk = pks[offset : offset + 5000]
        with transaction.atomic():
            Checklist.objects.bulk_create([Checklist(project_id=pk) for pk in chunk], batch_size=5000)
            ids = dict(Checklist.objects.filter(project_id__in=chunk).values_list("project_id", "pk"))
            items = []
            for pk in chunk:
                for matter_id, rules in by_profile[pk % len(PROFILES)]:
                    roll = rng.random()
                    item = ChecklistItem(checklist_id=ids[pk], matter_id=matter_id, required_by=rules)
                    if roll < 0.30:
                        age = rng.randrange(30, 199)
                        accepted = back[age]
                        item.status, item.submitted_on, item.accepted_on = "decided", accepted, accepted
                        item.decided_on = back[age - rng.randrange(1, 25)]
                        item.decision, item.document_number = "approved", f"侯审批〔{accepted.year}〕{pk}号"
                    elif roll < 0.52:
                        age = rng.randrange(0, 12) if rng.random() < 0.85 else rng.randrange(12, 40)
                        accepted = back[age]
                        item.status, item.submitted_on, item.accepted_on = "accepted", accepted, accepted
                    elif roll < 0.54:
                        accepted = back[rng.randrange(5, 40)]
                        item.status, item.submitted_on, item.accepted_on = "correction_requested", accepted, accepted
                    elif roll < 0.60:
                        item.status = "preparing"
                    items.append(item)
            ChecklistItem.objects.bulk_create(items, batch_size=5000)
            made_items += len(items)
            corrections = [
                CorrectionWindow(item_id=pk, requested_on=on, reason="bench")
                for pk, on in ChecklistItem.objects.filter(
                    checklist_id__in=ids.values(), status="correction_requested"
                ).values_list("pk", "accepted_on")
            ]
            CorrectionWindow.objects.bulk_create(corrections, batch_size=5000)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    return {"items": made_items, "s": round(time.perf_counter() - start, 1)}


def step_forecast(today_iso: str) -> dict:
    """The daily forecast of every plan not yet started (`kaigong approvals forecast`)."""
    from kaigong.approvals.plans.services import refresh_forecasts

    start = time.perf_counter()
    counts = refresh_forecasts(today=dt.date.fromisoformat(today_iso))
    return {"s": round(time.perf_counter() - start, 1), **counts}


def step_vacuum() -> dict:
    from django.db import connection

    start = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    return {"s": round(time.perf_counter() - start, 1)}


def step_refresh(today_iso: str) -> dict:
    from kaigong.approvals.checklists.services import refresh_clocks
    from kaigong.approvals.models import ChecklistItem

    start = time.perf_counter()
    counts = refresh_clocks(today=dt.date.fromisoformat(today_iso))
    return {
        "s": round(time.perf_counter() - start, 1),
        **counts,
        "items": ChecklistItem.objects.count(),
    }


def step_setup_http() -> dict:
    from kaigong.accounts.models import User
    from kaigong.approvals.checklists.selectors import list_warnings
    from kaigong.approvals.models import ChecklistItem

    user = User.objects.get(username="bench")
    projects = list(
        ChecklistItem.objects.filter(warning_level="red")
        .order_by("pk")
        .values_list("checklist__project_id", flat=True)[:20]
    )
    warnings = list_warnings(user=user)[0].count()
    return {"projects": projects, "warnings": warnings}


def inner_main(task: str, *args) -> None:
    _django()
    print(json.dumps(globals()[f"step_{task}"](*args)))


# --- the driver -----------------------------------------------------------------------------------------------


def _environment(db: str) -> dict:
    """The environment of the processes working on ``db``'s benchmark database (data in bench/out/<db>-approvals)."""
    env = {**os.environ, "KAIGONG_DATA_DIR": str(OUT / f"{db}-approvals"), "DEBUG": "0", "PYTHONPATH": str(ROOT)}
    env.pop("DATABASE_URL", None)
    if db == "postgres":
        env["DATABASE_URL"] = PG_URL
    return env


def _step(env: dict, task: str, *args) -> dict:
    """One Django-side step (step_<task>) in a fresh process; its JSON result."""
    out = subprocess.run(
        [sys.executable, "-m", "bench.approvals", "inner", task, *map(str, args)],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def run_database(db: str, n: int, sample: int, rounds: int) -> dict:
    from bench.run import inner, kaigong

    data_dir = OUT / f"{db}-approvals"
    shutil.rmtree(data_dir, ignore_errors=True)
    data_dir.mkdir(parents=True)
    env = _environment(db)
    if db == "postgres":
        for sql in ("DROP DATABASE IF EXISTS kaigong_bench_approvals", "CREATE DATABASE kaigong_bench_approvals"):
            subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", sql], check=True)

    def mine(task, *args):
        result = _step(env, task, *args)
        print(f"  {task}: {result}", flush=True)
        return result

    kaigong(env, "migrate", "--noinput", "-v0")
    kaigong(env, "collectstatic", "--noinput", "-v0")
    t = time.perf_counter()
    setup = inner(env, "setup", str(n))
    results: dict = {"db": db, "projects": setup["projects"], "projects_generate_s": round(time.perf_counter() - t, 1)}
    print(f"  projects: {setup['projects']}", flush=True)
    mine("attributes")
    results["generate"] = mine("generate", sample)
    today = dt.date.today()
    results["bulk"] = mine("bulk", today.isoformat())
    first = mine("refresh", today.isoformat())
    again = mine("refresh", today.isoformat())
    # the next working day after today: every running clock moves
    next_day = today + dt.timedelta(days=1)
    while next_day.weekday() >= 5:
        next_day += dt.timedelta(days=1)
    daily = mine("refresh", next_day.isoformat())
    results["items"] = first["items"]
    results["refresh"] = {"first": first, "same_day_again": again, "next_day": daily}
    results["forecast"] = {
        "first": mine("forecast", today.isoformat()),
        "next_day": mine("forecast", next_day.isoformat()),
    }

    # After a daily job that rewrote half a million rows, autovacuum re-analyses the table within minutes; the
    # pages are measured in that steady state, not against the stale statistics of the moment after the job.
    mine("vacuum")
    http = mine("setup_http")
    results["warnings"] = http["warnings"]
    results.update(measure_pages(env, setup["session"], http["projects"], rounds))
    return results


WARNING_PATHS = [
    "/approvals/warnings/",
    "/approvals/warnings/?page=3",
    "/approvals/warnings/?warning_level=red",
    "/approvals/warnings/?approval_stage=2&page=2",
    "/approvals/warnings/?q=%E5%85%89%E4%BC%8F",
]


def measure_pages(env: dict, session: str, projects: list[int], rounds: int) -> dict:
    """The 前期手续 tab of ``projects`` and the warning list over HTTP against gunicorn (2 workers): p50/p95, and
    the warning list's p95 per path."""
    from bench.run import BIN, PORT, http_timings, pct, wait_for_server

    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "kaigong.wsgi:application", "--bind", f"127.0.0.1:{PORT}", "--workers", "2", *QUIET],
        env=env,
        cwd=ROOT,
    )
    headers = {"Cookie": f"sessionid={session}"}
    try:
        wait_for_server()
        tab = http_timings([f"/approvals/projects/{pk}/" for pk in projects], headers, rounds)
        warnings = http_timings(WARNING_PATHS, headers, rounds)
        per_path = {
            path: round(pct(http_timings([path], headers, max(rounds // 5, 20)), 95), 1) for path in WARNING_PATHS
        }
    finally:
        server.terminate()
        server.wait()
    return {
        "tab_ms": {"p50": round(pct(tab, 50), 1), "p95": round(pct(tab, 95), 1)},
        "warnings_ms": {"p50": round(pct(warnings, 50), 1), "p95": round(pct(warnings, 95), 1)},
        "warnings_p95_by_path_ms": per_path,
    }


def step_session() -> dict:
    from django.test import Client

    from kaigong.accounts.models import User

    client = Client()
    client.force_login(User.objects.get(username="bench"))
    return {"session": client.cookies["sessionid"].value}


def pages_again(db: str, rounds: int) -> str:
    """--pages-only: the pages measured again on the database a full run left (after a code change), migrated first."""
    from bench.run import kaigong

    env = _environment(db)

    def mine(task, *args):
        return _step(env, task, *args)

    kaigong(env, "migrate", "--noinput", "-v0")
    kaigong(env, "collectstatic", "--noinput", "-v0")
    mine("vacuum")
    http = mine("setup_http")
    pages = measure_pages(env, mine("session")["session"], http["projects"], rounds)
    lines = [
        f"### {dt.datetime.now().strftime('%Y-%m-%d %H:%M')} UTC, pages measured again (--pages-only) on the {db} "
        f"database left by its 100k run above ({http['warnings']:,} yellow/red items), same machine",
        "",
        "| page | p50 ms | p95 ms |",
        "|---|---|---|",
        f"| 前期手续 tab (20 projects) | {pages['tab_ms']['p50']} | {pages['tab_ms']['p95']} |",
        f"| warning list, the five paths | {pages['warnings_ms']['p50']} | {pages['warnings_ms']['p95']} |",
    ]
    lines += [f"| `{path}` alone | | {p95} |" for path, p95 in pages["warnings_p95_by_path_ms"].items()]
    return "\n".join([*lines, ""])


def report(r: dict) -> str:
    from bench.run import machine

    refresh = r["refresh"]
    lines = [f"## {dt.datetime.now().strftime('%Y-%m-%d %H:%M')} UTC: {machine()}", ""]
    lines.append(
        "| db | projects | items | generate (real service) projects/s, items/s | refresh first / same day / next day s "
        "(running items) | forecast first / next day s (plans, infeasible) | 前期手续 tab p50/p95 ms "
        "| warning list p50/p95 ms (yellow+red items) |"
    )
    lines.append("|---|---|---|---|---|---|---|---|")
    lines.append(
        f"| {r['db']} | {r['projects']:,} | {r['items']:,} | {r['generate']['projects_per_s']}, "
        f"{r['generate']['items_per_s']} | {refresh['first']['s']} / {refresh['same_day_again']['s']} / "
        f"{refresh['next_day']['s']} ({refresh['first']['checked']:,}) | {r['forecast']['first']['s']} / "
        f"{r['forecast']['next_day']['s']} ({r['forecast']['first']['projects']:,}, "
        f"{r['forecast']['next_day']['infeasible']:,} infeasible) | "
        f"{r['tab_ms']['p50']} / {r['tab_ms']['p95']} "
        f"| {r['warnings_ms']['p50']} / {r['warnings_ms']['p95']} ({r['warnings']:,}) |"
    )
    lines += ["", "Raw JSON:", "", "```json", json.dumps(r, ensure_ascii=False, indent=1), "```", ""]
    return "\n".join(lines)


def main():
    if len(sys.argv) > 2 and sys.argv[1] == "inner":
        inner_main(*sys.argv[2:])
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--db", default="postgres", choices=["sqlite", "postgres"])
    parser.add_argument("--sample", type=int, default=2000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--pages-only", action="store_true", help="measure the pages again on the last run's database")
    args = parser.parse_args()
    if args.pages_only:
        text = pages_again(args.db, args.requests)
        print(text)
        with open(ROOT / "bench" / "RESULTS-approvals.md", "a", encoding="utf-8") as fh:
            fh.write("\n" + text)
        return
    print(f"== {args.db}: {args.n:,} projects", flush=True)
    result = run_database(args.db, args.n, args.sample, args.requests)
    print(json.dumps(result, ensure_ascii=False), flush=True)
    text = report(result)
    print(text)
    with open(ROOT / "bench" / "RESULTS-approvals.md", "a", encoding="utf-8") as fh:
        fh.write("\n" + text)


if __name__ == "__main__":
    main()
