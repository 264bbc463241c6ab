from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Shared domain primitives: money, codes, Chinese text, API conventions."""

    name = "kaigong.core"
    label = "core"
    verbose_name = "核心"
