"""Forms of the workday calendar pages: parsing only; the rules live in services and sources."""

from django import forms
from django.utils.translation import gettext_lazy as _

from kaigong.workdays.choices import DayKind
from kaigong.workdays.models import MAX_YEAR, MIN_YEAR


class DateInput(forms.DateInput):
    input_type = "date"


class AddWorkdaysForm(forms.Form):
    """The Nth working day after a date (受理日 + 时限)."""

    start = forms.DateField(label=_("起算日(受理日)"), widget=DateInput)
    n = forms.IntegerField(label=_("工作日数"), min_value=0, max_value=10000)


class CountWorkdaysForm(forms.Form):
    """Working days after a start date up to and including an end date."""

    start = forms.DateField(label=_("起算日"), widget=DateInput)
    end = forms.DateField(label=_("截止日"), widget=DateInput)


class CalendarYearCreateForm(forms.Form):
    year = forms.IntegerField(label=_("年份"), min_value=MIN_YEAR, max_value=MAX_YEAR)
    notice = forms.CharField(label=_("依据"), max_length=200, required=False)


class CalendarYearUpdateForm(forms.Form):
    is_complete = forms.BooleanField(label=_("已完整载入(用于工作日计算)"), required=False)
    notice = forms.CharField(label=_("依据"), max_length=200, required=False)


class CalendarDayForm(forms.Form):
    date = forms.DateField(label=_("日期"), widget=DateInput)
    kind = forms.ChoiceField(label=_("类型"), choices=DayKind.choices)
    name = forms.CharField(label=_("名称"), max_length=100, required=False)


class ScheduleUploadForm(forms.Form):
    file = forms.FileField(label=_("节假日安排文件"), help_text=_("CSV(date,kind,name)或 JSON;一个文件只含一年的日期"))
    replace = forms.BooleanField(label=_("替换已有日历"), required=False)
