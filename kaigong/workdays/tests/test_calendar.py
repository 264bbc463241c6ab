"""The arithmetic: golden cases from the State Council schedules of 2024–2026, properties, missing years."""

import datetime as dt

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kaigong.workdays.calendar import (
    CalendarYearMissing,
    WorkdayCalendar,
    WorkdayInputError,
    add_workdays,
    count_workdays,
    get_calendar,
    is_workday,
)
from kaigong.workdays.choices import DayKind
from kaigong.workdays.sources import read_chinesecalendar

D = dt.date


def _calendar_from_package() -> WorkdayCalendar:
    schedules = read_chinesecalendar()
    days = [day for schedule in schedules for day in schedule.days]
    return WorkdayCalendar(
        years=[s.year for s in schedules],
        holidays=[d.date for d in days if d.kind == DayKind.HOLIDAY],
        makeup_workdays=[d.date for d in days if d.kind == DayKind.MAKEUP_WORKDAY],
    )


CAL = _calendar_from_package()


def _naive_add(start: dt.date, n: int, suspended=frozenset()) -> dt.date:
    """Step-by-step reference on chinese_calendar's own is_workday."""
    day, counted = start, 0
    while counted < n:
        day += dt.timedelta(days=1)
        if chinese_calendar.is_workday(day) and day not in suspended:
            counted += 1
    return day


def _naive_count(start: dt.date, end: dt.date, suspended=frozenset()) -> int:
    total, day = 0, start + dt.timedelta(days=1)
    while day <= end:
        total += chinese_calendar.is_workday(day) and day not in suspended
        day += dt.timedelta(days=1)
    return total


def _days(first: dt.date, last: dt.date) -> frozenset:
    return frozenset(first + dt.timedelta(days=i) for i in range((last - first).days + 1))


# --- golden cases: published schedules (国务院办公厅 holiday notices for 2024, 2025, 2026) ----------------------

WORKDAY_GOLDEN = [
    # 2024 Spring Festival: off 02-10..02-17; make-up Sundays 02-04 and 02-18.
    (D(2024, 2, 4), True),
    (D(2024, 2, 9), True),
    (D(2024, 2, 10), False),
    (D(2024, 2, 12), False),
    (D(2024, 2, 16), False),
    (D(2024, 2, 17), False),
    (D(2024, 2, 18), True),
    (D(2024, 2, 25), False),  # an ordinary Sunday
    # 2024 May Day: off 05-01..05-05; make-up Sunday 04-28 and Saturday 05-11.
    (D(2024, 4, 28), True),
    (D(2024, 5, 3), False),
    (D(2024, 5, 11), True),
    # 2024 National Day: off 10-01..10-07; make-up Sunday 09-29 and Saturday 10-12.
    (D(2024, 9, 29), True),
    (D(2024, 10, 7), False),
    (D(2024, 10, 12), True),
    # 2025: 除夕 01-28 is a holiday for the first time; make-up Sunday 01-26 and Saturday 02-08.
    (D(2025, 1, 26), True),
    (D(2025, 1, 27), True),
    (D(2025, 1, 28), False),
    (D(2025, 2, 4), False),
    (D(2025, 2, 8), True),
    # 2025 May Day 05-01..05-05 (5月2日 added); make-up Sunday 04-27.
    (D(2025, 4, 27), True),
    (D(2025, 5, 2), False),
    (D(2025, 5, 5), False),
    # 2025 National Day + Mid-Autumn 10-01..10-08; make-up Sunday 09-28 and Saturday 10-11.
    (D(2025, 9, 28), True),
    (D(2025, 10, 6), False),
    (D(2025, 10, 8), False),
    (D(2025, 10, 9), True),
    (D(2025, 10, 11), True),
    # 2026: New Year 01-01..01-03, make-up Sunday 01-04; Spring Festival 02-15..02-23, make-up Saturdays 02-14
    # and 02-28; May Day 05-01..05-05, make-up Saturday 05-09; National Day 10-01..10-07, make-up Sunday 09-20
    # and Saturday 10-10.
    (D(2026, 1, 2), False),
    (D(2026, 1, 4), True),
    (D(2026, 2, 14), True),
    (D(2026, 2, 23), False),
    (D(2026, 2, 28), True),
    (D(2026, 5, 5), False),
    (D(2026, 5, 9), True),
    (D(2026, 9, 20), True),
    (D(2026, 10, 7), False),
    (D(2026, 10, 10), True),
]

