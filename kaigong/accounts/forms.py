"""The accounts' forms: logging in, changing one's password, and the office's form of an organization (complete a
credit code a ledger did not give, correct a name)."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.utils.translation import gettext_lazy as _

from kaigong.accounts.models import Organization
from kaigong.accounts.passwords import demo_password_allowed, is_demo_password


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("用户名或密码不正确。"),
        "inactive": _("该账号已停用。"),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("用户名")
        self.fields["password"].label = _("密码")
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "autofocus": True})
        self.fields["password"].widget = forms.PasswordInput(attrs={"autocomplete": "current-password"})


class KaigongPasswordChangeForm(PasswordChangeForm):
    """Django's password change (old password, new one twice, checked by AUTH_PASSWORD_VALIDATORS), labelled in
    Chinese."""

    error_messages = {
        "password_incorrect": _("原密码不正确，请重新输入。"),
        "password_mismatch": _("两次输入的新密码不一致。"),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["old_password"].label = _("原密码")
        self.fields["new_password1"].label = _("新密码")
        self.fields["new_password2"].label = _("再次输入新密码")

    def clean_new_password1(self):
        password = self.cleaned_data.get("new_password1", "")
        if is_demo_password(password) and not demo_password_allowed():
            raise forms.ValidationError(_("不能使用公开的演示密码。"), code="demo_password")
        return password


class OrganizationForm(forms.ModelForm):
    class Meta:
        model = Organization
        fields = ["name", "credit_code", "kind", "contact_person", "contact_phone", "address"]

    def clean_credit_code(self):
        code = (self.cleaned_data.get("credit_code") or "").strip().upper()
        return code or None
