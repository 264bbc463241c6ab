"""The demo city's monthly cycle: a year of progress reports (2024-01 … 2024-10) for the projects in construction.

Loaded after the projects (and the apps built on them) by ``kaigong load-demo``, all through the progress services
and audited as "命令 load-demo". What the demo shows, so the lights, the review queue and the bulletin have
something to say:

- most projects spread their annual plan over the year with a seasonal curve (slow in January and February for the
  Spring Festival, steady from spring) and stand near 序时进度 in October; a few are ahead (超序时进度); about one in
  five lag (most 10–30 points behind: yellow under the Yinchuan preset; a few more than 30: red); two have not
  reported October (not reported);
- reports are submitted inside the month's window, a few late (is_late); the months before October are accepted,
  October partly (the rest is the office's review queue), one October report is returned with its reason and one
  accepted September report is corrected with its reason;
- 形象进度 reads like a site report of its kind (building, road, pipe network, river works …) with a stage from the
  settings' list; a few problems needing coordination (存在问题及需协调事项) of different kinds;
- 续建 projects (started before 2024) get their opening balance (开工以来累计 up to December 2023);
- the lights of October are computed as on 2024-10-31 (the not-started rules light the projects whose planned month
  has passed; the projects demo decides which started projects are registered in the statistics), and the reminders
  of October's window are sent.

All figures, texts and choices are illustrative and come from one seeded generator over the projects in a stable
order, so two loads give the same city. Idempotent: a report is matched by project and month and left alone when
present (whatever its status now); the opening balance when set; the second leader account when it exists. A
second run writes nothing and records no event.
"""

import datetime as dt
import random
from collections import Counter
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction

from kaigong.accounts import services as accounts_services
from kaigong.accounts.choices import Role
from kaigong.accounts.models import User
from kaigong.accounts.passwords import DEMO_PASSWORD  # published: refused outside the demo (accounts.middleware)
from kaigong.progress import permissions, selectors, services
from kaigong.progress.choices import ProblemKind, ReportStatus
from kaigong.progress.measures import time_progress
from kaigong.progress.models import ProgressReport, ProjectProgress
from kaigong.projects.demo import SEED
from kaigong.projects.models import Project

ACTOR_LABEL = "命令 load-demo"
MONTHS = [dt.date(2024, m, 1) for m in range(1, 11)]
LAST_MONTH = MONTHS[-1]
LIGHTS_ON = dt.date(2024, 10, 31)  # the day the October lights are computed (after the window closed)
REMIND_ON = dt.date(2024, 10, 23)  # inside the days before October's close: the missing reports are chased
OPENING_MONTH = dt.date(2023, 12, 1)

# The second leader account: the liaison leader (包联领导) of several demo projects, so a leader sees their notices.
LEADER2 = ("leader2", "常务副市长（示例）")

# Relative weight of each month's work (January … October): the Spring Festival slows January and February.
SEASON = {1: 6, 2: 6, 3: 9, 4: 10, 5: 10, 6: 10, 7: 10, 8: 10, 9: 10, 10: 10}

# Profiles: the gap to 序时进度 in October, in percentage points (uniform between the bounds).
ON_TRACK, AHEAD, YELLOW, RED, SILENT = "on_track", "ahead", "yellow", "red", "silent"
GAPS = {ON_TRACK: (-7, 8), AHEAD: (11, 16), YELLOW: (-27, -12), RED: (-45, -33), SILENT: (-6, 6)}
HOW_MANY = {AHEAD: 5, YELLOW: 11, RED: 3, SILENT: 2}
OCTOBER_ACCEPTED = 0.6  # the share of October's reports the office has accepted by the 31st
LATE_SHARE = 0.05

RETURN_REASON = "本月完成投资与形象进度不符，请补充监理月报及工程款支付凭证后重新报送。"
CORRECTION_REASON = "9月完成投资漏报二期厂房基础工程量，经监理单位核实后更正。"

# (kind, text) of the problems reported by projects that lag, the first ones first.
PROBLEMS = [
    (ProblemKind.LAND, "项目用地指标尚未落实，需自然资源局协调"),
    (ProblemKind.FUNDS, "专项债券资金拨付滞后，工程款支付困难，需财政局协调加快拨付"),
    (ProblemKind.DEMOLITION, "项目红线内尚有3户房屋未完成征收，需属地乡镇（街道）加快推进"),
    (ProblemKind.UTILITIES, "施工用电增容尚未完成，需供电公司协调"),
    (ProblemKind.APPROVALS, "施工许可证正在办理，需住建局加快审批"),
    (ProblemKind.ENVIRONMENT, "重污染天气预警期间土方作业停工，需生态环境分局明确错峰施工安排"),
    (ProblemKind.OTHER, "受连续降雨影响，土方及基础施工进度滞后"),
    (ProblemKind.UTILITIES, "天然气管道接入需燃气公司配合，接驳方案尚未确定"),
]


