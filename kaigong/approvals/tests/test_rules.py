"""The condition language: validation with paths, evaluation, and the seeded rules."""

from decimal import Decimal
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kaigong.approvals.data.catalogue import RULES
from kaigong.approvals.rules import condition_errors, describe, evaluate, project_facts

REGIMES = ["approval", "ratification", "filing"]


def facts(**values):
    base = {
        "review_regime": "",
        "project_class": None,
        "land_source": "",
        "eia_category": "",
        "stage": "planning",
        "annual_energy_use": None,
        "building_area": None,
        "total_investment": Decimal("10000"),
        "is_simple_low_risk": False,
        "in_heritage_control_zone": False,
    }
    base.update(values)
    return base


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ({"attr": "nope", "op": "eq", "value": 1}, "条件: 未知属性 “nope”"),
        ({"attr": "review_regime", "op": "gt", "value": "approval"}, "条件: 属性 “review_regime” 不支持运算符 “gt”"),
        ({"attr": "review_regime", "op": "eq", "value": "approved"}, "条件.value: 取值 “approved” 不在允许范围内"),
        ({"attr": "review_regime", "op": "eq", "value": 3}, "条件.value: 取值须为文本"),
        ({"attr": "building_area", "op": "gte", "value": "lots"}, "条件.value: 取值须为数字"),
        ({"attr": "building_area", "op": "gte", "value": True}, "条件.value: 取值须为数字"),
        ({"attr": "building_area", "op": "gte"}, "条件: 缺少取值 value"),
        ({"attr": "project_class", "op": "in", "value": [1, 11]}, "条件.value[1]: 取值 11 不在允许范围内"),
        ({"attr": "project_class", "op": "in", "value": []}, "条件: 运算符 “in” 的取值须为非空列表"),
        ({"attr": "is_simple_low_risk", "op": "is_true", "value": 1}, "条件: 运算符 “is_true” 不需要取值"),
        (
            {"all": [{"attr": "building_area", "op": "gt", "value": 1}, {"attr": "x", "op": "eq"}]},
            "条件.all[1]: 未知属性",
        ),
        ({"not": {"any": []}}, "条件.not: “any” 列表不能为空"),
        ({"all": {"attr": "building_area"}}, "条件: “all” 的值须为条件列表"),
        ({"all": [], "any": []}, "条件: “all” 条件只能有这一个键"),
        ([], "条件: 条件须为 JSON 对象"),
        ({"attr": "building_area", "op": "gt", "value": 1, "extra": 2}, "条件: 未知的键 extra"),
        ({"foo": 1}, "条件: 须为 all / any / not 组合"),
    ],
)
def test_invalid_conditions_are_refused_with_their_path(condition, expected):
    errors = condition_errors(condition)
    assert any(error.startswith(expected) for error in errors), errors


def test_every_problem_is_listed_not_only_the_first():
    errors = condition_errors(
        {"any": [{"attr": "nope", "op": "eq", "value": 1}, {"attr": "building_area", "op": "gt", "value": "x"}]}
    )
    assert len(errors) == 2
    assert errors[0].startswith("条件.any[0]") and errors[1].startswith("条件.any[1].value")


def test_too_deep_nesting_is_refused():
    condition = {"attr": "is_simple_low_risk", "op": "is_true"}
    for _ in range(10):
        condition = {"not": condition}
    assert any("嵌套过深" in error for error in condition_errors(condition))


def test_every_seeded_rule_is_valid():
    for _code, name, condition, _description in RULES:
        assert condition_errors(condition) == [], name


