"""Properties of ledger cell parsing: amounts however typed give the same Decimal; dates in every text form."""

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kaigong.projects.ledger.columns import (
    CellError,
    column_letter,
    is_total_label,
    match_header,
    parse_bool,
    parse_date,
    parse_money,
)

FULLWIDTH = str.maketrans("0123456789.,", "０１２３４５６７８９．，")
amounts = st.decimals(min_value=0, max_value=Decimal("99999999.99"), places=2, allow_nan=False, allow_infinity=False)


def with_separators(value: Decimal) -> str:
    return f"{value:,.2f}"


@given(amounts)
def test_amount_typed_as_text_with_separators_or_full_width_is_the_same_decimal(value):
    plain = parse_money(value)
    assert plain == value
    assert parse_money(str(value)) == plain
    assert parse_money(with_separators(value)) == plain
    assert parse_money(with_separators(value).translate(FULLWIDTH)) == plain
    assert parse_money(f" {value} ") == plain
    assert parse_money(float(value)) == plain  # an Excel number


@given(amounts)
def test_yi_unit_converts_to_wan_exactly(value):
    assert parse_money(str(value), "亿元") == value * 10000
    assert parse_money(f"{value}亿元") == value * 10000  # a unit typed in the cell wins


@given(st.text(alphabet="abc一二x!", min_size=1, max_size=8))
def test_words_are_not_amounts(text):
    with pytest.raises(CellError):
        parse_money(text)


dates = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2099, 12, 31))


@given(dates)
def test_dates_in_every_text_form(day):
    y, m, d = day.year, day.month, day.day
    forms = [
        f"{y}-{m:02d}-{d:02d}",
        f"{y}-{m}-{d}",
        f"{y}/{m}/{d}",
        f"{y}.{m}.{d}",
        f"{y}年{m}月{d}日",
        f"{y}年{m:02d}月{d:02d}日",
        f"{y}{m:02d}{d:02d}",
        f"{y}．{m}．{d}".translate(FULLWIDTH),
        day,
        dt.datetime(y, m, d, 0, 0),
        (day - dt.date(1899, 12, 30)).days,  # an Excel serial number
    ]
    for form in forms:
        assert parse_date(form) == day, form


@given(dates)
def test_month_only_means_the_first_of_the_month(day):
    assert parse_date(f"{day.year}年{day.month}月") == day.replace(day=1)
    assert parse_date(f"{day.year}.{day.month}") == day.replace(day=1)


@pytest.mark.parametrize("text", ["2024-02-30", "2024.13.1", "明年", "2024年春"])
def test_impossible_or_vague_dates_are_errors(text):
    with pytest.raises(CellError):
        parse_date(text)


@pytest.mark.parametrize(
    ("header", "key", "unit"),
    [
        ("項目名稱", "name", None),
        ("项目名", "name", None),
        ("名称", "name", None),
        ("总投资(万元)", "total_investment", "万元"),
        ("總投資（億元）", "total_investment", "亿元"),
        ("计划总投资\n(亿元)", "total_investment", "亿元"),
        ("*年度计划投资", "annual_planned_investment", None),
        ("建设规模及内容", "construction_content", None),
        ("責任單位", "responsible_department", None),
    ],
)
def test_header_variants(header, key, unit):
    column, found_unit = match_header(header)
    assert column is not None and column.key == key
    assert found_unit == unit


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("合计", True),
        ("合 计", True),
        ("小计(产业类)", True),
        ("产业类小计", True),
        ("總計", True),
        ("合计(20个项目)", True),
        ("小计量仪器厂房建设项目", False),
        ("统计局办公楼", False),
    ],
)
def test_total_labels(text, expected):
    assert is_total_label(text) is expected


def test_yes_no_cells():
    assert parse_bool("是") is True and parse_bool("已入库") is True and parse_bool("否") is False
    assert parse_bool("") is None
    with pytest.raises(CellError):
        parse_bool("也许")


def test_column_letters():
    assert [column_letter(i) for i in (0, 25, 26, 27, 701)] == ["A", "Z", "AA", "AB", "ZZ"]
