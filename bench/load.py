"""Load benchmark (issue 10 §15): simultaneous users against gunicorn on the demo city grown to 100k projects.

    python -m bench.load [--projects 100000] [--users 50] [--seconds 120] [--db sqlite|postgres]

1. Builds, or reuses, a scratch city: the demo city (`kaigong load-demo`) plus synthetic projects up to
   --projects, in bench/out/load-<db>/ (SQLite file) or the PostgreSQL database kaigong_load; never the dev
   database.
2. Serves it as `make serve` does: gunicorn, DEBUG off, --workers processes, plus one `kaigong db_worker`, on a
   free port.
3. Logs in --users simulated users through the login page (office 20%, department 40%, leader 20%, enterprise 20%),
   all at once, then lets each run its role's mix for --seconds with a think time between requests: the overview,
   the project list (filters, pages), searches, a project's page, the API read + PATCH of a project with the
   version it read (compare-and-swap: a stale version answers 409, counted, not an error), ledger exports of a
   filtered list, the department inbox, warnings and scoreboard pages. One office user also imports a ledger sheet
   of --import-rows new projects through the import page (upload, check by the worker, confirm, import by the
   worker), polling its progress as the page does, during the run.
4. Reports requests, errors (any answer but the expected one, any exception or timeout), 409s, p50/p95/p99 per
   page kind, throughput, CPU (server, task worker, database, this load generator, the machine) and the no lost
   update check: every 2xx save's marker (remarks = "load <user> #<n>") is in the project's audit log, each
   project's final version is its first version plus its number of 2xx saves, and its final remarks are those
   of the 2xx save that returned the highest version.

The load generator runs on the same machine as the server (threads, one process): on a 2-core machine it takes
CPU from the server, so the CPU table says how much.
"""

import argparse
import datetime as dt
import http.client
import json
import os
import platform
import random
import re
import resource
import shutil
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
BIN = Path(sys.executable).parent
PG_DB = "kaigong_load"
PG_URL = f"postgres://postgres@127.0.0.1:5432/{PG_DB}"
PASSWORD = "Load-Bench-2026-Houma"
IMPORT_PREFIX = "负载导入项目"
SEARCHES = ["光伏", "gf", "物流园", "wly", "数据中心", "2403-141081", "储能", "侯马", "新材料生产基地", "cl"]
STAGES = ["planning", "preparation", "started", "construction", "completed", "operating"]
TIMEOUT = 120
CLK = os.sysconf("SC_CLK_TCK")


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    k = max(0, min(len(values) - 1, round(p / 100 * (len(values) - 1))))
    return values[k]


# --- the scratch city and the server ---------------------------------------------------------------------------


def environment(db: str) -> dict:
    data_dir = OUT / f"load-{db}"
    data_dir.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "KAIGONG_DATA_DIR": str(data_dir), "DEBUG": "0", "PYTHONPATH": str(ROOT)}
    for name in ("DATABASE_URL", "KAIGONG_DEMO", "TASKS_IMMEDIATE"):
        env.pop(name, None)
    if db == "postgres":
        env["DATABASE_URL"] = PG_URL
    return env


