"""Text folding for imported headers and names, and pinyin initials for search."""

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from kaigong.core.text import fold, pinyin_initials, to_simplified


@pytest.mark.parametrize(
    ("header", "folded"),
    [
        ("項目名稱", "项目名称"),
        ("項目代碼", "项目代码"),
        ("建設單位", "建设单位"),
        ("責任單位", "责任单位"),
        ("包聯領導", "包联领导"),
        ("年度計劃投資", "年度计划投资"),
        ("是否入庫納統", "是否入库纳统"),
        ("總投資（萬元）", "总投资(万元)"),  # full-width brackets → ASCII
        ("１－１２月累計完成投資", "1-12月累计完成投资"),  # full-width digits and dash
        ("序  號", "序号"),  # spaces typed to align a header
        ("序\u3000号", "序号"),  # ideographic space
        ("项目\n名称", "项目名称"),  # a line break inside a merged header cell
        ("“一泓清水入黃河”類", "“一泓清水入黄河”类"),
        ("侯馬市", "侯马市"),
        ("澮河", "浍河"),
    ],
)
def test_fold_traditional_and_full_width_headers(header, folded):
    assert fold(header) == folded


def test_fold_keeps_simplified_text_and_accepts_non_strings():
    assert fold("项目名称") == "项目名称"
    assert fold(2024) == "2024"
    assert to_simplified("國強自動化光伏") == "国强自动化光伏"


@given(st.text())
@example("t\u00a8")  # NFKC makes "¨" a space and a combining mark; removing the space joins it to the "t"
def test_fold_is_idempotent_and_has_no_whitespace(text):
    once = fold(text)
    assert fold(once) == once
    assert not any(ch.isspace() for ch in once)


@pytest.mark.parametrize(
    ("name", "initials"),
    [
        ("国强自动化光伏新能源生产基地", "gqzdhgfxnyscjd"),
        ("旺龙药业中药材全产业链", "wlyyzycqcyl"),
        ("合欢街南延道路建设工程", "hhjnydljsgc"),
        ("重庆", "cq"),  # polyphonic characters read in their word
        ("长安", "ca"),
        ("10千伏配电网", "10qfpdw"),  # digits kept
        ("ABC项目2号", "abcxm2h"),  # Latin letters lower-cased
        ("“一泓清水入黄河”类", "yhqsrhhl"),  # punctuation dropped
        ("", ""),
    ],
)
def test_pinyin_initials(name, initials):
    assert pinyin_initials(name) == initials


def test_issue_example_finds_the_project_by_initials():
    assert "gqzdh" in pinyin_initials("国强自动化光伏新能源生产基地")


@given(st.text())
def test_pinyin_initials_are_lowercase_ascii_letters_and_digits(text):
    initials = pinyin_initials(text)
    assert initials == "".join(ch for ch in initials if ch in "abcdefghijklmnopqrstuvwxyz0123456789")
