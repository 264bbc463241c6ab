"""The demo city's password: published (README, `kaigong load-demo`), so never to be kept outside the demo."""

from django.conf import settings
from django.utils.crypto import constant_time_compare

DEMO_PASSWORD = "kaigong-demo-2024"


def is_demo_password(raw_password: str) -> bool:
    return constant_time_compare(raw_password or "", DEMO_PASSWORD)


def demo_password_allowed() -> bool:
    """In the demo city (KAIGONG_DEMO, set by `make demo`) or in development, the demo password may be kept."""
    return settings.DEBUG or settings.KAIGONG_DEMO