def django_step(env, task: str, *args) -> dict:
    result = subprocess.run(
        [sys.executable, "-m", "bench.load_city", task, *args],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def prepare(db: str, projects: int) -> dict:
    env = environment(db)
    if db == "postgres":
        exists = subprocess.run(
            ["psql", "-h", "127.0.0.1", "-U", "postgres", "-tAc", f"SELECT 1 FROM pg_database WHERE datname='{PG_DB}'"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        if not exists:
            subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f"CREATE DATABASE {PG_DB}"], check=True)
    run = {"env": env, "cwd": ROOT, "check": True}
    subprocess.run([str(BIN / "kaigong"), "migrate", "--noinput", "-v0"], **run)
    subprocess.run([str(BIN / "kaigong"), "collectstatic", "--noinput", "-v0"], **run)
    # The demo city (idempotent; its users keep whatever password they have), then the synthetic projects.
    subprocess.run([str(BIN / "kaigong"), "load-demo"], **run, stdout=subprocess.DEVNULL)
    removed = django_step(env, "cleanup", IMPORT_PREFIX)["deleted"]
    started = time.perf_counter()
    built = django_step(env, "build", str(projects))
    built["removed_imported"] = removed
    built["build_s"] = round(time.perf_counter() - started, 1)
    return {"env": env, **built}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_server(port: int) -> None:
    for _ in range(300):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/accounts/login/")
            conn.getresponse().read()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not start")


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its waited-for children (s); 0 if it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return sum(int(x) for x in fields[11:15]) / CLK  # utime, stime, cutime, cstime


def children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def postgres_pids() -> list[int]:
    pids = []
    for comm in Path("/proc").glob("[0-9]*/comm"):
        try:
            if comm.read_text().strip() == "postgres":
                pids.append(int(comm.parent.name))
        except OSError:
            continue
    return pids


def machine_jiffies() -> tuple[int, int]:
    """(busy, total) jiffies of every CPU since boot."""
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


# --- the simulated browser -------------------------------------------------------------------------------------


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.timings: dict[str, list[float]] = defaultdict(list)
        self.counts: dict[str, int] = defaultdict(int)
        self.errors: list[str] = []
        self.error_count = 0
        self.conflicts = 0
        self.saves: list[dict] = []
        self.recording = False  # requests of the timed window only (logins have their own kind)
        self.events: list[tuple[float, float, str]] = []  # (start, end) on the monotonic clock, kind

    def add(self, kind: str, ms: float, *, started: float, always: bool = False) -> None:
        if self.recording or always:
            with self.lock:
                self.timings[kind].append(ms)
                self.counts[kind] += 1
                self.events.append((started, started + ms / 1000, kind))

    def error(self, text: str) -> None:
        with self.lock:
            self.error_count += 1
            if len(self.errors) < 30:
                self.errors.append(text)


class Browser:
    """One user's cookies and CSRF token over plain HTTP/1.1 (gunicorn's sync workers close each connection)."""

    def __init__(self, port: int, stats: Stats, username: str):
        self.port = port
        self.stats = stats
        self.username = username
        self.cookies: dict[str, str] = {}
        self.token = ""

    def request(self, method, path, *, kind, body=None, headers=None, expect=(200,), always=False):
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if self.token:
            headers["Authorization"] = f"Token {self.token}"
        start = time.perf_counter()
        started = time.monotonic()
        try:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=TIMEOUT)
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            data = response.read()
            conn.close()
        except (OSError, http.client.HTTPException) as exc:
            self.stats.error(f"{self.username} {method} {path}: {exc!r}")
            return None, b"", {}
        ms = (time.perf_counter() - start) * 1000
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        response_headers = {k.lower(): v for k, v in response.getheaders()}
        if response.status == 409 and 409 in expect:
            with self.stats.lock:
                self.stats.conflicts += 1
        if response.status not in expect:
            text = re.sub(r"\s+", " ", re.sub(r"<[^>]*>", " ", data.decode("utf-8", "replace")))
            self.stats.error(f"{self.username} {method} {path}: HTTP {response.status} {text[:160]}")
        elif response.status in (301, 302) and "/accounts/login" in response_headers.get("location", ""):
            self.stats.error(f"{self.username} {method} {path}: sent to the login page")
        self.stats.add(kind, ms, started=started, always=always)
        return response.status, data, response_headers

    def get(self, path, kind, **kwargs):
        return self.request("GET", path, kind=kind, **kwargs)

    @property
    def csrf(self) -> str:
        return self.cookies.get("csrftoken", "")

    def post_form(self, path, fields, kind, expect=(302,)):
        body = urlencode({**fields, "csrfmiddlewaretoken": self.csrf})
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        return self.request("POST", path, kind=kind, body=body, headers=headers, expect=expect, always=True)

    def login(self) -> bool:
        self.get("/accounts/login/", "login page", always=True)
        status, _, _ = self.post_form(
            "/accounts/login/", {"username": self.username, "password": PASSWORD, "next": "/"}, "login"
        )
        return status == 302

    def api_token(self) -> None:
        body = json.dumps({"username": self.username, "password": PASSWORD})
        _, data, _ = self.request(
            "POST",
            "/api/auth/token/",
            kind="API token",
            body=body,
            headers={"Content-Type": "application/json"},
            always=True,
        )
        self.token = json.loads(data or b"{}").get("token", "")
        if not self.token:
            self.stats.error(f"{self.username}: no API token {data[:200]!r}")


