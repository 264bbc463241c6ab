"""The ledger (台账) layout: its columns, the names real sheets give them, their units, and cell parsing.

Shared by the exporter (which writes these headers) and the importer (which recognises them and their
variants in simplified or traditional characters). There is no official template (DOMAIN.md §5): the
columns are the synthesised typical ledger, limited to what the Project model holds.
"""

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from django.utils.translation import get_language, gettext_noop

from kaigong.core.money import MoneyError, parse_amount
from kaigong.core.text import fold

# Cell kinds: how a cell is read on import and written on export.
TEXT = "text"
INT = "int"
YEAR = "year"
AMOUNT = "amount"
DATE = "date"
BOOL = "bool"
LOOKUP = "lookup"  # category, level, stage, pool, department, owner: matched by name
CHOICE = "choice"  # a model field with choices (审批方式, 用地来源 …): its label or its code
NUMBER = "number"  # a plain quantity (建筑面积, 能耗): a Decimal, no money unit


@dataclass(frozen=True)
class LedgerColumn:
    key: str  # a Project field name, or a pseudo key (row_number, project_id, owner_credit_code)
    header: str  # the header the export writes
    kind: str = TEXT
    aliases: tuple[str, ...] = ()
    width: int = 12
    money: bool = False  # an amount in 万元 (the unit note applies)
    names: frozenset[str] = field(default=frozenset(), compare=False)


def _column(key, header, kind=TEXT, aliases=(), width=12):
    names = frozenset(fold_header(n)[0] for n in (header, *aliases))
    return LedgerColumn(key, header, kind, tuple(aliases), width, kind == AMOUNT, names)


_UNIT_IN_HEADER = re.compile(r"[(\[（【]\s*(?:单位[:：]?)?\s*(亿元|万元|亿|万|元)\s*[)\]）】]")
_HEADER_NOISE = re.compile(r"[*＊※:：、.。()（）\[\]【】\"“”'‘’/／\\-]")


def fold_header(text: object) -> tuple[str, str | None]:
    """A header cell's canonical name and the unit it states: "總投資（億元）" → ("总投资", "亿元")."""
    folded = fold("" if text is None else str(text))
    unit = None
    match = _UNIT_IN_HEADER.search(folded)
    if match:
        unit = {"亿": "亿元", "万": "万元"}.get(match.group(1), match.group(1))
        folded = _UNIT_IN_HEADER.sub("", folded)
    return _HEADER_NOISE.sub("", folded).lower(), unit


