"""Forms of the plan pages: they parse input; the services decide and write."""

from django import forms
from django.utils.translation import gettext_lazy


class PlanItemForm(forms.Form):
    """The whole editable state of one plan item; the service records only what changed."""

    item = forms.IntegerField(widget=forms.HiddenInput)
    duration_workdays = forms.IntegerField(
        label=gettext_lazy("预计用时(工作日)"), required=False, min_value=0, max_value=999
    )
    target_start = forms.DateField(
        label=gettext_lazy("目标开始"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    target_finish = forms.DateField(
        label=gettext_lazy("目标完成"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    reason = forms.CharField(label=gettext_lazy("调整原因"), max_length=300, required=False)
