"""The office's forms: an organization (complete a credit code a ledger did not give, correct a name) and the aliases
of a dictionary entry."""

from django import forms
from django.utils.translation import gettext_lazy as _

from kaigong.accounts.models import ALIASES_HELP, Organization


class OrganizationForm(forms.ModelForm):
    class Meta:
        model = Organization
        fields = ["name", "credit_code", "kind", "contact_person", "contact_phone", "address"]

    def clean_credit_code(self):
        code = (self.cleaned_data.get("credit_code") or "").strip().upper()
        return code or None


class DictionaryAliasesForm(forms.Form):
    """The aliases of a category, level or department, one a line; the service checks none names another entry."""

    aliases = forms.CharField(
        label=_("别名"),
        required=False,
        help_text=ALIASES_HELP,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
