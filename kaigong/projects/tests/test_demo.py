"""`kaigong load-demo`: the Houma demo city, its 2024 pool and first batch, one login per role, idempotence."""

import datetime as dt
import io
import re
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Sum
from django.test import override_settings

from kaigong.accounts.choices import Role
from kaigong.accounts.models import Department, Organization, User
from kaigong.audit.models import AuditEvent
from kaigong.core.codes import is_valid_credit_code, is_valid_project_code, project_code_issue
from kaigong.core.money import format_yi
from kaigong.projects.choices import Pool, Stage
from kaigong.projects.demo import ACTOR_LABEL, build_demo_city
from kaigong.projects.models import (
    BatchMembership,
    Category,
    GroundbreakingBatch,
    Level,
    Project,
    StageChange,
)
from kaigong.projects.selectors import get_batch_summary

ARTICLE_SENTENCE = (
    "此次集中开工20个项目，包括国强自动化光伏新能源生产基地、旺龙药业中药材全产业链、金刚石深加工及人工培育钻石生产"
    "等14个产业类项目，香邑产业园配套基础设施建设、合欢街南延道路建设工程、新田路沿街可视面提升改造工程等3个基础设施类"
    "项目，雨污分流改造工程、汾河流域汾河干流浍河侯马段区域水环境综合治理、政通污水处理厂尾水人工湿地水质改善等3个"
    "“一泓清水入黄河”类项目，总投资115.5亿元，年度投资32.8亿元。"
)
FEATURED = [
    "国强自动化光伏新能源生产基地",
    "旺龙药业中药材全产业链",
    "金刚石深加工及人工培育钻石生产",
    "香邑产业园配套基础设施建设",
    "合欢街南延道路建设工程",
    "新田路沿街可视面提升改造工程",
    "雨污分流改造工程",
    "汾河流域汾河干流浍河侯马段区域水环境综合治理",
    "政通污水处理厂尾水人工湿地水质改善",
]
COUNTED = [Project, Organization, Department, Category, Level, User, GroundbreakingBatch, BatchMembership, StageChange]


def run_load_demo() -> str:
    out = io.StringIO()
    call_command("load-demo", stdout=out, skip_checks=True)
    return out.getvalue()


@pytest.fixture(scope="module")
def demo_output(django_db_setup, django_db_blocker):
    """Load the demo city once for this module, inside a transaction rolled back at the end.

    Module-scoped, so it runs before the function-scoped settings of conftest: use the tests' fast hasher here too.
    """
    fast_hasher = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    with django_db_blocker.unblock(), fast_hasher, transaction.atomic():
        output = run_load_demo()
        yield output
        transaction.set_rollback(True)


@pytest.fixture
def demo(demo_output, db):
    return demo_output


def counts() -> dict:
    return {model.__name__: model.objects.count() for model in [*COUNTED, AuditEvent]}


def test_second_run_duplicates_nothing_and_records_nothing(demo):
    before = counts()
    versions = dict(Project.objects.values_list("pk", "version"))
    output = run_load_demo()
    assert counts() == before
    assert dict(Project.objects.values_list("pk", "version")) == versions
    assert "无新建数据" in output


def test_second_run_repairs_a_changed_project(demo):
    project = Project.objects.get(name="合欢街南延道路建设工程")
    Project.objects.filter(pk=project.pk).update(total_investment=Decimal("1.00"))
    events = AuditEvent.objects.count()
    run_load_demo()
    project.refresh_from_db()
    assert project.total_investment == Decimal("25000.00")
    assert AuditEvent.objects.count() == events + 1


