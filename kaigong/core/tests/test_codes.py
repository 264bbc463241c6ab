"""The two national codes: unified social credit code (GB 32100) and investment project code (GB/T 40058)."""

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from kaigong.core.codes import (
    CREDIT_CODE_ALPHABET,
    credit_code_check_char,
    is_valid_credit_code,
    is_valid_project_code,
    validate_credit_code,
    validate_project_code,
)

# Published codes: the example in GB 32100-2015 and a well-known company's code from its public registration.
KNOWN_VALID = [
    "91350100M000100Y43",  # GB 32100-2015 example
    "91440300708461136T",  # 华为技术有限公司
]

body_chars = st.sampled_from(CREDIT_CODE_ALPHABET)
credit_bodies = st.builds(
    lambda head, region, tail: head + region + tail,
    st.text(alphabet=CREDIT_CODE_ALPHABET, min_size=2, max_size=2),
    st.text(alphabet="0123456789", min_size=6, max_size=6),
    st.text(alphabet=CREDIT_CODE_ALPHABET, min_size=9, max_size=9),
)


def with_check(body: str) -> str:
    return body + credit_code_check_char(body)


def test_check_char_by_hand():
    # 91350100M000100Y4: Σ(value × weight) = 1640; 1640 mod 31 = 28; 31 − 28 = 3 → '3'.
    assert credit_code_check_char("91350100M000100Y4") == "3"
    # Σ mod 31 = 0 gives 31 − 0 = 31, which the standard maps to '0'.
    assert credit_code_check_char("0" * 17) == "0"


@pytest.mark.parametrize("code", KNOWN_VALID)
def test_known_codes_pass(code):
    assert is_valid_credit_code(code)
    validate_credit_code(code)
    validate_credit_code(code.lower())  # entered in lower case: normalised, not refused


@pytest.mark.parametrize(
    ("code", "error_code"),
    [
        ("91350100M000100Y4", "credit_code_length"),
        ("91350100M000100Y433", "credit_code_length"),
        ("", "credit_code_length"),
        ("91350100M000100YI3", "credit_code_chars"),  # I is not in the alphabet
        ("91350100M000100YO3", "credit_code_chars"),
        ("9135010AM000100Y43", "credit_code_chars"),  # the region code is digits
        ("91350100M000100Y44", "credit_code_check"),
    ],
)
def test_bad_codes_are_refused_with_a_reason(code, error_code):
    assert not is_valid_credit_code(code)
    with pytest.raises(ValidationError) as info:
        validate_credit_code(code)
    assert info.value.code == error_code


@given(credit_bodies)
def test_generated_codes_pass(body):
    code = with_check(body)
    assert len(code) == 18
    assert is_valid_credit_code(code)
    validate_credit_code(code)


@given(credit_bodies, st.integers(min_value=0, max_value=17), body_chars)
def test_any_single_character_change_is_detected(body, position, replacement):
    code = with_check(body)
    if code[position] == replacement:
        replacement = CREDIT_CODE_ALPHABET[(CREDIT_CODE_ALPHABET.index(replacement) + 1) % 31]
    changed = code[:position] + replacement + code[position + 1 :]
    assert changed != code
    assert not is_valid_credit_code(changed)


@given(credit_bodies, st.integers(min_value=0, max_value=17), st.sampled_from("IOSVZ*-中 "))
def test_characters_outside_the_alphabet_are_refused(body, position, bad):
    code = with_check(body)
    changed = code[:position] + bad + code[position + 1 :]
    assert not is_valid_credit_code(changed)
    with pytest.raises(ValidationError):
        validate_credit_code(changed)


# -- project code -----------------------------------------------------------------------------------------------

project_codes = st.builds(
    lambda year, province, rest, d, t, n: f"{year}-{province:02d}{rest}-{d}-{t}-{n}",
    st.integers(min_value=1990, max_value=2100),
    st.integers(min_value=11, max_value=82),
    st.text(alphabet="0123456789", min_size=4, max_size=4),
    st.text(alphabet="0123456789", min_size=2, max_size=2),
    st.text(alphabet="0123456789", min_size=2, max_size=2),
    st.text(alphabet="0123456789", min_size=6, max_size=6),
)


@pytest.mark.parametrize("code", ["2024-141081-04-01-123456", "2023-141081-48-01-000001", "2019-110000-89-02-999999"])
def test_project_codes_of_the_national_pattern_pass(code):
    assert len(code) == 24
    assert is_valid_project_code(code)
    validate_project_code(code)


def test_empty_project_code_is_allowed_while_planning():
    validate_project_code("")
    assert not is_valid_project_code("")


@pytest.mark.parametrize(
    ("code", "error_code"),
    [
        ("2024-141081-04-01-12345", "project_code_pattern"),  # 23 characters
        ("2024141081-04-01-123456", "project_code_pattern"),
        ("2024-141081-04-01-12345A", "project_code_pattern"),
        ("2024/141081/04/01/123456", "project_code_pattern"),
        (" 2024-141081-04-01-123456", "project_code_pattern"),
        ("2024-091081-04-01-123456", "project_code_region"),  # no province 09
        ("2024-991081-04-01-123456", "project_code_region"),  # no province 99
        ("1989-141081-04-01-123456", "project_code_region"),  # year out of range
    ],
)
def test_bad_project_codes_are_refused_with_a_reason(code, error_code):
    assert not is_valid_project_code(code)
    with pytest.raises(ValidationError) as info:
        validate_project_code(code)
    assert info.value.code == error_code


@given(project_codes)
def test_generated_project_codes_pass(code):
    assert len(code) == 24
    assert is_valid_project_code(code)


@given(project_codes, st.integers(min_value=0, max_value=23))
def test_dropping_any_character_breaks_the_pattern(code, position):
    assert not is_valid_project_code(code[:position] + code[position + 1 :])
