"""The measures (DOMAIN.md §7b) and the warning rules as data: the published presets light what they say."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from kaigong.progress import measures, rules
from kaigong.progress.measures import ProjectFacts, measure

PRESETS = {preset["code"]: preset["rules"] for preset in rules.BUILTIN_PRESETS}


def facts(**overrides) -> ProjectFacts:
    base = {
        "month": dt.date(2024, 10, 1),
        "stage": "construction",
        "annual_plan": Decimal("1000"),
        "year_to_date": Decimal("833.33"),
        "reported": True,
        "in_reporting_scope": True,
        "window_closed": True,
        "planned_start": dt.date(2024, 1, 1),
        "actual_start": dt.date(2024, 1, 1),
        "started": True,
        "registered_in_statistics": True,
        "statistics_registered_on": dt.date(2024, 2, 1),
    }
    return ProjectFacts(**{**base, **overrides})


def lit(preset: str, **overrides) -> tuple[str, list[str]]:
    result = measure(facts(**overrides))
    level, reasons = rules.light(PRESETS[preset], result.facts(overrides.get("stage", "construction")))
    return str(level), [reason["code"] for reason in reasons]


def test_the_domain_example_97_2_percent_is_13_8_points_ahead():
    rate = measures.completion_rate(Decimal("972"), Decimal("1000"))
    progress = measures.time_progress(dt.date(2024, 10, 1))
    assert (rate, progress) == (Decimal("0.9720"), Decimal("0.8333"))
    assert measures.gap_points(rate, progress) == Decimal("13.87")  # 97.20 − 83.33; the article rounds to 13.8


def test_time_progress_may_leave_out_the_reporting_month():
    assert measures.time_progress(dt.date(2024, 10, 1), counts_reporting_month=False) == Decimal("0.7500")
    assert measures.time_progress(dt.date(2024, 1, 1), counts_reporting_month=False) == Decimal("0")
    assert measures.percent_of_time_progress(Decimal("0.1"), Decimal("0")) is None


def test_no_annual_plan_means_no_rate_and_no_investment_light():
    result = measure(facts(annual_plan=Decimal("0")))
    assert result.completion_rate is None and result.gap_points is None
    assert lit("yinchuan", annual_plan=Decimal("0")) == ("green", [])


@pytest.mark.parametrize(
    ("ytd", "expected"),
    [("833.33", "green"), ("733", "yellow"), ("533.34", "yellow"), ("533", "red"), ("0", "red")],
)
def test_yinchuan_points_behind(ytd, expected):
    # 序时进度 83.33%: 10 points behind is 73.33%, 30 points behind is 53.33%.
    assert lit("yinchuan", year_to_date=Decimal(ytd))[0] == expected


@pytest.mark.parametrize(("ytd", "expected"), [("700", "green"), ("666", "yellow"), ("499", "red")])
def test_wuhan_share_of_time_progress(ytd, expected):
    # 80% of 83.33% is 66.67%; 60% is 50%.
    assert lit("wuhan", year_to_date=Decimal(ytd))[0] == expected


def test_not_started_after_the_planned_month():
    not_started = {"stage": "preparation", "started": False, "actual_start": None, "in_reporting_scope": False}
    assert lit("yinchuan", planned_start=dt.date(2024, 10, 1), **not_started) == ("green", [])
    assert lit("yinchuan", planned_start=dt.date(2024, 9, 1), **not_started) == ("yellow", ["not_started"])
    assert lit("yinchuan", planned_start=dt.date(2024, 7, 1), **not_started) == ("red", ["not_started_3_months"])


def test_not_registered_after_the_start():
    unregistered = {"registered_in_statistics": False, "statistics_registered_on": None}
    assert lit("yinchuan", actual_start=dt.date(2024, 10, 1), **unregistered)[0] == "green"
    assert lit("yinchuan", actual_start=dt.date(2024, 9, 1), **unregistered)[1] == ["unregistered_1_month"]
    assert lit("yinchuan", actual_start=dt.date(2024, 8, 1), **unregistered)[1] == ["unregistered_2_months"]
    # Registered, but only after the month measured: still unregistered then.
    late = {"registered_in_statistics": True, "statistics_registered_on": dt.date(2024, 11, 5)}
    assert lit("yinchuan", actual_start=dt.date(2024, 8, 1), **late)[0] == "red"


def test_not_reported_only_after_the_close():
    assert lit("wuhan", reported=False, window_closed=False)[0] == "green"
    assert lit("wuhan", reported=False)[1] == ["not_reported"]


def test_reasons_red_first():
    level, reasons = lit(
        "yinchuan", year_to_date=Decimal("700"), registered_in_statistics=False, actual_start=dt.date(2024, 1, 1)
    )
    assert level == "red" and reasons == ["unregistered_2_months", "behind_10_30"]


def test_presets_are_valid_and_bad_rules_are_named_by_path():
    for preset in rules.BUILTIN_PRESETS:
        rules.validate_rules(preset["rules"])
    bad = [
        {"code": "a", "label": "A", "level": "orange", "when": {"attr": "gap_points", "op": "lt", "value": "x"}},
        {"code": "a", "label": "", "when": {"attr": "nonsense", "op": "eq", "value": 1}, "extra": 1},
    ]
    errors = rules.rules_errors(bad)
    text = "\n".join(errors)
    assert "规则[1]: level" in text and "规则[1].when: 条件.value" in text
    assert "规则[2]: 缺少 level" in text and "规则[2]: 未知的键 extra" in text and "重复" in text
    assert "规则[2].when: 条件: 未知属性" in text
    with pytest.raises(ValidationError):
        rules.validate_rules({"not": "a list"})


@given(
    ytd=st.decimals(min_value=0, max_value=100000, places=2),
    plan=st.decimals(min_value=1, max_value=100000, places=2),
    month=st.integers(min_value=1, max_value=12),
)
def test_gap_is_rate_minus_time_progress(ytd, plan, month):
    rate = measures.completion_rate(ytd, plan)
    progress = measures.time_progress(dt.date(2024, month, 1))
    gap = measures.gap_points(rate, progress)
    assert abs(gap - (rate - progress) * 100) <= Decimal("0.005")
    assert (gap >= 0) == (rate >= progress)
