from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    """Users, their roles, and the parties they belong to: departments and organizations."""

    name = "kaigong.accounts"
    label = "accounts"
    verbose_name = _("账户与单位")
