"""Issue 11 benchmarks: the monthly cycle at 100k projects with 12 months of reports (about 1.2M rows).

For one database (SQLite file in bench/out/<db>-progress, or PostgreSQL database kaigong_bench_progress): migrate,
generate N synthetic projects (bench.generate) shaped as a year's key projects (most in construction, some not yet
started, some completed during the year, a few not registered in the statistics), insert their monthly reports for
2024 as benchmark data (bulk, no audit: the figures computed as the services compute them), then measure
- the monthly light recompute (the real services.refresh_lights for 2024-12): first run (every light new), the
  same run again (nothing changes) — target ≤ 60 s;
- the aggregations (the real progress.aggregations, as the office's monthly view and the API call them) by each
  group and in total, p50/p95 in process, beside the raw SQL of the same queries (captured from the ORM and
  re-executed with a bare cursor) — target p95 ≤ 300 ms and within 3× of the raw SQL;
- the office's monthly view and the aggregation API over HTTP against gunicorn (2 workers): p50/p95;
- the bulletin for 2024-12 as PDF (the CLI, start-up included) — target ≤ 10 s;
- the monthly ledger export of every project with the progress columns (the CLI): time and peak memory — target
  ≤ 40 s in ≤ 300 MB.
Prints one JSON line and appends a section to bench/RESULTS.md with --record.

    python -m bench.progress [--n 100000] [--db sqlite|postgres] [--rounds 60] [--record]
"""

import argparse
import datetime as dt
import json
import os
import random
import shutil
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
PG_URL = "postgres://postgres@127.0.0.1:5432/kaigong_bench_progress"
YEAR = 2024
MONTH = dt.date(YEAR, 12, 1)
TODAY = dt.date(YEAR + 1, 1, 5)  # December's window has closed: "not reported" counts
TOWNSHIPS = ["浍滨街道", "路西街道", "上马街道", "张村街道", "新田乡", "高村乡", "凤城乡"]
QUIET = ["--log-level", "warning"]
GROUPS = [None, "category", "level", "department", "township", "batch"]
PAGE_PATHS = [
    "/progress/?month=2024-12",
    "/progress/?month=2024-12&group=department",
    "/progress/?month=2024-06&group=township",
    "/progress/?month=2024-12&category={category}",
]
API_PATHS = [
    "/api/progress/aggregations/?month=2024-12&group_by=category",
    "/api/progress/aggregations/?month=2024-12&group_by=department",
    "/api/progress/lights/?month=2024-12&level=red",
]


# --- Django-side steps (run in a fresh process: python -m bench.progress inner TASK ARGS) -------------------


def _django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kaigong.settings")
    import django

    django.setup()


