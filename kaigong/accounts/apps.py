from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Users, their roles, and the parties they belong to: departments and organizations."""

    name = "kaigong.accounts"
    label = "accounts"
    verbose_name = "账户与单位"