def _build_columns() -> list[LedgerColumn]:
    return [
        _column("row_number", "序号", INT, ("编号", "序", "No"), 6),
        _column("project_id", "项目ID", INT, ("项目编号ID", "ID", "系统编号", "项目id"), 9),
        _column("name", "项目名称", TEXT, ("项目名", "名称", "项目"), 36),
        _column(
            "project_code",
            "项目代码",
            TEXT,
            ("项目统一代码", "投资项目统一代码", "投资项目代码", "项目编码", "备案代码", "项目赋码", "统一项目代码"),
            27,
        ),
        _column("category", "项目类别", LOOKUP, ("类别", "项目类型", "类型", "项目分类", "分类", "所属类别"), 14),
        _column("level", "项目级别", LOOKUP, ("级别", "项目层级", "项目等级", "重点项目级别"), 10),
        _column(
            "stage",
            "项目阶段",
            LOOKUP,
            ("阶段", "项目状态", "状态", "建设阶段", "建设性质", "所处阶段", "当前阶段", "项目进展阶段"),
            10,
        ),
        _column("year", "计划年度", YEAR, ("年度", "年份", "计划年份", "所属年度", "项目年度"), 9),
        _column("pool", "项目库", LOOKUP, ("所属库", "入库类别", "项目库类别", "库别"), 10),
        _column(
            "owner",
            "建设单位",
            LOOKUP,
            (
                *("业主单位", "项目单位", "建设业主", "业主", "项目业主", "实施单位", "项目业主单位", "项目建设单位"),
                *("项目实施单位", "建设主体", "实施主体", "建设单位名称", "业主单位名称", "项目单位名称"),
            ),
            30,
        ),
        _column(
            "owner_credit_code",
            "统一社会信用代码",
            TEXT,
            (
                *("建设单位统一社会信用代码", "信用代码", "社会信用代码", "建设单位信用代码"),
                *("业主单位统一社会信用代码", "项目单位统一社会信用代码", "单位统一社会信用代码"),
            ),
            22,
        ),
        _column(
            "address",
            "建设地点",
            TEXT,
            ("项目地点", "地点", "建设地址", "项目地址", "所在地", "项目建设地点", "项目选址", "选址"),
            20,
        ),
        _column(
            "township",
            "所在乡镇(街道)",
            TEXT,
            ("乡镇", "所在乡镇", "乡镇(街道)", "街道", "所属乡镇", "乡镇街道", "所在街道", "所属乡镇(街道)", "乡(镇)"),
            14,
        ),
        _column(
            "construction_content",
            "建设内容及规模",
            TEXT,
            (
                *("建设规模及内容", "建设内容", "主要建设内容", "建设规模和内容", "建设内容和规模"),
                *("主要建设内容及规模", "主要建设内容和规模", "建设规模", "项目建设内容", "项目建设内容及规模"),
                *("建设内容与规模", "建设规模与内容", "建设内容及建设规模"),
            ),
            40,
        ),
        _column(
            "total_investment",
            "总投资",
            AMOUNT,
            ("计划总投资", "项目总投资", "总投资额", "估算总投资", "概算总投资", "投资总额", "项目总投资额"),
            14,
        ),
        _column(
            "annual_planned_investment",
            "年度计划投资",
            AMOUNT,
            (
                *("年度投资", "本年计划投资", "年计划投资", "年度计划", "计划投资", "年度投资计划", "本年度计划投资"),
                *("投资计划", "计划完成投资", "年度计划完成投资", "本年计划完成投资", "当年计划投资", "年度计划投资额"),
                *("本年投资计划", "本年度投资计划", "年度计划投资额度"),
            ),
            14,
        ),
        _column(
            "planned_start_date",
            "计划开工时间",
            DATE,
            ("计划开工日期", "计划开工", "开工时间", "开工日期", "拟开工时间", "预计开工时间", "计划开工年月"),
            13,
        ),
        _column(
            "planned_completion_date",
            "计划竣工时间",
            DATE,
            (
                *("计划竣工日期", "计划竣工", "竣工时间", "竣工日期", "计划完工时间", "预计竣工时间", "完工时间"),
                *("计划建成时间", "建成时间", "计划竣工年月"),
            ),
            13,
        ),
        _column("actual_start_date", "实际开工时间", DATE, ("实际开工日期", "实际开工"), 13),
        _column(
            "registered_in_statistics", "是否入库纳统", BOOL, ("入库纳统", "是否纳统", "已入库纳统", "是否入统"), 10
        ),
        _column("statistics_registered_on", "入库纳统日期", DATE, ("入库纳统时间", "纳统日期", "纳统时间"), 13),
        _column(
            "liaison_leader",
            "包联领导",
            TEXT,
            ("包联市领导", "联系领导", "包抓领导", "分包领导", "包联县级领导", "包抓市领导", "市级包联领导"),
            10,
        ),
        _column(
            "responsible_department",
            "责任单位",
            LOOKUP,
            (
                *("牵头单位", "主管部门", "责任部门", "牵头责任单位", "行业主管部门", "牵头部门", "主责单位"),
                *("责任单位部门", "推进责任单位"),
            ),
            20,
        ),
        _column("contact_person", "联系人", TEXT, ("项目联系人", "负责人", "项目负责人"), 10),
        _column("contact_phone", "联系电话", TEXT, ("电话", "联系方式", "手机", "联系人电话", "手机号码"), 14),
        _column("remarks", "备注", TEXT, ("说明", "备注说明"), 20),
        # The attributes the approval checklist rules read (一项目一清单).
        _column("review_regime", "审批方式", CHOICE, ("立项方式", "审批类型", "审批核准备案"), 10),
        _column("project_class", "审批流程类型", CHOICE, ("项目审批流程类型", "流程类型"), 16),
        _column("land_source", "用地来源", CHOICE, ("供地方式", "用地方式"), 10),
        _column("eia_category", "环评类别", CHOICE, ("环评类型", "环境影响评价类别"), 14),
        _column("annual_energy_use", "年综合能耗(吨标准煤)", NUMBER, ("年综合能耗", "综合能耗"), 12),
        _column("building_area", "总建筑面积(平方米)", NUMBER, ("总建筑面积", "建筑面积"), 12),
        _column("is_simple_low_risk", "简易低风险项目", BOOL, ("是否简易低风险项目", "简易低风险"), 10),
    ]


COLUMNS: list[LedgerColumn] = _build_columns()
COLUMNS_BY_KEY: dict[str, LedgerColumn] = {c.key: c for c in COLUMNS}


