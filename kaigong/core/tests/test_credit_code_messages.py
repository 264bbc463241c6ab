"""A refused credit code says what is wrong: its length, which character at which position, or the check character
with the one expected (GB 32100), the same words on pages, in the API and in the ledger import."""

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from kaigong.core.codes import (
    CREDIT_CODE_ALPHABET,
    credit_code_check_char,
    credit_code_problem,
    normalize_credit_code,
    validate_credit_code,
)

credit_codes = st.builds(
    lambda head, region, tail: head + region + tail + credit_code_check_char(head + region + tail),
    st.text(alphabet=CREDIT_CODE_ALPHABET, min_size=2, max_size=2),
    st.text(alphabet="0123456789", min_size=6, max_size=6),
    st.text(alphabet=CREDIT_CODE_ALPHABET, min_size=9, max_size=9),
)


def _refusal(code: str) -> tuple[str, str]:
    with pytest.raises(ValidationError) as info:
        validate_credit_code(code)
    return info.value.code, info.value.messages[0]


@given(credit_codes)
def test_a_valid_code_has_no_problem_however_it_is_typed(code):
    assert credit_code_problem(code) is None
    full_width = "".join(chr(ord(ch) + 0xFEE0) for ch in code.lower())
    assert normalize_credit_code(f" {full_width}\u3000") == code
    assert credit_code_problem(full_width) is None


@given(credit_codes, st.integers(min_value=0, max_value=30))
def test_the_length_is_named(code, length):
    if length == 18:
        return
    typed = (code * 2)[:length]
    error_code, message = _refusal(typed)
    assert error_code == "credit_code_length"
    assert message == f"统一社会信用代码应为18位,这里是{length}位"


@given(credit_codes, st.integers(min_value=1, max_value=18), st.sampled_from("IOSVZ*-中·"))
def test_a_character_outside_the_alphabet_is_named_with_its_position(code, position, bad):
    typed = code[: position - 1] + bad + code[position:]
    error_code, message = _refusal(typed)
    assert error_code == "credit_code_chars"
    assert message.startswith(f"统一社会信用代码第{position}位的“{bad}”")


@given(credit_codes, st.integers(min_value=3, max_value=8), st.sampled_from("ABCDEFGHJKLMNPQRTUWXY"))
def test_a_letter_in_the_region_code_says_it_must_be_digits(code, position, letter):
    typed = code[: position - 1] + letter + code[position:]
    assert _refusal(typed) == (
        "credit_code_chars",
        f"统一社会信用代码第{position}位的“{letter}”不正确:第3至8位是行政区划码,只能是数字",
    )


@given(credit_codes, st.sampled_from(CREDIT_CODE_ALPHABET))
def test_a_wrong_check_character_names_the_expected_one(code, wrong):
    if wrong == code[17]:
        return
    assert _refusal(code[:17] + wrong) == (
        "credit_code_check",
        f"统一社会信用代码校验位不正确:按前17位,第18位应为“{code[17]}”,不是“{wrong}”",
    )