# --- what each role does ---------------------------------------------------------------------------------------


class User(threading.Thread):
    def __init__(self, info: dict, port: int, stats: Stats, deadline_box: list, think: float, seed: int, city: dict):
        super().__init__(daemon=True)
        self.info = info
        self.role = info["role"]
        self.browser = Browser(port, stats, info["username"])
        self.stats = stats
        self.deadline_box = deadline_box
        self.think = think
        self.rng = random.Random(seed)
        self.city = city
        self.saved = 0
        self.logged_in = threading.Event()

    def run(self):
        try:
            ok = self.browser.login()
            if ok and self.role in ("office", "department"):
                self.browser.api_token()
        finally:
            self.logged_in.set()
        if not ok:
            return
        actions = MIXES[self.role]
        names = [name for name, _ in actions]
        weights = [weight for _, weight in actions]
        while self.deadline_box[0] is None:
            time.sleep(0.05)
        while time.monotonic() < self.deadline_box[0]:
            time.sleep(self.rng.expovariate(1 / self.think) if self.think else 0)
            if time.monotonic() >= self.deadline_box[0]:
                break
            getattr(self, names_to_method[self.rng.choices(names, weights)[0]])()

    # pages
    def overview(self):
        self.browser.get("/", "overview")

    def project_list(self):
        params = {"page": self.rng.choice([1, 1, 1, 2, 3, 5])}
        if self.role == "department":
            params["responsible_department"] = self.info["department"]
        if self.rng.random() < 0.6:
            params["stage"] = self.rng.choice(STAGES)
        if self.rng.random() < 0.5:
            params["year"] = self.rng.choice([2022, 2023, 2024, 2025, 2026])
        if self.rng.random() < 0.3:
            params["category"] = self.rng.choice(self.city["categories"])
        if self.rng.random() < 0.4:
            params["ordering"] = self.rng.choice(["-total_investment", "name", "-annual_planned_investment"])
        self.browser.get(f"/projects/?{urlencode(params)}", "list")

    def search(self):
        params = {"q": self.rng.choice(SEARCHES)}
        if self.rng.random() < 0.3:
            params["page"] = 2
        self.browser.get(f"/projects/?{urlencode(params)}", "search")

    def detail(self):
        pk = self.rng.choice(self.info["readable"] or self.info["editable"])
        self.browser.get(f"/projects/{pk}/", "project page")

    def api_list(self):
        self.browser.get(f"/api/projects/?{urlencode({'page': self.rng.choice([1, 2])})}", "API list")

    def save(self):
        """Read a project through the API, edit for a moment, PATCH it with the version read (compare-and-swap)."""
        if not self.info["editable"]:
            return
        pk = self.rng.choice(self.info["editable"])
        status, data, _ = self.browser.get(f"/api/projects/{pk}/", "API read")
        if status != 200:
            return
        version = json.loads(data)["version"]
        time.sleep(self.rng.uniform(0.0, 1.0))  # the user types
        self.saved += 1
        marker = f"load {self.info['username']} #{self.saved} {uuid.uuid4().hex[:8]}"
        body = json.dumps({"version": version, "remarks": marker})
        status, data, _ = self.browser.request(
            "PATCH",
            f"/api/projects/{pk}/",
            kind="API save",
            body=body,
            headers={"Content-Type": "application/json"},
            expect=(200, 409),
        )
        if status == 200:
            saved = json.loads(data)
            record = {"project": pk, "marker": marker, "sent_version": version, "version": saved["version"]}
            if saved.get("remarks") != marker:
                self.stats.error(f"{self.info['username']} save {pk}: answered remarks {saved.get('remarks')!r}")
            with self.stats.lock:
                self.stats.saves.append(record)

    def export(self):
        if self.role == "department":
            params = {"responsible_department": self.info["department"], "year": self.rng.choice([2024, 2025, 2026])}
        elif self.role == "office":
            params = {"year": self.rng.choice([2024, 2025, 2026]), "stage": self.rng.choice(STAGES)}
        else:
            params = {"category": self.rng.choice(self.city["categories"]), "year": 2026}
        status, data, _ = self.browser.get(f"/ledger/export/?{urlencode(params)}", "ledger export")
        if status == 200 and not data.startswith(b"PK"):
            self.stats.error(f"{self.info['username']} export: not an .xlsx {data[:100]!r}")

    def inbox(self):
        self.browser.get("/approvals/inbox/", "approvals inbox")

    def warnings(self):
        self.browser.get("/approvals/warnings/", "approvals warnings")

    def scoreboard(self):
        self.browser.get("/approvals/scoreboard/", "scoreboard")


