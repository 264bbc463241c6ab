"""Forms of the catalogue pages: they parse input; the services decide and write."""

import json

from django import forms
from django.utils.translation import gettext_lazy as _

from kaigong.approvals.catalogue.services import MATTER_FIELDS
from kaigong.approvals.models import ApprovalMatter, ChecklistRule


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
