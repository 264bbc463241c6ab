import datetime as dt
from decimal import Decimal

import pytest

from kaigong.accounts.choices import Role
from kaigong.accounts.tests.factories import UserFactory
from kaigong.audit.models import AuditEvent
from kaigong.core.exceptions import KaigongError, PermissionDeniedError
from kaigong.progress import services
from kaigong.progress.choices import NoticeKind, ProgressEvent, ReportStatus, WarningLevel
from kaigong.progress.models import ProgressNotice, ProgressReport, ProjectProgress
from kaigong.progress.tests.factories import building_project
from kaigong.projects.choices import Stage
from kaigong.projects.tests.factories import ProjectFactory

TODAY = dt.date(2024, 10, 20)


def report(project, month, amount, actor, **data):
    return services.submit_report(
        project=project,
        month=month,
        data={"monthly_investment": Decimal(amount), **data},
        actor=actor,
        today=TODAY,
    )


@pytest.fixture
def project(users, department, organization):
    return building_project(responsible_department=department, owner=organization)


@pytest.mark.django_db
def test_cumulatives_are_computed_from_the_months_and_follow_a_correction(project, users):
    office = users[Role.OFFICE]
    for month, amount in [(1, "100"), (2, "200"), (3, "300")]:
        report(project, dt.date(2024, month, 1), amount, users[Role.ENTERPRISE])
    march = ProgressReport.objects.get(project=project, month=dt.date(2024, 3, 1))
    assert (march.year_to_date, march.since_start) == (Decimal("600"), Decimal("600"))

    february = ProgressReport.objects.get(project=project, month=dt.date(2024, 2, 1))
    services.accept_report(report=february, actor=office)
    with pytest.raises(KaigongError):  # accepted: locked
        report(project, dt.date(2024, 2, 1), "250", users[Role.ENTERPRISE])
    corrected = services.correct_report(
        report=february, reason="统计口径调整", data={"monthly_investment": Decimal("250")}, actor=office
    )
    assert corrected.version == 2 and corrected.supersedes_id == february.pk
    february.refresh_from_db()
    assert february.status == ReportStatus.SUPERSEDED
    march.refresh_from_db()
    assert march.year_to_date == Decimal("650")
    assert AuditEvent.objects.filter(code=ProgressEvent.CORRECTED, note="统计口径调整").exists()


@pytest.mark.django_db
def test_opening_balance_counts_in_since_start_only(project, users):
    services.set_opening_balance(
        project=project, amount=Decimal("5000"), month=dt.date(2023, 12, 1), actor=users[Role.OFFICE]
    )
    row = report(project, dt.date(2024, 1, 1), "100", users[Role.OFFICE])
    assert (row.year_to_date, row.since_start) == (Decimal("100"), Decimal("5100"))


@pytest.mark.django_db
def test_who_may_report_and_review(project, users, other_department):
    with pytest.raises(PermissionDeniedError):
        report(project, dt.date(2024, 1, 1), "1", users[Role.LEADER])
    stranger = UserFactory(role=Role.DEPARTMENT, department=other_department)
    with pytest.raises(PermissionDeniedError):
        report(project, dt.date(2024, 1, 1), "1", stranger)
    row = report(project, dt.date(2024, 1, 1), "1", users[Role.DEPARTMENT])
    with pytest.raises(PermissionDeniedError):  # the office reviews by default
        services.accept_report(report=row, actor=users[Role.DEPARTMENT])


@pytest.mark.django_db
def test_a_project_not_started_and_a_future_month_are_refused(users):
    planning = ProjectFactory()
    with pytest.raises(KaigongError):
        report(planning, dt.date(2024, 1, 1), "1", users[Role.OFFICE])
    started = building_project()
    with pytest.raises(KaigongError):
        report(started, dt.date(2024, 11, 1), "1", users[Role.OFFICE])


@pytest.mark.django_db
def test_late_returned_and_plausibility(project, users):
    row = report(project, dt.date(2024, 9, 1), "5000", users[Role.ENTERPRISE])  # closed on 09-25
    assert row.is_late
    codes = {warning["code"] for warning in row.plausibility}
    assert {"ytd_above_plan"} <= codes
    services.return_report(report=row, reason="数字有误", actor=users[Role.OFFICE])
    assert ProgressNotice.objects.filter(kind=NoticeKind.RETURNED, recipient=users[Role.ENTERPRISE]).exists()
    again = report(project, dt.date(2024, 9, 1), "50", users[Role.ENTERPRISE])
    assert again.pk == row.pk and again.status == ReportStatus.SUBMITTED and again.return_reason == ""


