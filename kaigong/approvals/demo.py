"""Demo checklists (一项目一清单) for the demo city, so the 前期手续 pages tell a story on first start.

Called at the end of ``kaigong load-demo`` (kaigong.projects.demo.load_demo). For a deterministic selection of
demo projects it fills in the attributes the checklist rules read (审批方式, 审批流程类型, 用地来源, 环评类别 …),
generates the checklist and moves its items along plausible paths, all through the services (audited as
"命令 load-demo"):

- projects already under construction: their approvals decided before groundbreaking, with 文号 and dates;
- projects in preparation (前期): stage 1 decided, later matters running at various points of their clocks
  (green, a few yellow and red), some waiting for corrected materials (补正), some being prepared;
- projects still being planned: the first matters being prepared or submitted.

Dates are computed backwards from ``today`` (default: the local date at load time) on the workday calendar, so
the lights mean something whenever the demo is loaded. Everything except the dates is seeded, so two loads on
the same day give the same data. Idempotent: a project that already has a checklist is left as it is (as are
its attributes), so a second run writes nothing and records no event. All names, dates and 文号 are
illustrative.
"""

import datetime as dt
import random
from collections import Counter, defaultdict

from django.utils import timezone

from kaigong.approvals.checklists import services
from kaigong.approvals.choices import ApprovalStage, Decision, ItemAction, ItemStatus
from kaigong.approvals.models import Checklist, ChecklistItem, ProjectPlan
from kaigong.projects.choices import PRE_START_STAGES, Stage
from kaigong.projects.models import Project
from kaigong.projects.services import update_project
from kaigong.workdays.calendar import get_calendar

ACTOR_LABEL = "命令 load-demo"
SEED = 141081
# How many projects of each stage get a checklist (the first ones by name, so the choice is stable).
SELECTION = {
    Stage.CONSTRUCTION: 6,
    Stage.STARTED: 4,
    Stage.PREPARATION: 14,
    Stage.PLANNING: 5,
}
# The prefix of a 文号 by approving department (short name); matter-specific prefixes first.
MATTER_PREFIX = {
    "filing": "侯审批备",
    "ratification": "侯审批核",
    "project-proposal": "侯审批发",
    "feasibility-study": "侯审批发",
    "initial-design": "侯审批发",
}
DEPARTMENT_PREFIX = {
    "审批局": "侯审批",
    "规自局": "侯自然资",
    "生态环境分局": "临环侯审",
    "住建局": "侯住建",
    "文物局": "侯文物",
    "水利局": "侯水审",
    "发改局": "侯发改",
    "人防办": "侯人防",
    "应急局": "侯应急",
}
DEFAULT_PREFIX = "侯项目办"
CORRECTION_REASONS = [
    "申请材料不齐全,请补充项目用地红线图",
    "设计文件签章不全,请补正",
    "请补充建设单位授权委托书",
    "环评报告表个别数据前后不一致,请核实后补正",
]


def _attributes(project: Project, rng: random.Random) -> dict:
    """Plausible rule attributes for a demo project, by its category (government-invested or enterprise)."""
    category = project.category.code if project.category_id else ""
    area = lambda low, high: rng.randrange(low, high, 500)  # noqa: E731 (square metres)
    if category in ("infrastructure", "livelihood", "clean-water"):
        project_class = {"infrastructure": rng.choice([2, 2, 7]), "livelihood": 1, "clean-water": 8}[category]
        data = {
            "review_regime": "approval",
            "project_class": project_class,
            "land_source": rng.choice(["allocated", "allocated", "none"]) if project_class != 1 else "allocated",
            "eia_category": rng.choice(["table", "table", "registration", "report"]),
            "building_area": area(8000, 60000) if project_class == 1 else None,
            "annual_energy_use": None,
        }
    else:
        energy = any(word in project.name for word in ("光伏", "储能", "新能源", "热电"))
        data = {
            "review_regime": "ratification" if energy or rng.random() < 0.1 else "filing",
            "project_class": 9 if energy else rng.choice([6, 6, 6, 3, 4]),
            "land_source": rng.choice(["transferred", "transferred", "transferred", "existing"]),
            "eia_category": rng.choice(["table", "table", "report", "registration"]),
            "building_area": area(6000, 90000),
            "annual_energy_use": rng.randrange(200, 6000, 50),
        }
    data["is_simple_low_risk"] = bool(
        data["review_regime"] == "filing" and (data["building_area"] or 0) < 10000 and rng.random() < 0.5
    )
    return data


