"""Scheduling (kaigong.approvals.plans.planning): hand-checked small networks on the real 2025 calendar.

Around National Day 2025: Sep 28 (Sun) and Oct 11 (Sat) are make-up workdays, Oct 1–8 are holidays. So the
workdays after Mon Sep 22 are: 23, 24, 25, 26, 28, 29, 30, Oct 9, 10, 11, 13, 14, 15, 16, 17, 20 …
"""

import datetime as dt
from types import SimpleNamespace

import pytest

from kaigong.approvals.plans.planning import (
    DONE,
    OPEN,
    RUNNING,
    PlanCycleError,
    Task,
    build_tasks,
    contracted_prerequisites,
    schedule,
    task_state,
)
from kaigong.workdays.calendar import WorkdayCalendar
from kaigong.workdays.choices import DayKind
from kaigong.workdays.sources import read_chinesecalendar

D = dt.date.fromisoformat
TODAY = D("2025-09-22")  # a Monday


def _calendar(years=None) -> WorkdayCalendar:
    schedules = [s for s in read_chinesecalendar() if years is None or s.year in years]
    days = [day for s in schedules for day in s.days]
    return WorkdayCalendar(
        years=[s.year for s in schedules],
        holidays=[d.date for d in days if d.kind == DayKind.HOLIDAY],
        makeup_workdays=[d.date for d in days if d.kind == DayKind.MAKEUP_WORKDAY],
    )


CAL = _calendar()


def run(tasks, planned=None, today=TODAY, calendar=CAL):
    return schedule(tasks, today=today, planned_groundbreaking=planned, calendar=calendar)


A, B, C, E = 1, 2, 3, 4
# A(5) → B(3) ┐
#      C(10)  ┴→ E(2)
NETWORK = [Task(A, 5), Task(B, 3, (A,)), Task(C, 10), Task(E, 2, (B, C))]


def test_a_chain_across_national_day():
    result = run([Task(A, 5), Task(B, 3, (A,))])
    assert (result.dates[A].early_start, result.dates[A].early_finish) == (TODAY, D("2025-09-28"))  # make-up Sunday
    assert (result.dates[B].early_start, result.dates[B].early_finish) == (D("2025-09-28"), D("2025-10-09"))
    assert result.forecast_groundbreaking == D("2025-10-09")
    assert result.critical_path == [A, B]
    assert result.feasible is None and result.margin is None  # no planned date: no backward pass
    assert result.dates[A].late_finish is None
    assert not result.provisional


def test_parallel_branches_the_longer_one_is_critical():
    result = run(NETWORK)
    assert result.dates[C].early_finish == D("2025-10-11")  # the make-up Saturday
    assert result.dates[B].early_finish == D("2025-10-09")
    assert (result.dates[E].early_start, result.dates[E].early_finish) == (D("2025-10-11"), D("2025-10-14"))
    assert result.forecast_groundbreaking == D("2025-10-14")
    assert result.critical_path == [C, E]
    assert {k for k, d in result.dates.items() if d.is_critical} == {C, E}
    assert result.dates[A].float_to_forecast == 2 and result.dates[B].float_to_forecast == 2


def test_backward_pass_from_the_planned_groundbreaking():
    result = run(NETWORK, planned=D("2025-10-20"))
    late = {k: (d.late_start, d.late_finish, d.slack) for k, d in result.dates.items()}
    assert late[E] == (D("2025-10-16"), D("2025-10-20"), 4)
    assert late[C] == (D("2025-09-26"), D("2025-10-16"), 4)
    assert late[B] == (D("2025-10-13"), D("2025-10-16"), 6)
    assert late[A] == (D("2025-09-29"), D("2025-10-13"), 6)
    assert result.feasible is True and result.late_items == [] and result.margin == 4


def test_a_planned_date_on_a_holiday_means_decided_by_the_workday_before():
    result = run([Task(A, 5)], planned=D("2025-10-05"))  # inside the National Day holiday
    assert result.dates[A].late_finish == D("2025-09-30")
    assert result.dates[A].slack == 2


def test_an_infeasible_planned_date_is_flagged_with_the_items_that_make_it_so():
    result = run(NETWORK, planned=D("2025-10-13"))
    assert result.feasible is False
    assert result.late_items == [C, E]  # the critical branch; A and B still have a day in hand
    assert result.dates[C].slack == -1 and result.dates[E].slack == -1
    assert result.dates[A].slack == 1 and result.dates[B].slack == 1
    assert result.margin == -1