def _header_lookup(columns: list[LedgerColumn]) -> dict[str, LedgerColumn]:
    lookup: dict[str, LedgerColumn] = {}
    for column in columns:
        for name in column.names:
            other = lookup.setdefault(name, column)
            if other is not column:  # a header that named two columns would land in whichever came last
                raise ValueError(f"ledger header {name!r} names both {other.key} and {column.key}")
    return lookup


_HEADER_LOOKUP: dict[str, LedgerColumn] = _header_lookup(COLUMNS)
# "2025年计划投资", "2025年度计划投资", "2025年投资计划": the year a ledger plans for, before the annual plan's name.
_YEAR_PREFIX = re.compile(r"^(?:19|20)\d{2}年度?")
_YEAR_PREFIXED_KEYS = ("annual_planned_investment",)

# Columns a sheet must have to be read as a ledger (new projects need all three; 计划年度 may come from the title).
REQUIRED_KEYS = ("name", "category", "total_investment")

UNIT_WAN = "万元"
UNIT_YI = "亿元"
_UNIT_NOTE = re.compile(r"单位[:：]?\s*(亿元|万元|亿|万)")


def match_header(text: object) -> tuple[LedgerColumn | None, str | None]:
    """The column a header cell names (or None) and the unit it states."""
    name, unit = fold_header(text)
    if not name:
        return None, unit
    column = _HEADER_LOOKUP.get(name)
    if column is None and _YEAR_PREFIX.match(name):
        rest = _YEAR_PREFIX.sub("", name)
        column = _HEADER_LOOKUP.get(rest) or _HEADER_LOOKUP.get(f"年度{rest}")
        if column is not None and column.key not in _YEAR_PREFIXED_KEYS:
            column = None
    return column, unit


def find_unit_note(text: object) -> str | None:
    """ "单位:亿元" (or 单位：万元 …) anywhere in a cell → the unit; None when the cell states none."""
    if text is None:
        return None
    match = _UNIT_NOTE.search(fold(str(text)))
    if not match:
        return None
    return UNIT_YI if match.group(1).startswith("亿") else UNIT_WAN


_TOTAL_LABEL = re.compile(r"^.{0,12}?(合计|小计|总计)$")
_BRACKETED = re.compile(r"[(\[（【].*?[)\]）】]")


def is_total_label(text: object) -> bool:
    """A subtotal/total row's label: 合计, 小计, 总计, "产业类小计", "合 计", "合计(20个项目)" (not "小计量仪器厂")."""
    if text is None:
        return False
    text = str(text)
    if "计" not in text and "計" not in text:  # most cells: skip the costlier folding
        return False
    folded = _BRACKETED.sub("", fold(text)).strip(":：、.")
    return bool(_TOTAL_LABEL.match(folded))


# ---------------------------------------------------------------------------------------------------------
# Cell parsing. Each parser returns a value or raises CellError with a Chinese msgid and params.


class CellError(ValueError):
    def __init__(self, message: str, params: dict | None = None):
        self.msgid = message
        self.params = params or {}
        super().__init__(message)


def is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def parse_text(value: object) -> str:
    if type(value) is str and value.isprintable() and "  " not in value:
        # Most cells: no whitespace but single ASCII spaces (isprintable is False for tabs, newlines, U+3000,
        # no-break spaces …), so collapsing whitespace would change nothing.
        return value.strip()
    if is_blank(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a phone number or code typed as a number
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.isoformat()
    return re.sub(r"\s+", " ", str(value)).strip()


def parse_money(value: object, unit: str = UNIT_WAN) -> Decimal | None:
    """An amount cell in ``unit`` (万元 or 亿元) → Decimal 万元 (None for blank)."""
    if is_blank(value):
        return None
    try:
        return parse_amount(value, unit=unit)
    except MoneyError as exc:
        raise CellError(exc.msgid) from exc


_INT_TEXT = re.compile(r"^[+-]?\d+(\.0+)?$")


def parse_int(value: object) -> int | None:
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise CellError(gettext_noop("应为整数"))
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value.is_integer():
            return int(value)
        raise CellError(gettext_noop("应为整数"))
    text = fold(str(value)).replace(",", "")
    if not _INT_TEXT.match(text):
        raise CellError(gettext_noop("应为整数"))
    return int(Decimal(text))


def parse_year(value: object) -> int | None:
    if type(value) is int or (type(value) is float and value.is_integer()):
        year = int(value)  # a number cell, as most sheets have it: what the text path below would read
        if not 2000 <= year <= 2100:
            raise CellError(gettext_noop("计划年度应为四位年份,如 2024"))
        return year
    if is_blank(value):
        return None
    if isinstance(value, dt.date):
        return value.year
    text = fold(str(value))
    text = text.removesuffix("年度").removesuffix("年")
    try:
        year = parse_int(text)
    except CellError as exc:
        raise CellError(gettext_noop("计划年度应为四位年份,如 2024")) from exc
    if year is None or not 2000 <= year <= 2100:
        raise CellError(gettext_noop("计划年度应为四位年份,如 2024"))
    return year


_DATE_PATTERNS = (
    # 2024-01-01, 2024/1/1, 2024.1.1, 2024年1月1日, 2024年1月1号
    re.compile(r"^(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*[日号]?$"),
    # 20240101
    re.compile(r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})$"),
    # 2024年1月, 2024-01, 2024.1, 2024/1 → the first of the month (sheets often plan by month)
    re.compile(r"^(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*月?(份)?$"),
)
EXCEL_EPOCH = dt.date(1899, 12, 30)


