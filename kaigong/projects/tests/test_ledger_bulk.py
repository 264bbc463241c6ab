"""Ledger import's bulk path: a fixed number of queries whatever the number of rows, and projects, search text and
audit events written exactly as the services would write them."""

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kaigong.accounts.choices import Role
from kaigong.accounts.tests.factories import make_credit_code
from kaigong.audit.models import AuditEvent
from kaigong.audit.services import snapshot
from kaigong.projects.choices import Pool, Stage
from kaigong.projects.ledger.importer import LedgerImporter, import_ledger
from kaigong.projects.ledger.reader import read_ledger_file
from kaigong.projects.ledger.writer import AUDIT_FIELDS
from kaigong.projects.models import Project
from kaigong.projects.tests.factories import ProjectFactory
from kaigong.projects.tests.ledger_sheets import make_ledger_world, write_xlsx

HEADER = [
    "项目名称",
    "项目类别",
    "项目阶段",
    "计划年度",
    "建设单位",
    "统一社会信用代码",
    "责任单位",
    "总投资",
    "年度计划投资",
    "计划开工时间",
    "实际开工时间",
    "项目库",
    "项目代码",
]


@pytest.fixture
def ledger_world(db, department, other_department, organization):
    return make_ledger_world(department, other_department, organization)


def _new_rows(world, count, *, prefix="批量项目", new_owner=4242):
    org = world["organization"]
    stages = ["谋划", "新开工", "在建", "退库", None]
    return [
        [
            f"{prefix}{i}",
            "产业类" if i % 2 else "基础设施类",
            stages[i % len(stages)],
            2025,
            org.name if i % 3 else f"批量新建公司{new_owner}",
            "" if i % 3 else make_credit_code(new_owner),
            "发改局",
            1000 + i,
            "100.5",
            "2025-03-01",
            "2025年4月1日" if i % 5 in (1, 2) else None,
            "实施库" if i % 7 == 0 else None,
            # 新开工 needs a code; the others have one too, as registered projects do (unique per sheet and row).
            f"2503-141081-04-01-{new_owner % 100:02d}{i:04d}",
        ]
        for i in range(count)
    ]


def _queries(path, *, dry_run=False):
    with CaptureQueriesContext(connection) as context:
        result = import_ledger(path, actor_label="测试", dry_run=dry_run)
    assert not result.problems, [str(p) for p in result.problems]
    return len(context.captured_queries)


def test_the_number_of_queries_does_not_grow_with_the_rows(tmp_path, ledger_world):
    """Creating 6 or 60 projects (each sheet with one new owner), checking or importing: the same queries."""
    first = write_xlsx(tmp_path / "first.xlsx", [HEADER, *_new_rows(ledger_world, 2, prefix="先", new_owner=1)])
    small = write_xlsx(tmp_path / "small.xlsx", [HEADER, *_new_rows(ledger_world, 6, prefix="小", new_owner=2)])
    large = write_xlsx(tmp_path / "large.xlsx", [HEADER, *_new_rows(ledger_world, 60, prefix="大", new_owner=3)])
    _queries(first)  # content types and such, cached for the process after a first import

    assert _queries(small, dry_run=True) == _queries(large, dry_run=True)
    assert _queries(small) == _queries(large)
    assert Project.objects.count() == 68


def test_updating_projects_takes_the_same_queries_for_few_or_many(tmp_path, ledger_world):
    industry = ledger_world["industry"]
    few = [ProjectFactory(category=industry, year=2025) for _ in range(3)]
    many = [ProjectFactory(category=industry, year=2025) for _ in range(30)]

    def sheet(name, projects):
        rows = [["项目ID", "项目名称", "项目类别", "总投资"]]
        rows += [[p.pk, p.name, "产业类", 7777] for p in projects]
        return write_xlsx(tmp_path / name, rows)

    _queries(sheet("first.xlsx", [ProjectFactory(category=industry, year=2025)]))  # process caches, as above
    assert _queries(sheet("few.xlsx", few)) == _queries(sheet("many.xlsx", many))
    assert set(Project.objects.values_list("total_investment", flat=True)) == {Decimal("7777.00")}
    assert set(Project.objects.values_list("version", flat=True)) == {2}  # one optimistic version step each


