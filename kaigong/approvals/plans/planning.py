"""The plan (一方案): scheduling a project's checklist on the workday calendar (critical path method).

Pure functions over a small graph: no database inside. ``build_tasks`` turns loaded checklist items and the
catalogue's prerequisite edges into ``Task``s; ``schedule`` computes the dates. The selectors and services load
the rows and call these.

The model (documented decisions):
- Durations are working days of the approving department's clock (受理 → 办结). The default expected duration of
  a matter is its benchmark limit, else its committed limit, else its statutory limit, else the setting
  ``KAIGONG_PLAN_DEFAULT_DURATION`` (20). A project may override it per item.
- A task "starts" on the day its application is accepted; the clock runs from the next working day, so a task
  of duration d that starts on S finishes on ``add_workdays(S, d)``. A task may start on the day all its
  prerequisites are decided.
- Prerequisites: ``ApprovalMatter.prerequisites`` among the project's applicable items. A prerequisite that is
  not on the checklist, not applicable or waived is contracted through: its own prerequisites take its place, so
  a waived middle link does not cut a chain.
- Groundbreaking (开工) needs every applicable item of stages 1–3 (立项用地规划许可, 工程建设许可, 施工许可) and of
  the parallel stage 5 (环评, 水保, 节能 … must be decided before construction starts), and everything they
  transitively require. Stage 4 (竣工验收) items come after construction: they are listed in the plan but not
  scheduled (their target dates are set by hand, if at all).
- Forward pass from today and from what is already known: decided items are fixed at their actual dates
  (accepted → decided); a refused item (办结 with 不予许可) is not done: the matter must be applied for again, so it
  is scheduled as an open item (a new application of full duration from today), blocks its dependants and carries
  the ``refused`` mark; running items (accepted, or stopped for 补正) started on their acceptance date and
  finish at their due date under the committed limit (else the statutory limit, else the plan duration), the
  correction windows excluded, never before today; open items start at the latest of today and their
  prerequisites' finish.
- Backward pass from the planned groundbreaking date (Project.planned_start_date): every gating item must be
  decided on the last working day on or before it; latest finish / latest start follow back through the
  prerequisites. Slack = working days from early finish to latest finish; negative slack means the planned date
  cannot be met, and those items are the reason.
- The forecast earliest groundbreaking is the latest early finish of the gating items. The critical path is the
  chain of open or running items with zero float against that forecast, followed back from the last one through
  the prerequisite that drives each start.

Speed: one topological sort (Kahn) and three passes over the edges: O(V + E) calendar operations, each a few
array lookups on the preloaded ``WorkdayCalendar``.
"""

import datetime as dt
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import gettext_noop

from kaigong.approvals.choices import ApprovalStage, Decision, ItemStatus
from kaigong.core.exceptions import KaigongError
from kaigong.workdays.calendar import WorkdayCalendar

DEFAULT_DURATION = 20
# Approval stages whose items must be decided before groundbreaking.
GROUNDBREAKING_STAGES = frozenset(
    {
        ApprovalStage.PROJECT_AND_LAND,
        ApprovalStage.ENGINEERING_PERMIT,
        ApprovalStage.CONSTRUCTION_PERMIT,
        ApprovalStage.PARALLEL,
    }
)

DONE = "done"
RUNNING = "running"
OPEN = "open"
EXCLUDED_STATUSES = frozenset({ItemStatus.NOT_APPLICABLE, ItemStatus.WAIVED})
RUNNING_STATUSES = frozenset({ItemStatus.ACCEPTED, ItemStatus.CORRECTION_REQUESTED})


class PlanCycleError(KaigongError):
    code = "plan_cycle"
    status = 409

    def __init__(self, labels: Iterable[str]):
        super().__init__(gettext_noop("前置事项形成循环,无法排定计划: %(items)s"), params={"items": "、".join(labels)})


def default_plan_duration() -> int:
    return int(getattr(settings, "KAIGONG_PLAN_DEFAULT_DURATION", DEFAULT_DURATION))


