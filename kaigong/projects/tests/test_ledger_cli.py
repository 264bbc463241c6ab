"""`kaigong import-ledger FILE [--dry-run]` and `kaigong export-ledger --out FILE`: output and exit codes."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from kaigong.audit.models import AuditEvent
from kaigong.projects.ledger.columns import COLUMNS
from kaigong.projects.models import Project
from kaigong.projects.tests.factories import ProjectFactory
from kaigong.projects.tests.ledger_sheets import make_ledger_world, write_xlsx

HEADER = ["项目名称", "项目类别", "总投资", "计划年度"]


@pytest.fixture
def ledger_world(db, department, other_department, organization):
    return make_ledger_world(department, other_department, organization)


def _run(*args):
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_import_prints_a_summary_and_writes(tmp_path, ledger_world):
    path = write_xlsx(tmp_path / "ok.xlsx", [HEADER, ["新项目", "产业类", "100", 2024]])
    out, _ = _run("import-ledger", str(path))
    assert "新增1个项目" in out
    project = Project.objects.get(name="新项目")
    assert project.total_investment == Decimal("100.00")
    event = AuditEvent.objects.get(action="create", project_id=project.pk)
    assert event.actor_label == "命令 import-ledger"


def test_dry_run_writes_nothing_and_succeeds(tmp_path, ledger_world):
    path = write_xlsx(tmp_path / "ok.xlsx", [HEADER, ["新项目", "产业类", "100", 2024]])
    out, _ = _run("import-ledger", str(path), "--dry-run")
    assert "将新增1个" in out
    assert not Project.objects.exists()


def test_problems_are_printed_per_row_and_the_exit_code_is_non_zero(tmp_path, ledger_world):
    path = write_xlsx(
        tmp_path / "bad.xlsx", [HEADER, ["好项目", "产业类", "100", 2024], ["坏项目", "旅游类", "abc", 2024]]
    )
    err = StringIO()
    with pytest.raises(CommandError, match="发现2个问题"):
        call_command("import-ledger", str(path), "--dry-run", stderr=err, stdout=StringIO())
    lines = err.getvalue().splitlines()
    assert "第3行 项目类别(列B): 未知的项目类别“旅游类”,请先在类别字典中添加" in lines[0]
    assert lines[1].startswith("第3行 总投资(列C): 金额格式不正确")
    with pytest.raises(CommandError):
        call_command("import-ledger", str(path), stderr=StringIO(), stdout=StringIO())
    assert not Project.objects.exists()


def test_bad_file_and_missing_file_fail(tmp_path, db):
    path = tmp_path / "notes.txt.pdf"
    path.write_bytes(b"%PDF-1.4 not a sheet")
    with pytest.raises(CommandError, match="无法识别的文件格式"):
        _run("import-ledger", str(path))
    with pytest.raises(CommandError, match="文件不存在"):
        _run("import-ledger", str(tmp_path / "missing.xlsx"))


def test_export_writes_the_file_with_filters(tmp_path, ledger_world):
    ProjectFactory(name="产业项目", category=ledger_world["industry"], year=2024)
    ProjectFactory(name="基建项目", category=ledger_world["infra"], year=2024)
    ProjectFactory(name="去年项目", category=ledger_world["industry"], year=2023)
    out_path = tmp_path / "ledger.xlsx"

    out, _ = _run("export-ledger", "--out", str(out_path), "--year", "2024", "--category", "产业类")

    assert "已导出1个项目" in out
    rows = list(load_workbook(out_path).active.iter_rows(values_only=True))
    assert rows[0][0] == "侯马市2024年产业类重点项目台账"
    assert rows[3][2] == "产业项目"
    event = AuditEvent.objects.get(action="export")
    assert event.actor_label == "命令 export-ledger"
    assert event.changes["rows"] == 1


def test_export_without_filters_exports_everything(tmp_path, ledger_world):
    ProjectFactory(category=ledger_world["industry"], total_investment=Decimal("100.10"))
    ProjectFactory(category=ledger_world["infra"], total_investment=Decimal("200.20"))
    out, _ = _run("export-ledger", "--out", str(tmp_path / "all.xlsx"))
    assert "已导出2个项目" in out
    # The file the command writes has the same 合计: a SUM of the 小计 cells, with its value cached.
    n = get_column_letter([c.key for c in COLUMNS].index("total_investment") + 1)
    total = load_workbook(tmp_path / "all.xlsx").active[f"{n}8"].value
    shown = load_workbook(tmp_path / "all.xlsx", data_only=True).active
    assert (total, shown["C8"].value, shown[f"{n}8"].value) == (f"=SUM({n}5,{n}7)", "合计(2个项目)", 300.3)


def test_export_with_an_unknown_filter_fails(tmp_path, db):
    with pytest.raises(CommandError):
        _run("export-ledger", "--out", str(tmp_path / "x.xlsx"), "--category", "不存在的类别")
    with pytest.raises(CommandError):
        _run("export-ledger", "--out", str(tmp_path / "x.xlsx"), "--year", "abc")


def test_an_amount_of_1e30_is_a_row_problem_not_a_crash(tmp_path, ledger_world):
    """A number cell of 1e30 (scientific notation, a pasted typo) overflowed Decimal in the check: a 500 on the
    page, a traceback in the command. It is "金额过大" on its row now."""
    path = write_xlsx(tmp_path / "huge.xlsx", [HEADER, ["巨额项目", "产业类", 1e30, 2024]])
    err = StringIO()
    with pytest.raises(CommandError, match="发现1个问题"):
        call_command("import-ledger", str(path), "--dry-run", stderr=err, stdout=StringIO())
    assert err.getvalue().splitlines()[0].startswith("第2行 总投资(列C): 金额过大")
    assert not Project.objects.exists()
