"""Helpers for the ledger tests: reference data and messy sheets built with openpyxl (no fixture files)."""

import csv
import datetime as dt

from openpyxl import Workbook

from kaigong.accounts.tests.factories import make_credit_code
from kaigong.projects.tests.factories import CategoryFactory, LevelFactory

# The columns a county ledger typically has, in its order, named without codes (the names-by-name tests use it).
COUNTY_HEADER = [
    "序号",
    "项目名称",
    "项目类别",
    "项目级别",
    "建设单位",
    "总投资",
    "年度计划投资",
    "项目阶段",
    "项目库",
    "责任单位",
]


NEW_CREDIT_CODE = make_credit_code(987654)


def make_ledger_world(department, other_department, organization):
    """Categories, a level, two departments and an owner, named as real ledgers name them (the test modules'
    ``ledger_world`` fixture)."""
    return {
        "industry": CategoryFactory(name="产业类", code="industry", sort_order=1),
        "infra": CategoryFactory(name="基础设施类", code="infrastructure", sort_order=2),
        "water": CategoryFactory(name="“一泓清水入黄河”类", code="yellow-river", sort_order=3),
        "municipal": LevelFactory(name="市级", code="municipal"),
        "department": department,
        "other_department": other_department,
        "organization": organization,
    }


def write_xlsx(path, rows, *, merges=()):
    workbook = Workbook()
    ws = workbook.active
    ws.title = "台账"
    for row in rows:
        ws.append(list(row))
    for ref in merges:
        ws.merge_cells(ref)
    workbook.save(path)
    return path


def write_csv(path, rows, *, encoding="utf-8-sig"):
    with open(path, "w", encoding=encoding, newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def messy_sheet_rows(world):
    """A real-world ledger: title and unit note (亿元), a two-row header with traditional characters and merged
    cells, a section row naming the category, numbers typed as text with full-width digits and separators,
    mixed date forms, blank rows, subtotal and total rows."""
    org = world["organization"]
    return [
        ["侯马市2024年重点项目台账"] + [None] * 8,
        ["单位:亿元"] + [None] * 8,
        ["序號", "項目名稱", "項目類別", "建設單位", "統一社會信用代碼", "投資情況", None, "計劃開工時間", "責任單位"],
        [None, None, None, None, None, "總投資", "年度計劃投資", None, None],
        ["一、产业类项目"] + [None] * 8,
        [1, "江苏国强光伏支架项目", None, org.name, org.credit_code, "１２.５", "3.2", "2024.1.1", "发改局"],
        [
            2,
            "旺龙药业新厂区项目",
            None,
            "山西旺龙新材料有限公司",
            NEW_CREDIT_CODE,
            "1,234.56",
            "0.5",
            "2024年3月15日",
            "侯马市发展和改革局",
        ],
        [None] * 9,
        ["小计", None, None, None, None, "1247.06", "3.7", None, None],
        ["二、基础设施类项目"] + [None] * 8,
        [3, "浍河综合治理工程", None, org.name, None, 2, 1, dt.date(2024, 4, 1), "住建局"],
        [4, "新田大道改造", "基础设施类", org.name, None, "0.8", "0.3", "2024/5/1", "住建局"],
        ["合计", None, None, None, None, "1250.86", "5", None, None],
    ]


MESSY_MERGES = (
    "A1:I1",
    "A2:I2",
    "A3:A4",
    "B3:B4",
    "C3:C4",
    "D3:D4",
    "E3:E4",
    "F3:G3",
    "H3:H4",
    "I3:I4",
    "A5:I5",
    "A10:I10",
)


# The sheet of issue 8: 投资情况 merged over 总投资 | 2025年计划投资, amounts in 亿元, a title row, a stray column
# 备注2, an unnamed column with notes in it and an empty unnamed one. Five projects, 6.4亿元 of annual plan.
ANNUAL_PLANS_YI = ("1.2", "1.5", "0.9", "2.0", "0.8")


def annual_plan_sheet_rows(world):
    org = world["organization"]
    names = ("浍河湿地公园", "新田大道改造", "国强光伏支架", "旺龙药业新厂区", "侯马南站物流园")
    rows = [
        ["侯马市2025年重点项目台账"] + [None] * 10,
        ["单位:亿元"] + [None] * 10,
        ["序号", "项目名称", "项目类别", "建设单位", "投资情况", None, "计划开工时间", "牵头单位", "备注2", None, None],
        [None, None, None, None, "总投资", "2025年计划投资", None, None, None, None, None],
    ]
    for index, (name, plan) in enumerate(zip(names, ANNUAL_PLANS_YI, strict=True), start=1):
        note = "已对接" if index % 2 else None
        rows.append([index, name, "产业类", org.name, "10", plan, "2025.3.1", "发改局", "市级重点", note, None])
    rows.append(["合计", None, None, None, "50", "6.4", None, None, None, None, None])
    return rows


ANNUAL_PLAN_MERGES = ("A1:K1", "A2:K2", "A3:A4", "B3:B4", "C3:C4", "D3:D4", "E3:F3", "G3:G4", "H3:H4", "I3:I4")
