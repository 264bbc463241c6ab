"""The ledger template (.xlsx) the import page and `kaigong import-ledger --template FILE` hand out: every column
the importer reads, under its header with its unit, one example row that imports as it is, and a sheet listing
the other names each column is recognised by."""

import datetime as dt
import tempfile
from pathlib import Path

from django.utils import timezone

from kaigong.accounts.models import Department, Organization
from kaigong.projects.choices import Pool, Stage
from kaigong.projects.ledger.columns import AMOUNT, COLUMNS, UNIT_WAN, LedgerColumn
from kaigong.projects.models import Category, Level, Project

# Not in the template: the system ID identifies a project in an exported ledger, not in a new one.
_LEFT_OUT = ("project_id",)


def template_columns() -> list[LedgerColumn]:
    return [column for column in COLUMNS if column.key not in _LEFT_OUT]


def template_header(column: LedgerColumn) -> str:
    """ "总投资(万元)": the header with the unit an amount is read in."""
    return f"{column.header}({UNIT_WAN})" if column.kind == AMOUNT else column.header


def _first_label(name: str) -> str:
    return str(Project._meta.get_field(name).choices[0][1])


def example_row() -> dict[str, object]:
    """One project as a county office would type it, using this installation's own dictionaries (the first
    category, level, department and organization), so the row imports without a problem."""
    year = timezone.localdate().year
    category = Category.objects.order_by("sort_order", "pk").first()
    level = Level.objects.order_by("pk").first()
    department = Department.objects.order_by("pk").first()
    owner = Organization.objects.order_by("pk").first()
    return {
        "row_number": 1,
        "name": "示例:标准化厂房建设项目(此行可改写或删除)",
        "project_code": "",
        "category": category.name if category else "",
        "level": level.name if level else "",
        "stage": str(Stage.PLANNING.label),
        "year": year,
        "pool": str(Pool.PLANNING.label),
        "owner": owner.name if owner else "",
        "owner_credit_code": owner.credit_code if owner else "",
        "address": "经济技术开发区",
        "township": "城关镇",
        "construction_content": "新建标准化厂房5万平方米及配套设施",
        "total_investment": 50000,
        "annual_planned_investment": 20000,
        "planned_start_date": dt.date(year, 3, 1),
        "planned_completion_date": dt.date(year + 1, 12, 31),
        "actual_start_date": None,
        "registered_in_statistics": "否",
        "statistics_registered_on": None,
        "liaison_leader": "王某某",
        "responsible_department": department.name if department else "",
        "contact_person": "李某某",
        "contact_phone": "0357-1234567",
        "remarks": "示例行",
        "review_regime": _first_label("review_regime"),
        "project_class": _first_label("project_class"),
        "land_source": _first_label("land_source"),
        "eia_category": _first_label("eia_category"),
        "annual_energy_use": 1200,
        "building_area": 50000,
        "is_simple_low_risk": "否",
    }


def build_ledger_template(path: Path | str | None = None) -> Path:
    """Write the template to ``path`` (a temporary file when None) and return its path."""
    from openpyxl import Workbook  # here, not at the top: loading openpyxl costs the command 0.2 s
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    from kaigong.core.sheets import sheet_row  # loads openpyxl too

    columns = template_columns()
    example = example_row()
    workbook = Workbook()
    ws = workbook.active
    ws.title = "台账"
    ws.append([f"{timezone.localdate().year}年重点项目台账"])
    ws.append(["单位:万元(金额列也可在列名中注明“(亿元)”)"])
    ws.append([template_header(column) for column in columns])
    # The example names this installation's dictionaries: a department or owner named "=1+2" is text, not a formula.
    ws.append(sheet_row(ws, [example.get(column.key) for column in columns]))
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    ws["A1"].font = Font(bold=True, size=14)
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        cell = ws.cell(row=3, column=index)
        cell.font = bold
        cell.fill = fill
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        if column.aliases:
            cell.comment = Comment("也可写作:" + "、".join(column.aliases), "Kaigong")
        ws.column_dimensions[letter].width = column.width + 2
        if example.get(column.key).__class__ is dt.date:
            ws.cell(row=4, column=index).number_format = "yyyy-mm-dd"
    ws.freeze_panes = "C4"

    names = workbook.create_sheet("可识别的列名")
    names.append(["列名", "也可写作", "说明"])
    for column in columns:
        note = "金额,默认万元;列名或标题中注明“亿元”时按亿元读取" if column.kind == AMOUNT else ""
        if column.key == "annual_planned_investment":
            note += ";也识别“2025年计划投资”“2025年度计划投资”“2025年投资计划”等带年份的列名"
        names.append([column.header, "、".join(column.aliases), note])
    names.append([])
    names.append(
        [
            "两行表头(如“投资情况”合并在“总投资 | 年度计划投资”之上)以下一行的列名为准;"
            "不认识的列在检查结果中列出,不会导入。"
        ]
    )
    for cell in names[1]:
        cell.font = bold
    names.column_dimensions["A"].width = 22
    names.column_dimensions["B"].width = 70
    names.column_dimensions["C"].width = 50

    if path is None:
        handle = tempfile.NamedTemporaryFile(prefix="kaigong-template-", suffix=".xlsx", delete=False)  # noqa: SIM115
        handle.close()
        path = handle.name
    workbook.save(path)
    return Path(path)
