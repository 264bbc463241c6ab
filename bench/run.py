"""`make bench`: Kaigong's speed and memory against the targets of issue 2, over HTTP against gunicorn.

For each database (SQLite file, PostgreSQL database kaigong_bench): migrate, generate N synthetic projects, serve
with gunicorn (DEBUG off), then measure
- the project list page (filtered, sorted, 50 rows) and the API list: p50/p95 over loopback, beside the raw SQL
  time of the same queries (captured from the ORM, re-executed with a bare cursor);
- export of every project to the ledger .xlsx (CLI): time and peak memory;
- dry run + import of a 10k-row sheet (CLI wall time, with its start-up) beside a raw path (calamine parse + bulk
  insert, timed inside one process, and as a process of its own with its start-up, as the CLI is), and the same
  dry run + import timed the raw path's way (in process, on a second sheet of new projects).
Results are appended to bench/RESULTS.md with the date and the machine.

    python -m bench.run [--n 100000] [--db sqlite,postgres] [--requests 200]
"""

import argparse
import datetime as dt
import http.client
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
BIN = Path(sys.executable).parent
PORT = 8765
PG_URL = "postgres://postgres@127.0.0.1:5432/kaigong_bench"

LIST_QUERIES = [
    "stage=construction&ordering=-total_investment&page={page}",
    "year=2024&category={category}&ordering=name&page={page}",
    "q=gf&ordering=-annual_planned_investment&page={page}",
]


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    k = max(0, min(len(values) - 1, round(p / 100 * (len(values) - 1))))
    return values[k]


def kaigong(env, *args, **kwargs):
    return subprocess.run([str(BIN / "kaigong"), *args], env=env, check=True, cwd=ROOT, **kwargs)


def inner(env, task: str, *args) -> dict:
    """Run a Django-side step in a fresh process with ``env``; it prints one JSON line."""
    result = subprocess.run(
        [sys.executable, "-m", "bench.inner", task, *args],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def peak(env, *args) -> tuple[float, float]:
    """Wall time (s) and peak RSS (MB) of `kaigong ARGS` in a fresh process."""
    code = (
        "import resource,subprocess,sys,time;t=time.perf_counter();"
        "subprocess.run(sys.argv[1:],check=True,stdout=subprocess.DEVNULL);"
        "print(time.perf_counter()-t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss/1024)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(BIN / "kaigong"), *args],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    return float(out[0]), float(out[1])


def http_timings(paths: list[str], headers: dict, rounds: int) -> list[float]:
    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
    timings = []
    for i in range(rounds + 10):
        path = paths[i % len(paths)]
        start = time.perf_counter()
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        body = response.read()
        elapsed = (time.perf_counter() - start) * 1000
        if response.status != 200:
            raise SystemExit(f"{path}: HTTP {response.status} {body[:300]!r}")
        if i >= 10:  # warm-up
            timings.append(elapsed)
    conn.close()
    return timings


def wait_for_server():
    for _ in range(100):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=2)
            conn.request("GET", "/accounts/login/")
            conn.getresponse().read()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not start")


def run_database(db: str, n: int, rounds: int) -> dict:
    data_dir = OUT / db
    shutil.rmtree(data_dir, ignore_errors=True)
    data_dir.mkdir(parents=True)
    env = {**os.environ, "KAIGONG_DATA_DIR": str(data_dir), "DEBUG": "0", "PYTHONPATH": str(ROOT)}
    env.pop("DATABASE_URL", None)
    if db == "postgres":
        env["DATABASE_URL"] = PG_URL
        subprocess.run(
            ["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", "DROP DATABASE IF EXISTS kaigong_bench"], check=True
        )
        subprocess.run(
            ["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", "CREATE DATABASE kaigong_bench"], check=True
        )
    kaigong(env, "migrate", "--noinput", "-v0")
    kaigong(env, "collectstatic", "--noinput", "-v0")
    t = time.perf_counter()
    setup = inner(env, "setup", str(n))
    generate_s = time.perf_counter() - t
    results: dict = {"db": db, "n": setup["projects"], "generate_s": round(generate_s, 1)}

    paths = [q.format(page=p, category=setup["category"]) for q in LIST_QUERIES for p in (1, 2, 3, 5, 8)]
    raw = inner(env, "rawsql", json.dumps(paths))
    server = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "kaigong.wsgi:application",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--workers",
            "2",
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=ROOT,
    )
    try:
        wait_for_server()
        page = http_timings([f"/projects/?{p}" for p in paths], {"Cookie": f"sessionid={setup['session']}"}, rounds)
        api = http_timings([f"/api/projects/?{p}" for p in paths], {"Authorization": f"Token {setup['token']}"}, rounds)
    finally:
        server.terminate()
        server.wait()
    results["page_ms"] = {"p50": round(pct(page, 50), 1), "p95": round(pct(page, 95), 1)}
    results["api_ms"] = {"p50": round(pct(api, 50), 1), "p95": round(pct(api, 95), 1)}
    results["page_sql_ms"] = raw["page"]
    results["api_sql_ms"] = raw["api"]

    export_file = data_dir / "export.xlsx"
    seconds, rss = peak(env, "export-ledger", "--out", str(export_file))
    results["export"] = {
        "rows": setup["projects"],
        "s": round(seconds, 1),
        "peak_mb": round(rss),
        "size_mb": round(export_file.stat().st_size / 2**20, 1),
    }

    sheet = data_dir / "import-10k.xlsx"
    inner(env, "sheet", str(sheet), "10000")
    t = time.perf_counter()
    kaigong(env, "import-ledger", str(sheet), "--dry-run", stdout=subprocess.DEVNULL)
    dry = time.perf_counter() - t
    t = time.perf_counter()
    kaigong(env, "import-ledger", str(sheet), stdout=subprocess.DEVNULL)
    real = time.perf_counter() - t
    t = time.perf_counter()
    raw_import = inner(env, "rawimport", str(sheet))
    raw_process = time.perf_counter() - t  # the raw path as a process of its own, start-up included, as the CLI is
    # The same work timed as the raw path is, inside one process (no interpreter and Django start-up, which the
    # CLI wall times above include twice), on a second sheet of new projects.
    second = data_dir / "import-10k-b.xlsx"
    inner(env, "sheet", str(second), "10000", "基准导入二期项目")
    dry_inside = inner(env, "realimport", str(second), "dry-run")
    real_inside = inner(env, "realimport", str(second), "import")
    results["import"] = {
        "rows": 10000,
        "dry_run_s": round(dry, 1),
        "import_s": round(real, 1),
        "total_s": round(dry + real, 1),
        "raw_s": raw_import["s"],
        "raw_process_s": round(raw_process, 2),
        "in_process": {
            "dry_run_s": dry_inside["s"],
            "import_s": real_inside["s"],
            "total_s": round(dry_inside["s"] + real_inside["s"], 2),
        },
    }
    return results


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{platform.node()}: {os.cpu_count()} cores, {mem:.0f} GiB, {cpu}, Python {platform.python_version()}"


