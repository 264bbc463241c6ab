"""Money: Decimal 万元, parsed as people type it, shown in 亿元 as the article writes it, summed without drift."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kaigong.core.money import (
    MAX_WAN,
    MoneyError,
    format_wan,
    format_yi,
    parse_amount,
    quantize_wan,
    strip_zeros,
    wan_to_yi,
    yi_to_wan,
)

amounts = st.decimals(min_value=0, max_value=MAX_WAN, places=2, allow_nan=False, allow_infinity=False)
FULLWIDTH = str.maketrans("0123456789.,", "０１２３４５６７８９．，")


@pytest.mark.parametrize(
    ("wan", "text"),
    [
        ("1155000", "115.5亿元"),
        ("6322300", "632.23亿元"),
        ("6322300.00", "632.23亿元"),
        ("328000", "32.8亿元"),
        ("330000", "33亿元"),
        ("0", "0亿元"),
        ("49.99", "0亿元"),  # below half a million yuan: rounds to 0.00亿元
        ("50", "0.01亿元"),  # half up
    ],
)
def test_format_yi_as_the_article_writes(wan, text):
    assert format_yi(Decimal(wan)) == text


def test_format_yi_without_unit_and_blank():
    assert format_yi(Decimal("1155000"), unit=False) == "115.5"
    assert format_yi(None) == ""


@pytest.mark.parametrize(
    ("wan", "text"),
    [("1155000", "1,155,000万元"), ("1234.5", "1,234.5万元"), ("0.01", "0.01万元"), ("10", "10万元")],
)
def test_format_wan(wan, text):
    assert format_wan(Decimal(wan)) == text
    assert format_wan(None) == ""


@pytest.mark.parametrize(
    ("raw", "unit", "wan"),
    [
        ("1,155,000", "万元", "1155000.00"),
        ("1，155，000", "万元", "1155000.00"),
        ("１１５５０００", "万元", "1155000.00"),
        ("１，１５５，０００．５", "万元", "1155000.50"),
        ("115.5亿元", "万元", "1155000.00"),
        ("115.5亿", "万元", "1155000.00"),
        ("115.5", "亿元", "1155000.00"),
        ("632.23 亿元", "万元", "6322300.00"),
        ("32.8亿元", "万元", "328000.00"),
        ("3000万元", "亿元", "3000.00"),  # a unit typed in the cell wins over the column's unit
        ("3000万", "万元", "3000.00"),
        ("12345元", "万元", "1.23"),
        (" 5 000 ", "万元", "5000.00"),
        ("\u00a05000", "万元", "5000.00"),
        (".5", "万元", "0.50"),
        ("0.005", "万元", "0.01"),  # half up
        (1155000, "万元", "1155000.00"),
        (1155000.5, "万元", "1155000.50"),
        (0.1, "万元", "0.10"),  # floats from Excel read through their repr, not their binary expansion
        (Decimal("115.5"), "亿元", "1155000.00"),
    ],
)
def test_parse_amount(raw, unit, wan):
    value = parse_amount(raw, unit=unit)
    assert value == Decimal(wan)
    assert value.as_tuple().exponent == -2


@pytest.mark.parametrize("raw", [None, "", "  ", "-", "—", "/", "无"])
def test_blank_amounts_are_none(raw):
    assert parse_amount(raw) is None


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("abc", "金额格式不正确"),
        ("1.2.3", "金额格式不正确"),
        ("12万3", "金额格式不正确"),
        ("1e5", "金额格式不正确"),
        (True, "金额格式不正确"),
        (float("nan"), "金额格式不正确"),
        (float("inf"), "金额格式不正确"),
        ("-5", "金额不能为负数"),
        (-5, "金额不能为负数"),
        ("1000000000000", "金额过大"),
        ("100000000亿元", "金额过大"),
    ],
)
def test_bad_amounts_are_refused_with_a_message(raw, message):
    with pytest.raises(MoneyError, match=message):
        parse_amount(raw)


@given(amounts)
def test_formatted_wan_round_trips(wan):
    assert parse_amount(format_wan(wan)) == wan
    assert parse_amount(format_wan(wan, unit=False)) == wan


@given(amounts)
def test_full_width_typing_round_trips(wan):
    assert parse_amount(format_wan(wan, unit=False).translate(FULLWIDTH)) == wan


@given(st.decimals(min_value=0, max_value=Decimal("99999999.99"), places=2, allow_nan=False, allow_infinity=False))
def test_yi_round_trips(yi):
    wan = yi_to_wan(yi)
    assert parse_amount(format_yi(wan)) == wan
    assert wan_to_yi(wan) == yi


@given(st.lists(amounts.filter(lambda d: d < Decimal("1e9")), max_size=200), st.integers(min_value=1, max_value=7))
def test_sums_in_wan_never_drift(values, groups):
    total = sum(values, Decimal(0))
    # the same as counting in whole fen-hundreds (integers): no rounding anywhere
    assert total == Decimal(sum(int(v * 100) for v in values)) / 100
    assert quantize_wan(total) == total
    # subtotals by category add up to the grand total exactly (the ledger's 小计 and 合计 rows agree)
    subtotals = [sum(values[i::groups], Decimal(0)) for i in range(groups)]
    assert sum(subtotals, Decimal(0)) == total


def test_the_pool_and_batch_totals_add_up_exactly():
    # 187 projects of which 186 × 33,809.14 and one remainder: the total is exact, no float residue.
    values = [Decimal("33809.14")] * 186
    values.append(Decimal("6322300.00") - sum(values))
    assert sum(values) == Decimal("6322300.00")
    assert format_yi(sum(values)) == "632.23亿元"
    assert format_yi(sum([Decimal("0.1")] * 10) * 100000) == "10亿元"


@pytest.mark.parametrize(("value", "text"), [("115.50", "115.5"), ("32.00", "32"), ("632.23", "632.23"), ("0.00", "0")])
def test_strip_zeros(value, text):
    assert strip_zeros(Decimal(value)) == text


@given(st.decimals(min_value=0, allow_nan=False, allow_infinity=False) | st.floats(min_value=0, allow_nan=False))
def test_any_non_negative_number_is_an_amount_or_a_clear_refusal(raw):
    """Huge values (1e30, a cell typed in scientific notation) are refused as too large, never an exception."""
    try:
        value = parse_amount(raw)
    except MoneyError as exc:
        assert exc.msgid in ("金额过大", "金额格式不正确")
    else:
        assert value is not None and 0 <= value <= MAX_WAN
