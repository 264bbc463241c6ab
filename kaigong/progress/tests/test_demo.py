"""The demo city's monthly cycle (kaigong.progress.demo): a year of reports, laggards, lights and a review queue."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from kaigong.accounts.choices import Role, UserEvent
from kaigong.accounts.models import User
from kaigong.audit.models import AuditEvent
from kaigong.progress import selectors
from kaigong.progress.aggregations import aggregate, totals
from kaigong.progress.choices import NoticeKind, ReportStatus, WarningLevel
from kaigong.progress.demo import LAST_MONTH, LEADER2, MONTHS, build_plans, load_demo_part, visible_progress
from kaigong.progress.models import Problem, ProgressNotice, ProgressReport, ProjectProgress
from kaigong.projects.demo import ACTOR_LABEL
from kaigong.projects.models import Project

OCTOBER = LAST_MONTH


def run_load_demo() -> str:
    out = io.StringIO()
    call_command("load-demo", stdout=out, skip_checks=True)
    return out.getvalue()


@pytest.fixture(scope="module")
def demo_counts(django_db_setup, django_db_blocker):
    """The demo city with its monthly cycle, loaded once for this module inside a transaction rolled back at the end.

    The step is called directly after ``load-demo`` (which runs it too once it is registered: then this call finds
    everything present and creates nothing). Module-scoped, so the tests' fast hasher is set here too."""
    fast_hasher = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    with django_db_blocker.unblock(), fast_hasher, transaction.atomic():
        run_load_demo()
        created = load_demo_part(ACTOR_LABEL)
        reports = ProgressReport.objects.count()
        yield {"created": created, "reports": reports}
        transaction.set_rollback(True)


@pytest.fixture
def demo(demo_counts, db):
    return demo_counts


def lights(month=OCTOBER) -> dict:
    rows = ProjectProgress.objects.filter(measured_month=month).exclude(warning_level="")
    return {state.project_id: state for state in rows}


def test_every_project_in_construction_reports_every_month_but_two_silent_in_october(demo):
    assert demo["reports"] > 600
    missing = {}
    for month in MONTHS:
        owing = set(Project.objects.filter(selectors.reporting_scope(month)).values_list("pk", flat=True))
        reported = set(
            ProgressReport.objects.filter(selectors.CURRENT, month=month).values_list("project_id", flat=True)
        )
        assert reported <= owing
        missing[month] = owing - reported
    assert all(not missing[month] for month in MONTHS[:-1])
    assert len(missing[OCTOBER]) == 2
    # the batch of 2024-01-01 reports from January; a project completed during 2024 up to its completion month
    assert ProgressReport.objects.filter(month=MONTHS[0], project__name="国强自动化光伏新能源生产基地").exists()
    completed = Project.objects.filter(stage="completed", actual_completion_date__year=2024).first()
    if completed is not None:
        last = ProgressReport.objects.filter(project=completed).order_by("-month").first()
        assert last.month == completed.actual_completion_date.replace(day=1) or last.month == OCTOBER


def test_the_cumulatives_follow_the_months_and_the_opening_balance(demo):
    continuing = Project.objects.filter(
        selectors.reporting_scope(OCTOBER), actual_start_date__lt=dt.date(2024, 1, 1)
    ).first()
    state = ProjectProgress.objects.get(project=continuing)
    assert state.opening_month == dt.date(2023, 12, 1) and state.opening_cumulative > 0
    reports = list(ProgressReport.objects.filter(selectors.CURRENT, project=continuing).order_by("month"))
    assert [r.month for r in reports] == MONTHS[: len(reports)]
    running = 0
    for report in reports:
        running += report.monthly_investment
        assert report.year_to_date == running
        assert report.since_start == state.opening_cumulative + running
    assert reports[-1].since_start <= continuing.total_investment


def test_seasonal_curve_slow_at_the_spring_festival(demo):
    by_month = {
        month: sum(
            ProgressReport.objects.filter(
                selectors.CURRENT, month=month, project__actual_start_date__lt=dt.date(2024, 1, 2)
            ).values_list("monthly_investment", flat=True)
        )
        for month in MONTHS
    }
    assert by_month[dt.date(2024, 2, 1)] < by_month[dt.date(2024, 5, 1)] * 8 / 10


def test_october_lights_are_red_yellow_and_green_for_their_reasons(demo):
    october = lights()
    levels = {state.warning_level for state in october.values()}
    assert levels == {WarningLevel.RED, WarningLevel.YELLOW, WarningLevel.GREEN}
    reasons = {reason["code"] for state in october.values() for reason in state.warning_reasons}
    assert {"behind_10_30", "behind_over_30", "not_reported", "unregistered_2_months"} <= reasons
    assert reasons & {"not_started", "not_started_3_months"}
    behind = [s for s in october.values() if any(r["code"] == "behind_10_30" for r in s.warning_reasons)]
    assert all(-30 <= s.gap_points <= -10 for s in behind)
    ahead = [s for s in october.values() if s.gap_points is not None and s.gap_points > 10]
    assert ahead  # 超序时进度
    in_cycle = [s for s in october.values() if s.completion_rate is not None]
    lagging = [s for s in in_cycle if s.gap_points < -10]
    assert 0.1 <= len(lagging) / len(in_cycle) <= 0.3  # about one in five lag