names_to_method = {
    "overview": "overview",
    "list": "project_list",
    "search": "search",
    "detail": "detail",
    "api_list": "api_list",
    "save": "save",
    "export": "export",
    "inbox": "inbox",
    "warnings": "warnings",
    "scoreboard": "scoreboard",
}
MIXES = {
    "office": [
        ("overview", 5),
        ("list", 25),
        ("search", 15),
        ("detail", 20),
        ("save", 25),
        ("export", 4),
        ("warnings", 6),
    ],
    "department": [("list", 25), ("search", 15), ("detail", 20), ("save", 30), ("export", 4), ("inbox", 6)],
    "leader": [
        ("overview", 20),
        ("list", 25),
        ("search", 20),
        ("detail", 20),
        ("export", 5),
        ("scoreboard", 10),
    ],
    "enterprise": [("list", 45), ("detail", 40), ("api_list", 15)],
}


class Importer(threading.Thread):
    """The office's second tab: upload a ledger sheet, follow the worker's check, confirm, follow the import."""

    def __init__(self, browser: Browser, sheet: Path, start_after: float):
        super().__init__(daemon=True)
        self.phases: dict[str, float] = {}
        self.browser = browser
        self.sheet = sheet
        self.start_after = start_after
        self.result: dict = {"status": "not started"}

    def upload(self) -> int | None:
        self.browser.get("/ledger/import/", "import page", always=True)
        boundary = uuid.uuid4().hex
        body = b"".join(
            [
                f'--{boundary}\r\nContent-Disposition: form-data; name="csrfmiddlewaretoken"\r\n\r\n'.encode(),
                self.browser.csrf.encode(),
                f"\r\n--{boundary}\r\n".encode(),
                f'Content-Disposition: form-data; name="file"; filename="{self.sheet.name}"\r\n'.encode(),
                b"Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet\r\n\r\n",
                self.sheet.read_bytes(),
                f"\r\n--{boundary}--\r\n".encode(),
            ]
        )
        status, _, headers = self.browser.request(
            "POST",
            "/ledger/import/",
            kind="import upload",
            body=body,
            headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
            expect=(302,),
            always=True,
        )
        match = re.search(r"/ledger/import/(\d+)/", headers.get("location", ""))
        return int(match.group(1)) if status == 302 and match else None

    def follow(self, pk: int, limit: float) -> bool:
        """Poll the progress fragment every second, as the page's htmx does, until it asks for a refresh."""
        end = time.monotonic() + limit
        while time.monotonic() < end:
            status, _, headers = self.browser.get(
                f"/ledger/import/{pk}/progress/", "import progress", headers={"HX-Request": "true"}, always=True
            )
            if status == 200 and headers.get("hx-refresh") == "true":
                self.browser.get(f"/ledger/import/{pk}/", "import result page", always=True)
                return True
            time.sleep(1)
        return False

    def run(self):
        time.sleep(self.start_after)
        started = time.monotonic()
        self.phases = {"upload": started}
        pk = self.upload()
        if pk is None:
            self.result = {"status": "upload refused"}
            return
        self.result = {"status": "checking", "pk": pk}
        if not self.follow(pk, 600):
            self.result["status"] = "check did not finish in 10 minutes"
            return
        self.result["check_s"] = round(time.monotonic() - started, 1)
        self.phases["confirm"] = time.monotonic()
        self.browser.post_form(f"/ledger/import/{pk}/confirm/", {}, "import confirm")
        self.result["status"] = "importing"
        if not self.follow(pk, 900):
            self.result["status"] = "import did not finish in 15 minutes"
            return
        self.phases["done"] = time.monotonic()
        self.result["status"] = "finished"
        self.result["total_s"] = round(time.monotonic() - started, 1)


