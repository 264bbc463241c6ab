"""Ledger import: messy real-world sheets, matching and never duplicating, all-or-nothing, refusals."""

import datetime as dt
import io
from decimal import Decimal

import pytest

from kaigong.accounts.models import Organization
from kaigong.audit.models import AuditEvent
from kaigong.core.exceptions import KaigongError
from kaigong.projects import services
from kaigong.projects.choices import Stage
from kaigong.projects.ledger.importer import LedgerImporter, import_ledger
from kaigong.projects.ledger.reader import LedgerFileError, read_ledger_file
from kaigong.projects.models import Project, StageChange
from kaigong.projects.tests.factories import ProjectFactory
from kaigong.projects.tests.ledger_sheets import (
    MESSY_MERGES,
    NEW_CREDIT_CODE,
    make_ledger_world,
    messy_sheet_rows,
    write_csv,
    write_xlsx,
)

HEADER = ["项目名称", "项目类别", "总投资", "年度计划投资", "计划年度", "建设单位", "责任单位"]


@pytest.fixture
def ledger_world(db, department, other_department, organization):
    return make_ledger_world(department, other_department, organization)


def _messages(result):
    return [(p.row, p.column, p.letter, p.message) for p in result.problems]


def test_messy_sheet_dry_run_finds_no_problem_and_writes_nothing(tmp_path, ledger_world):
    path = write_xlsx(tmp_path / "messy.xlsx", messy_sheet_rows(ledger_world), merges=MESSY_MERGES)
    events = AuditEvent.objects.count()

    result = import_ledger(path, dry_run=True)

    assert _messages(result) == []
    assert result.total_rows == 4
    assert len(result.plans) == 4
    assert Project.objects.count() == 0
    assert not Organization.objects.filter(credit_code=NEW_CREDIT_CODE).exists()
    assert AuditEvent.objects.count() == events


def test_messy_sheet_imports_with_units_categories_dates_and_new_owner(tmp_path, ledger_world):
    path = write_xlsx(tmp_path / "messy.xlsx", messy_sheet_rows(ledger_world), merges=MESSY_MERGES)

    result = import_ledger(path, actor_label="测试")

    assert result.created == 4 and result.updated == 0
    guoqiang = Project.objects.get(name="江苏国强光伏支架项目")
    assert guoqiang.total_investment == Decimal("125000.00")  # 12.5亿元 (full-width digits) → 万元
    assert guoqiang.annual_planned_investment == Decimal("32000.00")
    assert guoqiang.category == ledger_world["industry"]  # from the section row "一、产业类项目"
    assert guoqiang.year == 2024  # from the title
    assert guoqiang.planned_start_date == dt.date(2024, 1, 1)
    assert guoqiang.responsible_department == ledger_world["department"]  # by short name 发改局
    assert guoqiang.owner == ledger_world["organization"]
    wanglong = Project.objects.get(name="旺龙药业新厂区项目")
    assert wanglong.total_investment == Decimal("12345600.00")  # "1,234.56" 亿元
    assert wanglong.planned_start_date == dt.date(2024, 3, 15)
    assert wanglong.owner.credit_code == NEW_CREDIT_CODE
    assert wanglong.owner.name == "山西旺龙新材料有限公司"
    huihe = Project.objects.get(name="浍河综合治理工程")
    assert huihe.category == ledger_world["infra"]
    assert huihe.planned_start_date == dt.date(2024, 4, 1)
    assert huihe.responsible_department == ledger_world["other_department"]
    assert Project.objects.get(name="新田大道改造").planned_start_date == dt.date(2024, 5, 1)
    # One event per project, one for the new organization, one summarising the file.
    assert AuditEvent.objects.filter(action="create", project__isnull=False).count() == 4
    summary = AuditEvent.objects.get(action="import", project__isnull=True)
    assert summary.changes["created"] == 4
    assert summary.actor_label == "测试"


def test_reimporting_the_same_sheet_never_duplicates(tmp_path, ledger_world):
    path = write_xlsx(tmp_path / "messy.xlsx", messy_sheet_rows(ledger_world), merges=MESSY_MERGES)
    import_ledger(path)

    again = import_ledger(path)

    assert again.created == 0
    assert again.updated == 0 and again.unchanged == 4
    assert Project.objects.count() == 4


