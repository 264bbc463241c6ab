import pytest

from kaigong.workdays.calendar import invalidate_calendar


@pytest.fixture(autouse=True)
def _fresh_calendar_snapshot():
    """Each test's database is rolled back afterwards: never let one test's calendar snapshot leak into another."""
    invalidate_calendar()
    yield
    invalidate_calendar()