def test_review_queue_returned_corrected_and_late_reports(demo):
    queue = ProgressReport.objects.filter(status=ReportStatus.SUBMITTED)
    assert queue.filter(month=OCTOBER).count() >= 10
    assert ProgressReport.objects.filter(month=OCTOBER, status=ReportStatus.ACCEPTED).count() >= 10
    assert not ProgressReport.objects.filter(month__lt=OCTOBER, status=ReportStatus.SUBMITTED, version=1).exists()
    returned = ProgressReport.objects.get(status=ReportStatus.RETURNED)
    assert returned.month == OCTOBER and returned.return_reason
    correction = ProgressReport.objects.get(version=2)
    assert correction.correction_reason and correction.status == ReportStatus.SUBMITTED
    assert correction.supersedes.status == ReportStatus.SUPERSEDED
    assert correction.monthly_investment > correction.supersedes.monthly_investment
    late = ProgressReport.objects.filter(is_late=True).count()
    assert 0 < late < ProgressReport.objects.count() / 10


def test_visible_progress_stages_and_problems_read_like_site_reports(demo):
    stages = selectors.get_settings().visible_stages
    october = ProgressReport.objects.filter(selectors.CURRENT, month=OCTOBER)
    assert all(r.visible_progress and r.visible_stage in stages for r in october)
    assert len({r.visible_progress for r in october}) > 20
    assert (
        october.filter(visible_progress__contains="路基工程完成").exists()
        or october.filter(visible_progress__contains="管网铺设").exists()
    )
    problems = Problem.objects.filter(report__isnull=False)
    assert problems.values("kind").distinct().count() >= 5
    assert problems.filter(description="项目用地指标尚未落实，需自然资源局协调").exists()


def test_visible_progress_moves_forward_with_the_works():
    project = Project(name="示例厂房项目")
    order = ["主体开工", "基本过半", "主体完工"]
    stages = [visible_progress(project, share, order)[1] for share in (0.05, 0.3, 0.5, 0.7, 0.9)]
    assert stages == sorted(stages, key=order.index)
    assert visible_progress(project, 0.5, ["前期"])[1] == ""  # a stage not in the settings is left out


def test_headline_of_the_projects_in_the_cycle_and_a_figure_per_category(demo):
    in_cycle = Project.objects.filter(selectors.reporting_scope(OCTOBER))
    headline = totals(projects=in_cycle, month=OCTOBER)
    assert 60 <= headline.completion_percent <= 110
    rows = aggregate(projects=in_cycle, month=OCTOBER, group_by="category")
    assert len(rows) == 4
    assert all(row.year_to_date > 0 and row.completion_rate is not None for row in rows)
    assert sum(row.lights["red"] + row.lights["yellow"] for row in rows) > 0


def test_a_liaison_leader_is_told_of_the_lights(demo):
    username, display_name = LEADER2
    leader = User.objects.get(username=username)
    assert leader.role == Role.LEADER and leader.display_name == display_name
    assert leader.check_password("kaigong-demo-2024")
    assert Project.objects.filter(liaison_leader=display_name).exists()
    assert ProgressNotice.objects.filter(recipient=leader, kind=NoticeKind.LIGHT).exists()
    assert AuditEvent.objects.for_object(leader).filter(code=UserEvent.CREATED, actor_label=ACTOR_LABEL).exists()
    # the reminders of October's window went to those who owe the missing reports
    assert ProgressNotice.objects.filter(kind=NoticeKind.REMINDER, month=OCTOBER).exists()


def test_the_plans_are_the_same_every_time(demo):
    months = {}
    for month in MONTHS:
        for pk in Project.objects.filter(selectors.reporting_scope(month)).values_list("pk", flat=True):
            months.setdefault(pk, []).append(month)
    projects = list(Project.objects.filter(pk__in=months).select_related("category").order_by("name", "year"))

    def figures():
        return [
            (p.project.pk, p.profile, p.opening, [(r.month, r.amount, r.visible_progress) for r in p.reports])
            for p in build_plans(projects, months)
        ]

    assert figures() == figures()


def test_a_second_load_writes_nothing(demo):
    events = AuditEvent.objects.count()
    reports = list(ProgressReport.objects.order_by("pk").values_list("pk", "status", "updated_at"))
    states = list(ProjectProgress.objects.order_by("pk").values_list("pk", "warning_level", "computed_at"))
    notices = ProgressNotice.objects.count()
    run_load_demo()
    assert load_demo_part(ACTOR_LABEL) == {}
    assert AuditEvent.objects.count() == events
    assert list(ProgressReport.objects.order_by("pk").values_list("pk", "status", "updated_at")) == reports
    assert list(ProjectProgress.objects.order_by("pk").values_list("pk", "warning_level", "computed_at")) == states
    assert ProgressNotice.objects.count() == notices