def test_decided_items_are_fixed_at_their_actual_dates():
    decided = Task(A, 5, state=DONE, started_on=D("2025-09-01"), finished_on=D("2025-09-05"))
    result = run([decided, Task(B, 3, (A,))], planned=D("2025-10-20"))
    assert (result.dates[A].early_start, result.dates[A].early_finish) == (D("2025-09-01"), D("2025-09-05"))
    assert result.dates[A].slack is None and not result.dates[A].is_critical
    assert result.dates[B].early_start == TODAY  # not before today, though A was decided earlier
    assert result.dates[B].early_finish == D("2025-09-25")
    assert result.critical_path == [B]


def test_a_decided_late_prerequisite_drives_its_successor():
    decided = Task(A, 5, state=DONE, started_on=D("2025-09-01"), finished_on=D("2025-09-22"))
    result = run([decided, Task(B, 3, (A,))], today=D("2025-09-19"))
    assert result.dates[B].early_start == D("2025-09-22")


def test_a_running_item_finishes_at_its_due_date_with_the_correction_window_excluded():
    # Accepted Mon Sep 15, committed limit 10; 补正 from Wed 17 to Fri 19 stops the clock.
    running = Task(A, 10, state=RUNNING, started_on=D("2025-09-15"), suspensions=((D("2025-09-17"), D("2025-09-19")),))
    result = run([running, Task(B, 2, (A,))], planned=D("2025-10-20"))
    assert result.dates[A].early_start == D("2025-09-15")
    assert result.dates[A].early_finish == D("2025-10-09")  # without the window: Sep 28
    assert result.dates[A].late_start is None  # already started
    assert result.dates[B].early_finish == D("2025-10-11")
    assert result.critical_path == [A, B]
    without = run([Task(A, 10, state=RUNNING, started_on=D("2025-09-15"))])
    assert without.dates[A].early_finish == D("2025-09-28")


def test_an_open_correction_window_runs_to_today():
    running = Task(A, 10, state=RUNNING, started_on=D("2025-09-15"), suspensions=((D("2025-09-17"), TODAY),))
    assert run([running]).dates[A].early_finish == D("2025-10-10")


def test_an_overdue_running_item_is_expected_no_earlier_than_today():
    running = Task(A, 2, state=RUNNING, started_on=D("2025-09-01"))
    assert run([running]).dates[A].early_finish == TODAY


def test_items_after_groundbreaking_are_not_scheduled_unless_a_gating_item_needs_them():
    tasks = [Task(A, 5), Task(B, 3, (A,), gates_groundbreaking=False), Task(C, 4, gates_groundbreaking=False)]
    tasks.append(Task(E, 1, (C,)))
    result = run(tasks)
    assert not result.dates[B].scheduled and result.dates[B].early_finish is None
    assert result.dates[C].scheduled  # a prerequisite of a gating item gates too
    assert result.forecast_groundbreaking == D("2025-09-28")


def test_a_refused_item_is_applied_for_again_from_today_and_blocks_its_dependants():
    # A(5) was refused; B(3) needs A. A counts again in full from today: Sep 23, 24, 25, 26, 28 → B: 29, 30, Oct 9.
    refused = Task(A, 5, refused=True)
    result = run([refused, Task(B, 3, (A,))], planned=D("2025-09-30"))
    assert (result.dates[A].early_start, result.dates[A].early_finish) == (TODAY, D("2025-09-28"))
    assert (result.dates[B].early_start, result.dates[B].early_finish) == (D("2025-09-28"), D("2025-10-09"))
    assert result.dates[A].refused and not result.dates[B].refused and result.refused_items == [A]
    # Planned Sep 30: B must finish by then, so start by Sep 26 (three workdays back), so A by Sep 26: both a day short.
    assert (result.dates[A].late_finish, result.dates[A].slack) == (D("2025-09-26"), -1)
    assert (result.dates[B].late_start, result.dates[B].slack) == (D("2025-09-26"), -1)
    assert result.feasible is False and result.late_items == [A, B] and result.margin == -1
    assert result.critical_path == [A, B]


def test_the_same_item_approved_lets_the_plan_pass():
    approved = Task(A, 5, state=DONE, started_on=D("2025-09-01"), finished_on=D("2025-09-05"))
    result = run([approved, Task(B, 3, (A,))], planned=D("2025-09-30"))
    assert result.forecast_groundbreaking == D("2025-09-25") and result.feasible is True
    assert result.margin == 4  # Sep 26, 28 (make-up), 29, 30
    assert result.refused_items == []


def test_task_state_of_a_decision():
    assert task_state("decided", "approved") == DONE
    assert task_state("decided", "refused") == OPEN
    assert task_state("waived", "") is None and task_state("accepted") == RUNNING


