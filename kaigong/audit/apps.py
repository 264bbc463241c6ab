from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    """The audit trail: one typed, immutable event for every change, written in the change's transaction."""

    name = "kaigong.audit"
    label = "audit"
    verbose_name = _("审计日志")
