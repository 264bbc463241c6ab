"""The warning-light rules (一套机制): presets as validated data over the monthly measures, never code.

A preset (WarningPreset.rules) is a list of rules; each rule is

    {"code": "behind_30", "label": "低于序时进度30个百分点以上", "level": "red", "when": CONDITION}

(and, optionally, ``"label_en"``: the reason as the English pages show it)

where CONDITION is the condition language of kaigong.core.conditions (all / any / not over leaves
``{"attr", "op", "value"}``) over the measures below. A project's light is the highest level among the rules it
meets, green when it meets none; the rules it meets are its reasons, shown on every page that shows the light.

Measures the rules read (progress.measures; rates in percent, as people write them):

- ``completion_rate``: 完成率, %; ``time_progress``: 序时进度, %; ``gap_points``: 完成率 − 序时进度, percentage points
  (negative when behind); ``percent_of_time_progress``: 完成率 as a % of 序时进度 (Wuhan's measure);
- ``not_reported``: the month's report is missing after its window closed;
- ``months_past_planned_start``: months since the planned start month while not started (None once started);
- ``months_unregistered``: months since the start while not registered in the statistics (None once registered);
- ``stage``: the project's stage.

A measure that does not apply (no annual plan, not started) is None and meets only ``ne``, as in the checklist rules.
The built-in presets are the published rules (DOMAIN.md §1 item 7): Wuhan and Yinchuan 2025, each with "not reported".
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kaigong.core.conditions import BOOLEAN, CHOICE, NUMBER, Attribute, ConditionLanguage
from kaigong.progress.choices import LEVEL_RANK, WarningLevel
from kaigong.projects.choices import Stage


def _fact(name: str):
    return lambda facts: facts.get(name)


ATTRIBUTES: dict[str, Attribute] = {
    "completion_rate": Attribute(_("完成率(%)"), NUMBER, _fact("completion_rate")),
    "time_progress": Attribute(_("序时进度(%)"), NUMBER, _fact("time_progress")),
    "gap_points": Attribute(_("与序时进度差(百分点)"), NUMBER, _fact("gap_points")),
    "percent_of_time_progress": Attribute(_("完成率占序时进度(%)"), NUMBER, _fact("percent_of_time_progress")),
    "not_reported": Attribute(_("当月未报送"), BOOLEAN, _fact("not_reported")),
    "months_past_planned_start": Attribute(_("超过计划开工月份未开工(月)"), NUMBER, _fact("months_past_planned_start")),
    "months_unregistered": Attribute(_("开工后未入库纳统(月)"), NUMBER, _fact("months_unregistered")),
    "stage": Attribute(_("项目阶段"), CHOICE, _fact("stage"), tuple(Stage.choices)),
}
LANGUAGE = ConditionLanguage(ATTRIBUTES)
MAX_RULES = 50
RULE_KEYS = {"code", "label", "level", "when"}
OPTIONAL_KEYS = {"label_en"}  # the reason in English, for the English pages (the label when absent)
LEVELS = (WarningLevel.YELLOW, WarningLevel.RED)


def rules_errors(rules) -> list[str]:
    """Every problem of a preset's rule list, each with its path (``规则[2].when.all[0].value``); empty when valid."""
    if not isinstance(rules, list):
        return [gettext("规则须为列表")]
    errors: list[str] = []
    if len(rules) > MAX_RULES:
        errors.append(gettext("规则最多 %(max)s 条") % {"max": MAX_RULES})
    codes: set[str] = set()
    for index, rule in enumerate(rules):
        path = gettext("规则[%(index)s]") % {"index": index + 1}
        if not isinstance(rule, dict):
            errors.append(gettext("%(path)s: 须为 JSON 对象") % {"path": path})
            continue
        missing = sorted(RULE_KEYS - set(rule))
        extra = sorted(set(rule) - RULE_KEYS - OPTIONAL_KEYS)
        if missing:
            errors.append(gettext("%(path)s: 缺少 %(keys)s") % {"path": path, "keys": ", ".join(missing)})
        if extra:
            errors.append(gettext("%(path)s: 未知的键 %(keys)s") % {"path": path, "keys": ", ".join(extra)})
        code = rule.get("code")
        if "code" in rule:
            if not isinstance(code, str) or not code.strip() or len(code) > 40:
                errors.append(gettext("%(path)s: code 须为不超过40字的文字") % {"path": path})
            elif code in codes:
                errors.append(gettext("%(path)s: code “%(code)s” 重复") % {"path": path, "code": code})
            else:
                codes.add(code)
        label = rule.get("label")
        if "label" in rule and (not isinstance(label, str) or not label.strip() or len(label) > 100):
            errors.append(gettext("%(path)s: label 须为不超过100字的文字") % {"path": path})
        label_en = rule.get("label_en")
        if "label_en" in rule and (not isinstance(label_en, str) or len(label_en) > 200):
            errors.append(gettext("%(path)s: label_en 须为不超过200字的文字") % {"path": path})
        if "level" in rule and rule["level"] not in LEVELS:
            errors.append(gettext("%(path)s: level 须为 yellow 或 red") % {"path": path})
        if "when" in rule:
            errors.extend(f"{path}.when: {message}" for message in LANGUAGE.errors(rule["when"]))
    return errors


