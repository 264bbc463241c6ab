"""Deployment checks of Kaigong's own, run by `kaigong check --deploy`."""

from django.conf import settings
from django.core.checks import Tags, Warning, register

DEVELOPMENT_SECRET_KEY_PREFIX = "kaigong-insecure-development-key"


@register(Tags.security, deploy=True)
def check_secret_key_is_set(app_configs, **kwargs):
    if settings.SECRET_KEY.startswith(DEVELOPMENT_SECRET_KEY_PREFIX):
        return [
            Warning(
                "SECRET_KEY is the development default; set a long random SECRET_KEY in the environment.",
                id="kaigong.W001",
            )
        ]
    return []