ADD_GOLDEN = [
    # (start = acceptance date, n, due date)
    (D(2024, 2, 8), 1, D(2024, 2, 9)),
    (D(2024, 2, 9), 1, D(2024, 2, 18)),  # over the Spring Festival to the make-up Sunday
    (D(2024, 2, 9), 2, D(2024, 2, 19)),
    (D(2024, 2, 3), 1, D(2024, 2, 4)),  # Saturday acceptance (7×24 portal): the make-up Sunday is day 1
    (D(2024, 2, 10), 1, D(2024, 2, 18)),  # accepted during the holiday
    (D(2024, 4, 30), 1, D(2024, 5, 6)),
    (D(2024, 4, 30), 5, D(2024, 5, 10)),
    (D(2024, 4, 30), 6, D(2024, 5, 11)),  # make-up Saturday
    (D(2024, 9, 30), 1, D(2024, 10, 8)),
    (D(2024, 9, 27), 1, D(2024, 9, 29)),
    (D(2025, 1, 24), 1, D(2025, 1, 26)),
    (D(2025, 1, 27), 1, D(2025, 2, 5)),
    (D(2025, 1, 27), 4, D(2025, 2, 8)),  # make-up Saturday
    (D(2025, 4, 30), 1, D(2025, 5, 6)),
    (D(2025, 9, 30), 1, D(2025, 10, 9)),
    (D(2025, 9, 26), 20, D(2025, 10, 30)),  # 20 working days (行政许可法 base limit) over National Day
    (D(2025, 12, 31), 1, D(2026, 1, 4)),  # across the year end to the make-up Sunday
    (D(2026, 2, 13), 1, D(2026, 2, 14)),
    (D(2026, 2, 14), 1, D(2026, 2, 24)),
    (D(2026, 9, 30), 1, D(2026, 10, 8)),
    (D(2026, 10, 9), 1, D(2026, 10, 10)),
]

COUNT_GOLDEN = [
    (D(2023, 12, 31), D(2024, 12, 31), 251),  # working days in 2024
    (D(2024, 12, 31), D(2025, 12, 31), 248),  # working days in 2025
    (D(2025, 12, 31), D(2026, 12, 31), 248),  # working days in 2026
    (D(2024, 2, 1), D(2024, 2, 29), 17),
    (D(2025, 9, 26), D(2025, 10, 12), 6),
    (D(2025, 1, 27), D(2025, 2, 9), 4),
]


@pytest.mark.parametrize(("day", "expected"), WORKDAY_GOLDEN)
def test_golden_workdays(day, expected):
    assert CAL.is_workday(day) is expected
    assert chinese_calendar.is_workday(day) is expected  # the seed data says the same as the notice


@pytest.mark.parametrize(("start", "n", "due"), ADD_GOLDEN)
def test_golden_add(start, n, due):
    assert CAL.add_workdays(start, n) == due
    assert CAL.count_workdays(start, due) == n


@pytest.mark.parametrize(("start", "end", "expected"), COUNT_GOLDEN)
def test_golden_count(start, end, expected):
    assert CAL.count_workdays(start, end) == expected


def test_agrees_with_chinesecalendar_on_every_day_it_covers():
    day, last = D(2004, 1, 1), D(2026, 12, 31)
    while day <= last:
        assert CAL.is_workday(day) is chinese_calendar.is_workday(day), day
        day += dt.timedelta(days=1)


# --- properties ------------------------------------------------------------------------------------------------

starts = st.dates(min_value=D(2004, 1, 1), max_value=D(2026, 6, 30))
counts = st.integers(min_value=0, max_value=120)


@given(starts, counts)
def test_add_is_strictly_monotonic_in_n(start, n):
    assert CAL.add_workdays(start, n + 1) > CAL.add_workdays(start, n)


@given(starts, counts)
def test_count_inverts_add(start, n):
    assert CAL.count_workdays(start, CAL.add_workdays(start, n)) == n


@given(starts, st.integers(min_value=1, max_value=120))
def test_results_are_workdays_after_start(start, n):
    due = CAL.add_workdays(start, n)
    assert due > start
    assert CAL.is_workday(due)
    assert chinese_calendar.is_workday(due)


@settings(max_examples=60)
@given(starts, st.integers(min_value=1, max_value=60))
def test_add_matches_step_by_step_reference(start, n):
    assert CAL.add_workdays(start, n) == _naive_add(start, n)


@settings(max_examples=60)
@given(starts, st.integers(min_value=-10, max_value=120))
def test_count_matches_step_by_step_reference(start, length):
    end = start + dt.timedelta(days=length)
    assert CAL.count_workdays(start, end) == _naive_count(start, end)


@given(st.dates(min_value=D(2004, 3, 1), max_value=D(2026, 12, 31)), st.integers(min_value=1, max_value=40))
def test_negative_n_counts_back(start, n):
    before = CAL.add_workdays(start, -n)
    assert before < start
    assert CAL.is_workday(before)
    assert CAL.count_workdays(before, start - dt.timedelta(days=1)) == n - 1
    if CAL.is_workday(start):
        assert CAL.add_workdays(before, n) == start


suspension_windows = st.lists(
    st.tuples(st.integers(min_value=0, max_value=90), st.integers(min_value=0, max_value=20)), max_size=3
)