def step_setup(n: str) -> dict:
    """N projects, shaped into a year's key projects by their id, an office user with a session and a token."""
    from django.db import connection, transaction
    from django.test import Client
    from rest_framework.authtoken.models import Token

    from bench.generate import generate
    from kaigong.accounts.choices import Role
    from kaigong.accounts.models import User
    from kaigong.projects.models import Category, GroundbreakingBatch, Project

    made = generate(int(n))
    table = Project._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET year = %s", [YEAR])
        # By id modulo 10: 0–6 in construction, 7 started this year, 8 not started (planned this year), 9 completed.
        for month in range(1, 13):
            start_last_year = dt.date(YEAR - 1, month, 1)
            start_this_year = dt.date(YEAR, month, 1)
            cursor.execute(
                f"UPDATE {table} SET stage = 'construction', actual_start_date = %s, planned_start_date = %s "
                f"WHERE id % 10 <= 6 AND id % 12 = %s",
                [start_last_year, start_last_year, month - 1],
            )
            cursor.execute(
                f"UPDATE {table} SET stage = 'started', actual_start_date = %s, planned_start_date = %s "
                f"WHERE id % 10 = 7 AND id % 12 = %s",
                [start_this_year, start_this_year, month - 1],
            )
            cursor.execute(
                f"UPDATE {table} SET stage = 'preparation', actual_start_date = NULL, planned_start_date = %s "
                f"WHERE id % 10 = 8 AND id % 12 = %s",
                [start_this_year, month - 1],
            )
            cursor.execute(
                f"UPDATE {table} SET stage = 'completed', actual_start_date = %s, planned_start_date = %s, "
                f"actual_completion_date = %s, planned_completion_date = %s WHERE id % 10 = 9 AND id % 12 = %s",
                [start_last_year, start_last_year, start_this_year, start_this_year, month - 1],
            )
        cursor.execute(
            f"UPDATE {table} SET registered_in_statistics = (id % 17 <> 0), "
            f"statistics_registered_on = CASE WHEN id % 17 <> 0 THEN actual_start_date END"
        )
        for index, township in enumerate(TOWNSHIPS):
            cursor.execute(f"UPDATE {table} SET township = %s WHERE id % 7 = %s", [township, index])
        batch = GroundbreakingBatch.objects.create(name="基准集中开工", date=dt.date(YEAR, 1, 1))
        through = Project.batches.through
        through.objects.bulk_create(
            [
                through(batch_id=batch.pk, project_id=pk)
                for pk in Project.objects.filter(stage="started").values_list("pk", flat=True)
            ],
            batch_size=5000,
        )
    user, _ = User.objects.get_or_create(username="bench-office", defaults={"role": Role.OFFICE})
    client = Client()
    client.force_login(user)
    token, _ = Token.objects.get_or_create(user=user)
    return {
        "projects": made,
        "session": client.cookies["sessionid"].value,
        "token": token.key,
        "category": Category.objects.order_by("pk").values_list("pk", flat=True).first(),
    }


def _monthly_amounts(rng: random.Random, plan: Decimal, months: int) -> list[Decimal]:
    """A year's figures: a seasonal spread of the annual plan, a third of the projects lagging, a tenth ahead."""
    pace = rng.choice(
        [Decimal("0.45"), Decimal("0.7"), Decimal("0.9"), Decimal("1.0"), Decimal("1.0"), Decimal("1.15")]
    )
    weights = [0.4, 0.5, 0.9, 1.0, 1.1, 1.1, 1.1, 1.1, 1.1, 1.2, 1.2, 1.3][:months]
    share = plan * pace / Decimal(str(sum([0.4, 0.5, 0.9, 1.0, 1.1, 1.1, 1.1, 1.1, 1.1, 1.2, 1.2, 1.3])))
    return [(share * Decimal(str(w))).quantize(Decimal("0.01")) for w in weights]


def step_reports() -> dict:
    """The monthly reports of 2024 for every project that owes them, bulk-inserted with their computed figures."""
    from django.db import connection, transaction
    from django.utils import timezone

    from kaigong.progress.models import ProgressReport
    from kaigong.projects.models import Project

    rng = random.Random(141081)
    now = timezone.now()
    table = ProgressReport._meta.db_table
    columns = [
        "project_id", "month", "version", "status", "monthly_investment", "year_to_date", "since_start",
        "visible_progress", "visible_stage", "registered_in_statistics", "is_late", "plausibility",
        "correction_reason", "return_reason", "submitted_at", "created_at", "updated_at",
    ]  # fmt: skip
    start = time.perf_counter()
    rows = 0
    owing = (
        Project.objects.filter(stage__in=["construction", "started", "completed"])
        .order_by("pk")
        .values_list(
            "pk", "annual_planned_investment", "actual_start_date", "actual_completion_date", "registered_in_statistics"
        )
    )

    def generate():
        nonlocal rows
        for pk, plan, started, completed, registered in owing.iterator(chunk_size=5000):
            first = started.month if started.year == YEAR else 1
            last = completed.month if completed is not None and completed.year == YEAR else 12
            if pk % 23 == 0:
                last -= 1  # a few did not report December
            amounts = _monthly_amounts(rng, plan, 12)
            ytd = since = Decimal("0")
            for month in range(first, last + 1):
                amount = amounts[month - 1]
                ytd += amount
                since += amount
                rows += 1
                yield (
                    pk, dt.date(YEAR, month, 1), 1, "accepted" if month < 12 else "submitted", amount, ytd, since,
                    "主体施工", "主体开工", registered, pk % 31 == 0, "[]", "", "", now, now, now,
                )  # fmt: skip

    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor, cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in generate():
                    copy.write_row(row)
        else:
            sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})"
            with connection.cursor() as cursor:
                batch = []
                for row in generate():
                    batch.append(row)
                    if len(batch) == 20000:
                        cursor.executemany(sql, batch)
                        batch = []
                cursor.executemany(sql, batch)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return {"reports": rows, "s": round(time.perf_counter() - start, 1)}


