"""The checklist rules' condition language: kaigong.core.conditions (validated and interpreted, never evaluated as
code) over the project attributes a checklist rule may read (``ATTRIBUTES``).

A condition is JSON data: ``{"all": [...]}``, ``{"any": [...]}``, ``{"not": c}`` or a leaf
``{"attr": NAME, "op": OP, "value": V}`` comparing one whitelisted project attribute; the core module's docstring
states the operators and what an attribute that is not filled in satisfies. The module-level functions are the
names the rest of approvals (and heritage, which provides a fact through ``register_attribute``) use.
"""

from __future__ import annotations

from collections.abc import Callable

from django.utils.translation import gettext_lazy as _

from kaigong.core.conditions import (
    BOOLEAN,
    CHOICE,
    MAX_DEPTH,
    NUMBER,
    OPERATOR_LABELS,
    OPERATORS,
    Attribute,
    ConditionLanguage,
)
from kaigong.projects.choices import EiaCategory, LandSource, ProjectClass, ReviewRegime, Stage

__all__ = [
    "ATTRIBUTES",
    "BOOLEAN",
    "CHOICE",
    "LANGUAGE",
    "MAX_DEPTH",
    "NUMBER",
    "OPERATORS",
    "OPERATOR_LABELS",
    "Attribute",
    "attribute_options",
    "condition_errors",
    "describe",
    "evaluate",
    "project_facts",
    "register_attribute",
    "validate_condition",
]


def _field(name: str) -> Callable:
    return lambda project: getattr(project, name, None)


ATTRIBUTES: dict[str, Attribute] = {
    "review_regime": Attribute(_("审批方式"), CHOICE, _field("review_regime"), tuple(ReviewRegime.choices)),
    "project_class": Attribute(_("审批流程类型"), NUMBER, _field("project_class"), tuple(ProjectClass.choices)),
    "land_source": Attribute(_("用地来源"), CHOICE, _field("land_source"), tuple(LandSource.choices)),
    "eia_category": Attribute(_("环评类别"), CHOICE, _field("eia_category"), tuple(EiaCategory.choices)),
    "stage": Attribute(_("项目阶段"), CHOICE, _field("stage"), tuple(Stage.choices)),
    "annual_energy_use": Attribute(_("年综合能耗(吨标准煤)"), NUMBER, _field("annual_energy_use")),
    "building_area": Attribute(_("总建筑面积(平方米)"), NUMBER, _field("building_area")),
    "total_investment": Attribute(_("总投资(万元)"), NUMBER, _field("total_investment")),
    "is_simple_low_risk": Attribute(_("简易低风险项目"), BOOLEAN, _field("is_simple_low_risk")),
}
# The language reads ATTRIBUTES live: the facts the apps built on approvals register (heritage: in a construction
# control zone) join the whitelist.
LANGUAGE = ConditionLanguage(ATTRIBUTES)


def register_attribute(name: str, attribute: Attribute) -> None:
    """Let another app provide a fact the rules may read (from its AppConfig.ready; replaced by ``name`` when
    ready() runs twice). The rule engine asks it and never imports that app: heritage builds on approvals, so
    approvals cannot import heritage. A value set on the project object itself under ``name`` (precomputed in
    bulk, or in tests) wins over the provider."""
    LANGUAGE.register(name, attribute)


def attribute_options() -> list[dict]:
    """The whitelist for forms, the API and docs: name, label, kind, operators and allowed values."""
    return LANGUAGE.options()


def condition_errors(condition) -> list[str]:
    """Every problem of ``condition``, each starting with its path (``条件.all[1].value``); empty when valid."""
    return LANGUAGE.errors(condition)


def validate_condition(condition) -> None:
    """Raise ValidationError listing every problem with its path."""
    LANGUAGE.validate(condition)


def project_facts(project) -> dict:
    """The whitelisted attributes of ``project``, read once: the only input the interpreter sees."""
    return LANGUAGE.facts(project)


def evaluate(condition: dict, facts: dict) -> bool:
    """True when ``facts`` (from project_facts) satisfy a validated ``condition``."""
    return LANGUAGE.evaluate(condition, facts)


def describe(condition) -> str:
    """A readable Chinese sentence for a valid condition (shown on rule pages)."""
    return LANGUAGE.describe(condition)