def parse_date(value: object) -> dt.date | None:
    """Excel dates, Excel serial numbers and the text forms people type → a date (None for blank)."""
    if is_blank(value):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool):
        raise CellError(gettext_noop("日期格式不正确"))
    if isinstance(value, int | float):
        # An Excel serial date that lost its number format (20000 ≈ 1954, 80000 ≈ 2119).
        if 20000 <= value <= 80000:
            return EXCEL_EPOCH + dt.timedelta(days=int(value))
        if isinstance(value, int) or float(value).is_integer():
            return parse_date(str(int(value)))
        raise CellError(gettext_noop("日期格式不正确"))
    text = fold(str(value)).replace("T00:00:00", "").replace("00:00:00", "").strip()
    for pattern in _DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            parts = match.groupdict()
            try:
                return dt.date(int(parts["y"]), int(parts["m"]), int(parts.get("d") or 1))
            except ValueError as exc:
                raise CellError(gettext_noop("日期不存在: %(value)s"), {"value": str(value)}) from exc
    raise CellError(gettext_noop("日期格式不正确,应如 2024-01-01、2024.1.1 或 2024年1月1日"))


_TRUE = {"是", "已入库", "已纳统", "已入库纳统", "入库", "纳统", "√", "✓", "y", "yes", "true", "1", "有"}
_FALSE = {"否", "未入库", "未纳统", "未入库纳统", "×", "✗", "n", "no", "false", "0", "无", "-"}


def parse_number(value: object) -> Decimal | None:
    """A quantity such as 20,000 or ２００００ (full-width, separators) → Decimal with two places."""
    if is_blank(value):
        return None
    try:
        return parse_amount(value)
    except MoneyError as exc:
        raise CellError(gettext_noop("应为数字")) from exc


def parse_choice(key: str, value: object):
    """A choice cell → the field's stored value, from its label (审批, 工业类 …) or its code (approval, 6)."""
    if is_blank(value):
        return None
    text = fold(parse_text(value)).lower()
    names, labels = _choice_names(key, get_language())
    if text in names:
        return names[text]
    raise CellError(gettext_noop("应为以下之一:%(labels)s"), {"labels": labels})


@lru_cache(maxsize=64)
def _choice_names(key: str, language: str | None) -> tuple[dict, str]:
    """A choice field's accepted names (its labels as shown in ``language``, folded, and its stored codes) → the
    stored value, first choice first; and the labels listed in the error message."""
    from kaigong.projects.models import Project  # the model's own choices are the vocabulary

    names: dict = {}
    choices = Project._meta.get_field(key).choices
    for stored, label in choices:
        for name in (fold(str(label)).lower(), str(stored).lower()):
            names.setdefault(name, stored)
    return names, "、".join(str(label) for _, label in choices)


def parse_bool(value: object) -> bool | None:
    if is_blank(value):
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        if value in (0, 1):
            return bool(value)
        raise CellError(gettext_noop("应填“是”或“否”"))
    text = fold(str(value)).lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise CellError(gettext_noop("应填“是”或“否”"))


def to_decimal(value) -> Decimal:
    try:
        return Decimal(value)
    except (InvalidOperation, TypeError):  # pragma: no cover - callers pass Decimals
        return Decimal(0)


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


# The relations a row matches by name (category, level, owner, department), kept apart from the fields it writes as
# the cells give them (checker.DIRECT_FIELDS).
FK_FIELDS = ("category", "level", "owner", "responsible_department")