def _differing(project: Project, data: dict) -> dict:
    changed = {}
    for name, value in data.items():
        current = getattr(project, name)
        if value is not None and current is not None and not isinstance(value, str | bool):
            same = float(current) == float(value)
        else:
            same = current == value
        if not same:
            changed[name] = value
    return changed


def _select_projects() -> list[Project]:
    chosen = []
    for stage, count in SELECTION.items():
        queryset = Project.objects.filter(stage=stage).select_related("category").order_by("name", "pk")
        chosen += list(queryset[:count])
    return chosen


class _Loader:
    def __init__(self, today: dt.date):
        self.today = today
        self.calendar = get_calendar()
        self.numbers: Counter = Counter()
        self.counts: Counter = Counter()

    # --- dates on the workday calendar (provisional: a year not loaded is reckoned with weekends only) -------

    def add(self, day: dt.date, n: int) -> dt.date:
        return self.calendar.add_workdays(day, n, provisional=True).value

    def is_workday(self, day: dt.date) -> bool:
        return self.calendar.is_workday(day, provisional=True).value

    def elapsed_ago(self, elapsed: int) -> dt.date:
        """A workday on which an item accepted shows ``elapsed`` working days used today."""
        return self.add(self.today, -(elapsed + (0 if self.is_workday(self.today) else 1)))

    def document_number(self, item: ChecklistItem, year: int) -> str:
        matter = item.matter
        short = matter.department.label if matter.department_id else ""
        prefix = MATTER_PREFIX.get(matter.code) or DEPARTMENT_PREFIX.get(short, DEFAULT_PREFIX)
        self.numbers[(prefix, year)] += 1
        return f"{prefix}〔{year}〕{self.numbers[(prefix, year)] + 10}号"

    # --- the steps, each one call of transition_item -------------------------------------------------------

    def step(self, item: ChecklistItem, action: str, on: dt.date, **kwargs) -> ChecklistItem:
        self.counts["transitions"] += 1
        return services.transition_item(item=item, action=action, actor=None, actor_label=ACTOR_LABEL, on=on, **kwargs)

    def submit_and_accept(self, item, accepted: dt.date, rng, *, commitment=False) -> ChecklistItem:
        submitted = accepted - dt.timedelta(days=rng.choice([0, 0, 1, 2, 3]))
        item = self.step(item, ItemAction.SUBMIT, submitted, use_commitment=commitment)
        number = self.document_number(item, accepted.year) if commitment else ""
        return self.step(item, ItemAction.ACCEPT, accepted, document_number=number)

    def decided(self, item, accepted: dt.date, rng) -> None:
        """Submitted, accepted and approved, in a plausible number of working days (mostly within the limit)."""
        matter = item.matter
        if matter.allows_commitment and rng.random() < 0.5:
            self.submit_and_accept(item, accepted, rng, commitment=True)
            self.counts["decided"] += 1
            return
        limit = matter.committed_limit or matter.statutory_limit or 10
        target = matter.benchmark_limit or limit
        days = rng.randint(max(1, target // 2), target) if rng.random() < 0.8 else rng.randint(target, limit + 3)
        decided_on = min(self.add(accepted, days), self.today)
        item = self.submit_and_accept(item, accepted, rng)
        if rng.random() < 0.15:  # a correction along the way
            requested = self.add(accepted, 1)
            resumed = self.add(requested, rng.randint(1, 4))
            if resumed < decided_on:
                item = self.step(item, ItemAction.REQUEST_CORRECTION, requested, reason=rng.choice(CORRECTION_REASONS))
                item = self.step(item, ItemAction.RESUME, resumed)
        self.step(
            item,
            ItemAction.DECIDE,
            decided_on,
            decision=Decision.APPROVED,
            document_number=self.document_number(item, decided_on.year),
        )
        self.counts["decided"] += 1

    def running(self, item, light: str, rng) -> None:
        """Accepted, its clock at a point that shows ``light`` today (green, yellow, red or in correction)."""
        matter = item.matter
        limit = matter.committed_limit or matter.statutory_limit or 10
        if light == "green" and limit < 5:
            light = "yellow"
        if light == "correction":
            accepted = self.elapsed_ago(rng.randint(3, 8))
            item = self.submit_and_accept(item, accepted, rng)
            requested = min(self.add(accepted, rng.randint(1, 2)), self.today)
            self.step(item, ItemAction.REQUEST_CORRECTION, requested, reason=rng.choice(CORRECTION_REASONS))
        else:
            elapsed = {
                "green": max(1, limit // 4),
                "yellow": max(0, limit - 1),
                "red": limit + rng.randint(2, 6),
            }[light]
            self.submit_and_accept(item, self.elapsed_ago(elapsed), rng)
        self.counts[light] += 1

    def prepared(self, item, rng) -> None:
        """Being prepared by the applicant, or submitted and waiting for acceptance."""
        self.step(item, ItemAction.PREPARE, self.today)
        if rng.random() < 0.4:
            self.step(item, ItemAction.SUBMIT, self.today)
        self.counts["preparing"] += 1

    # --- one project ---------------------------------------------------------------------------------------

    def project(self, project: Project) -> None:
        rng = random.Random(f"{SEED}:{project.name}:{project.year}")
        if not project.review_regime:
            changed = _differing(project, _attributes(project, rng))
            if changed:
                project = update_project(project=project, data=changed, actor_label=ACTOR_LABEL)
                self.counts["projects_updated"] += 1
        checklist = services.generate_checklist(project=project, actor=None, actor_label=ACTOR_LABEL)
        self.counts["checklists"] += 1
        items = list(
            ChecklistItem.objects.filter(checklist=checklist, status=ItemStatus.NOT_STARTED)
            .select_related("matter", "matter__department")
            .order_by("matter__approval_stage", "matter__sort_order", "pk")
        )
        self.counts["items"] += len(items)
        by_stage = defaultdict(list)
        for item in items:
            by_stage[item.matter.approval_stage].append(item)
        if project.stage in (Stage.STARTED, Stage.CONSTRUCTION):
            self._under_construction(project, by_stage, rng)
        elif project.stage == Stage.PREPARATION:
            self._in_preparation(by_stage, rng)
        else:
            self._planning(by_stage, rng)

    def _under_construction(self, project, by_stage, rng) -> None:
        """Everything up to the construction permit decided before groundbreaking; completion not started."""
        start = project.actual_start_date or project.planned_start_date or self.add(self.today, -40)
        start = min(start, self.add(self.today, -5))
        offsets = {
            ApprovalStage.PROJECT_AND_LAND: (140, 100),
            ApprovalStage.PARALLEL: (110, 60),
            ApprovalStage.ENGINEERING_PERMIT: (80, 45),
            ApprovalStage.CONSTRUCTION_PERMIT: (35, 12),
        }
        for stage, (early, late) in offsets.items():
            for item in by_stage.get(stage, []):
                self.decided(item, self.add(start, -rng.randint(late, early)), rng)

    def _in_preparation(self, by_stage, rng) -> None:
        """Stage 1 decided; stage 2 and the parallel matters running or being prepared; stage 3 waiting."""
        for item in by_stage.get(ApprovalStage.PROJECT_AND_LAND, []):
            self.decided(item, self.elapsed_ago(rng.randint(45, 110)), rng)
        for stage in (ApprovalStage.ENGINEERING_PERMIT, ApprovalStage.PARALLEL):
            for item in by_stage.get(stage, []):
                roll = rng.random()
                if roll < 0.3:
                    self.decided(item, self.elapsed_ago(rng.randint(25, 40)), rng)
                elif roll < 0.75:
                    light = rng.choices(["green", "yellow", "red", "correction"], weights=[55, 18, 12, 15])[0]
                    self.running(item, light, rng)
                elif roll < 0.9:
                    self.prepared(item, rng)
        for item in by_stage.get(ApprovalStage.CONSTRUCTION_PERMIT, [])[:1]:
            self.prepared(item, rng)

    def _planning(self, by_stage, rng) -> None:
        """The first matters of stage 1 being prepared; perhaps one already accepted."""
        first = by_stage.get(ApprovalStage.PROJECT_AND_LAND, [])
        for index, item in enumerate(first[:2]):
            if index == 0 and rng.random() < 0.5:
                self.running(item, "green", rng)
            else:
                self.prepared(item, rng)


def load_demo_checklists(*, today: dt.date | None = None) -> Counter:
    """Give the selected demo projects checklists in plausible states. Returns counts of what was done.

    Projects that already have a checklist are skipped entirely: loading twice changes nothing.
    """
    loader = _Loader(today or timezone.localdate())
    having = set(Checklist.objects.values_list("project_id", flat=True))
    for project in _select_projects():
        if project.pk not in having:
            loader.project(project)
    return loader.counts


def load_demo_plans(*, today: dt.date | None = None) -> int:
    """一方案: plans with a baseline for the demo projects not yet started (谋划, 前期) that have a checklist.

    The demo pool is 2024's, but the clocks run from today: projects not yet started have slipped, so their planned
    groundbreaking is re-set from today, far enough ahead for their open approvals (at least 90 working days, and 20
    past the plan's forecast). One plan is infeasible on purpose: on the first load, the first project in
    preparation by name gets only 15 working days, which its open approvals cannot meet, so the plan page shows the
    items that make it so and the list of late plans has exactly one entry. The forecast summaries of every project
    not yet started are refreshed at the end, so that list matches the plan pages.

    A baseline marks a plan the demo made: a project with one keeps its plan and its planned dates (the project
    loader leaves them alone too), so a second load changes nothing. Returns the number of plans made.
    """
    from kaigong.approvals.plans.services import recompute_plan, refresh_forecasts, save_baseline

    today = today or timezone.localdate()
    # Generating a checklist creates the plan row (its forecast summary); a plan the demo made has a baseline.
    projects = sorted(
        Project.objects.filter(stage__in=PRE_START_STAGES, checklist__isnull=False).exclude(
            plan__baseline_saved_at__isnull=False
        ),
        key=lambda p: (p.stage != Stage.PREPARATION, p.name, p.pk),
    )
    first_load = not ProjectPlan.objects.filter(baseline_saved_at__isnull=False).exists()
    calendar = get_calendar()

    def ahead(day: dt.date, workdays: int) -> dt.date:
        return calendar.add_workdays(day, workdays, provisional=True).value

    for index, project in enumerate(projects):
        plan = recompute_plan(project=project, actor=None, actor_label=ACTOR_LABEL, today=today)
        if index == 0 and first_load and project.stage == Stage.PREPARATION:
            planned = ahead(today, 15)  # the infeasible one
        else:
            planned = ahead(today, 90 + 5 * index)
            if plan.forecast_groundbreaking is not None:
                planned = max(planned, ahead(plan.forecast_groundbreaking, 20))
        if project.planned_start_date != planned:
            project = update_project(
                project=project,
                data={"planned_start_date": planned, "planned_completion_date": None},
                actor=None,
                actor_label=ACTOR_LABEL,
            )
        save_baseline(project=project, actor=None, actor_label=ACTOR_LABEL, today=today)
    refresh_forecasts(today=today)
    return len(projects)


def load_demo_approvals(actor_label: str) -> Counter:
    """approvals' part of the demo city (registered in ApprovalsConfig.ready): 一项目一清单, checklists in plausible
    states; 一方案, plans with baselines (one of them infeasible). Returns what was created."""
    created = Counter()
    if checklists := load_demo_checklists()["checklists"]:
        created["checklists"] += checklists
    if plans := load_demo_plans():
        created["plans"] += plans
    return created


def replanned_projects() -> set[int]:
    """Projects whose groundbreaking a baselined plan re-set from today (load_demo_plans): the plan owns their dates."""
    return set(ProjectPlan.objects.filter(baseline_saved_at__isnull=False).values_list("project_id", flat=True))