def test_gbk_csv_is_read(tmp_path, ledger_world):
    rows = [
        ["2024年重点项目台账"],
        ["单位:万元"],
        HEADER,
        ["中欧班列物流园", "产业类", "１，０００", "200", "2024", ledger_world["organization"].name, "发改局"],
    ]
    path = write_csv(tmp_path / "ledger.csv", rows, encoding="gbk")

    result = import_ledger(path)

    assert _messages(result) == []
    project = Project.objects.get(name="中欧班列物流园")
    assert project.total_investment == Decimal("1000.00")


def test_xls_is_read_with_calamine(ledger_world):
    # A tiny .xls made once with xlwt (openpyxl cannot write .xls): merged title, 亿元 note, traditional headers.
    from pathlib import Path

    fixture = Path(__file__).parent / "fixtures" / "ledger.xls"

    result = import_ledger(fixture)

    assert _messages(result) == []
    project = Project.objects.get(name="老格式台账项目")
    assert project.total_investment == Decimal("15000.00")
    assert project.planned_start_date == dt.date(2024, 6, 1)
    assert project.category == ledger_world["industry"]


def test_every_problem_has_row_column_and_letter_and_nothing_is_written(tmp_path, ledger_world):
    rows = [
        [*HEADER, "统一社会信用代码", "计划开工时间", "计划竣工时间"],
        ["好项目", "产业类", "100", "10", 2024, ledger_world["organization"].name, "发改局", None, None, None],
        ["坏金额", "产业类", "一百万", "10", 2024, None, None, None, None, None],
        ["坏类别", "旅游类", "100", "10", 2024, None, None, None, None, None],
        ["坏部门", "产业类", "100", "10", 2024, None, "不存在局", None, None, None],
        ["坏日期", "产业类", "100", "10", 2024, None, None, None, "2024-13-45", None],
        ["年度大于总投资", "产业类", "100", "200", 2024, None, None, None, None, None],
        ["坏信用代码", "产业类", "100", "10", 2024, "某公司", None, "91141081XXXXXXXXX1", None, None],
        ["竣工早于开工", "产业类", "100", "10", 2024, None, None, None, "2024-05-01", "2024-04-01"],
        ["未知企业", "产业类", "100", "10", 2024, "没有信用代码的公司", None, None, None, None],
        ["", "产业类", "100", "10", 2024, None, None, None, None, None],
    ]
    path = write_xlsx(tmp_path / "bad.xlsx", rows)

    result = import_ledger(path)

    problems = {(p.row, p.column, p.letter) for p in result.problems}
    assert (3, "总投资", "C") in problems
    assert (4, "项目类别", "B") in problems
    assert (5, "责任单位", "G") in problems
    assert (6, "计划开工时间", "I") in problems
    assert (7, "年度计划投资", "D") in problems
    assert (8, "统一社会信用代码", "H") in problems
    assert (9, "计划竣工时间", "J") in problems
    assert (11, "项目名称", "A") in problems
    assert 2 not in {p.row for p in result.problems}
    assert 10 not in {p.row for p in result.problems}  # an owner named without a code is registered by name
    assert not result.written
    assert Project.objects.count() == 0  # the good row is not written either: all or nothing
    text = str(next(p for p in result.problems if p.row == 4))
    assert text.startswith("第4行 项目类别(列B): 未知的项目类别“旅游类”")


def test_the_same_project_twice_in_a_sheet_is_an_error(tmp_path, ledger_world):
    project = ProjectFactory(project_code="2403-141081-04-01-000001", category=ledger_world["industry"])
    rows = [
        ["项目ID", "项目代码", "项目名称", "项目类别", "总投资"],
        [project.pk, "", project.name, "产业类", 20000],
        ["", "2403-141081-04-01-000001", project.name, "产业类", 30000],
    ]
    result = import_ledger(write_xlsx(tmp_path / "dup.xlsx", rows))

    assert [(p.row, p.message) for p in result.problems] == [(3, "与第2行是同一项目")]
    project.refresh_from_db()
    assert project.total_investment == Decimal("10000.00")


