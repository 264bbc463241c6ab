"""The two national codes: unified social credit code (GB 32100) and investment project code (GB/T 40058), whose
rules for both forms of time code are stated in kaigong.core.codes."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from hypothesis import given
from hypothesis import strategies as st

from kaigong.core.codes import (
    CREDIT_CODE_ALPHABET,
    PROVINCE_CODES,
    CodeIssue,
    credit_code_check_char,
    is_valid_credit_code,
    is_valid_project_code,
    project_code_issue,
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
# The rules are stated in kaigong.core.codes; "today" is the current month in Asia/Shanghai.

TODAY = timezone.localdate()
DIGITS = "0123456789"
MAINLAND = sorted(PROVINCE_CODES - {71, 81, 82})


def two(low: int, high: int):
    return st.integers(min_value=low, max_value=high).map(lambda n: f"{n:02d}")


month_form_times = st.dates(min_value=dt.date(2020, 11, 1), max_value=TODAY).map(lambda d: f"{d:%y%m}")
year_form_times = st.integers(min_value=2014, max_value=2020).map(str)
time_codes = st.one_of(month_form_times, year_form_times)
mainland_regions = st.one_of(
    st.sampled_from(MAINLAND).map(lambda p: f"{p:02d}0000"),  # the province itself
    st.builds(
        lambda p, prefecture, county: f"{p:02d}{prefecture}{county}",
        st.sampled_from(MAINLAND),
        st.one_of(two(1, 70), st.just("90")),
        two(0, 99),
    ),
)
regions = st.one_of(mainland_regions, st.sampled_from(["710000", "810000", "820000"]))
serials = st.text(alphabet=DIGITS, min_size=6, max_size=6)
project_codes = st.builds(
    lambda time, region, department, kind, serial: f"{time}-{region}-{department}-{kind}-{serial}",
    time_codes,
    regions,
    two(1, 99),
    two(1, 99),
    serials,
)


def refusal(code: str) -> ValidationError:
    assert not is_valid_project_code(code)
    assert project_code_issue(code) is None
    with pytest.raises(ValidationError) as info:
        validate_project_code(code)
    return info.value


@pytest.mark.parametrize(
    ("code", "issued"),
    [
        ("2403-141081-04-01-513027", CodeIssue(2024, 3)),  # the issue's example: March 2024
        ("2101-330106-04-01-000001", CodeIssue(2021, 1)),
        ("2112-110000-07-02-999999", CodeIssue(2021, 12)),
        ("2201-469001-04-03-123456", CodeIssue(2022, 1)),  # a county-level city Hainan governs directly
        ("2011-130100-04-01-123456", CodeIssue(2020, 11)),  # Hebei switched first, in November 2020
        ("2012-141081-04-01-123456", CodeIssue(2020, 12)),  # read as December 2020, never as the year 2012
        ("2019-110000-89-02-999999", CodeIssue(2019)),  # an older code: the year only
        ("2014-440300-48-03-000001", CodeIssue(2014)),
        ("2020-141081-48-01-000001", CodeIssue(2020)),
    ],
)
def test_codes_of_both_forms_pass_and_say_when_they_were_issued(code, issued):
    assert len(code) == 24
    assert is_valid_project_code(code)
    validate_project_code(code)
    assert project_code_issue(code) == issued


def test_issue_month_reads_in_the_active_language():
    with translation.override("zh-hans"):
        assert (str(CodeIssue(2024, 3)), str(CodeIssue(2019))) == ("2024年3月", "2019年")
    with translation.override("en"):
        assert str(CodeIssue(2024, 3)) == "March 2024"


def test_empty_project_code_is_allowed_while_planning():
    validate_project_code("")
    assert not is_valid_project_code("")
    assert project_code_issue("") is None


@pytest.mark.parametrize(
    ("code", "error_code", "segment"),
    [
        ("2403-141081-04-01-12345", "project_code_pattern", "24位"),  # 23 characters
        ("2403141081-04-01-123456", "project_code_pattern", "24位"),
        ("2403-141081-04-01-12345A", "project_code_pattern", "24位"),
        ("2403/141081/04/01/123456", "project_code_pattern", "24位"),
        (" 2403-141081-04-01-123456", "project_code_pattern", "24位"),
        ("2413-141081-04-01-123456", "project_code_time", "第1段"),  # no month 13
        ("2400-141081-04-01-123456", "project_code_time", "第1段"),
        ("2010-141081-04-01-123456", "project_code_time", "第1段"),  # October 2020: before the switch
        ("2013-141081-04-01-123456", "project_code_time", "第1段"),  # neither a year of the platform nor a month
        ("1989-141081-04-01-123456", "project_code_time", "第1段"),
        ("2100-141081-04-01-123456", "project_code_time", "第1段"),  # the old check took this for a year
        ("2024-141081-04-01-123456", "project_code_time", "第1段"),  # a year after the switch: month 24
        ("2403-091081-04-01-123456", "project_code_region", "第2段"),  # no province 09
        ("2403-991081-04-01-123456", "project_code_region", "第2段"),  # no province 99
        ("2403-161081-04-01-123456", "project_code_region", "第2段"),  # no province 16
        ("2403-147581-04-01-123456", "project_code_region", "第2段"),  # no prefecture 75
        ("2403-140081-04-01-123456", "project_code_region", "第2段"),  # province level, yet a county
        ("2403-810100-04-01-123456", "project_code_region", "第2段"),  # Hong Kong is 810000 only
        ("2403-141081-00-01-123456", "project_code_department", "第3段"),
        ("2403-141081-04-00-123456", "project_code_type", "第4段"),
    ],
)
def test_bad_project_codes_are_refused_naming_the_segment(code, error_code, segment):
    error = refusal(code)
    assert error.code == error_code
    assert segment in error.messages[0]


def test_a_month_to_come_is_refused():
    next_month = (TODAY.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    error = refusal(f"{next_month:%y%m}-141081-04-01-123456")
    assert error.code == "project_code_time"
    assert f"{next_month:%y%m}" in error.messages[0]


@given(project_codes)
def test_generated_codes_of_both_forms_pass(code):
    assert len(code) == 24
    assert is_valid_project_code(code)
    validate_project_code(code)
    issued = project_code_issue(code)
    assert issued is not None
    assert (issued.month is None) == (2014 <= int(code[:4]) <= 2020)


@given(project_codes, st.integers(min_value=0, max_value=23))
def test_dropping_any_character_breaks_the_pattern(code, position):
    assert refusal(code[:position] + code[position + 1 :]).code == "project_code_pattern"


def _with(code: str, start: int, segment: str) -> str:
    return code[:start] + segment + code[start + len(segment) :]


bad_months = st.builds(
    lambda yy, mm: f"{yy:02d}{mm:02d}",
    st.integers(min_value=21, max_value=99),
    st.one_of(st.just(0), st.integers(min_value=13, max_value=99)),
)
before_the_switch = st.one_of(
    st.integers(min_value=1900, max_value=2010).map(str),  # years before the platform, or months before 11/2020
    st.just("2013"),
    st.integers(min_value=0, max_value=1899).map(lambda n: f"{n:04d}"),
)


@given(project_codes, st.one_of(bad_months, before_the_switch))
def test_a_wrong_time_code_is_refused_as_the_time_segment(code, time_code):
    error = refusal(_with(code, 0, time_code))
    assert (error.code, error.params["value"]) == ("project_code_time", time_code)
    assert "第1段" in error.messages[0]


bad_regions = st.one_of(
    st.builds(  # a province that does not exist
        lambda p, rest: f"{p:02d}{rest}",
        st.integers(min_value=0, max_value=99).filter(lambda p: p not in PROVINCE_CODES),
        st.text(alphabet=DIGITS, min_size=4, max_size=4),
    ),
    st.builds(  # a prefecture outside 01–70 and 90
        lambda p, prefecture, county: f"{p:02d}{prefecture}{county}",
        st.sampled_from(MAINLAND),
        st.one_of(two(71, 89), two(91, 99)),
        two(0, 99),
    ),
    st.builds(lambda p, county: f"{p:02d}00{county}", st.sampled_from(MAINLAND), two(1, 99)),
    st.builds(
        lambda p, rest: f"{p}{rest}",
        st.sampled_from(["71", "81", "82"]),
        st.text(alphabet=DIGITS, min_size=4, max_size=4).filter(lambda r: r != "0000"),
    ),
)


@given(project_codes, bad_regions)
def test_a_wrong_region_is_refused_as_the_region_segment(code, region):
    error = refusal(_with(code, 5, region))
    assert (error.code, error.params["value"]) == ("project_code_region", region)
    assert "第2段" in error.messages[0]


@given(project_codes, st.sampled_from([(12, "project_code_department", "第3段"), (15, "project_code_type", "第4段")]))
def test_a_zero_department_or_type_is_refused_naming_it(code, case):
    start, error_code, segment = case
    error = refusal(_with(code, start, "00"))
    assert error.code == error_code
    assert segment in error.messages[0]
