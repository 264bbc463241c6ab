from django.apps import AppConfig


class AuditConfig(AppConfig):
    """The audit trail: one typed, immutable event for every change, written in the change's transaction."""

    name = "kaigong.audit"
    label = "audit"
    verbose_name = "审计日志"