def validate_rules(rules) -> None:
    errors = rules_errors(rules)
    if errors:
        raise ValidationError(errors)


def light(rules: list[dict], facts: dict) -> tuple[str, list[dict]]:
    """(level, reasons) of one project: the highest level among the rules met (green when none), and those rules as
    ``{"code", "label", "label_en", "level"}``, red first."""
    met = [
        {"code": rule["code"], "label": rule["label"], "label_en": rule.get("label_en", ""), "level": rule["level"]}
        for rule in rules
        if LANGUAGE.evaluate(rule["when"], facts)
    ]
    if not met:
        return WarningLevel.GREEN, []
    met.sort(key=lambda reason: -LEVEL_RANK[reason["level"]])
    return met[0]["level"], met


def describe_rule(rule: dict) -> str:
    return LANGUAGE.describe(rule["when"])


def attribute_options() -> list[dict]:
    return LANGUAGE.options()


def _leaf(attr: str, op: str, value=None) -> dict:
    leaf = {"attr": attr, "op": op}
    if value is not None:
        leaf["value"] = value
    return leaf


NOT_REPORTED = {
    "code": "not_reported",
    "label": "当月未报送进度",
    "label_en": "No progress report for the month",
    "level": WarningLevel.YELLOW,
    "when": _leaf("not_reported", "is_true"),
}

# The published presets (DOMAIN.md §1 item 7). Labels are data in the presets' own language, edited by the office.
BUILTIN_PRESETS: list[dict] = [
    {
        "code": "wuhan",
        "name": "武汉:完成率对照序时进度",
        "description": "完成率低于序时进度的80%亮黄牌,低于60%亮红牌;当月未报送亮黄灯。",
        "rules": [
            {
                "code": "below_60_percent",
                "label": "完成率低于序时进度的60%",
                "label_en": "Completion below 60% of time progress",
                "level": WarningLevel.RED,
                "when": _leaf("percent_of_time_progress", "lt", 60),
            },
            {
                "code": "below_80_percent",
                "label": "完成率低于序时进度的80%",
                "label_en": "Completion below 80% of time progress",
                "level": WarningLevel.YELLOW,
                "when": {
                    "all": [
                        _leaf("percent_of_time_progress", "lt", 80),
                        _leaf("percent_of_time_progress", "gte", 60),
                    ]
                },
            },
            NOT_REPORTED,
        ],
    },
    {
        "code": "yinchuan",
        "name": "银川2025:序时进度、开工和入库纳统",
        "description": (
            "投资低于序时进度10–30个百分点亮黄灯,超过30个百分点亮红灯;计划开工月份已过未开工亮黄灯,"
            "满3个月亮红灯;开工1个月未入库纳统亮黄灯,满2个月亮红灯;当月未报送亮黄灯。"
        ),
        "rules": [
            {
                "code": "behind_over_30",
                "label": "低于序时进度30个百分点以上",
                "label_en": "More than 30 points behind time progress",
                "level": WarningLevel.RED,
                "when": _leaf("gap_points", "lt", -30),
            },
            {
                "code": "behind_10_30",
                "label": "低于序时进度10–30个百分点",
                "label_en": "10–30 points behind time progress",
                "level": WarningLevel.YELLOW,
                "when": {"all": [_leaf("gap_points", "lte", -10), _leaf("gap_points", "gte", -30)]},
            },
            {
                "code": "not_started_3_months",
                "label": "超过计划开工月份3个月未开工",
                "label_en": "Not started 3 months after the planned month",
                "level": WarningLevel.RED,
                "when": _leaf("months_past_planned_start", "gte", 3),
            },
            {
                "code": "not_started",
                "label": "计划开工月份已过未开工",
                "label_en": "Not started after the planned month",
                "level": WarningLevel.YELLOW,
                "when": {
                    "all": [_leaf("months_past_planned_start", "gte", 1), _leaf("months_past_planned_start", "lt", 3)]
                },
            },
            {
                "code": "unregistered_2_months",
                "label": "开工2个月未入库纳统",
                "label_en": "Not registered in the statistics 2 months after the start",
                "level": WarningLevel.RED,
                "when": _leaf("months_unregistered", "gte", 2),
            },
            {
                "code": "unregistered_1_month",
                "label": "开工1个月未入库纳统",
                "label_en": "Not registered in the statistics 1 month after the start",
                "level": WarningLevel.YELLOW,
                "when": _leaf("months_unregistered", "eq", 1),
            },
            NOT_REPORTED,
        ],
    },
]
DEFAULT_PRESET = "yinchuan"
