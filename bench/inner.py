"""Django-side steps of the benchmark, each run in a fresh process by bench.run (prints one JSON line)."""

import json
import os
import statistics
import sys
import time
from decimal import Decimal

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kaigong.settings")

import django

django.setup()

from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402

from bench.generate import generate  # noqa: E402
from kaigong.accounts.choices import Role  # noqa: E402
from kaigong.accounts.models import Department, Organization, User  # noqa: E402
from kaigong.projects.models import Category, Project  # noqa: E402


def _user() -> User:
    user, _ = User.objects.get_or_create(username="bench", defaults={"role": Role.OFFICE})
    return user


def setup(n: str) -> dict:
    missing = int(n) - Project.objects.count()
    if missing > 0:
        generate(missing)
        # PostgreSQL in service has planner statistics (autovacuum analyses new tables); right after a bulk insert
        # it has none, estimates 41 rows for a 12k-row filter and picks hash joins over the whole set. SQLite has
        # no automatic ANALYZE, so a SQLite file in service has no statistics, and neither does this one.
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
    user = _user()
    session = SessionStore()
    session["_auth_user_id"] = str(user.pk)
    session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    session["_auth_user_hash"] = user.get_session_auth_hash()
    session.create()
    token, _ = Token.objects.get_or_create(user=user)
    return {
        "projects": Project.objects.count(),
        "session": session.session_key,
        "token": token.key,
        "category": Category.objects.get(code="industry").pk,
    }


def _raw(prefix: str, paths: list[str]) -> dict:
    client = Client()
    client.force_login(_user())
    timings = []
    with connection.cursor() as cursor:
        for path in paths:
            with CaptureQueriesContext(connection) as ctx:
                response = client.get(f"{prefix}?{path}")
                assert response.status_code == 200, (path, response.status_code)
            sqls = [q["sql"] for q in ctx.captured_queries if "projects_project" in q["sql"]]
            for _ in range(4):
                start = time.perf_counter()
                for sql in sqls:
                    cursor.execute(sql)
                    cursor.fetchall()
                timings.append((time.perf_counter() - start) * 1000)
    timings.sort()
    return {"p50": round(statistics.median(timings), 1), "p95": round(timings[int(0.95 * (len(timings) - 1))], 1)}


def rawsql(paths_json: str) -> dict:
    paths = json.loads(paths_json)
    return {"page": _raw("/projects/", paths), "api": _raw("/api/projects/", paths)}


HEADERS = [
    "序号",
    "项目名称",
    "项目类别",
    "项目级别",
    "计划年度",
    "建设单位",
    "责任单位",
    "总投资",
    "年度计划投资",
    "计划开工时间",
    "建设地点",
    "建设内容及规模",
]


def sheet(path: str, rows: str, prefix: str = "基准导入项目") -> dict:
    from openpyxl import Workbook

    categories = list(Category.objects.values_list("name", flat=True))
    departments = list(Department.objects.values_list("name", flat=True)[:30])
    owners = list(Organization.objects.values_list("name", flat=True)[:500])
    workbook = Workbook(write_only=True)
    ws = workbook.create_sheet("台账")
    ws.append(["基准导入台账"])
    ws.append(["单位:万元"])
    ws.append(HEADERS)
    for i in range(int(rows)):
        ws.append(
            [
                i + 1,
                f"{prefix}{i:05d}",
                categories[i % len(categories)],
                "市级",
                2026,
                owners[i % len(owners)],
                departments[i % len(departments)],
                12000 + i,
                3000,
                "2026-03-01",
                "侯马市",
                "基准测试导入",
            ]
        )
    workbook.save(path)
    return {"rows": int(rows)}


def rawimport(path: str) -> dict:
    from python_calamine import CalamineWorkbook

    start = time.perf_counter()
    rows = CalamineWorkbook.from_path(path).get_sheet_by_index(0).to_python()
    categories = dict(Category.objects.values_list("name", "id"))
    departments = dict(Department.objects.values_list("name", "id"))
    owners = dict(Organization.objects.values_list("name", "id"))
    objects = [
        Project(
            name=f"{r[1]}raw",
            category_id=categories[r[2]],
            year=int(r[4]),
            owner_id=owners[r[5]],
            responsible_department_id=departments[r[6]],
            total_investment=Decimal(str(r[7])),
            annual_planned_investment=Decimal(str(r[8])),
            address=r[10],
            construction_content=r[11],
        )
        for r in rows[3:]
    ]
    with transaction.atomic():
        Project.objects.bulk_create(objects, batch_size=2000)
        transaction.set_rollback(True)
    return {"s": round(time.perf_counter() - start, 2), "rows": len(objects)}


def realimport(path: str, dry_run: str) -> dict:
    """What `kaigong import-ledger` does, timed in this process as rawimport is (no interpreter start-up)."""
    from kaigong.projects.ledger.importer import import_ledger

    start = time.perf_counter()
    result = import_ledger(path, actor=None, actor_label="bench", dry_run=dry_run == "dry-run")
    assert not result.problems, result.problems[:3]
    return {"s": round(time.perf_counter() - start, 2), "rows": result.total_rows}


if __name__ == "__main__":
    task, *args = sys.argv[1:]
    print(json.dumps(globals()[task](*args)))
