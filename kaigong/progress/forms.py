"""Forms of a project's progress pages: the monthly report (or its correction) and the office's opening balance.

They parse what people type (amounts as "1,200", "１２００" or "0.12亿元", months as 2024-10) and leave the rules to
progress.services; a service's refusal is put back on its field with kaigong.core.forms.add_service_error.
"""

import datetime as dt

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kaigong.core.money import MoneyError, parse_amount
from kaigong.progress.choices import ProblemKind
from kaigong.progress.services import MAX_PHOTOS, MAX_PROBLEMS

PHOTO_TYPES = "image/jpeg,image/png,image/heic,image/heif,.heic,.heif,.jpg,.jpeg,.png"
BLANK_PROBLEM_ROWS = 3


def parse_month(value: str) -> dt.date | None:
    """'2024-10' (what <input type="month"> sends, and the report's address) → 2024-10-01; None if not a month."""
    try:
        year, month = (int(part) for part in (value or "").strip().split("-"))
        return dt.date(year, month, 1)
    except ValueError:
        return None


class AmountField(forms.CharField):
    """An amount in 万元 typed as people type it; a unit typed after it (亿元, 万元, 元) wins."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 40)
        super().__init__(**kwargs)

    def widget_attrs(self, widget):
        # Text, not a number input: a number input refuses "1,200" and "0.12亿元" before we can read them.
        return {**super().widget_attrs(widget), "inputmode": "decimal", "autocomplete": "off"}

    def clean(self, value):
        value = super().clean(value)
        try:
            amount = parse_amount(value)
        except MoneyError as exc:
            raise forms.ValidationError(exc.message, code="amount") from exc
        if amount is None and self.required:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        return amount


class MonthField(forms.CharField):
    widget = forms.TextInput(attrs={"type": "month"})

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        month = parse_month(value)
        if month is None:
            raise forms.ValidationError(_("月份格式应为 2024-10"), code="month")
        return month


class ProblemRowsWidget(forms.Widget):
    """Rows of (kind, text) sent as repeated ``problem_kind`` / ``problem_text`` inputs (drawn by the template)."""

    def value_from_datadict(self, data, files, name):
        kinds = data.getlist("problem_kind") if hasattr(data, "getlist") else []
        texts = data.getlist("problem_text") if hasattr(data, "getlist") else []
        kinds += [ProblemKind.OTHER] * (len(texts) - len(kinds))
        return list(zip(kinds, texts, strict=False))

    def value_omitted_from_data(self, data, files, name):
        return "problem_text" not in data


class ProblemRowsField(forms.Field):
    """存在问题及需协调事项: several rows; blank rows are ignored."""

    widget = ProblemRowsWidget

    def clean(self, value):
        rows = []
        for kind, text in value or []:
            text = (text or "").strip()
            if not text:
                continue
            if kind not in ProblemKind.values:
                raise forms.ValidationError(_("请选择问题类型"), code="kind")
            rows.append((kind, text))
        if len(rows) > MAX_PROBLEMS:
            raise forms.ValidationError(_("每份月报最多 %(max)s 条问题"), code="too_many", params={"max": MAX_PROBLEMS})
        return rows


class MultiplePhotoInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several site photos in one input; each is checked by progress.photos.process_photo in the view."""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", MultiplePhotoInput(attrs={"accept": PHOTO_TYPES}))
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        files = [super(PhotosField, self).clean(item, initial) for item in files if item]
        if len(files) > MAX_PHOTOS:
            raise forms.ValidationError(_("每份月报最多 %(max)s 张照片"), code="too_many", params={"max": MAX_PHOTOS})
        return files


class ReportForm(forms.Form):
    """A month's report (报送), the edit of one not yet accepted, or, with ``correction=True``, the correction of an
    accepted one (更正), which needs a reason."""

    month = forms.CharField(required=False, widget=forms.HiddenInput)  # in the address; here for the month's errors
    monthly_investment = AmountField(
        label=_("本月完成投资(万元)"), help_text=_("可填 1,200、１２００ 或 0.12亿元;无投资填 0")
    )
    visible_progress = forms.CharField(
        label=_("形象进度"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("简述本月完成的主要工程内容"),
    )
    visible_stage = forms.ChoiceField(label=_("形象进度阶段"), required=False)
    registered_in_statistics = forms.BooleanField(label=_("已入库纳统"), required=False)
    statistics_registered_on = forms.DateField(
        label=_("入库纳统日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    problems = ProblemRowsField(label=_("存在问题及需协调事项"), required=False)
    photos = PhotosField(
        label=_("现场照片"), required=False, help_text=_("可多选;JPEG、PNG 或 HEIC,拍摄时间和地点从照片中读取")
    )
    reason = forms.CharField(label=_("更正原因"), max_length=300, required=False)

    def __init__(self, *args, visible_stages=(), correction: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.correction = correction
        stages = list(visible_stages)
        current = self.initial.get("visible_stage")
        if current and current not in stages:  # a stage since removed from the list stays readable
            stages.append(current)
        self.fields["visible_stage"].choices = [("", gettext("请选择")), *[(stage, stage) for stage in stages]]
        if correction:
            self.fields["reason"].required = True
            self.fields["reason"].help_text = _("已审核的月报更正后将重新审核,原版本保留")
        else:
            del self.fields["reason"]

    def problem_rows(self) -> list[tuple[str, str]]:
        """The rows to draw: what was sent (kept after an error), then blank rows to fill."""
        widget = self.fields["problems"].widget
        sent = widget.value_from_datadict(self.data, self.files, "problems") if self.is_bound else []
        sent = [(kind, text) for kind, text in sent if (text or "").strip()]
        return sent + [(ProblemKind.OTHER, "")] * BLANK_PROBLEM_ROWS

    def service_data(self) -> dict:
        data = self.cleaned_data
        return {
            "monthly_investment": data["monthly_investment"],
            "visible_progress": data["visible_progress"],
            "visible_stage": data["visible_stage"],
            "registered_in_statistics": data["registered_in_statistics"],
            "statistics_registered_on": data["statistics_registered_on"],
        }


class OpeningBalanceForm(forms.Form):
    """开工以来累计 before the first report in Kaigong (a 续建 project started years ago), typed once by the office."""

    opening_cumulative = AmountField(label=_("期初开工以来累计完成投资(万元)"))
    opening_month = MonthField(
        label=_("截至月份"), required=False, help_text=_("该累计截至的月份(含);之后的月报在此基础上累加")
    )
