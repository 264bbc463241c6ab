"""The office's form of an organization: complete a credit code a ledger did not give, correct a name."""

from django import forms

from kaigong.accounts.models import Organization


class OrganizationForm(forms.ModelForm):
    class Meta:
        model = Organization
        fields = ["name", "credit_code", "kind", "contact_person", "contact_phone", "address"]

    def clean_credit_code(self):
        code = (self.cleaned_data.get("credit_code") or "").strip().upper()
        return code or None