def matter_duration(matter, fallback: int | None = None) -> int:
    """The expected duration of a matter: benchmark, else committed, else statutory limit, else the default."""
    for limit in (matter.benchmark_limit, matter.committed_limit, matter.statutory_limit):
        if limit:
            return limit
    return default_plan_duration() if fallback is None else fallback


@dataclass(frozen=True)
class Task:
    """One item to schedule. ``key`` is the checklist item's id."""

    key: int
    duration: int
    prerequisites: tuple[int, ...] = ()
    state: str = OPEN
    gates_groundbreaking: bool = True
    started_on: dt.date | None = None
    finished_on: dt.date | None = None
    suspensions: tuple[tuple[dt.date, dt.date], ...] = ()
    label: str = ""
    refused: bool = False  # decided with 不予许可: to be applied for again (scheduled as open)


@dataclass
class TaskDates:
    key: int
    scheduled: bool = False
    label: str = ""
    refused: bool = False
    early_start: dt.date | None = None
    early_finish: dt.date | None = None
    late_start: dt.date | None = None
    late_finish: dt.date | None = None
    slack: int | None = None  # working days against the planned groundbreaking (negative: cannot be met)
    float_to_forecast: int | None = None
    is_critical: bool = False


@dataclass
class Schedule:
    today: dt.date
    planned_groundbreaking: dt.date | None
    forecast_groundbreaking: dt.date | None
    dates: dict[int, TaskDates]
    order: list[int]
    critical_path: list[int]
    late_items: list[int]  # open/running gating items with negative slack, most negative first
    margin: int | None  # working days from the forecast to the planned date (negative: late)
    missing_years: tuple[int, ...] = field(default=())

    @property
    def provisional(self) -> bool:
        return bool(self.missing_years)

    @property
    def refused_items(self) -> list[int]:
        """Items refused (不予许可) that must be applied for again, in schedule order."""
        return [k for k in self.order if self.dates[k].refused]

    @property
    def feasible(self) -> bool | None:
        """Whether the planned groundbreaking date can be met (None when no date is planned)."""
        if self.planned_groundbreaking is None:
            return None
        return not self.late_items


class PlanCalendar:
    """The calendar in provisional mode, remembering which unloaded years were reckoned with weekends only."""

    def __init__(self, calendar: WorkdayCalendar):
        self.calendar = calendar
        self.missing: set[int] = set()

    def add(self, start: dt.date, n: int, suspensions=()) -> dt.date:
        result = self.calendar.add_workdays(start, n, suspensions=suspensions, provisional=True)
        self.missing.update(result.missing_years)
        return result.value

    def between(self, first: dt.date, second: dt.date) -> int:
        """Signed working days from ``first`` to ``second``."""
        if second >= first:
            result = self.calendar.count_workdays(first, second, provisional=True)
            self.missing.update(result.missing_years)
            return result.value
        result = self.calendar.count_workdays(second, first, provisional=True)
        self.missing.update(result.missing_years)
        return -result.value

    def workday_on_or_before(self, day: dt.date) -> dt.date:
        result = self.calendar.is_workday(day, provisional=True)
        self.missing.update(result.missing_years)
        return day if result.value else self.add(day, -1)


def _topological(tasks: Mapping[int, Task], preds: Mapping[int, list[int]]) -> list[int]:
    succs: dict[int, list[int]] = {k: [] for k in tasks}
    indegree = {k: len(preds[k]) for k in tasks}
    for k, ps in preds.items():
        for p in ps:
            succs[p].append(k)
    queue = deque(k for k in tasks if indegree[k] == 0)
    order = []
    while queue:
        k = queue.popleft()
        order.append(k)
        for s in succs[k]:
            indegree[s] -= 1
            if indegree[s] == 0:
                queue.append(s)
    if len(order) != len(tasks):
        raise PlanCycleError(sorted(tasks[k].label or str(k) for k in tasks if indegree[k] > 0))
    return order