def test_update_by_code_and_by_id_and_stage_change_through_the_service(tmp_path, ledger_world):
    by_code = ProjectFactory(project_code="2403-141081-04-01-000002", category=ledger_world["industry"])
    by_id = ProjectFactory(category=ledger_world["industry"], coded=True)  # a move to 新开工 needs a code
    rows = [
        ["项目ID", "项目代码", "项目名称", "项目类别", "总投资", "项目阶段", "实际开工时间"],
        ["", "2403-141081-04-01-000002", "按代码更新", "产业类", "20000", "谋划", None],
        [by_id.pk, "", "按ID更新", "基础设施类", "30000", "新开工", "2024年2月1日"],
    ]
    result = import_ledger(write_xlsx(tmp_path / "upd.xlsx", rows))

    assert _messages(result) == []
    assert (result.created, result.updated) == (0, 2)
    by_code.refresh_from_db()
    by_id.refresh_from_db()
    assert by_code.name == "按代码更新" and by_code.total_investment == Decimal("20000.00")
    assert by_id.category == ledger_world["infra"]
    assert by_id.stage == Stage.STARTED
    assert by_id.actual_start_date == dt.date(2024, 2, 1)
    assert StageChange.objects.filter(project=by_id, to_stage=Stage.STARTED).exists()
    assert AuditEvent.objects.filter(project_id=by_id.pk, action="import").exists()
    assert AuditEvent.objects.filter(project_id=by_id.pk, action="stage_change").exists()
    assert Project.objects.count() == 2


def test_a_stage_move_the_pipeline_does_not_allow_is_a_row_error(tmp_path, ledger_world):
    project = ProjectFactory(category=ledger_world["industry"])
    rows = [
        ["项目ID", "项目名称", "项目类别", "总投资", "项目阶段"],
        [project.pk, project.name, "产业类", 10000, "竣工"],
    ]

    result = import_ledger(write_xlsx(tmp_path / "stage.xlsx", rows))

    assert [(p.row, p.column, p.message) for p in result.problems] == [(2, "项目阶段", "项目不能从“谋划”变更为“竣工”")]
    project.refresh_from_db()
    assert project.stage == Stage.PLANNING


def test_unknown_project_id_is_an_error(tmp_path, ledger_world):
    rows = [["项目ID", "项目名称", "项目类别", "总投资"], [999999, "某项目", "产业类", 1]]
    result = import_ledger(write_xlsx(tmp_path / "id.xlsx", rows))
    assert [(p.row, p.column, p.letter) for p in result.problems] == [(2, "项目ID", "A")]


def test_a_project_changed_after_the_check_is_not_overwritten(tmp_path, ledger_world):
    project = ProjectFactory(category=ledger_world["industry"])
    rows = [["项目ID", "项目名称", "项目类别", "总投资"], [project.pk, "台账中的名称", "产业类", 10000]]
    sheet = read_ledger_file(write_xlsx(tmp_path / "race.xlsx", rows))
    importer = LedgerImporter()
    result = importer.check(sheet)
    services.update_project(project=project, data={"name": "别人刚改的名称"})

    with pytest.raises(KaigongError):
        importer.write(result)

    project.refresh_from_db()
    assert project.name == "别人刚改的名称"


def test_a_user_who_cannot_import_is_refused():
    from kaigong.accounts.tests.factories import UserFactory

    with pytest.raises(KaigongError):
        LedgerImporter(actor=UserFactory.build(role="leader"))


# -- refusals ----------------------------------------------------------------------------------------------


def test_not_a_spreadsheet_is_refused(tmp_path, db):
    path = tmp_path / "photo.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100)
    with pytest.raises(LedgerFileError, match="无法识别的文件格式"):
        read_ledger_file(path)
    fake = tmp_path / "fake.xlsx"
    fake.write_bytes(b"PK\x03\x04 this is not really a zip file")
    with pytest.raises(LedgerFileError, match="无法识别的文件格式"):
        read_ledger_file(fake)


def test_password_protected_workbook_is_refused(tmp_path, db):
    # An encrypted .xlsx is an OLE compound file holding an "EncryptedPackage" stream.
    path = tmp_path / "secret.xlsx"
    path.write_bytes(
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + "EncryptedPackage".encode("utf-16-le") + b"\x00" * 64
    )
    with pytest.raises(LedgerFileError, match="密码保护"):
        read_ledger_file(path)


