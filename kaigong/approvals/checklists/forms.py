"""Forms of the checklist pages: they parse input; the services decide and write."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kaigong.approvals.choices import Decision, ItemAction


class ItemActionForm(forms.Form):
    action = forms.ChoiceField(choices=ItemAction.choices, widget=forms.HiddenInput)
    on = forms.DateField(label=_("日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label=_("原因/说明"), max_length=300, required=False)
    decision = forms.ChoiceField(label=_("办理结果"), choices=[("", "—"), *Decision.choices], required=False)
    document_number = forms.CharField(label=_("文号"), max_length=100, required=False)
    use_commitment = forms.BooleanField(label=_("告知承诺制办理"), required=False)

    def clean_on(self):
        return self.cleaned_data["on"] or timezone.localdate()
