from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Shared domain primitives: money, codes, Chinese text, API conventions."""

    name = "kaigong.core"
    label = "core"
    verbose_name = "核心"

    def ready(self):
        from kaigong.core import checks  # noqa: F401  (registers the deployment checks)