def report(all_results: list[dict]) -> str:
    lines = [f"## {dt.datetime.now().strftime('%Y-%m-%d %H:%M')} UTC: {machine()}", ""]
    lines.append(
        "| db | projects | list page p50/p95 ms | page SQL p50/p95 ms | API p50/p95 ms | API SQL p50/p95 ms "
        "| export s / peak MB | 10k dry run + import s (CLI) | same, in process | raw parse+insert s (in process) "
        "| raw parse+insert s (a process, start-up included) |"
    )
    lines.append("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in all_results:
        inside = r["import"]["in_process"]
        lines.append(
            f"| {r['db']} | {r['n']:,} | {r['page_ms']['p50']} / {r['page_ms']['p95']} "
            f"| {r['page_sql_ms']['p50']} / {r['page_sql_ms']['p95']} | {r['api_ms']['p50']} / {r['api_ms']['p95']} "
            f"| {r['api_sql_ms']['p50']} / {r['api_sql_ms']['p95']} | {r['export']['s']} / {r['export']['peak_mb']} "
            f"| {r['import']['dry_run_s']} + {r['import']['import_s']} = {r['import']['total_s']} "
            f"| {inside['dry_run_s']} + {inside['import_s']} = {inside['total_s']} | {r['import']['raw_s']} "
            f"| {r['import'].get('raw_process_s', '')} |"
        )
    lines += ["", "Raw JSON:", "", "```json", json.dumps(all_results, ensure_ascii=False, indent=1), "```", ""]
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--db", default="sqlite,postgres")
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    results = []
    for db in args.db.split(","):
        print(f"== {db}: {args.n:,} projects", flush=True)
        results.append(run_database(db, args.n, args.requests))
        print(json.dumps(results[-1], ensure_ascii=False), flush=True)
    text = report(results)
    print(text)
    with open(ROOT / "bench" / "RESULTS.md", "a", encoding="utf-8") as fh:
        fh.write("\n" + text)


if __name__ == "__main__":
    main()