def step_refresh() -> dict:
    from kaigong.progress import services

    start = time.perf_counter()
    counts = services.refresh_lights(month=MONTH, today=TODAY, actor_label="命令 bench")
    return {"s": round(time.perf_counter() - start, 1), **counts}


def _timed(function, rounds: int) -> list[float]:
    function()  # warm-up
    timings = []
    for _ in range(rounds):
        start = time.perf_counter()
        function()
        timings.append((time.perf_counter() - start) * 1000)
    return timings


def step_aggregations(rounds: str) -> dict:
    """Each grouping through the real aggregate(), then its captured SQL re-executed with a bare cursor."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bench.run import pct
    from kaigong.accounts.models import User
    from kaigong.progress.aggregations import aggregate
    from kaigong.projects.models import Project

    user = User.objects.get(username="bench-office")
    rounds = int(rounds)
    result = {}
    for group in GROUPS:

        def run(group=group):
            return aggregate(projects=Project.objects.visible_to(user), month=MONTH, group_by=group)

        orm = _timed(run, rounds)
        with CaptureQueriesContext(connection) as captured:
            run()
        statements = [query["sql"] for query in captured.captured_queries]

        def raw(statements=statements):
            with connection.cursor() as cursor:
                for sql in statements:
                    cursor.execute(sql)
                    cursor.fetchall()

        bare = _timed(raw, rounds)
        result[group or "total"] = {
            "p50": round(pct(orm, 50), 1),
            "p95": round(pct(orm, 95), 1),
            "raw_p50": round(pct(bare, 50), 1),
            "raw_p95": round(pct(bare, 95), 1),
            "ratio_p95": round(pct(orm, 95) / max(pct(bare, 95), 0.001), 2),
            "queries": len(statements),
        }
    return result


def inner_main(task: str, *args) -> None:
    _django()
    print(json.dumps(globals()[f"step_{task}"](*args), ensure_ascii=False))


# --- the driver -----------------------------------------------------------------------------------------------


def _environment(db: str) -> dict:
    env = {**os.environ, "KAIGONG_DATA_DIR": str(OUT / f"{db}-progress"), "DEBUG": "0", "PYTHONPATH": str(ROOT)}
    env.pop("DATABASE_URL", None)
    if db == "postgres":
        env["DATABASE_URL"] = PG_URL
    return env


def _step(env: dict, task: str, *args) -> dict:
    out = subprocess.run(
        [sys.executable, "-m", "bench.progress", "inner", task, *map(str, args)],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _http(env: dict, setup: dict, rounds: int) -> dict:
    from bench.run import BIN, PORT, http_timings, pct, wait_for_server

    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "kaigong.wsgi:application", "--bind", f"127.0.0.1:{PORT}", "--workers", "2", *QUIET],
        env=env,
        cwd=ROOT,
    )
    try:
        wait_for_server()
        pages = http_timings(
            [path.format(category=setup["category"]) for path in PAGE_PATHS],
            {"Cookie": f"sessionid={setup['session']}"},
            rounds,
        )
        api = http_timings(API_PATHS, {"Authorization": f"Token {setup['token']}"}, rounds)
    finally:
        server.terminate()
        server.wait()
    return {
        "monthly_view_ms": {"p50": round(pct(pages, 50), 1), "p95": round(pct(pages, 95), 1)},
        "api_ms": {"p50": round(pct(api, 50), 1), "p95": round(pct(api, 95), 1)},
    }


def run_database(db: str, n: int, rounds: int) -> dict:
    from bench.run import kaigong, peak

    data_dir = OUT / f"{db}-progress"
    shutil.rmtree(data_dir, ignore_errors=True)
    data_dir.mkdir(parents=True)
    env = _environment(db)
    if db == "postgres":
        for sql in ("DROP DATABASE IF EXISTS kaigong_bench_progress", "CREATE DATABASE kaigong_bench_progress"):
            subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", sql], check=True)

    def mine(task, *args):
        result = _step(env, task, *args)
        print(f"  {task}: {json.dumps(result, ensure_ascii=False)[:300]}", flush=True)
        return result

    kaigong(env, "migrate", "--noinput", "-v0")
    kaigong(env, "collectstatic", "--noinput", "-v0")
    setup = mine("setup", n)
    results: dict = {"db": db, "projects": setup["projects"], "reports": mine("reports")}
    results["refresh"] = {"first": mine("refresh"), "again": mine("refresh")}
    results["aggregations_ms"] = mine("aggregations", rounds)
    results.update(_http(env, setup, rounds))
    bulletin = data_dir / "bulletin-2024-12.pdf"
    seconds, rss = peak(env, "progress", "bulletin", "--month", "2024-12", "--out", str(bulletin))
    results["bulletin"] = {
        "s": round(seconds, 1),
        "peak_mb": round(rss),
        "size_kb": round(bulletin.stat().st_size / 1024),
    }
    export_file = data_dir / "monthly-ledger.xlsx"
    seconds, rss = peak(env, "export-ledger", "--progress-month", "2024-12", "--out", str(export_file))
    results["export"] = {
        "rows": setup["projects"],
        "s": round(seconds, 1),
        "peak_mb": round(rss),
        "size_mb": round(export_file.stat().st_size / 2**20, 1),
    }
    return results


def report(r: dict) -> str:
    from bench.run import machine

    lines = [f"## {dt.datetime.now().strftime('%Y-%m-%d %H:%M')} UTC: issue 11 (monthly progress), {machine()}", ""]
    lines.append(
        "| db | projects | reports | light recompute first / again s (target ≤ 60) | aggregations p95 ms, worst "
        "group (raw SQL p95, ratio) (target ≤ 300, ≤ 3×) | monthly view p50/p95 ms | API p50/p95 ms "
        "| bulletin PDF s (≤ 10) | monthly ledger export s / peak MB (≤ 40 s, ≤ 300 MB) |"
    )
    lines.append("|---|---|---|---|---|---|---|---|---|")
    worst_name, worst = max(r["aggregations_ms"].items(), key=lambda item: item[1]["p95"])
    lines.append(
        f"| {r['db']} | {r['projects']:,} | {r['reports']['reports']:,} | {r['refresh']['first']['s']} / "
        f"{r['refresh']['again']['s']} | {worst['p95']} ({worst_name}; raw {worst['raw_p95']}, {worst['ratio_p95']}×) "
        f"| {r['monthly_view_ms']['p50']} / {r['monthly_view_ms']['p95']} "
        f"| {r['api_ms']['p50']} / {r['api_ms']['p95']} "
        f"| {r['bulletin']['s']} | {r['export']['s']} / {r['export']['peak_mb']} |"
    )
    lines += ["", "Raw JSON:", "", "```json", json.dumps(r, ensure_ascii=False, indent=1), "```", ""]
    return "\n".join(lines)


def main():
    if len(sys.argv) > 2 and sys.argv[1] == "inner":
        inner_main(sys.argv[2], *sys.argv[3:])
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--rounds", type=int, default=60)
    parser.add_argument("--record", action="store_true", help="append the result to bench/RESULTS.md")
    args = parser.parse_args()
    results = run_database(args.db, args.n, args.rounds)
    print(json.dumps(results, ensure_ascii=False))
    if args.record:
        with (ROOT / "bench" / "RESULTS.md").open("a", encoding="utf-8") as handle:
            handle.write("\n" + report(results))


if __name__ == "__main__":
    main()
