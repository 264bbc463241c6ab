from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """Shared domain primitives: money, codes, Chinese text, API conventions."""

    name = "kaigong.core"
    label = "core"
    verbose_name = _("核心")

    def ready(self):
        from kaigong.core import (
            checks,  # noqa: F401  (registers the deployment checks)
            documents,  # noqa: F401  (registers the CJK font check, kaigong.W101)
        )
