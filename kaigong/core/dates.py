"""The dates a key-project record may hold: one range, checked wherever a date enters (issue 10 §4).

A planned groundbreaking in year 1 or 9999 is a typing slip, not a plan, and the working-day arithmetic of the
checklists and plans cannot run past the end of the calendar: one such date stopped the city's daily forecast.
Every date a person or a sheet gives (project dates, batch dates, plan targets, item dates, routing dates) must lie
between ``EARLIEST`` and ``LATEST``. The validator sits on the model fields, so forms, the API's serializers and the
ledger importer's field check all refuse it with the same message.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

EARLIEST = dt.date(1949, 10, 1)
LATEST = dt.date(2099, 12, 31)


@deconstructible
class PlausibleDateValidator:
    """Refuse a date outside EARLIEST..LATEST (also usable on its own: ``validate_plausible_date(value)``)."""

    message = _("日期须在 %(earliest)s 至 %(latest)s 之间")
    code = "implausible_date"

    def __call__(self, value) -> None:
        if value is None:
            return
        day = value.date() if isinstance(value, dt.datetime) else value
        if not EARLIEST <= day <= LATEST:
            raise ValidationError(
                self.message,
                code=self.code,
                params={"earliest": EARLIEST.isoformat(), "latest": LATEST.isoformat()},
            )

    def __eq__(self, other) -> bool:
        return isinstance(other, PlausibleDateValidator)


validate_plausible_date = PlausibleDateValidator()
