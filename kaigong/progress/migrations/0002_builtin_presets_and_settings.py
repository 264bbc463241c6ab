"""The published warning presets (Wuhan, Yinchuan 2025) and the settings row, Yinchuan active.

The presets are copied here as they stand today, so the migration keeps its meaning when the module's presets change.
"""

from django.db import migrations

PRESETS = [
    {
        "code": "wuhan",
        "name": "武汉:完成率对照序时进度",
        "description": "完成率低于序时进度的80%亮黄牌,低于60%亮红牌;当月未报送亮黄灯。",
        "rules": [
            {
                "code": "below_60_percent",
                "label": "完成率低于序时进度的60%",
                "label_en": "Completion below 60% of time progress",
                "level": "red",
                "when": {"attr": "percent_of_time_progress", "op": "lt", "value": 60},
            },
            {
                "code": "below_80_percent",
                "label": "完成率低于序时进度的80%",
                "label_en": "Completion below 80% of time progress",
                "level": "yellow",
                "when": {
                    "all": [
                        {"attr": "percent_of_time_progress", "op": "lt", "value": 80},
                        {"attr": "percent_of_time_progress", "op": "gte", "value": 60},
                    ]
                },
            },
            {
                "code": "not_reported",
                "label": "当月未报送进度",
                "label_en": "No progress report for the month",
                "level": "yellow",
                "when": {"attr": "not_reported", "op": "is_true"},
            },
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
                "level": "red",
                "when": {"attr": "gap_points", "op": "lt", "value": -30},
            },
            {
                "code": "behind_10_30",
                "label": "低于序时进度10–30个百分点",
                "label_en": "10–30 points behind time progress",
                "level": "yellow",
                "when": {
                    "all": [
                        {"attr": "gap_points", "op": "lte", "value": -10},
                        {"attr": "gap_points", "op": "gte", "value": -30},
                    ]
                },
            },
            {
                "code": "not_started_3_months",
                "label": "超过计划开工月份3个月未开工",
                "label_en": "Not started 3 months after the planned month",
                "level": "red",
                "when": {"attr": "months_past_planned_start", "op": "gte", "value": 3},
            },
            {
                "code": "not_started",
                "label": "计划开工月份已过未开工",
                "label_en": "Not started after the planned month",
                "level": "yellow",
                "when": {
                    "all": [
                        {"attr": "months_past_planned_start", "op": "gte", "value": 1},
                        {"attr": "months_past_planned_start", "op": "lt", "value": 3},
                    ]
                },
            },
            {
                "code": "unregistered_2_months",
                "label": "开工2个月未入库纳统",
                "label_en": "Not registered in the statistics 2 months after the start",
                "level": "red",
                "when": {"attr": "months_unregistered", "op": "gte", "value": 2},
            },
            {
                "code": "unregistered_1_month",
                "label": "开工1个月未入库纳统",
                "label_en": "Not registered in the statistics 1 month after the start",
                "level": "yellow",
                "when": {"attr": "months_unregistered", "op": "eq", "value": 1},
            },
            {
                "code": "not_reported",
                "label": "当月未报送进度",
                "label_en": "No progress report for the month",
                "level": "yellow",
                "when": {"attr": "not_reported", "op": "is_true"},
            },
        ],
    },
]


def create(apps, schema_editor):
    WarningPreset = apps.get_model("progress", "WarningPreset")
    ProgressSettings = apps.get_model("progress", "ProgressSettings")
    presets = {}
    for preset in PRESETS:
        presets[preset["code"]], _created = WarningPreset.objects.get_or_create(
            code=preset["code"],
            defaults={
                "name": preset["name"],
                "description": preset["description"],
                "rules": preset["rules"],
                "is_builtin": True,
            },
        )
    ProgressSettings.objects.get_or_create(pk=1, defaults={"active_preset": presets["yinchuan"]})


def remove(apps, schema_editor):
    apps.get_model("progress", "ProgressSettings").objects.filter(pk=1).delete()
    apps.get_model("progress", "WarningPreset").objects.filter(is_builtin=True).delete()


class Migration(migrations.Migration):
    dependencies = [("progress", "0001_initial")]

    operations = [migrations.RunPython(create, remove)]
