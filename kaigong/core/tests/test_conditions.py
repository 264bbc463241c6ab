"""The condition language itself, over a made-up whitelist (approvals and progress each bring their own)."""

from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from kaigong.core.conditions import BOOLEAN, CHOICE, MAX_DEPTH, NUMBER, Attribute, ConditionLanguage

COLOURS = (("red", "红"), ("green", "绿"))


def _field(name):
    return lambda obj: getattr(obj, name, None)


def language(**extra) -> ConditionLanguage:
    return ConditionLanguage(
        {
            "colour": Attribute("颜色", CHOICE, _field("colour"), COLOURS),
            "rate": Attribute("完成率", NUMBER, _field("rate")),
            "grade": Attribute("等级", NUMBER, _field("grade"), ((1, "一级"), (2, "二级"))),
            "late": Attribute("滞后", BOOLEAN, _field("late")),
            **extra,
        }
    )


def thing(**values):
    return SimpleNamespace(**{"colour": "", "rate": None, "grade": None, "late": False, **values})


LEAF = {"attr": "late", "op": "is_true"}


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ({"attr": "height", "op": "eq", "value": 1}, "条件: 未知属性 “height”,可用: colour, rate, grade, late"),
        ({"attr": ["colour"], "op": "eq", "value": "red"}, "条件: 未知属性"),
        ({"attr": "colour", "op": "gt", "value": "red"}, "条件: 属性 “colour” 不支持运算符 “gt”,可用: eq, in, ne"),
        ({"attr": "colour", "op": "eq", "value": "blue"}, "条件.value: 取值 “blue” 不在允许范围内 (red, green)"),
        ({"attr": "colour", "op": "eq", "value": 1}, "条件.value: 取值须为文本"),
        ({"attr": "rate", "op": "lt", "value": "half"}, "条件.value: 取值须为数字"),
        ({"attr": "rate", "op": "lt", "value": True}, "条件.value: 取值须为数字"),
        ({"attr": "rate", "op": "lt", "value": float("nan")}, "条件.value: 取值须为数字"),
        ({"attr": "rate", "op": "lt", "value": "Infinity"}, "条件.value: 取值须为数字"),
        ({"attr": "rate", "op": "lt", "value": None}, "条件.value: 取值须为数字"),
        ({"attr": "rate", "op": "lt"}, "条件: 缺少取值 value"),
        ({"attr": "grade", "op": "in", "value": [1, "3"]}, "条件.value[1]: 取值 3 不在允许范围内 (1, 2)"),
        ({"attr": "grade", "op": "in", "value": 1}, "条件: 运算符 “in” 的取值须为非空列表"),
        ({"attr": "late", "op": "is_false", "value": True}, "条件: 运算符 “is_false” 不需要取值"),
        ({"attr": "late", "op": "eq"}, "条件: 属性 “late” 不支持运算符 “eq”"),
        ({**LEAF, "note": 1}, "条件: 未知的键 note"),
        ({"any": []}, "条件: “any” 列表不能为空"),
        ({"all": LEAF}, "条件: “all” 的值须为条件列表"),
        ({"not": LEAF, "all": []}, "条件: “all” 条件只能有这一个键,多余: not"),
        ({"op": "eq"}, "条件: 须为 all / any / not 组合,或含 attr 与 op 的比较条件"),
        ("late", "条件: 条件须为 JSON 对象"),
        (
            {"any": [LEAF, {"not": {"all": [LEAF, {"attr": "colour", "op": "in", "value": ["red", "pink"]}]}}]},
            "条件.any[1].not.all[1].value[1]: 取值 “pink” 不在允许范围内",
        ),
    ],
)
def test_invalid_conditions_are_refused_with_their_path(condition, expected):
    errors = language().errors(condition)
    assert len(errors) == 1
    assert errors[0].startswith(expected), errors


def test_valid_conditions_have_no_errors_and_validate_quietly():
    condition = {
        "all": [
            {"attr": "colour", "op": "in", "value": ["red", "green"]},
            {"attr": "rate", "op": "gte", "value": "0.5"},
            {"attr": "grade", "op": "eq", "value": "2"},
            {"not": LEAF},
        ]
    }
    assert language().errors(condition) == []
    language().validate(condition)