def test_pool_of_2024_is_187_projects_totalling_632_23_yi(demo):
    pool = Project.objects.filter(year=2024)
    total = pool.aggregate(total=Sum("total_investment"))["total"]
    assert pool.count() == 187
    assert total == Decimal("6322300.00")
    assert format_yi(total) == "632.23亿元"
    # a plausible pool: every stage, some supplements, some withdrawn with a reason
    assert set(pool.values_list("stage", flat=True)) == set(Stage.values)
    assert pool.filter(is_supplement=True).exists()
    withdrawn = pool.filter(stage=Stage.WITHDRAWN)
    assert withdrawn.exists()
    assert all(p.pool == Pool.WITHDRAWN and p.withdrawal_reason for p in withdrawn)
    assert all(
        p.stage_changes.filter(to_stage=Stage.PAUSED).exclude(reason="").exists()
        for p in pool.filter(stage=Stage.PAUSED)
    )
    # a few projects of the neighbouring years
    assert Project.objects.filter(year=2023).exists()
    assert Project.objects.filter(year=2025, stage=Stage.PLANNING).exists()


def test_first_batch_summary_is_the_articles_sentence(demo):
    batch = GroundbreakingBatch.objects.get(name="2024年第一批重点项目集中开工", date=dt.date(2024, 1, 1))
    summary = get_batch_summary(batch=batch)
    assert summary.count == 20
    assert [(c.category.name, c.count) for c in summary.categories] == [
        ("产业类", 14),
        ("基础设施类", 3),
        ("“一泓清水入黄河”类", 3),
    ]
    assert summary.total_investment == Decimal("1155000.00")
    assert summary.annual_planned_investment == Decimal("328000.00")
    assert summary.sentence == ARTICLE_SENTENCE
    assert batch.main_site and len(batch.sub_sites) == 3


def test_batch_members_started_on_the_day_through_the_stage_service(demo):
    batch = GroundbreakingBatch.objects.get(name="2024年第一批重点项目集中开工")
    featured = list(
        batch.memberships.filter(featured_order__isnull=False)
        .order_by("featured_order")
        .values_list("project__name", "featured_order")
    )
    assert featured == [(name, i) for i, name in enumerate(FEATURED, start=1)]
    for project in batch.projects.all():
        assert project.stage == Stage.STARTED
        assert project.actual_start_date == dt.date(2024, 1, 1)
        assert project.year == 2024
        change = project.stage_changes.get(to_stage=Stage.STARTED)
        assert change.effective_date == dt.date(2024, 1, 1)


def test_everything_is_audited_as_the_command(demo):
    project = Project.objects.get(name="国强自动化光伏新能源生产基地")
    events = AuditEvent.objects.filter(project_id=project.pk)
    # created and moved by the projects demo; its monthly reports (progress demo) are updates of the same command
    assert {e.action for e in events} <= {"create", "stage_change", "update"}
    assert {"create", "stage_change"} <= {e.action for e in events}
    assert {(e.actor_id, e.actor_label) for e in events} == {(None, ACTOR_LABEL)}
    assert AuditEvent.objects.filter(actor_label=ACTOR_LABEL).count() >= Project.objects.count()


def test_illustrative_data_is_marked_and_codes_are_valid(demo):
    for organization in Organization.objects.all():
        assert is_valid_credit_code(organization.credit_code), organization
        assert "示例数据" in organization.address
    for project in Project.objects.all():
        assert "示例数据" in project.remarks or "演示用虚构数据" in project.remarks, project
        assert abs(project.latitude - Decimal("35.62")) < Decimal("0.2")
        assert abs(project.longitude - Decimal("111.37")) < Decimal("0.2")
        assert project.annual_planned_investment <= project.total_investment
    for name in FEATURED:
        assert "2024-01-02" in Project.objects.get(name=name).remarks
    codes = [c for c in Project.objects.values_list("project_code", flat=True) if c]
    assert len(codes) == len(set(codes)) > 100
    assert all(is_valid_project_code(c) and c[5:11] == "141081" for c in codes)
    # Codes issued since November 2020 open with year and month: none is issued after its project is to start.
    for code, start in Project.objects.exclude(project_code="").values_list("project_code", "planned_start_date"):
        issued = project_code_issue(code)
        assert issued.month is not None and (issued.year, issued.month) <= (start.year, start.month), code
    assert Project.objects.filter(registered_in_statistics=True).exists()
    assert Project.objects.filter(project_code="").exists()