@pytest.mark.parametrize(
    ("condition", "values", "expected"),
    [
        ({"attr": "review_regime", "op": "eq", "value": "ratification"}, {"review_regime": "ratification"}, True),
        ({"attr": "review_regime", "op": "eq", "value": "ratification"}, {"review_regime": "filing"}, False),
        ({"attr": "review_regime", "op": "ne", "value": "filing"}, {"review_regime": ""}, True),
        ({"attr": "review_regime", "op": "eq", "value": "filing"}, {"review_regime": ""}, False),
        ({"attr": "land_source", "op": "in", "value": ["allocated", "transferred"]}, {"land_source": "leased"}, False),
        (
            {"attr": "land_source", "op": "in", "value": ["allocated", "transferred"]},
            {"land_source": "allocated"},
            True,
        ),
        ({"attr": "annual_energy_use", "op": "gte", "value": 1000}, {"annual_energy_use": Decimal("1000.00")}, True),
        ({"attr": "annual_energy_use", "op": "gte", "value": 1000}, {"annual_energy_use": Decimal("999.99")}, False),
        ({"attr": "annual_energy_use", "op": "gte", "value": 1000}, {"annual_energy_use": None}, False),
        ({"attr": "annual_energy_use", "op": "lt", "value": 1000}, {"annual_energy_use": None}, False),
        ({"attr": "building_area", "op": "gt", "value": "20000.5"}, {"building_area": Decimal("20000.6")}, True),
        ({"attr": "project_class", "op": "in", "value": [6, 8]}, {"project_class": 8}, True),
        ({"attr": "project_class", "op": "lte", "value": 2}, {"project_class": 3}, False),
        ({"attr": "is_simple_low_risk", "op": "is_false"}, {"is_simple_low_risk": False}, True),
        ({"attr": "in_heritage_control_zone", "op": "is_true"}, {}, False),
        ({"all": []}, {}, True),
        (
            {
                "all": [
                    {"attr": "review_regime", "op": "eq", "value": "approval"},
                    {"not": {"attr": "project_class", "op": "eq", "value": 2}},
                ]
            },
            {"review_regime": "approval", "project_class": 1},
            True,
        ),
        (
            {
                "any": [
                    {"attr": "is_simple_low_risk", "op": "is_true"},
                    {"attr": "total_investment", "op": "gt", "value": 50000},
                ]
            },
            {"total_investment": Decimal("50000")},
            False,
        ),
    ],
)
def test_evaluation(condition, values, expected):
    assert condition_errors(condition) == []
    assert evaluate(condition, facts(**values)) is expected


def test_project_facts_read_only_whitelisted_attributes_and_default_the_heritage_flag():
    project = SimpleNamespace(
        review_regime="filing",
        project_class=6,
        land_source="transferred",
        eia_category="table",
        stage="planning",
        annual_energy_use=None,
        building_area=Decimal("1"),
        total_investment=Decimal("5"),
        is_simple_low_risk=True,
        secret="never read",
    )
    result = project_facts(project)
    assert result["in_heritage_control_zone"] is False  # until the heritage overlay (§5) sets the attribute
    assert "secret" not in result
    project.in_heritage_control_zone = True
    assert project_facts(project)["in_heritage_control_zone"] is True


leaf = st.sampled_from(
    [
        {"attr": "review_regime", "op": "eq", "value": "approval"},
        {"attr": "building_area", "op": "gt", "value": 100},
        {"attr": "is_simple_low_risk", "op": "is_true"},
        {"attr": "project_class", "op": "in", "value": [1, 2]},
    ]
)
conditions = st.recursive(
    leaf,
    lambda children: st.one_of(
        st.builds(lambda c: {"not": c}, children),
        st.builds(lambda cs: {"all": cs}, st.lists(children, max_size=3)),
        st.builds(lambda cs: {"any": cs}, st.lists(children, min_size=1, max_size=3)),
    ),
    max_leaves=8,
)
fact_sets = st.builds(
    lambda regime, area, simple, cls: facts(
        review_regime=regime, building_area=area, is_simple_low_risk=simple, project_class=cls
    ),
    st.sampled_from([*REGIMES, ""]),
    st.one_of(st.none(), st.decimals(min_value=0, max_value=1000, places=2)),
    st.booleans(),
    st.one_of(st.none(), st.integers(min_value=1, max_value=10)),
)


@given(conditions, fact_sets)
def test_generated_conditions_are_valid_and_not_negates(condition, values):
    assert condition_errors(condition) == []
    assert evaluate({"not": condition}, values) is (not evaluate(condition, values))
    assert evaluate({"all": [condition, condition]}, values) is evaluate(condition, values)
    assert isinstance(describe(condition), str)


def test_describe_reads_like_chinese():
    text = describe(
        {
            "all": [
                {"attr": "review_regime", "op": "eq", "value": "ratification"},
                {"attr": "building_area", "op": "gt", "value": 20000},
            ]
        }
    )
    assert text == "(审批方式 等于 核准) 且 (总建筑面积(平方米) 大于 20000)"