# --- the run ---------------------------------------------------------------------------------------------------


def role_counts(users: int) -> dict:
    office = max(1, users // 5)
    leader = max(1, users // 5)
    enterprise = max(1, users // 5)
    return {
        "office": office,
        "department": max(1, users - office - leader - enterprise),
        "leader": leader,
        "enterprise": enterprise,
    }


def no_lost_update(saves: list[dict], before: dict, after: dict) -> dict:
    by_project = defaultdict(list)
    for save in saves:
        by_project[str(save["project"])].append(save)
    problems = []
    for pk, project_saves in by_project.items():
        start, end = before[pk], after[pk]
        versions = [s["version"] for s in project_saves]
        if len(set(versions)) != len(versions):
            problems.append(f"project {pk}: two 2xx saves answered the same version")
        if end["version"] - start["version"] != len(project_saves):
            problems.append(
                f"project {pk}: version {start['version']} → {end['version']} after {len(project_saves)} 2xx saves"
            )
        last = max(project_saves, key=lambda s: s["version"])
        if end["remarks"] != last["marker"]:
            problems.append(f"project {pk}: remarks {end['remarks']!r}, last 2xx save wrote {last['marker']!r}")
        audited = [value for value in end["audited"] if value not in start["audited"]]
        missing = [s["marker"] for s in project_saves if s["marker"] not in audited]
        if missing:
            problems.append(f"project {pk}: {len(missing)} 2xx saves missing from the audit log")
        if len(audited) != len(project_saves):
            problems.append(f"project {pk}: {len(audited)} audited writes for {len(project_saves)} 2xx saves")
    return {"saves": len(saves), "projects": len(by_project), "ok": not problems, "problems": problems[:20]}


def run(args) -> dict:
    machine = {
        "cpu": next(
            (
                line.split(":", 1)[1].strip()
                for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")
            ),
            platform.processor(),
        ),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
    }
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT, capture_output=True)
    machine["commit"] = head.stdout.strip() + (" + uncommitted changes" if dirty.stdout.strip() else "")
    t0 = time.perf_counter()
    city = prepare(args.db, args.projects)
    env = city.pop("env")
    print(f"city: {city['projects']:,} projects (built {city['made']:,} in {city['build_s']} s)", flush=True)

    spec = role_counts(args.users)
    people = django_step(env, "users", json.dumps(spec), PASSWORD)
    users = people["users"]
    categories = people["categories"]
    editable = sorted({pk for user in users for pk in user["editable"]})
    before = django_step(env, "state", json.dumps(editable))

    data_dir = Path(env["KAIGONG_DATA_DIR"])
    sheet = data_dir / f"load-import-{args.import_rows}.xlsx"
    prefix = f"{IMPORT_PREFIX}{dt.datetime.now(dt.UTC):%H%M%S}-"
    subprocess.run(
        [sys.executable, "-m", "bench.inner", "sheet", str(sheet), str(args.import_rows), prefix],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
    )

    port = free_port()
    log = open(data_dir / "gunicorn.log", "w")  # noqa: SIM115 (closed in finally)
    server = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "kaigong.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(args.workers),
            "--timeout",
            "120",
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=log,
    )
    worker = subprocess.Popen(
        [str(BIN / "kaigong"), "db_worker", "--queue-name", "*"], env=env, cwd=ROOT, stdout=log, stderr=log
    )
    stats = Stats()
    result: dict = {
        "db": args.db,
        "machine": machine,
        "city": city,
        "users": spec,
        "think_s": args.think,
        "workers": args.workers,
        "seconds": args.seconds,
        "import_rows": args.import_rows,
    }
    try:
        wait_for_server(port)
        result["load_before"] = loadavg()
        deadline_box = [None]
        threads = [
            User(info, port, stats, deadline_box, args.think, seed=i, city={"categories": categories})
            for i, info in enumerate(users)
        ]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.logged_in.wait(300)
        result["login_all_s"] = round(time.perf_counter() - started, 1)
        print(f"{len(threads)} users logged in in {result['login_all_s']} s; running {args.seconds} s", flush=True)

        office = next(t for t in threads if t.role == "office")
        import_browser = Browser(port, stats, office.info["username"])
        import_browser.cookies = dict(office.browser.cookies)  # a second tab of the same session
        importer = Importer(import_browser, sheet, start_after=5)

        watched = [server.pid, *children(server.pid)]
        pg = postgres_pids() if args.db == "postgres" else []
        cpu0 = {
            "server": sum(cpu_seconds(p) for p in watched),
            "worker": cpu_seconds(worker.pid),
            "database": sum(cpu_seconds(p) for p in pg),
            "load generator": resource.getrusage(resource.RUSAGE_SELF),
        }
        busy0, total0 = machine_jiffies()
        window_start = time.perf_counter()
        stats.recording = True
        origin = time.monotonic()
        deadline_box[0] = origin + args.seconds
        importer.start()
        for thread in threads:
            thread.join()
        stats.recording = False
        window = time.perf_counter() - window_start
        busy1, total1 = machine_jiffies()
        watched = sorted({*watched, *children(server.pid)})
        pg_now = postgres_pids() if args.db == "postgres" else []
        usage = resource.getrusage(resource.RUSAGE_SELF)
        generator = usage.ru_utime + usage.ru_stime
        generator -= cpu0["load generator"].ru_utime + cpu0["load generator"].ru_stime
        cpu = {
            "server": sum(cpu_seconds(p) for p in watched) - cpu0["server"],
            "task worker": cpu_seconds(worker.pid) - cpu0["worker"],
            "database": sum(cpu_seconds(p) for p in pg_now) - cpu0["database"],
            "load generator": generator,
        }
        machine_busy = (busy1 - busy0) / CLK
        cpu["machine, every process"] = machine_busy
        cpu["others (other users of the machine)"] = machine_busy - sum(
            v for k, v in cpu.items() if k != "machine, every process"
        )
        result["cpu_s"] = {k: round(v, 1) for k, v in cpu.items()}
        result["machine_busy_pct"] = round(100 * (busy1 - busy0) / max(1, total1 - total0), 1)
        result["window_s"] = round(window, 1)
        importer.join(900 if importer.result.get("status") != "not started" else 60)
        result["import"] = importer.result
        result["load_after"] = loadavg()
    finally:
        server.terminate()
        worker.terminate()
        server.wait()
        worker.wait()
        log.close()

    after = django_step(env, "state", json.dumps(editable))
    result["import"]["projects_written"] = django_step(env, "count", prefix)["count"]
    if result["import"].get("status") == "finished" and result["import"]["projects_written"] != args.import_rows:
        result["import"]["status"] = "ended without writing every row (see the import's page)"
    result["no_lost_update"] = no_lost_update(stats.saves, before["projects"], after["projects"])

    timed = {k: v for k, v in stats.timings.items()}
    window_kinds = [k for k in timed if not k.startswith(("login", "API token", "import"))]
    result["requests"] = sum(stats.counts.values())
    result["window_requests"] = sum(stats.counts[k] for k in window_kinds)
    result["throughput_rps"] = round(result["window_requests"] / result["window_s"], 1)
    kaigong_cpu = sum(result["cpu_s"][k] for k in ("server", "task worker", "database"))
    result["cpu_ms_per_request"] = round(1000 * kaigong_cpu / max(1, result["window_requests"]), 1)
    result["errors"] = stats.error_count
    result["error_samples"] = stats.errors
    result["conflicts_409"] = stats.conflicts
    result["saves_2xx"] = len(stats.saves)
    result["kinds"] = {
        kind: {
            "n": len(values),
            "p50": round(pct(values, 50)),
            "p95": round(pct(values, 95)),
            "p99": round(pct(values, 99)),
            "max": round(max(values)),
        }
        for kind, values in sorted(timed.items(), key=lambda item: -len(item[1]))
    }
    result.update(timeline(stats.events, set(window_kinds), origin, importer.phases))
    result["total_s"] = round(time.perf_counter() - t0, 1)
    return result


def summary(values: list[float]) -> dict:
    if not values:
        return {"n": 0}
    return {"n": len(values), "p50": round(pct(values, 50)), "p95": round(pct(values, 95)), "max": round(max(values))}


def timeline(events: list, kinds: set, origin: float, phases: dict) -> dict:
    """Page timings by when they started: every 10 s of the window, and before / during the import's phases."""
    pages = [(start - origin, (end - start) * 1000) for start, end, kind in events if kind in kinds]
    saves = [(start - origin, (end - start) * 1000) for start, end, kind in events if kind == "API save"]
    buckets = defaultdict(list)
    for at, ms in pages:
        buckets[int(at // 10) * 10].append(ms)
    upload = phases.get("upload", float("inf")) - origin
    confirm = phases.get("confirm", float("inf")) - origin
    done = phases.get("done", float("inf")) - origin
    return {
        "timeline": {f"{at}-{at + 10} s": summary(values) for at, values in sorted(buckets.items())},
        "import_phases_s": {k: round(v - origin, 1) for k, v in phases.items()},
        "pages_by_import_phase": {k: summary(v) for k, v in by_phase(pages, upload, confirm, done).items()},
        "saves_by_import_phase": {k: summary(v) for k, v in by_phase(saves, upload, confirm, done).items()},
    }


def by_phase(timings: list, upload: float, confirm: float, done: float) -> dict:
    during = {"no import running": [], "import checked by the worker": [], "import written by the worker": []}
    for at, ms in timings:
        if upload <= at < confirm:
            during["import checked by the worker"].append(ms)
        elif confirm <= at < done:
            during["import written by the worker"].append(ms)
        else:
            during["no import running"].append(ms)
    return during


def markdown(r: dict) -> str:
    lines = [
        f"{r['db']}: {r['city']['projects']:,} projects, {sum(r['users'].values())} users "
        f"({', '.join(f'{k} {v}' for k, v in r['users'].items())}), think time {r['think_s']} s, "
        f"{r['window_s']} s window, gunicorn {r['workers']} workers + 1 db_worker",
        "",
        f"- requests: {r['requests']:,} ({r['window_requests']:,} in the window, {r['throughput_rps']} req/s); "
        f"errors: {r['errors']}; 409 conflicts: {r['conflicts_409']}; 2xx saves: {r['saves_2xx']}",
        f"- no lost update: {'yes' if r['no_lost_update']['ok'] else 'NO'} ({r['no_lost_update']['saves']} saves on "
        f"{r['no_lost_update']['projects']} projects) {'; '.join(r['no_lost_update']['problems'])}",
        f"- import of {r['import_rows']:,} rows: {r['import'].get('status')}, check "
        f"{r['import'].get('check_s')} s, check + import {r['import'].get('total_s')} s, "
        f"{r['import'].get('projects_written'):,} projects written",
        f"- {sum(r['users'].values())} logins at once: {r['login_all_s']} s; "
        f"load average before/after: {r['load_before']} / {r['load_after']}; "
        f"machine busy {r['machine_busy_pct']}% of {r['machine']['cores']} cores",
        "- CPU s in the window: " + ", ".join(f"{k} {v}" for k, v in r["cpu_s"].items()) + "; Kaigong's CPU "
        f"(server, task worker, database) per request: {r['cpu_ms_per_request']} ms",
        "",
        "| page kind | n | p50 ms | p95 ms | p99 ms | max ms |",
        "|---|---|---|---|---|---|",
    ]
    for kind, k in r["kinds"].items():
        lines.append(f"| {kind} | {k['n']} | {k['p50']} | {k['p95']} | {k['p99']} | {k['max']} |")
    lines += ["", "Every page kind together, by what the import was doing when the request started:", ""]
    lines += ["| | every page: n | p50 ms | p95 ms | max ms | API saves: n | p50 ms | p95 ms | max ms |"]
    lines += ["|---|---|---|---|---|---|---|---|---|"]
    for phase, k in r["pages_by_import_phase"].items():
        save = r["saves_by_import_phase"][phase]
        cells = [k.get(x, "") for x in ("n", "p50", "p95", "max")] + [
            save.get(x, "") for x in ("n", "p50", "p95", "max")
        ]
        lines.append(f"| {phase} | " + " | ".join(str(c) for c in cells) + " |")
    lines += [
        "",
        "Every page kind together, by 10 s of the window (n, p50/p95/max ms): "
        + "; ".join(
            f"{span}: {k['n']}, {k.get('p50')}/{k.get('p95')}/{k.get('max')}" for span, k in r["timeline"].items()
        ),
    ]
    if r["error_samples"]:
        lines += ["", "Errors (first 30):", "", *[f"- {e}" for e in r["error_samples"]]]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--projects", type=int, default=100_000)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=120)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (make serve: 3)")
    parser.add_argument("--think", type=float, default=1.0, help="mean think time between a user's requests (s)")
    parser.add_argument("--import-rows", type=int, default=20_000)
    parser.add_argument("--record", action="store_true", help="append the result to bench/RESULTS.md")
    args = parser.parse_args()
    if not shutil.which("psql") and args.db == "postgres":
        raise SystemExit("psql is needed for --db postgres")
    result = run(args)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M")
    path = OUT / f"load-{args.db}-{stamp}.json"
    path.write_text(json.dumps(result, ensure_ascii=False, indent=1))
    print(markdown(result))
    if args.record:
        machine = result["machine"]
        heading = (
            f"### {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC: `python -m bench.load --db {args.db} --users "
            f"{args.users} --seconds {args.seconds} --think {args.think} --import-rows {args.import_rows}` "
            f"({machine['cpu']}, {machine['cores']} "
            f"cores, Python {machine['python']}; code {machine['commit']})"
        )
        with (ROOT / "bench" / "RESULTS.md").open("a") as handle:
            handle.write(f"\n{heading}\n\n{markdown(result)}\n")
    print(f"\n(raw: {path.relative_to(ROOT)})")
    failed = result["errors"] or not result["no_lost_update"]["ok"] or result["import"].get("status") != "finished"
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
