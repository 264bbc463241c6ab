"""Django-side steps of the load benchmark (`python -m bench.load`), each run in a fresh process; prints one JSON line.

    python -m bench.load_city build N          # the demo city plus synthetic projects up to N (reused when there)
    python -m bench.load_city users SPEC PASS  # the simulated users (SPEC: JSON {role: count}), their targets
    python -m bench.load_city state IDS        # version, remarks and audited remarks of the given projects
    python -m bench.load_city count PREFIX     # projects whose name starts with PREFIX (the import's rows)
    python -m bench.load_city cleanup PREFIX   # remove them (the projects an earlier run imported)

The synthetic projects are bench.generate's, spread over the demo city's own categories and levels (the demo
city names 一泓清水入黄河 differently from bench.generate, so its dictionaries are reused rather than created).
"""

import json
import os
import random
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kaigong.settings")

import django

django.setup()

from django.contrib.auth.hashers import make_password  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Count  # noqa: E402

from bench.generate import _credit_code, insert_projects  # noqa: E402
from kaigong.accounts.choices import Role  # noqa: E402
from kaigong.accounts.models import Department, Organization, User  # noqa: E402
from kaigong.audit.models import AuditEvent  # noqa: E402
from kaigong.projects.models import Category, Level, Project  # noqa: E402

DEPARTMENTS = 30
OWNERS = 2000


@transaction.atomic
def _generate(n: int, seed: int) -> int:
    rng = random.Random(seed)
    categories = list(Category.objects.all())
    levels = list(Level.objects.all())
    departments = [Department.objects.get_or_create(name=f"基准部门{i:02d}")[0] for i in range(DEPARTMENTS)]
    Organization.objects.bulk_create(
        [
            Organization(name=f"基准企业{i:05d}有限公司", credit_code=_credit_code(900000 + i))
            for i in range(OWNERS)
            if not Organization.objects.filter(credit_code=_credit_code(900000 + i)).exists()
        ],
        batch_size=1000,
    )
    owners = list(Organization.objects.filter(name__startswith="基准企业").values_list("id", flat=True))
    start = Project.objects.count()
    return insert_projects(
        rng,
        range(start, start + n),
        categories=categories,
        levels=levels,
        departments=departments,
        owners=owners,
        content="负载测试数据",
    )


def build(n: str) -> dict:
    if not Category.objects.exists():
        raise SystemExit("load the demo city first (kaigong load-demo)")
    started = time.perf_counter()
    missing = int(n) - Project.objects.count()
    made = _generate(missing, seed=20261205) if missing > 0 else 0
    if made and connection.vendor == "postgresql":
        # A database in service has planner statistics (autovacuum); right after a bulk insert it has none.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    return {"projects": Project.objects.count(), "made": made, "s": round(time.perf_counter() - started, 1)}


def users(spec_json: str, password: str) -> dict:
    """Simulated users load-<role>-NN with one password; each with the projects it may edit or read.

    Department officers get one of the busiest benchmark departments each (two officers share a department, so
    their saves can collide); enterprises get an owner with projects.
    """
    spec = json.loads(spec_json)
    encoded = make_password(password)  # hashing is deliberately slow: once for every simulated user
    departments = list(
        Department.objects.filter(name__startswith="基准部门")
        .annotate(n=Count("projects"))
        .order_by("-n", "pk")
        .values_list("pk", flat=True)
    )
    owners = list(
        Organization.objects.filter(name__startswith="基准企业")
        .annotate(n=Count("owned_projects"))
        .filter(n__gt=0)
        .order_by("-n", "pk")
        .values_list("pk", flat=True)[:200]
    )
    made = []
    for role, count in spec.items():
        for i in range(count):
            username = f"load-{role}-{i:02d}"
            fields = {
                "role": role,
                "password": encoded,
                "is_active": True,
                "department_id": departments[(i // 2) % len(departments)] if role == Role.DEPARTMENT else None,
                "organization_id": owners[i % len(owners)] if role == Role.ENTERPRISE else None,
            }
            user, _ = User.objects.update_or_create(username=username, defaults=fields)
            made.append(
                {
                    "username": username,
                    "role": role,
                    "department": user.department_id,
                    "organization": user.organization_id,
                }
            )
    # Projects to save: the office's shared pool (the most contended), and each department's own.
    office_pool = list(
        Project.objects.filter(construction_content="负载测试数据").order_by("pk").values_list("pk", flat=True)[:40]
    )
    for user in made:
        if user["role"] == Role.DEPARTMENT:
            user["editable"] = list(
                Project.objects.filter(responsible_department_id=user["department"])
                .order_by("pk")
                .values_list("pk", flat=True)[:20]
            )
        elif user["role"] == Role.OFFICE:
            user["editable"] = office_pool
        else:
            user["editable"] = []
        scope = Project.objects.visible_to(User.objects.get(username=user["username"]))
        user["readable"] = list(scope.order_by("?").values_list("pk", flat=True)[:50])
    return {
        "users": made,
        "projects": Project.objects.count(),
        "categories": list(Category.objects.values_list("pk", flat=True)),
    }


def state(ids_json: str) -> dict:
    """For each project: its version and remarks, and every remarks value its audit events record as written."""
    ids = json.loads(ids_json)
    projects = {
        str(pk): {"version": version, "remarks": remarks, "audited": []}
        for pk, version, remarks in Project.objects.filter(pk__in=ids).values_list("pk", "version", "remarks")
    }
    events = AuditEvent.objects.filter(project_id__in=ids).order_by("pk").values_list("project_id", "changes")
    for project_id, changes in events:
        value = (changes or {}).get("remarks")
        if isinstance(value, list | tuple) and len(value) == 2:
            projects[str(project_id)]["audited"].append(value[1])
    return {"projects": projects, "audit_events": AuditEvent.objects.count()}


def cleanup(prefix: str) -> dict:
    """Remove the projects an earlier run imported, so that every run starts from the same city."""
    deleted, _ = Project.objects.filter(name__startswith=prefix).delete()
    return {"deleted": deleted, "projects": Project.objects.count()}


def count(prefix: str) -> dict:
    return {"count": Project.objects.filter(name__startswith=prefix).count()}


if __name__ == "__main__":
    task, *args = sys.argv[1:]
    print(json.dumps(globals()[task](*args), ensure_ascii=False))