def test_empty_files_are_refused(tmp_path, db):
    empty = tmp_path / "empty.xlsx"
    empty.write_bytes(b"")
    with pytest.raises(LedgerFileError, match="文件为空"):
        read_ledger_file(empty)
    blank = write_xlsx(tmp_path / "blank.xlsx", [])
    with pytest.raises(LedgerFileError, match="没有数据"):
        read_ledger_file(blank)
    header_only = write_xlsx(tmp_path / "header.xlsx", [HEADER])
    with pytest.raises(LedgerFileError, match="没有数据行"):
        read_ledger_file(header_only)


def test_too_big_file_is_refused(tmp_path, db, settings):
    settings.KAIGONG_IMPORT_MAX_BYTES = 1000
    path = write_xlsx(tmp_path / "big.xlsx", [HEADER, ["项目", "产业类", 1]])
    with pytest.raises(LedgerFileError, match="文件过大"):
        read_ledger_file(path)


def test_too_many_rows_are_refused(tmp_path, db, settings):
    settings.KAIGONG_IMPORT_MAX_ROWS = 5
    rows = [HEADER] + [[f"项目{i}", "产业类", 1] for i in range(6)]
    with pytest.raises(LedgerFileError, match="数据行过多"):
        read_ledger_file(write_xlsx(tmp_path / "many.xlsx", rows))
    settings.KAIGONG_IMPORT_MAX_ROWS = 6
    assert read_ledger_file(write_xlsx(tmp_path / "ok.xlsx", rows)).data_rows == 6


def test_sheet_without_a_recognisable_header_names_the_missing_columns(tmp_path, db):
    with pytest.raises(LedgerFileError, match="未找到表头行") as excinfo:
        read_ledger_file(write_xlsx(tmp_path / "x.xlsx", [["甲", "乙"], [1, 2]]))
    assert "项目名称、项目类别、总投资" in str(excinfo.value)
    with pytest.raises(LedgerFileError, match="缺少必需的列: 总投资"):
        read_ledger_file(write_xlsx(tmp_path / "y.xlsx", [["项目名称", "项目类别"], ["甲", "产业类"]]))


def test_checklist_attributes_are_read_by_label_or_code_and_exported_back(tmp_path, ledger_world, login, users):
    from django.urls import reverse
    from openpyxl import load_workbook

    from kaigong.accounts.choices import Role

    project = ProjectFactory(category=ledger_world["industry"])
    rows = [
        [
            "项目ID",
            "项目名称",
            "项目类别",
            "总投资",
            "審批方式",
            "审批流程类型",
            "供地方式",
            "环评类别",
            "总建筑面积",
            "简易低风险",
        ],
        [project.pk, project.name, "产业类", 10000, "核准", "6", "出让", "环境影响报告表", "２０,０００", "否"],
    ]
    result = import_ledger(write_xlsx(tmp_path / "attrs.xlsx", rows))

    assert _messages(result) == []
    project.refresh_from_db()
    assert (project.review_regime, project.project_class, project.land_source, project.eia_category) == (
        "ratification",
        6,
        "transferred",
        "table",
    )
    assert project.building_area == Decimal("20000.00")
    assert project.is_simple_low_risk is False

    response = login(users[Role.OFFICE]).get(reverse("projects:ledger-export"))
    ws = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    header = [c.value for c in ws[3]]
    row = next(r for r in ws.iter_rows(min_row=4, values_only=True) if r[header.index("项目ID")] == project.pk)
    assert row[header.index("审批方式")] == "核准"
    assert row[header.index("审批流程类型")] == "工业类"
    assert row[header.index("环评类别")] == "环境影响报告表"


def test_an_unknown_choice_is_a_row_error_naming_the_choices(tmp_path, ledger_world):
    project = ProjectFactory(category=ledger_world["industry"])
    rows = [
        ["项目ID", "项目名称", "项目类别", "总投资", "审批方式"],
        [project.pk, project.name, "产业类", 10000, "批准"],
    ]
    result = import_ledger(write_xlsx(tmp_path / "bad.xlsx", rows))
    assert [(p.row, p.column, p.message) for p in result.problems] == [(2, "审批方式", "应为以下之一:审批、核准、备案")]
