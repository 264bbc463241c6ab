"""The month's progress sheet to fill in: the table as offices know it (a title, a unit note, a two-row header),
one row per project the user reports for that month, its name and code filled in. The importer reads it back
(kaigong.progress.importer); 1–N月累计 is left for the office to type, as a check on the computed figure."""

import datetime as dt
import io

from django.conf import settings
from django.utils.translation import gettext

from kaigong.core.sheets import set_text
from kaigong.progress import permissions, selectors
from kaigong.projects.models import Project

TOP = ["序号", "项目名称", "项目代码", "投资完成情况", None, "形象进度", "形象进度阶段", "存在问题及需协调事项"]
TOP += ["是否入库纳统", "入库纳统时间"]
WIDTHS = [6, 36, 27, 14, 16, 30, 12, 40, 12, 14]


def template_projects(*, user, month: dt.date) -> list[Project]:
    """The projects ``user`` reports for that owe a report for ``month``."""
    projects = (
        Project.objects.visible_to(user)
        .filter(selectors.reporting_scope(month))
        .only("id", "name", "project_code", "owner_id", "responsible_department_id", "stage")
        .order_by("name", "pk")
    )
    return [project for project in projects if permissions.can_report(user, project)]


def template_filename(month: dt.date) -> str:
    return f"{month.year}年{month.month}月重点项目进展情况表.xlsx"


def build_progress_template(*, user, month: dt.date) -> io.BytesIO:
    from openpyxl import Workbook  # here: the pages need not load openpyxl until a sheet is asked for
    from openpyxl.styles import Alignment, Font
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = f"{month.month}月进展"
    last = chr(ord("A") + len(TOP) - 1)
    sheet.append([f"{settings.KAIGONG_CITY_NAME}{month.year}年重点项目1–{month.month}月进展情况表"])
    sheet.merge_cells(f"A1:{last}1")
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A1"].alignment = Alignment(horizontal="center")
    sheet.append([None] * (len(TOP) - 1) + ["单位:万元"])
    sheet.append(TOP)
    sheet.append([None, None, None, "本月完成投资", f"1–{month.month}月累计完成投资"])
    for index, _header in enumerate(TOP):
        letter = chr(ord("A") + index)
        if letter not in "DE":
            sheet.merge_cells(f"{letter}3:{letter}4")
        sheet.column_dimensions[letter].width = WIDTHS[index]
    sheet.merge_cells("D3:E3")
    for row in sheet.iter_rows(min_row=3, max_row=4):
        for cell in row:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    projects = template_projects(user=user, month=month)
    for number, project in enumerate(projects, start=1):
        row = 4 + number
        sheet.cell(row=row, column=1, value=number)
        set_text(sheet.cell(row=row, column=2), project.name)
        set_text(sheet.cell(row=row, column=3), project.project_code)
    if projects:
        end = 4 + len(projects)
        stages = selectors.get_settings().visible_stages
        # A list in a validation is one comma-separated formula of at most 255 characters.
        stage_list = ",".join(stages)
        if len(stage_list) <= 250 and "," not in "".join(stages):
            stage_check = DataValidation(type="list", formula1=f'"{stage_list}"', allow_blank=True)
            stage_check.add(f"G5:G{end}")
            sheet.add_data_validation(stage_check)
        yes_no = DataValidation(type="list", formula1='"是,否"', allow_blank=True)
        yes_no.add(f"I5:I{end}")
        sheet.add_data_validation(yes_no)
    else:
        sheet.append([None, gettext("本月没有需要您报送的项目")])
    sheet.freeze_panes = "C5"
    content = io.BytesIO()
    workbook.save(content)
    content.seek(0)
    return content
