"""fold and pinyin_initials take shortcuts (ASCII text, cached runs and words); they must answer exactly as the
libraries do when asked directly."""

import re
import unicodedata

from hypothesis import example, given, settings
from hypothesis import strategies as st
from pypinyin import Style, lazy_pinyin
from zhconv import convert

from kaigong.core.text import fold, pinyin_initials

# Chinese (common, extension A and B, compatibility), the pypinyin private-use range, 〇, full-width forms,
# Latin, digits, spaces of every kind, punctuation and combining marks.
MIXED = st.text(
    st.one_of(
        st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),
        st.characters(min_codepoint=0x3400, max_codepoint=0x4DBF),
        st.characters(min_codepoint=0x20000, max_codepoint=0x2000F),
        st.characters(min_codepoint=0xF900, max_codepoint=0xFAFF),
        st.characters(min_codepoint=0xE810, max_codepoint=0xE870),
        st.characters(min_codepoint=0xFF00, max_codepoint=0xFFEF),
        st.sampled_from("〇重庆长沙银行乾隆發展項目０１２ΣİAbz09 \t\u3000\u00a0¨-_/()（）“”"),
        st.characters(max_codepoint=0x2FF),
    ),
    max_size=24,
)


def reference_fold(text: str) -> str:
    text = unicodedata.normalize("NFKC", str(text))
    text = convert(text, "zh-hans")
    return unicodedata.normalize("NFKC", re.sub(r"[\s\u3000]+", "", text))


def reference_initials(text: str) -> str:
    parts = lazy_pinyin(text or "", style=Style.FIRST_LETTER, errors="default")
    return re.sub(r"[^a-z0-9]", "", "".join(parts).lower())


@settings(max_examples=400)
@given(MIXED)
@example("基准导入项目00001")
@example("2024 - 01 - 01")
@example("")
def test_fold_is_the_libraries_fold(text):
    assert fold(text) == reference_fold(text)
    assert fold(text) == reference_fold(text)  # and again, from the cache


@settings(max_examples=400)
@given(MIXED)
@example("重庆银行长沙分行")
@example("10千伏配电网ABC改造2期")
@example("ΣΑΣ项目")
def test_pinyin_initials_are_lazy_pinyins(text):
    assert pinyin_initials(text) == reference_initials(text)


def test_runs_shared_by_many_names_give_each_name_its_own_initials():
    names = [f"基准导入项目{i:05d}" for i in range(50)] + ["长沙项目", "项目长沙", "银行长沙"]
    assert [pinyin_initials(n) for n in names] == [reference_initials(n) for n in names]