def test_created_projects_are_what_the_services_would_register(tmp_path, ledger_world):
    rows = _new_rows(ledger_world, 15)
    out = StringIO()
    call_command("import-ledger", str(write_xlsx(tmp_path / "new.xlsx", [HEADER, *rows])), stdout=out)
    assert "新增15个项目" in out.getvalue()

    projects = {p.name: p for p in Project.objects.select_related("owner", "category")}
    assert len(projects) == 15
    for project in projects.values():
        stored = project.search_text
        project.refresh_search_text()
        assert stored == project.search_text  # what Project.refresh_search_text makes of it
        assert project.version == 1
        assert project.created_at is not None and project.updated_at is not None
        project.full_clean()  # the row passes the model's own rules as stored
    assert projects["批量项目0"].owner.name == "批量新建公司4242"  # a new organization, created once for five rows
    assert projects["批量项目1"].stage == Stage.STARTED
    assert projects["批量项目1"].actual_start_date == dt.date(2025, 4, 1)
    assert projects["批量项目1"].pool == Pool.IMPLEMENTATION  # started: out of the planning pool
    assert projects["批量项目3"].stage == Stage.WITHDRAWN
    assert (projects["批量项目3"].pool, projects["批量项目3"].withdrawal_reason) == (Pool.WITHDRAWN, "台账导入")
    assert projects["批量项目7"].pool == Pool.IMPLEMENTATION  # as the sheet says
    assert projects["批量项目4"].stage == Stage.PLANNING


def test_each_created_project_has_its_create_event_as_create_project_writes_it(tmp_path, ledger_world):
    import_ledger(
        write_xlsx(tmp_path / "new.xlsx", [HEADER, *_new_rows(ledger_world, 8)]),
        actor_label="命令 import-ledger",
        filename="二季度.xlsx",
    )

    content_type = ContentType.objects.get_for_model(Project)
    for project in Project.objects.all():
        event = AuditEvent.objects.get(project_id=project.pk, action="create")
        assert (event.content_type, event.object_id, event.object_repr) == (content_type, str(project.pk), project.name)
        assert event.actor is None and event.actor_label == "命令 import-ledger"
        assert (event.code, event.note) == ("ledger_import", "二季度.xlsx")
        expected = {k: [None, v] for k, v in snapshot(project, AUDIT_FIELDS).items() if v not in (None, "", [])}
        assert event.changes == expected
    summary = AuditEvent.objects.get(action="import", project_id__isnull=True)
    assert summary.changes["created"] == 8


def test_imported_projects_are_found_by_the_search_box(tmp_path, ledger_world, api_login, users):
    rows = [HEADER, ["光伏支架项目", "产业类", None, 2025, ledger_world["organization"].name, "", None, 500]]
    import_ledger(write_xlsx(tmp_path / "one.xlsx", rows))

    client = api_login(users[Role.OFFICE])
    for query in ("gfzjxm", "支架", "国强兴晟"):  # pinyin initials, a name fragment, the owner's name
        response = client.get("/api/projects/", {"q": query})
        assert response.status_code == 200
        assert [p["name"] for p in response.json()["results"]] == ["光伏支架项目"], query