def test_validate_raises_every_problem_with_its_path():
    with pytest.raises(ValidationError) as raised:
        language().validate({"all": [{"attr": "rate", "op": "gt", "value": "x"}, {"attr": "nope", "op": "eq"}]})
    assert raised.value.messages == [
        "条件.all[0].value: 取值须为数字",
        "条件.all[1]: 未知属性 “nope”,可用: colour, rate, grade, late",
    ]


def test_nesting_deeper_than_the_limit_is_refused():
    condition = LEAF
    for _ in range(MAX_DEPTH):
        condition = {"not": condition}
    assert language().errors(condition) == []
    errors = language().errors({"not": condition})
    assert errors == [f"条件{'.not' * (MAX_DEPTH + 1)}: 条件嵌套过深(最多 {MAX_DEPTH} 层)"]


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ({"attr": "rate", "op": "gt", "value": 0}, False),
        ({"attr": "rate", "op": "lte", "value": 0}, False),
        ({"attr": "rate", "op": "eq", "value": 0}, False),
        ({"attr": "rate", "op": "in", "value": [0]}, False),
        ({"attr": "rate", "op": "ne", "value": 0}, True),
        ({"attr": "colour", "op": "eq", "value": "red"}, False),
        ({"attr": "colour", "op": "ne", "value": "red"}, True),
        ({"attr": "late", "op": "is_true"}, False),
        ({"attr": "late", "op": "is_false"}, True),
    ],
)
@pytest.mark.parametrize("unknown", [None, ""])
def test_a_value_not_filled_in_satisfies_only_ne_and_is_false(condition, expected, unknown):
    assert language().evaluate(condition, {"rate": unknown, "colour": unknown, "late": unknown}) is expected
    assert language().evaluate(condition, {}) is expected  # a fact left out counts as not filled in


@pytest.mark.parametrize(
    ("condition", "values", "expected"),
    [
        ({"attr": "rate", "op": "gte", "value": "0.5"}, {"rate": Decimal("0.50")}, True),
        ({"attr": "rate", "op": "gt", "value": 0.5}, {"rate": Decimal("0.5")}, False),
        ({"attr": "rate", "op": "lt", "value": 1}, {"rate": 0.25}, True),
        ({"attr": "grade", "op": "in", "value": ["1", 2]}, {"grade": 2}, True),
        ({"attr": "colour", "op": "in", "value": ["red"]}, {"colour": "green"}, False),
        ({"attr": "colour", "op": "eq", "value": "green"}, {"colour": "green"}, True),
        ({"all": []}, {}, True),
        ({"any": [LEAF, {"attr": "rate", "op": "gt", "value": 1}]}, {"late": False, "rate": 2}, True),
        ({"all": [LEAF, {"attr": "rate", "op": "gt", "value": 1}]}, {"late": False, "rate": 2}, False),
    ],
)
def test_evaluation(condition, values, expected):
    assert language().errors(condition) == []
    assert language().evaluate(condition, values) is expected


def test_facts_read_only_the_whitelist():
    obj = thing(colour="red", rate=Decimal("0.4"), secret="never read")
    assert language().facts(obj) == {"colour": "red", "rate": Decimal("0.4"), "grade": None, "late": False}


def test_describe_reads_like_chinese():
    lang = language()
    assert lang.describe({"all": []}) == "始终适用"
    assert (
        lang.describe(
            {
                "all": [
                    {"attr": "colour", "op": "in", "value": ["red", "green"]},
                    {"any": [{"not": LEAF}, {"attr": "grade", "op": "eq", "value": 2}]},
                    {"attr": "rate", "op": "lt", "value": "0.5"},
                ]
            }
        )
        == "(颜色 属于 红、绿) 且 ((非(滞后 为是)) 或 (等级 等于 二级)) 且 (完成率 小于 0.5)"
    )