def test_departments_categories_levels(demo):
    assert list(Category.objects.values_list("name", flat=True)[:4]) == [
        "产业类",
        "基础设施类",
        "“一泓清水入黄河”类",
        "民生社会事业类",
    ]
    assert dict(Level.objects.values_list("code", "name")) == {
        "provincial": "省级",
        "municipal": "市级",
        "county": "县级",
    }
    ndrc = Department.objects.get(name="侯马市发展和改革局")
    assert ndrc.short_name == "市发改委"
    for short in ["市商务局", "市住建局", "市城投公司", "市供电公司", "侯马经济开发区管委会", "市文物局"]:
        assert Department.objects.filter(short_name=short).exists(), short


def test_one_user_per_role_logs_in_with_the_printed_password(demo, client):
    assert "http://127.0.0.1:8000/" in demo
    assert "仅供演示" in demo
    password = re.search(r"演示密码: (\S+)", demo).group(1)
    usernames = re.findall(r"^  (\S+)  ", demo, flags=re.MULTILINE)
    users = {u.username: u for u in User.objects.filter(username__in=usernames)}
    assert {u.role for u in users.values()} == set(Role.values)
    for username in usernames:
        assert client.login(username=username, password=password), username
        client.logout()
    admin = users["admin"]
    assert admin.is_superuser and admin.is_staff
    dept = next(u for u in users.values() if u.role == Role.DEPARTMENT)
    assert dept.department.short_name == "市发改委"
    assert Project.objects.editable_by(dept).count() >= 30
    enterprise = next(u for u in users.values() if u.role == Role.ENTERPRISE)
    assert enterprise.organization.name.startswith("江苏国强")
    visible = set(Project.objects.visible_to(enterprise).values_list("name", flat=True))
    assert "国强自动化光伏新能源生产基地" in visible
    assert len(visible) >= 2


def test_existing_account_keeps_its_password(demo, client):
    admin = User.objects.get(username="admin")
    admin.set_password("someone-elses-secret")
    admin.save()
    output = run_load_demo()
    assert "密码未修改" in output
    assert client.login(username="admin", password="someone-elses-secret")


def test_demo_city_is_deterministic():
    first, second = build_demo_city(), build_demo_city()
    assert first.projects == second.projects
    assert first.organizations == second.organizations


@pytest.mark.parametrize(
    ("options", "address"),
    [
        (["--port", "9123"], "http://127.0.0.1:9123/"),
        (["--host", "10.1.2.3", "--port", "8080"], "http://10.1.2.3:8080/"),
        (["--host", "0.0.0.0", "--port", "8001"], "http://127.0.0.1:8001/"),  # every interface: open it here
    ],
)
def test_load_demo_prints_the_address_it_is_served_on(demo, options, address):
    out = io.StringIO()
    call_command("load-demo", *options, stdout=out, skip_checks=True)
    assert f"打开 {address} ，" in out.getvalue()
    assert ":8000" not in out.getvalue()


def test_make_demo_passes_its_host_and_port_to_load_demo():
    if not shutil.which("make"):
        pytest.skip("make is not installed")
    root = Path(__file__).resolve().parents[3]
    dry_run = subprocess.run(
        ["make", "-n", "demo", "HOST=0.0.0.0", "PORT=9123"], cwd=root, capture_output=True, text=True, check=True
    ).stdout
    assert "load-demo --host '0.0.0.0' --port '9123'" in dry_run


def test_every_batch_member_takes_part_from_one_of_the_batch_venues(demo):
    batch = GroundbreakingBatch.objects.get()
    venues = {batch.main_site, *batch.sub_sites}
    sites = list(BatchMembership.objects.filter(batch=batch).values_list("site", flat=True))
    assert len(sites) == 20 and set(sites) == venues  # each venue hosts at least one, none is blank