def test_model_rules_are_still_row_errors_with_django_messages(tmp_path, ledger_world):
    rows = [
        ["项目名称", "项目类别", "总投资", "年度计划投资", "计划年度", "联系人", "总建筑面积(平方米)", "入库纳统日期"],
        ["名称" * 101, "产业类", 100, 10, 2025, None, None, None],
        ["联系人太长", "产业类", 100, 10, 2025, "人" * 51, None, None],
        ["面积太大", "产业类", 100, 10, 2025, None, "12345678901", None],
        ["年度大于总投资", "产业类", 100, 200, 2025, None, None, None],
        ["纳统日期", "产业类", 100, 10, 2025, None, None, "2025-01-01"],
        ["好的", "产业类", 100, 10, 2025, None, None, None],
    ]
    err = StringIO()
    with pytest.raises(CommandError, match="发现5个问题"):
        call_command("import-ledger", str(write_xlsx(tmp_path / "bad.xlsx", rows)), stderr=err, stdout=StringIO())

    lines = err.getvalue().splitlines()
    assert lines[0].startswith("第2行 项目名称(列A): 确保该变量包含不超过 200 字符 (目前字符数 202)。")
    assert lines[1].startswith("第3行 联系人(列F): 确保该变量包含不超过 50 字符 (目前字符数 51)。")
    assert lines[2].startswith("第4行 总建筑面积(平方米)(列G): 确认总共不超过 12 个数字.")
    assert lines[3].startswith("第5行 年度计划投资(列D): 年度计划投资不能大于总投资")
    assert lines[4].startswith("第6行 是否入库纳统")  # the rule names the flag, whose column the sheet lacks
    assert "填写了入库纳统日期,请勾选已入库纳统" in lines[4]
    assert not Project.objects.exists()


def test_an_unknown_project_id_with_a_stage_is_a_row_error(tmp_path, ledger_world):
    rows = [["项目ID", "项目名称", "项目类别", "总投资", "项目阶段"], [987654, "无此项目", "产业类", 100, "在建"]]
    result = import_ledger(write_xlsx(tmp_path / "id.xlsx", rows))
    assert [(p.row, p.column, p.message) for p in result.problems] == [(2, "项目ID", "项目ID 987654 不存在")]


def test_a_check_reused_for_the_write_sees_projects_created_since(tmp_path, ledger_world):
    """Between check and write another registration takes the code: the write refuses, writing nothing."""
    rows = [["项目代码", "项目名称", "项目类别", "总投资", "计划年度"]]
    rows += [["2503-141081-04-01-000777", "代码项目", "产业类", 100, 2025], ["", "另一个", "产业类", 100, 2025]]
    importer = LedgerImporter(actor=None, actor_label="测试")
    result = importer.check(read_ledger_file(write_xlsx(tmp_path / "code.xlsx", rows)))
    assert not result.problems
    ProjectFactory(project_code="2503-141081-04-01-000777", category=ledger_world["industry"])

    from kaigong.core.exceptions import KaigongError

    with pytest.raises(KaigongError, match="项目代码被其他项目使用"):
        importer.write(result)
    assert Project.objects.count() == 1
    assert not AuditEvent.objects.filter(action="create").exists()


def test_changed_projects_with_a_checklist_have_it_regenerated_and_their_forecast_refreshed(tmp_path, ledger_world):
    from django.utils import timezone

    from kaigong.approvals.checklists.services import generate_checklist
    from kaigong.approvals.models import ChecklistItem, ProjectPlan

    industry = ledger_world["industry"]
    with_checklist = [ProjectFactory(category=industry, review_regime="ratification") for _ in range(2)]
    without = ProjectFactory(category=industry)
    for project in with_checklist:
        generate_checklist(project=project, actor=None, actor_label="测试", refresh_forecast=False)
    assert not ProjectPlan.objects.exists()

    rows = [["项目ID", "项目名称", "项目类别", "总投资", "审批方式"]]
    rows += [[p.pk, p.name, "产业类", 90000, "备案"] for p in [*with_checklist, without]]
    call_command("import-ledger", str(write_xlsx(tmp_path / "attrs.xlsx", rows)), stdout=StringIO())

    plans = {plan.project_id: plan for plan in ProjectPlan.objects.all()}
    assert set(plans) == {p.pk for p in with_checklist}  # the one without a checklist gets neither
    assert all(plan.computed_on == timezone.localdate() for plan in plans.values())
    for project in with_checklist:  # 核准 → 备案: the seed rule "核准类项目需核准" no longer applies
        set_aside = ChecklistItem.objects.get(checklist__project=project, status_reason__startswith="项目属性变化后")
        assert (set_aside.status, set_aside.is_required) == ("not_applicable", False)
    assert not ChecklistItem.objects.filter(checklist__project=without).exists()