@dataclass
class ReportPlan:
    """What one demo report says, decided before anything is written."""

    month: dt.date
    amount: Decimal
    visible_progress: str
    visible_stage: str
    submitted_on: dt.date
    accept: bool
    problems: list = field(default_factory=list)


@dataclass
class ProjectPlan:
    project: Project
    profile: str
    opening: Decimal | None
    reports: list[ReportPlan]


# --- 形象进度 -------------------------------------------------------------------------------------------------------


def _works(project: Project) -> str:
    """The kind of site the project is, from its category and name (it decides how its progress is described)."""
    name = project.name
    category = project.category.code if project.category_id else ""
    if any(word in name for word in ("道路", "公路", "南延", "沿街", "背街小巷")):
        return "road"
    if any(word in name for word in ("配电网", "充电", "照明")):
        return "power"
    if any(word in name for word in ("管网", "雨污分流", "生活污水")):
        return "pipes"
    if any(word in name for word in ("停车场", "公交场站", "配套基础设施")):
        return "yard"
    if category == "clean-water":
        return "river"
    if category == "industry":
        return "plant"
    return "building"


# For each kind of site: (upper bound of the completed share, text); "{p}" is the share of the current work done.
PROGRESS_TEXTS = {
    "plant": [
        (0.08, "场地平整及桩基施工"),
        (0.25, "厂房基础施工，完成{p}%"),
        (0.45, "主体钢结构吊装，完成{p}%"),
        (0.62, "厂房主体完工，屋面及墙面围护施工"),
        (0.8, "设备采购到货，设备基础施工"),
        (1.01, "生产线设备安装调试"),
    ],
    "building": [
        (0.08, "基坑开挖及基础施工"),
        (0.25, "基础完工，主体结构施工至{floor}层"),
        (0.45, "主体结构施工至{floor}层"),
        (0.62, "主体结构封顶，二次结构砌筑"),
        (0.8, "室内外装饰装修施工"),
        (1.01, "室外配套及绿化工程施工"),
    ],
    "road": [
        (0.1, "管线迁改及清表"),
        (0.4, "路基工程完成{p}%"),
        (0.65, "路面基层施工，完成{p}%"),
        (0.85, "沥青面层摊铺"),
        (1.01, "人行道、绿化及照明等附属工程施工"),
    ],
    "pipes": [
        (0.1, "施工放线及沟槽开挖"),
        (0.6, "管网铺设完成{p}%"),
        (0.8, "检查井砌筑及管道闭水试验"),
        (1.01, "路面恢复及管网接驳"),
    ],
    "power": [
        (0.1, "施工放线及设备基础施工"),
        (0.55, "线路敷设完成{p}%"),
        (0.8, "设备安装完成{p}%"),
        (1.01, "设备调试及验收准备"),
    ],
    "yard": [
        (0.1, "场地平整"),
        (0.45, "站房主体结构施工"),
        (0.75, "场地硬化完成{p}%"),
        (1.01, "配套设施安装及绿化"),
    ],
    "river": [
        (0.1, "施工围堰及导流"),
        (0.45, "河道清淤疏浚完成{p}%"),
        (0.75, "生态护岸及湿地工程施工"),
        (1.01, "水质提升设施安装调试"),
    ],
}


def visible_progress(project: Project, share: float, stages: list[str]) -> tuple[str, str]:
    """A site description and a stage (from the settings' list, or none) for a project ``share`` built."""
    share = min(max(share, 0.0), 1.0)
    texts = PROGRESS_TEXTS[_works(project)]
    low = 0.0
    for high, text in texts:
        if share < high:
            within = (share - low) / (min(high, 1.0) - low)
            done = min(max(int(within * 10 + 0.5) * 10, 10), 90)
            floor = 1 + int(within * 2) if high <= 0.25 else 3 + int(within * 6)  # floors only go up
            text = text.format(p=done, floor=floor)
            break
        low = high
    stage = "主体开工" if share < 0.45 else ("基本过半" if share < 0.8 else "主体完工")
    return text, stage if stage in stages else ""


# --- the plan ---------------------------------------------------------------------------------------------------


