from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    """Users, their roles, and the parties they belong to: departments and organizations."""

    name = "kaigong.accounts"
    label = "accounts"
    verbose_name = _("账户与单位")

    def ready(self):
        from kaigong.accounts import lockout, middleware, tokens
        from kaigong.accounts.choices import AccountEvent, UserEvent
        from kaigong.audit.events import register_event_codes

        register_event_codes(AccountEvent, UserEvent)
        lockout.connect_signals()
        tokens.connect_signals()
        middleware.connect_signals()
