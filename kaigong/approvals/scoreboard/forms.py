"""The scoreboard's period and department, shared by its page, its workbook and its API view."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy

from kaigong.accounts.models import Department
from kaigong.approvals.scoreboard.board import default_period

MAX_DAYS = 366 * 10


class ScoreboardForm(forms.Form):
    start = forms.DateField(
        label=gettext_lazy("办结日期自"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(label=gettext_lazy("至"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    department = forms.ModelChoiceField(
        label=gettext_lazy("审批部门"),
        queryset=Department.objects.filter(approval_matters__isnull=False).distinct().order_by("sort_order", "name"),
        required=False,
    )

    def clean(self):
        data = super().clean()
        today = timezone.localdate()
        default_start, default_end = default_period(today)
        data["start"] = data.get("start") or default_start
        data["end"] = data.get("end") or default_end
        if data["start"] > data["end"]:
            raise forms.ValidationError(gettext_lazy("开始日期不能晚于结束日期"))
        if (data["end"] - data["start"]).days > MAX_DAYS:
            raise forms.ValidationError(gettext_lazy("统计区间最长十年"))
        return data

    def board_arguments(self) -> dict:
        """The valid form as get_scoreboard's keyword arguments (period and department)."""
        department = self.cleaned_data.get("department")
        return {
            "start": self.cleaned_data["start"],
            "end": self.cleaned_data["end"],
            "department_id": department.pk if department else None,
        }