def _money(value: Decimal, plan: Decimal) -> Decimal:
    step = Decimal("1") if plan >= 1000 else Decimal("0.1")
    return value.quantize(step, ROUND_HALF_UP).quantize(Decimal("0.01"))


def _months_in_scope() -> dict[int, list[dt.date]]:
    """{project id: the months of 2024-01 … 2024-10 it owes a report for}, as the services decide it."""
    months: dict[int, list[dt.date]] = {}
    for month in MONTHS:
        for pk in Project.objects.filter(selectors.reporting_scope(month)).values_list("pk", flat=True):
            months.setdefault(pk, []).append(month)
    return months


def _split(total: Decimal, months: list[dt.date], plan: Decimal, rng: random.Random) -> list[Decimal]:
    """``total`` over ``months`` by the seasonal weights, each month a little off the curve; the last takes the
    rounding so the sum is exact."""
    weights = [SEASON[m.month] * rng.uniform(0.8, 1.2) for m in months]
    scale = sum(weights)
    amounts = [_money(total * Decimal(w / scale), plan) for w in weights[:-1]]
    amounts.append(max(total - sum(amounts, Decimal(0)), Decimal(0)).quantize(Decimal("0.01")))
    return amounts


def _built_share(project: Project, month: dt.date, pace: float) -> float:
    """How much of the works stands at the month's end: the share of the planned construction period gone by, at the
    project's pace (a laggard's site is behind its calendar too)."""
    start = project.actual_start_date or month
    finish = project.planned_completion_date
    if finish is None or finish <= start:
        finish = start + dt.timedelta(days=540)
    elapsed = (selectors.month_end(month) - start).days / (finish - start).days
    return min(max(elapsed * pace, 0.02), 0.97)


def _submitted_on(month: dt.date, opens: int, closes: int, rng: random.Random) -> dt.date:
    if rng.random() < LATE_SHARE:
        return month.replace(day=min(closes + rng.randint(1, 5), 28))
    return month.replace(day=rng.randint(opens, closes))


def build_plans(projects: list[Project], months: dict[int, list[dt.date]]) -> list[ProjectPlan]:
    """Every report of the demo cycle, decided from the seeded generator over ``projects`` (in a stable order)."""
    rng = random.Random(SEED)
    settings = selectors.get_settings()
    stages = list(settings.visible_stages or [])
    opens, closes = settings.window_opens_on_day, settings.window_closes_on_day
    progress = float(time_progress(LAST_MONTH, counts_reporting_month=settings.time_progress_counts_reporting_month))

    # Who lags: projects reporting through October that started by June 2024 and are registered in the statistics
    # (an unregistered one is red whatever its figures, which would hide its lag).
    through_october = [p for p in projects if months[p.pk][-1] == LAST_MONTH]
    candidates = [
        p
        for p in through_october
        if p.actual_start_date
        and p.actual_start_date < dt.date(2024, 7, 1)
        and p.registered_in_statistics
        and (p.statistics_registered_on or dt.date.min) < dt.date(2024, 8, 1)
    ]
    rng.shuffle(candidates)
    # The silent ones are projects someone owes the report for (a demo user), so October's reminders reach a person.
    owed_by = permissions.report_recipients(candidates)
    candidates.sort(key=lambda p: not owed_by.get(p.pk))
    profiles: dict[int, str] = {}
    for profile in (SILENT, YELLOW, RED, AHEAD):
        for project in candidates[: HOW_MANY[profile]]:
            profiles[project.pk] = profile
        candidates = candidates[HOW_MANY[profile] :]

    problems = list(PROBLEMS)
    plans = []
    for project in projects:
        profile = profiles.get(project.pk, ON_TRACK)
        plan = project.annual_planned_investment or Decimal(0)
        total = project.total_investment or plan
        owed = months[project.pk]
        low, high = GAPS[profile]
        # A project completed during the year has done the year's works; the others stand near 序时进度 by profile.
        rate = progress + rng.uniform(low, high) / 100 if owed[-1] == LAST_MONTH else rng.uniform(0.9, 1.0)
        year_total = _money(plan * Decimal(rate), plan)
        opening = None
        if project.actual_start_date and project.actual_start_date < MONTHS[0]:
            room = max(total - plan, Decimal(0))
            opening = (room * Decimal(rng.uniform(0.25, 0.6)) / 10).quantize(Decimal("1")) * 10
        reporting = owed[:-1] if profile == SILENT else owed
        amounts = _split(year_total, reporting, plan, rng)
        pace = rate / progress if owed[-1] == LAST_MONTH else 1.0
        reports = []
        for month, amount in zip(reporting, amounts, strict=True):
            text, stage = visible_progress(project, _built_share(project, month, pace), stages)
            accept = month < LAST_MONTH or rng.random() < OCTOBER_ACCEPTED
            reports.append(ReportPlan(month, amount, text, stage, _submitted_on(month, opens, closes, rng), accept))
        if profile in (YELLOW, RED, SILENT) and problems and reports:
            reports[-1].problems.append(problems.pop(0))
        plans.append(ProjectPlan(project=project, profile=profile, opening=opening, reports=reports))
    return plans


