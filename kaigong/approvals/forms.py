"""Forms of the approvals pages: they parse input; the services decide and write."""

import json

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kaigong.approvals.choices import Decision, ItemAction
from kaigong.approvals.models import ApprovalMatter, ChecklistRule
from kaigong.approvals.services import MATTER_FIELDS


class ApprovalMatterForm(forms.ModelForm):
    class Meta:
        model = ApprovalMatter
        fields = [*MATTER_FIELDS, "prerequisites"]
        widgets = {
            "legal_basis": forms.Textarea(attrs={"rows": 2}),
            "required_materials": forms.Textarea(attrs={"rows": 4}),
            "prerequisites": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        queryset = ApprovalMatter.objects.order_by("approval_stage", "sort_order")
        if self.instance.pk:
            queryset = queryset.exclude(pk=self.instance.pk)
        self.fields["prerequisites"].queryset = queryset

    def service_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in MATTER_FIELDS}

    def prerequisites(self):
        return list(self.cleaned_data["prerequisites"])


class PrettyJSONField(forms.JSONField):
    def prepare_value(self, value):
        if isinstance(value, str):
            return value
        return json.dumps(value, ensure_ascii=False, indent=2)


class ChecklistRuleForm(forms.ModelForm):
    """The condition is typed as JSON; the model's clean() reports every problem with its path."""

    condition = PrettyJSONField(
        label=_("适用条件"),
        widget=forms.Textarea(attrs={"rows": 10, "spellcheck": "false", "class": "mono"}),
        help_text=_(
            'JSON:{"all": [...]}、{"any": [...]}、{"not": {...}} 或 {"attr": 属性, "op": 运算符, "value": 取值}'
        ),
    )

    class Meta:
        model = ChecklistRule
        fields = ["name", "matter", "condition", "description", "is_active"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def service_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class ItemActionForm(forms.Form):
    action = forms.ChoiceField(choices=ItemAction.choices, widget=forms.HiddenInput)
    on = forms.DateField(label=_("日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label=_("原因/说明"), max_length=300, required=False)
    decision = forms.ChoiceField(label=_("办理结果"), choices=[("", "—"), *Decision.choices], required=False)
    document_number = forms.CharField(label=_("文号"), max_length=100, required=False)
    use_commitment = forms.BooleanField(label=_("告知承诺制办理"), required=False)

    def clean_on(self):
        return self.cleaned_data["on"] or timezone.localdate()
