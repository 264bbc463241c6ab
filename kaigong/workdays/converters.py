"""The ``isodate`` URL converter (YYYY-MM-DD ↔ date), registered once for the page and API URLs."""

import datetime as dt

from django.urls import converters as django_converters
from django.urls import register_converter


class IsoDateConverter:
    regex = r"\d{4}-\d{2}-\d{2}"

    def to_python(self, value: str) -> dt.date:
        try:
            return dt.date.fromisoformat(value)
        except ValueError as exc:  # 2025-02-30: no such page
            raise ValueError(value) from exc

    def to_url(self, value) -> str:
        return value.isoformat() if isinstance(value, dt.date) else str(value)


def register() -> None:
    """Register ``<isodate:…>`` once, whichever of the page or API URL modules is imported first."""
    if "isodate" not in django_converters.get_converters():
        register_converter(IsoDateConverter, "isodate")