def test_a_registered_attribute_joins_the_whitelist_and_an_explicit_value_wins():
    attributes = {"rate": Attribute("完成率", NUMBER, _field("rate"))}
    lang = ConditionLanguage(attributes)
    condition = {"attr": "in_zone", "op": "is_true"}
    assert lang.errors(condition)

    lang.register("in_zone", Attribute("位于控制地带", BOOLEAN, lambda obj: obj.rate == 1))
    assert "in_zone" in attributes  # the dict is the whitelist, live
    assert lang.errors(condition) == []
    assert lang.options()[-1] == {
        "name": "in_zone",
        "label": "位于控制地带",
        "kind": BOOLEAN,
        "operators": ["is_false", "is_true"],
        "choices": [],
    }
    assert lang.evaluate(condition, lang.facts(SimpleNamespace(rate=1))) is True
    assert lang.evaluate(condition, lang.facts(SimpleNamespace(rate=2))) is False
    # Precomputed on the object (in bulk, or in a test): the provider is not asked.
    assert lang.evaluate(condition, lang.facts(SimpleNamespace(rate=2, in_zone=True))) is True


def test_only_provided_attributes_take_a_value_from_the_object():
    reader = Attribute("已报送", BOOLEAN, lambda obj: obj.reports > 0)
    plain = ConditionLanguage({"reported": reader})
    provided = ConditionLanguage({"reported": reader}, provided={"reported"})
    obj = SimpleNamespace(reports=0, reported=True)
    assert plain.facts(obj) == {"reported": False}
    assert provided.facts(obj) == {"reported": True}


def test_each_language_has_its_own_whitelist():
    other = ConditionLanguage({"gap_points": Attribute("差距", NUMBER, _field("gap_points"))})
    rate = {"attr": "rate", "op": "gt", "value": 1}
    assert language().errors(rate) == []
    assert other.errors(rate) == ["条件: 未知属性 “rate”,可用: gap_points"]


def test_options_list_the_whitelist_for_forms():
    options = {option["name"]: option for option in language().options()}
    assert list(options) == ["colour", "rate", "grade", "late"]
    assert options["colour"]["operators"] == ["eq", "in", "ne"]
    assert options["colour"]["choices"] == [{"value": "red", "label": "红"}, {"value": "green", "label": "绿"}]
    assert options["rate"]["operators"] == ["eq", "gt", "gte", "in", "lt", "lte", "ne"]


leaves = st.sampled_from(
    [
        LEAF,
        {"attr": "late", "op": "is_false"},
        {"attr": "colour", "op": "eq", "value": "red"},
        {"attr": "colour", "op": "ne", "value": "green"},
        {"attr": "rate", "op": "gt", "value": "0.5"},
        {"attr": "rate", "op": "lte", "value": 1},
        {"attr": "grade", "op": "in", "value": [1]},
    ]
)
conditions = st.recursive(
    leaves,
    lambda children: st.one_of(
        st.builds(lambda c: {"not": c}, children),
        st.builds(lambda cs: {"all": cs}, st.lists(children, max_size=3)),
        st.builds(lambda cs: {"any": cs}, st.lists(children, min_size=1, max_size=3)),
    ),
    max_leaves=10,
)
fact_sets = st.fixed_dictionaries(
    {
        "colour": st.sampled_from(["red", "green", "", None]),
        "rate": st.one_of(st.none(), st.decimals(min_value=0, max_value=2, places=2)),
        "grade": st.one_of(st.none(), st.sampled_from([1, 2])),
        "late": st.one_of(st.none(), st.booleans()),
    }
)


@given(conditions, fact_sets)
def test_not_negates_and_all_any_agree_with_python(condition, facts):
    lang = language()
    assert lang.errors(condition) == []
    result = lang.evaluate(condition, facts)
    assert lang.evaluate({"not": condition}, facts) is (not result)
    assert lang.evaluate({"any": [condition, {"not": condition}]}, facts) is True
    assert lang.evaluate({"all": [condition, {"not": condition}]}, facts) is False
    assert lang.describe(condition)