# --- loading ----------------------------------------------------------------------------------------------------


def _ensure_leader(actor_label: str, counts: Counter) -> None:
    username, display_name = LEADER2
    if User.objects.filter(username=username).exists():
        return
    accounts_services.create_user(
        data={"username": username, "role": Role.LEADER, "display_name": display_name},
        password=DEMO_PASSWORD,
        actor_label=actor_label,
    )
    counts["users"] += 1


def _statistics(project: Project, month: dt.date) -> dict:
    """入库纳统 as the report states it: what the project's record says, as of the month's end."""
    on = project.statistics_registered_on
    registered = project.registered_in_statistics and (on is None or on <= selectors.month_end(month))
    return {"registered_in_statistics": registered, "statistics_registered_on": on if registered else None}


@transaction.atomic
def load_demo_progress(*, actor_label: str = ACTOR_LABEL) -> Counter:
    """Write what is missing of the demo cycle; returns counts of what was created."""
    counts: Counter = Counter()
    _ensure_leader(actor_label, counts)
    months = _months_in_scope()
    projects = list(
        Project.objects.filter(pk__in=months).select_related("category").order_by("name", "year", "project_code")
    )
    plans = build_plans(projects, months)
    present = set(ProgressReport.objects.filter(project__in=projects).values_list("project_id", "month"))
    opened = set(
        ProjectProgress.objects.filter(project__in=projects, opening_month__isnull=False).values_list(
            "project_id", flat=True
        )
    )

    for plan in plans:
        if (
            plan.opening is not None
            and plan.project.pk not in opened
            and not any((plan.project.pk, r.month) in present for r in plan.reports)
        ):
            services.set_opening_balance(
                project=plan.project, amount=plan.opening, month=OPENING_MONTH, actor_label=actor_label
            )

    written: dict[tuple[int, dt.date], ProgressReport] = {}
    for month in MONTHS:
        submitted = []
        for plan in plans:
            report_plan = next((r for r in plan.reports if r.month == month), None)
            if report_plan is None or (plan.project.pk, month) in present:
                continue
            report = services.submit_report(
                project=plan.project,
                month=month,
                data={
                    "monthly_investment": report_plan.amount,
                    "visible_progress": report_plan.visible_progress,
                    "visible_stage": report_plan.visible_stage,
                    **_statistics(plan.project, month),
                },
                problems=report_plan.problems,
                actor_label=actor_label,
                today=report_plan.submitted_on,
            )
            written[(plan.project.pk, month)] = report
            submitted.append((report, report_plan))
            counts["progress_reports"] += 1
        for report, report_plan in submitted:
            if report_plan.accept:
                written[(report.project_id, month)] = services.accept_report(report=report, actor_label=actor_label)
    if not written:
        return counts

    # One October report waiting in the queue is returned; one accepted September report is corrected.
    waiting = [
        report
        for (pk, month), report in written.items()
        if month == LAST_MONTH and report.status == ReportStatus.SUBMITTED and not report.problems.exists()
    ]
    if waiting:
        services.return_report(report=waiting[0], reason=RETURN_REASON, actor_label=actor_label)
    september = [
        report
        for (pk, month), report in written.items()
        if month == MONTHS[-2] and report.status == ReportStatus.ACCEPTED and report.project.category.code == "industry"
    ]
    if september:
        report = september[len(september) // 2]
        services.correct_report(
            report=report,
            reason=CORRECTION_REASON,
            data={
                "monthly_investment": report.monthly_investment + _money(report.monthly_investment / 5, Decimal(1000))
            },
            actor_label=actor_label,
        )

    services.refresh_lights(month=LAST_MONTH, actor_label=actor_label, today=LIGHTS_ON)
    services.send_reminders(month=LAST_MONTH, today=REMIND_ON)
    return counts


def load_demo_part(actor_label: str) -> dict:
    """progress's part of the demo city (a DemoStep; registered in ProgressConfig.ready)."""
    return dict(load_demo_progress(actor_label=actor_label))