@pytest.mark.django_db
def test_lights_under_the_yinchuan_preset_and_their_notices(users, department):
    leader = UserFactory(role=Role.LEADER, display_name="常务副市长")
    behind = building_project(responsible_department=department, liaison_leader="常务副市长")
    on_time = building_project(responsible_department=department)
    silent = building_project(responsible_department=department)
    not_started = ProjectFactory(planned_start_date=dt.date(2024, 5, 1))
    for month in range(1, 10):
        report(behind, dt.date(2024, month, 1), "10", users[Role.OFFICE])
        report(on_time, dt.date(2024, month, 1), "100", users[Role.OFFICE])
    report(silent, dt.date(2024, 8, 1), "900", users[Role.OFFICE])
    counts = services.refresh_lights(month=dt.date(2024, 9, 1), today=dt.date(2024, 9, 30))
    lights = dict(ProjectProgress.objects.values_list("project_id", "warning_level"))
    assert lights[behind.pk] == WarningLevel.RED  # 90/1200 = 7.5% against 75%: 67.5 points behind
    assert lights[on_time.pk] == WarningLevel.GREEN  # 900/1200 = 75%
    assert lights[silent.pk] == WarningLevel.YELLOW  # not reported in September
    assert lights[not_started.pk] == WarningLevel.RED  # planned May, not started in September
    assert counts["projects"] == 4
    notices = ProgressNotice.objects.filter(project=behind, kind=NoticeKind.LIGHT)
    notified = set(notices.values_list("recipient", flat=True))
    assert leader.pk in notified and users[Role.DEPARTMENT].pk in notified
    # A second run changes nothing and tells no one again.
    again = services.refresh_lights(month=dt.date(2024, 9, 1), today=dt.date(2024, 9, 30))
    assert again["changed"] == 0
    assert ProgressNotice.objects.filter(project=behind).count() == len(notified)


@pytest.mark.django_db
def test_reminders_before_the_close_once(project, users):
    assert services.send_reminders(month=dt.date(2024, 10, 1), today=dt.date(2024, 10, 10)) == 0
    made = services.send_reminders(month=dt.date(2024, 10, 1), today=dt.date(2024, 10, 23))
    assert made >= 2  # the enterprise and the department
    assert services.send_reminders(month=dt.date(2024, 10, 1), today=dt.date(2024, 10, 24)) == 0


@pytest.mark.django_db
def test_a_completed_project_reports_in_its_last_year(users):
    done = building_project(stage=Stage.COMPLETED)
    from kaigong.projects.models import Project

    Project.objects.filter(pk=done.pk).update(actual_completion_date=dt.date(2024, 6, 30))
    report(done, dt.date(2024, 6, 1), "10", users[Role.OFFICE])
    with pytest.raises(KaigongError):
        report(done, dt.date(2024, 7, 1), "10", users[Role.OFFICE])


@pytest.mark.django_db
def test_aggregations_by_category_and_in_total(users):
    from kaigong.progress.aggregations import aggregate, totals
    from kaigong.projects.models import Project

    first = building_project(annual="1200")
    building_project(annual="800", category=first.category)
    other = building_project(annual="1000")
    for month in range(1, 11):
        report(first, dt.date(2024, month, 1), "100", users[Role.OFFICE])
        report(other, dt.date(2024, month, 1), "50", users[Role.OFFICE])
    rows = aggregate(projects=Project.objects.all(), month=dt.date(2024, 10, 1), group_by="category")
    by_category = {row.key: row for row in rows}
    mine = by_category[first.category_id]
    assert (mine.projects, mine.annual_plan, mine.year_to_date) == (2, Decimal("2000"), Decimal("1000"))
    assert mine.completion_rate == Decimal("0.5000")
    assert mine.gap_points == Decimal("-33.33")
    total = totals(projects=Project.objects.all(), month=dt.date(2024, 10, 1))
    assert (total.projects, total.year_to_date, total.actual_starts) == (3, Decimal("1500"), 3)


@pytest.mark.django_db
def test_the_window_opens_on_its_day(project, users):
    with pytest.raises(KaigongError, match="起报送"):
        services.submit_report(
            project=project,
            month=dt.date(2024, 10, 1),
            data={"monthly_investment": Decimal("1")},
            actor=users[Role.OFFICE],
            today=dt.date(2024, 10, 19),
        )


@pytest.mark.django_db
def test_an_accepted_report_registers_the_project_in_the_statistics(users):
    unregistered = building_project(registered=False)
    row = report(unregistered, dt.date(2024, 9, 1), "10", users[Role.OFFICE], registered_in_statistics=True)
    unregistered.refresh_from_db()
    assert not unregistered.registered_in_statistics  # not before the office accepts it
    services.accept_report(report=row, actor=users[Role.OFFICE])
    unregistered.refresh_from_db()
    assert unregistered.registered_in_statistics and unregistered.statistics_registered_on == dt.date(2024, 9, 1)