def schedule(
    tasks: Iterable[Task],
    *,
    today: dt.date,
    planned_groundbreaking: dt.date | None,
    calendar: WorkdayCalendar,
) -> Schedule:
    """Forward and backward passes (CPM on working days). See the module docstring for the rules."""
    cal = PlanCalendar(calendar)
    tasks = {t.key: t for t in tasks}
    preds = {k: [p for p in t.prerequisites if p in tasks and p != k] for k, t in tasks.items()}
    order = _topological(tasks, preds)

    gating = {k for k, t in tasks.items() if t.gates_groundbreaking}
    for k in reversed(order):  # a gating item's prerequisites gate too
        if k in gating:
            gating.update(preds[k])
    dates = {k: TaskDates(key=k, scheduled=k in gating, label=t.label, refused=t.refused) for k, t in tasks.items()}
    succs: dict[int, list[int]] = {k: [] for k in tasks}
    for k in order:
        for p in preds[k]:
            succs[p].append(k)

    # Forward pass.
    for k in order:
        if k not in gating:
            continue
        task, d = tasks[k], dates[k]
        if task.state == DONE:
            d.early_finish = task.finished_on
            d.early_start = task.started_on or task.finished_on
        elif task.state == RUNNING:
            d.early_start = task.started_on
            due = cal.add(task.started_on, task.duration, task.suspensions)
            d.early_finish = max(due, today)
        else:
            start = today
            for p in preds[k]:
                finish = dates[p].early_finish
                if finish is not None and finish > start:
                    start = finish
            d.early_start = start
            d.early_finish = cal.add(start, task.duration)

    active = [k for k in order if k in gating and tasks[k].state != DONE]
    finishes = [dates[k].early_finish for k in gating if dates[k].early_finish is not None]
    forecast = max(finishes) if finishes else None

    def backward(sink: dt.date) -> dict[int, tuple[dt.date, dt.date | None]]:
        """{key: (latest finish, latest start)} of the open and running gating items."""
        late: dict[int, tuple[dt.date, dt.date | None]] = {}
        for k in reversed(active):
            finish = sink
            for s in succs[k]:
                if s in late and late[s][1] is not None and late[s][1] < finish:
                    finish = late[s][1]
            task = tasks[k]
            start = cal.add(finish, -task.duration) if task.state == OPEN else None
            late[k] = (finish, start)
        return late

    if forecast is not None and active:
        for k, (finish, _start) in backward(forecast).items():
            dates[k].float_to_forecast = cal.between(dates[k].early_finish, finish)
            dates[k].is_critical = dates[k].float_to_forecast <= 0

    late_items: list[int] = []
    margin = None
    if planned_groundbreaking is not None:
        sink = cal.workday_on_or_before(planned_groundbreaking)
        for k, (finish, start) in backward(sink).items():
            d = dates[k]
            d.late_finish, d.late_start = finish, start
            d.slack = cal.between(d.early_finish, finish)
            if d.slack < 0:
                late_items.append(k)
        position = {k: i for i, k in enumerate(order)}
        late_items.sort(key=lambda k: (dates[k].slack, position[k]))
        if forecast is not None:
            margin = cal.between(forecast, sink) if active else None

    critical_path = _critical_chain(active, preds, dates, tasks, forecast)
    return Schedule(
        today=today,
        planned_groundbreaking=planned_groundbreaking,
        forecast_groundbreaking=forecast,
        dates=dates,
        order=order,
        critical_path=critical_path,
        late_items=late_items,
        margin=margin,
        missing_years=tuple(sorted(cal.missing)),
    )


def _critical_chain(active, preds, dates, tasks, forecast) -> list[int]:
    """The zero-float chain ending at the forecast, followed back through the predecessor driving each start."""
    ends = [k for k in active if dates[k].is_critical and dates[k].early_finish == forecast]
    if not ends:
        return []
    chain = [ends[-1]]
    while tasks[chain[-1]].state == OPEN:
        current = dates[chain[-1]]
        drivers = [p for p in preds[chain[-1]] if dates[p].is_critical and dates[p].early_finish == current.early_start]
        if not drivers:
            break
        chain.append(drivers[0])
    chain.reverse()
    return chain


