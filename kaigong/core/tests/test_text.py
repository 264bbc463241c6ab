"""Text folding for imported headers and names, and pinyin initials for search."""

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from kaigong.core.text import dictionary_key, fold, pinyin_initials, to_simplified


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


# -- dictionary_key: how categories, levels, departments, stages, pools and owners are matched


@pytest.mark.parametrize(
    "typed",
    [
        "“一泓清水入黄河”类",
        '"一泓清水入黄河"类',
        "一泓清水入黄河类",
        "「一泓清水入黃河」類",  # traditional, corner brackets
        "‘一泓清水入黄河’ 类",
        "＂一泓清水入黄河＂类",  # full-width ASCII quotes
    ],
)
def test_dictionary_key_ignores_quotes_script_and_spaces(typed):
    assert dictionary_key(typed) == dictionary_key("一泓清水入黄河类") == "一泓清水入黄河类"


def test_dictionary_key_keeps_what_tells_names_apart():
    assert dictionary_key("市卫体局") != dictionary_key("市体育局")
    assert dictionary_key("省级") != dictionary_key("市级")
    assert dictionary_key("侯马市发展和改革局（能源局）") == dictionary_key("侯马市发展和改革局(能源局)")
    assert dictionary_key("ＰＰＰ项目") == dictionary_key("ppp项目")


_PUNCTUATION = st.sampled_from(list("“”‘’\"'「」『』《》()（）[]【】·.。,，、-－—_:：;；!！?？ \u3000"))


@given(st.text())
def test_dictionary_key_is_idempotent(text):
    once = dictionary_key(text)
    assert dictionary_key(once) == once


@given(st.text(min_size=1), st.lists(st.tuples(st.integers(min_value=0), _PUNCTUATION), max_size=5))
def test_dictionary_key_ignores_punctuation_anywhere(text, inserts):
    typed = text
    for position, mark in inserts:
        position %= len(typed) + 1
        typed = typed[:position] + mark + typed[position:]
    assert dictionary_key(typed) == dictionary_key(text)


@given(st.text(alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E)))
def test_dictionary_key_full_width_equals_half_width(text):
    full_width = "".join(chr(ord(ch) + 0xFEE0) for ch in text)  # U+FF01…U+FF5E mirror ASCII ! … ~
    assert dictionary_key(full_width) == dictionary_key(text)


@given(st.lists(st.sampled_from(["侯馬", "侯马", "衛生", "卫生", "體育", "体育", "類", "类", "級", "级", "局"])))
def test_dictionary_key_traditional_equals_simplified(parts):
    assert dictionary_key("".join(parts)) == dictionary_key(to_simplified("".join(parts)))
