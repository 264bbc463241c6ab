"""Forms of the office's pages: the month picker, the settings, a warning preset's editor, the review's return
reason and the lights' refresh. They parse input; the services validate and write."""

import datetime as dt
import json

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kaigong.progress import aggregations, rules
from kaigong.progress.models import ProgressSettings, WarningPreset

MONTH_FORMAT = "%Y-%m"


def parse_month(raw: str | None) -> dt.date | None:
    """'2024-10' → 2024-10-01; None when empty or not a month."""
    if not raw:
        return None
    try:
        return dt.datetime.strptime(raw.strip(), MONTH_FORMAT).date()
    except ValueError:
        return None


class MonthField(forms.DateField):
    """A month as ``<input type="month">`` sends it (2024-10), kept as the month's first day."""

    widget = forms.DateInput(attrs={"type": "month"}, format=MONTH_FORMAT)
    input_formats = [MONTH_FORMAT]


GROUP_LABELS = {
    "category": _("项目类别"),
    "level": _("项目级别"),
    "department": _("责任单位"),
    "township": _("所在乡镇(街道)"),
    "batch": _("开工批次"),
}


class GroupForm(forms.Form):
    """The aggregation table's grouping (aggregations.GROUPS)."""

    group = forms.ChoiceField(
        label=_("分组"), choices=[(name, GROUP_LABELS[name]) for name in aggregations.GROUPS], required=False
    )


class ReturnReportForm(forms.Form):
    reason = forms.CharField(label=_("退回原因"), max_length=300)


class ProgressSettingsForm(forms.ModelForm):
    """The office's settings; the visible-progress stages one per line."""

    visible_stages = forms.CharField(
        label=_("形象进度阶段"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("每行一个阶段,按先后顺序"),
    )

    class Meta:
        model = ProgressSettings
        fields = [
            "window_opens_on_day",
            "window_closes_on_day",
            "remind_days_before_close",
            "time_progress_counts_reporting_month",
            "reviewer",
            "unusual_month_factor",
            "stalled_months",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["visible_stages"] = "\n".join(self.instance.visible_stages or [])

    def clean_visible_stages(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["visible_stages"].splitlines() if line.strip()]

    def _post_clean(self):
        # The service validates the row (full_clean) and saves it; the form only parses.
        pass

    def settings_data(self) -> dict:
        return {
            **{name: self.cleaned_data[name] for name in self.Meta.fields},
            "visible_stages": self.cleaned_data["visible_stages"],
        }


class WarningPresetForm(forms.Form):
    """A preset's code, name, description and rules as JSON; the rules are checked here so every error is listed
    with its path, and the service checks them again before saving."""

    code = forms.SlugField(label=_("代码"), max_length=40)
    name = forms.CharField(label=_("名称"), max_length=100)
    description = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    rules = forms.CharField(
        label=_("规则(JSON)"),
        widget=forms.Textarea(attrs={"rows": 18, "spellcheck": "false", "class": "code"}),
        help_text=_('每条规则: {"code", "label", "level": "yellow"|"red", "when": 条件}'),
    )

    def __init__(self, *args, preset: WarningPreset | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.preset = preset
        if preset is not None and not self.is_bound:
            self.initial.update(
                code=preset.code,
                name=preset.name,
                description=preset.description,
                rules=json.dumps(preset.rules, ensure_ascii=False, indent=2),
            )

    def clean_code(self) -> str:
        code = self.cleaned_data["code"]
        others = WarningPreset.objects.filter(code=code)
        if self.preset is not None:
            others = others.exclude(pk=self.preset.pk)
        if others.exists():
            raise ValidationError(gettext("代码“%(code)s”已被其他预警方案使用") % {"code": code})
        return code

    def clean_rules(self) -> list:
        raw = self.cleaned_data["rules"]
        try:
            rule_list = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ValidationError(
                gettext("不是有效的 JSON: 第%(line)s行第%(column)s列, %(error)s")
                % {"line": exc.lineno, "column": exc.colno, "error": exc.msg}
            ) from exc
        errors = rules.rules_errors(rule_list)
        if errors:
            raise ValidationError(errors)
        return rule_list


class RefreshLightsForm(forms.Form):
    month = MonthField(label=_("月份"))