def test_build_tasks_schedules_a_refused_item_as_a_new_application():
    items = [
        _item(1, 10, "decided", benchmark=4, committed=5, accepted_on=D("2025-09-01"), decided_on=D("2025-09-04")),
        _item(2, 20, "decided", benchmark=4, decision="refused", accepted_on=D("2025-09-01"), decided_on=TODAY),
        _item(3, 30, "decided", benchmark=4, decision="refused", accepted_on=TODAY, decided_on=TODAY),
        _item(4, 40, "not_started", benchmark=2),
    ]
    items[0].decision = "approved"
    tasks = {t.key: t for t in build_tasks(items, {40: [10, 20]}, {3: 9}, today=TODAY)}
    assert tasks[1].state == DONE and not tasks[1].refused
    assert tasks[2].state == OPEN and tasks[2].refused and tasks[2].duration == 4  # the full expected duration
    assert (tasks[2].started_on, tasks[2].finished_on) == (None, None)
    assert tasks[3].refused and tasks[3].duration == 9  # the plan's override applies to the new application
    assert tasks[4].prerequisites == (1, 2)
    result = run(tasks.values())
    assert result.dates[4].early_start == D("2025-09-26")  # waits for the refused item applied for again (4 days)


def test_a_prerequisite_cycle_is_refused():
    with pytest.raises(PlanCycleError):
        run([Task(A, 1, (B,), label="甲"), Task(B, 1, (A,), label="乙")])


def test_a_plan_into_an_unloaded_year_is_provisional():
    result = run([Task(A, 60)], today=D("2025-12-01"), calendar=_calendar(years={2025}))
    assert result.provisional and result.missing_years == (2026,)


def test_prerequisites_are_contracted_through_absent_matters():
    # matter 10 needs 20, 20 needs 30 and 40; 20 is not applicable: item of 10 needs the items of 30 and 40.
    edges = {10: [20], 20: [30, 40]}
    assert contracted_prerequisites(edges, {10: 1, 30: 3, 40: 4}) == {1: (3, 4), 3: (), 4: ()}


def _item(pk, matter_id, status, stage=2, *, benchmark=None, committed=None, statutory=None, decision="", **dates):
    matter = SimpleNamespace(
        pk=matter_id,
        name=f"事项{matter_id}",
        approval_stage=stage,
        benchmark_limit=benchmark,
        committed_limit=committed,
        statutory_limit=statutory,
    )
    corrections = dates.pop("corrections", [])
    return SimpleNamespace(
        pk=pk,
        matter=matter,
        matter_id=matter_id,
        status=status,
        decision=decision,
        accepted_on=dates.get("accepted_on"),
        decided_on=dates.get("decided_on"),
        corrections=SimpleNamespace(all=lambda: corrections),
    )


def test_build_tasks_durations_states_and_exclusions(settings):
    settings.KAIGONG_PLAN_DEFAULT_DURATION = 7
    items = [
        _item(1, 10, "not_started", benchmark=4, committed=5, statutory=20),
        _item(2, 20, "submitted", committed=5, statutory=20),
        _item(3, 30, "preparing"),
        _item(4, 40, "accepted", benchmark=4, committed=5, statutory=20, accepted_on=TODAY),
        _item(5, 50, "waived"),
        _item(6, 60, "decided", stage=4, accepted_on=TODAY, decided_on=TODAY),
        _item(
            7,
            70,
            "correction_requested",
            statutory=20,
            accepted_on=D("2025-09-15"),
            corrections=[SimpleNamespace(requested_on=D("2025-09-17"), resumed_on=None)],
        ),
    ]
    tasks = {t.key: t for t in build_tasks(items, {10: [50], 50: [20]}, {3: 2}, today=TODAY)}
    assert set(tasks) == {1, 2, 3, 4, 6, 7}  # the waived item is left out …
    assert tasks[1].prerequisites == (2,)  # … and contracted through
    assert [tasks[k].duration for k in (1, 2, 3)] == [4, 5, 2]  # benchmark, committed, the plan's override
    assert tasks[4].state == RUNNING and tasks[4].duration == 5  # running: the committed limit
    assert tasks[6].state == DONE and not tasks[6].gates_groundbreaking
    assert tasks[7].state == RUNNING and tasks[7].suspensions == ((D("2025-09-17"), TODAY),)
    assert tasks[3].state == OPEN
    items[2] = _item(3, 30, "preparing")
    assert {t.key: t.duration for t in build_tasks(items, {}, {}, today=TODAY)}[3] == 7  # the configured default
