"""A JSON condition language over a whitelist of attributes: validation and a small interpreter. No code is ever
evaluated from data. The apps that let people write rules (approvals' checklist rules, progress's warning lights)
each build one ``ConditionLanguage`` over their own whitelist; the language itself is the same everywhere.

A condition is JSON data:

- ``{"all": [c, ...]}`` true when every sub-condition is true (an empty list is true: "always");
- ``{"any": [c, ...]}`` true when at least one is true (an empty list is refused: it could never match);
- ``{"not": c}`` negation;
- a leaf ``{"attr": NAME, "op": OP, "value": V}`` comparing one whitelisted attribute of the object.

Operators per attribute kind: choice ``eq ne in``; number ``eq ne in gt gte lt lte``; boolean ``is_true is_false``
(no value). An attribute that is not filled in (None or "") satisfies only ``ne`` (and ``is_false`` for a boolean):
a rule never fires because of an unknown value compared with ``gt``/``eq``. Nesting is limited to ``MAX_DEPTH``.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

CHOICE, NUMBER, BOOLEAN = "choice", "number", "boolean"

OPERATORS: dict[str, frozenset[str]] = {
    CHOICE: frozenset({"eq", "ne", "in"}),
    NUMBER: frozenset({"eq", "ne", "in", "gt", "gte", "lt", "lte"}),
    BOOLEAN: frozenset({"is_true", "is_false"}),
}
OPERATOR_LABELS = {
    "eq": _("等于"),
    "ne": _("不等于"),
    "in": _("属于"),
    "gt": _("大于"),
    "gte": _("大于等于"),
    "lt": _("小于"),
    "lte": _("小于等于"),
    "is_true": _("为是"),
    "is_false": _("为否"),
}
MAX_DEPTH = 8


@dataclass(frozen=True)
class Attribute:
    """One attribute a rule may read: its label, kind, allowed values (choices) and how to read it from the object."""

    label: str
    kind: str
    read: Callable
    choices: tuple = field(default_factory=tuple)

    def allowed_values(self) -> list:
        return [value for value, _label in self.choices]


class ConditionLanguage:
    """The condition language over one whitelist: ``attributes`` maps a name to its Attribute and is used live (a
    name registered later is known from then on). ``provided`` names the attributes other apps provide (see
    ``register``): for those a value set on the object itself wins over the reader."""

    def __init__(self, attributes: dict[str, Attribute], *, provided: set[str] | None = None):
        self.attributes = attributes
        self.provided = set(provided or ())

    def register(self, name: str, attribute: Attribute) -> None:
        """Let another app provide a fact the rules may read (from its AppConfig.ready; replaced by ``name`` when
        ready() runs twice), so the app owning the language never imports the provider. A value set on the object
        itself under ``name`` (precomputed in bulk, or in tests) wins over the provider."""
        self.attributes[name] = attribute
        self.provided.add(name)

    def options(self) -> list[dict]:
        """The whitelist for forms, the API and docs: name, label, kind, operators and allowed values."""
        return [
            {
                "name": name,
                "label": str(attr.label),
                "kind": attr.kind,
                "operators": sorted(OPERATORS[attr.kind]),
                "choices": [{"value": v, "label": str(label)} for v, label in attr.choices],
            }
            for name, attr in self.attributes.items()
        ]

    # --- validation -----------------------------------------------------------------------------------------

    def errors(self, condition) -> list[str]:
        """Every problem of ``condition``, each starting with its path (``条件.all[1].value``); empty when valid."""
        errors: list[str] = []
        self._validate(condition, gettext("条件"), 0, errors)
        return errors

    def validate(self, condition) -> None:
        """Raise ValidationError listing every problem with its path."""
        errors = self.errors(condition)
        if errors:
            raise ValidationError(errors)

    def _validate(self, node, path: str, depth: int, errors: list[str]) -> None:
        if depth > MAX_DEPTH:
            errors.append(gettext("%(path)s: 条件嵌套过深(最多 %(max)s 层)") % {"path": path, "max": MAX_DEPTH})
            return
        if not isinstance(node, dict):
            errors.append(gettext("%(path)s: 条件须为 JSON 对象") % {"path": path})
            return
        combinators = [key for key in ("all", "any", "not") if key in node]
        if combinators:
            key = combinators[0]
            if len(node) != 1:
                errors.append(
                    gettext("%(path)s: “%(key)s” 条件只能有这一个键,多余: %(extra)s")
                    % {"path": path, "key": key, "extra": ", ".join(sorted(k for k in node if k != key))}
                )
                return
            if key == "not":
                self._validate(node["not"], f"{path}.not", depth + 1, errors)
                return
            children = node[key]
            if not isinstance(children, list):
                errors.append(gettext("%(path)s: “%(key)s” 的值须为条件列表") % {"path": path, "key": key})
                return
            if key == "any" and not children:
                errors.append(gettext("%(path)s: “any” 列表不能为空") % {"path": path})
            for index, child in enumerate(children):
                self._validate(child, f"{path}.{key}[{index}]", depth + 1, errors)
            return
        if "attr" not in node or "op" not in node:
            errors.append(gettext("%(path)s: 须为 all / any / not 组合,或含 attr 与 op 的比较条件") % {"path": path})
            return
        unknown_keys = sorted(set(node) - {"attr", "op", "value"})
        if unknown_keys:
            errors.append(gettext("%(path)s: 未知的键 %(keys)s") % {"path": path, "keys": ", ".join(unknown_keys)})
        name, op = node["attr"], node["op"]
        attr = self.attributes.get(name) if isinstance(name, str) else None
        if attr is None:
            errors.append(
                gettext("%(path)s: 未知属性 “%(attr)s”,可用: %(allowed)s")
                % {"path": path, "attr": name, "allowed": ", ".join(self.attributes)}
            )
            return
        if op not in OPERATORS[attr.kind]:
            errors.append(
                gettext("%(path)s: 属性 “%(attr)s” 不支持运算符 “%(op)s”,可用: %(allowed)s")
                % {"path": path, "attr": name, "op": op, "allowed": ", ".join(sorted(OPERATORS[attr.kind]))}
            )
            return
        if attr.kind == BOOLEAN:
            if "value" in node:
                errors.append(gettext("%(path)s: 运算符 “%(op)s” 不需要取值") % {"path": path, "op": op})
            return
        if "value" not in node:
            errors.append(gettext("%(path)s: 缺少取值 value") % {"path": path})
            return
        value = node["value"]
        if op == "in":
            if not isinstance(value, list) or not value:
                errors.append(gettext("%(path)s: 运算符 “in” 的取值须为非空列表") % {"path": path})
                return
            for index, item in enumerate(value):
                _check_scalar(attr, item, f"{path}.value[{index}]", errors)
        else:
            _check_scalar(attr, value, f"{path}.value", errors)

    # --- evaluation -----------------------------------------------------------------------------------------

    def facts(self, obj) -> dict:
        """The whitelisted attributes of ``obj``, read once: the only input the interpreter sees."""
        return {name: self._read(name, attr, obj) for name, attr in self.attributes.items()}

    def _read(self, name: str, attribute: Attribute, obj):
        if name in self.provided:
            explicit = getattr(obj, name, None)
            if explicit is not None:
                return explicit
        return attribute.read(obj)

    def evaluate(self, condition: dict, facts: dict) -> bool:
        """True when ``facts`` (from ``facts()``) satisfy a validated ``condition``; a missing fact counts as None."""
        if "all" in condition:
            return all(self.evaluate(child, facts) for child in condition["all"])
        if "any" in condition:
            return any(self.evaluate(child, facts) for child in condition["any"])
        if "not" in condition:
            return not self.evaluate(condition["not"], facts)
        attr = self.attributes[condition["attr"]]
        return _compare(attr.kind, condition["op"], facts.get(condition["attr"]), condition.get("value"))

    # --- description ----------------------------------------------------------------------------------------

    def describe(self, condition) -> str:
        """A readable Chinese sentence for a valid condition (shown on rule pages)."""
        if "all" in condition:
            parts = [self.describe(child) for child in condition["all"]]
            return gettext("始终适用") if not parts else (" " + gettext("且") + " ").join(f"({p})" for p in parts)
        if "any" in condition:
            return (" " + gettext("或") + " ").join(f"({self.describe(child)})" for child in condition["any"])
        if "not" in condition:
            return gettext("非") + f"({self.describe(condition['not'])})"
        attr = self.attributes[condition["attr"]]
        text = f"{attr.label} {OPERATOR_LABELS[condition['op']]}"
        if attr.kind != BOOLEAN:
            text += " " + _value_label(attr, condition["value"])
        return text


def _is_number(value) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return value == value and value not in (float("inf"), float("-inf"))
    if isinstance(value, str):
        try:
            return Decimal(value).is_finite()
        except InvalidOperation:
            return False
    return False


def _check_scalar(attr: Attribute, value, path: str, errors: list[str]) -> None:
    if attr.kind == NUMBER:
        if not _is_number(value):
            errors.append(gettext("%(path)s: 取值须为数字") % {"path": path})
            return
        if attr.choices and Decimal(str(value)) not in {Decimal(v) for v in attr.allowed_values()}:
            errors.append(
                gettext("%(path)s: 取值 %(value)s 不在允许范围内 (%(allowed)s)")
                % {"path": path, "value": value, "allowed": ", ".join(str(v) for v in attr.allowed_values())}
            )
    elif attr.kind == CHOICE:
        if not isinstance(value, str):
            errors.append(gettext("%(path)s: 取值须为文本") % {"path": path})
        elif value not in attr.allowed_values():
            errors.append(
                gettext("%(path)s: 取值 “%(value)s” 不在允许范围内 (%(allowed)s)")
                % {"path": path, "value": value, "allowed": ", ".join(attr.allowed_values())}
            )


def _number(value) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _compare(kind: str, op: str, actual, expected) -> bool:
    if kind == BOOLEAN:
        return bool(actual) if op == "is_true" else not actual
    if actual is None or actual == "":
        return op == "ne"
    if kind == NUMBER:
        actual = _number(actual)
        if op == "in":
            return actual in {_number(v) for v in expected}
        expected = _number(expected)
    elif op == "in":
        return actual in expected
    return _COMPARISONS[op](actual, expected)


# Only the asked comparison runs: ordering a choice's text against a value of another type would raise.
_COMPARISONS: dict[str, Callable] = {
    "eq": operator.eq,
    "ne": operator.ne,
    "gt": operator.gt,
    "gte": operator.ge,
    "lt": operator.lt,
    "lte": operator.le,
}


def _value_label(attr: Attribute, value) -> str:
    labels = {str(v): str(label) for v, label in attr.choices}
    if isinstance(value, list):
        return "、".join(labels.get(str(v), str(v)) for v in value)
    return labels.get(str(value), str(value))