# --- from checklist rows to tasks ------------------------------------------------------------------------------


def is_refused(status: str, decision: str) -> bool:
    """Decided with 不予许可: the matter is not obtained and must be applied for again."""
    return status == ItemStatus.DECIDED and decision == Decision.REFUSED


def task_state(status: str, decision: str = "") -> str | None:
    """The scheduling state of a checklist status; None for items left out (not applicable, waived).

    A refused item is open: nothing was obtained, a new application starts from scratch.
    """
    if status in EXCLUDED_STATUSES:
        return None
    if status == ItemStatus.DECIDED:
        return OPEN if is_refused(status, decision) else DONE
    if status in RUNNING_STATUSES:
        return RUNNING
    return OPEN


def contracted_prerequisites(
    matter_prerequisites: Mapping[int, Iterable[int]], present: Mapping[int, int]
) -> dict[int, tuple[int, ...]]:
    """{item key: prerequisite item keys} from the catalogue's matter edges.

    ``present`` maps matter id → item key of the project's applicable items; a prerequisite matter not present is
    replaced by its own prerequisites (transitively).
    """
    memo: dict[int, frozenset[int]] = {}

    def through(matter_id: int, visiting: frozenset) -> frozenset[int]:
        # The present items reached from ``matter_id``'s prerequisites, passing through absent matters.
        if matter_id in memo:
            return memo[matter_id]
        found: set[int] = set()
        for p in matter_prerequisites.get(matter_id, ()):
            if p in present:
                found.add(present[p])
            elif p not in visiting:
                found |= through(p, visiting | {p})
        memo[matter_id] = frozenset(found)
        return memo[matter_id]

    return {key: tuple(sorted(through(m, frozenset({m})))) for m, key in present.items()}


def build_tasks(
    items: Iterable,
    matter_prerequisites: Mapping[int, Iterable[int]],
    durations: Mapping[int, int | None],
    *,
    today: dt.date,
    corrections: Mapping[int, Iterable] | None = None,
) -> list[Task]:
    """Tasks from loaded ChecklistItems (with ``matter``, and prefetched ``corrections`` unless given).

    ``durations``: {item id: the plan's duration override or None}. ``corrections``: {item id: its correction
    windows}, for callers that load them for many projects at once (only running items need them).
    """
    rows = [(item, task_state(item.status, item.decision)) for item in items]
    rows = [(item, state) for item, state in rows if state is not None]
    present = {item.matter_id: item.pk for item, _state in rows}
    prerequisites = contracted_prerequisites(matter_prerequisites, present)
    fallback = default_plan_duration()
    tasks = []
    for item, state in rows:
        matter = item.matter
        planned = durations.get(item.pk)
        duration = planned if planned is not None else matter_duration(matter, fallback)
        suspensions: tuple = ()
        started, finished = None, None
        if state == RUNNING:
            duration = matter.committed_limit or matter.statutory_limit or duration
            started = item.accepted_on
            windows = item.corrections.all() if corrections is None else corrections.get(item.pk, ())
            suspensions = tuple((c.requested_on, c.resumed_on or max(today, c.requested_on)) for c in windows)
            if started is None:  # defensive: a running item always has an acceptance date
                state = OPEN
        elif state == DONE:
            finished = item.decided_on
            started = item.accepted_on or item.decided_on
            if finished is None:
                state = OPEN
        tasks.append(
            Task(
                key=item.pk,
                duration=duration,
                prerequisites=prerequisites[item.pk],
                state=state,
                gates_groundbreaking=matter.approval_stage in GROUNDBREAKING_STAGES,
                started_on=started,
                finished_on=finished,
                suspensions=suspensions,
                label=matter.name,
                refused=is_refused(item.status, item.decision),
            )
        )
    return tasks