@settings(max_examples=80)
@given(starts, st.integers(min_value=1, max_value=60), suspension_windows)
def test_add_over_suspension_windows(start, n, offsets):
    windows = [(start + dt.timedelta(days=a), start + dt.timedelta(days=a + b)) for a, b in offsets]
    suspended = frozenset().union(*(_days(first, last) for first, last in windows))
    due = CAL.add_workdays(start, n, suspensions=windows)
    assert due == _naive_add(start, n, suspended)
    assert due not in suspended
    assert CAL.count_workdays(start, due, suspensions=windows) == n
    assert due >= CAL.add_workdays(start, n)


def test_suspension_golden_case():
    # Accepted 2025-03-03 (Mon); 补正 requested, clock stopped 03-05..03-11 (5 working days not counted).
    windows = [(D(2025, 3, 5), D(2025, 3, 11))]
    assert CAL.add_workdays(D(2025, 3, 3), 20) == D(2025, 3, 31)
    assert CAL.add_workdays(D(2025, 3, 3), 20, suspensions=windows) == D(2025, 4, 8)  # 04-04 清明 is a holiday
    assert CAL.count_workdays(D(2025, 3, 3), D(2025, 3, 14), suspensions=windows) == 4


def test_bad_suspension_window_is_refused():
    with pytest.raises(WorkdayInputError):
        CAL.add_workdays(D(2025, 3, 3), 5, suspensions=[(D(2025, 3, 10), D(2025, 3, 5))])


def test_zero_days_is_the_start_and_end_before_start_counts_zero():
    assert CAL.add_workdays(D(2025, 2, 1), 0) == D(2025, 2, 1)
    assert CAL.count_workdays(D(2025, 2, 10), D(2025, 2, 1)) == 0


# --- missing years ---------------------------------------------------------------------------------------------


def test_missing_year_is_refused_with_a_clear_message():
    with pytest.raises(CalendarYearMissing) as info:
        CAL.add_workdays(D(2031, 5, 6), 1)
    assert info.value.years == (2031,)
    assert "2031年的工作日历尚未载入" in str(info.value)
    with pytest.raises(CalendarYearMissing):
        CAL.is_workday(D(2031, 1, 1))
    with pytest.raises(CalendarYearMissing):
        CAL.count_workdays(D(2026, 12, 1), D(2031, 1, 10))


def test_deadline_reaching_into_an_unloaded_year_is_refused():
    assert CAL.add_workdays(D(2026, 12, 1), 10) == D(2026, 12, 15)
    with pytest.raises(CalendarYearMissing) as info:
        CAL.add_workdays(D(2026, 12, 20), 10)
    assert info.value.years == (2027,)


def test_provisional_mode_flags_weekends_only_results():
    result = CAL.add_workdays(D(2026, 12, 20), 10, provisional=True)
    assert result.provisional and result.missing_years == (2027,)
    assert result.value == D(2027, 1, 1)  # 2027-01-01 is a Friday: counted, because only weekends are known
    loaded = CAL.add_workdays(D(2026, 12, 1), 10, provisional=True)
    assert not loaded.provisional and loaded.value == D(2026, 12, 15)
    count = CAL.count_workdays(D(2030, 12, 31), D(2031, 1, 31), provisional=True)
    assert count.value == 23 and count.missing_years == (2031,)


def test_years_before_the_calendar_are_missing_too():
    with pytest.raises(CalendarYearMissing) as info:
        CAL.add_workdays(D(2003, 12, 30), 3)
    assert info.value.years == (2003,)


def test_a_gap_year_inside_the_span_is_missing():
    cal = WorkdayCalendar(years=[2024, 2026], holidays=[D(2026, 1, 1)])
    assert cal.add_workdays(D(2024, 12, 30), 1) == D(2024, 12, 31)
    with pytest.raises(CalendarYearMissing):
        cal.add_workdays(D(2024, 12, 30), 3)
    assert cal.add_workdays(D(2025, 12, 31), 1, provisional=True).value == D(2026, 1, 2)


# --- the process calendar --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_fresh_install_knows_every_year_chinesecalendar_covers():
    assert sorted(get_calendar().years) == list(range(2004, 2027))
    assert add_workdays(D(2025, 1, 27), 1) == D(2025, 2, 5)
    assert count_workdays(D(2024, 12, 31), D(2025, 12, 31)) == 248
    assert is_workday(D(2024, 2, 18)) is True


@pytest.mark.django_db
def test_thousands_of_deadlines_do_not_query_the_database(django_assert_num_queries):
    get_calendar()
    with django_assert_num_queries(0):
        for i in range(3000):
            start = D(2024, 1, 1) + dt.timedelta(days=i % 700)
            add_workdays(start, 20)
            count_workdays(start, start + dt.timedelta(days=45))
