"""The office's pages of the monthly cycle through the HTTP client: the monthly view (figures, reporting status,
review queue, lights, aggregation), the reporting-status lists, the settings, the warning presets and the notices."""

import datetime as dt
import json
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from kaigong.accounts.choices import Role
from kaigong.audit.models import AuditEvent
from kaigong.progress import services
from kaigong.progress.choices import NoticeKind, ProgressEvent, ReportStatus, Reviewer, WarningLevel
from kaigong.progress.models import ProgressNotice, ProgressSettings, ProjectProgress, WarningPreset
from kaigong.progress.tests.factories import building_project
from kaigong.projects.tests.factories import ProjectFactory

TODAY = dt.date(2024, 10, 20)
OCTOBER = dt.date(2024, 10, 1)
SEPTEMBER = dt.date(2024, 9, 1)
MONTHLY = reverse("progress:monthly")
GOVERNMENT = (Role.ADMIN, Role.OFFICE, Role.DEPARTMENT, Role.LEADER)


def report(project, month, amount, actor):
    return services.submit_report(
        project=project, month=month, data={"monthly_investment": Decimal(amount)}, actor=actor, today=TODAY
    )


@pytest.fixture
def city(users, department, other_department, organization, other_organization):
    """Two projects in construction in 2024: the department's (plan 1200, 1–10月 1200, October reported) and another
    department's (plan 1000, 1–9月 450, October not reported)."""
    ours = building_project(
        name="侯马经济开发区标准化厂房",
        year=2024,
        responsible_department=department,
        owner=organization,
        annual="1200",
        township="新田乡",
    )
    theirs = building_project(
        name="浍河生态修复工程",
        year=2024,
        responsible_department=other_department,
        owner=other_organization,
        annual="1000",
        contact_person="王建国",
        contact_phone="0357-4021234",
        township="上马街道",
    )
    office = users[Role.OFFICE]
    report(ours, SEPTEMBER, "200", users[Role.ENTERPRISE])
    october = report(ours, OCTOBER, "1000", users[Role.ENTERPRISE])
    report(theirs, SEPTEMBER, "450", office)
    return {"ours": ours, "theirs": theirs, "october": october}


def stat(html: str, name: str) -> str:
    match = re.search(rf'data-stat="{name}">([^<]*)<', html)
    assert match, name
    return match.group(1).strip()


def status_count(html: str, key: str) -> int:
    match = re.search(
        rf'data-status="{key}">\s*<span class="stat-label">[^<]*</span><span class="stat-value">(\d+)<', html
    )
    assert match, key
    return int(match.group(1))


# --- permissions -------------------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        MONTHLY,
        reverse("progress:report-status"),
        reverse("progress:settings"),
        reverse("progress:preset-list"),
        reverse("progress:preset-create"),
    ],
)
def test_enterprise_users_get_403_on_the_office_pages(login, users, url):
    assert login(users[Role.ENTERPRISE]).get(url).status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize("role", GOVERNMENT)
def test_every_government_role_reads_the_monthly_view_and_the_lists(login, users, city, role):
    client = login(users[role])
    assert client.get(MONTHLY).status_code == 200
    assert client.get(reverse("progress:report-status"), {"status": "not_reported"}).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("role", (Role.DEPARTMENT, Role.LEADER, Role.ENTERPRISE))
def test_settings_and_presets_are_the_offices(login, users, role):
    client = login(users[role])
    active = ProgressSettings.objects.get(pk=1).active_preset_id
    preset = WarningPreset.objects.exclude(pk=active).first()
    assert client.get(reverse("progress:settings")).status_code == 403
    assert client.post(reverse("progress:settings"), {"window_opens_on_day": 1}).status_code == 403
    assert client.get(reverse("progress:preset-detail", args=[preset.pk])).status_code == 403
    assert client.post(reverse("progress:preset-activate", args=[preset.pk])).status_code == 403
    assert client.post(reverse("progress:lights-refresh"), {"month": "2024-10"}).status_code == 403
    assert ProgressSettings.objects.get(pk=1).active_preset_id == active
    assert not AuditEvent.objects.filter(code=ProgressEvent.SETTINGS_CHANGED).exists()


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_sign_in(client):
    for url in (MONTHLY, reverse("progress:notices"), reverse("progress:settings")):
        assert client.get(url).status_code == 302


# --- the monthly view ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_headline_figures_of_the_latest_reported_month(login, users, city):
    response = login(users[Role.OFFICE]).get(MONTHLY)
    html = response.content.decode()
    assert response.context["month"] == OCTOBER  # the latest month with reports, not today's
    assert stat(html, "projects") == "2"
    assert stat(html, "annual-plan") == "2,200万元"
    assert stat(html, "year-to-date") == "1,650万元"
    assert stat(html, "completion") == "75%"  # 1650 / 2200
    assert stat(html, "time-progress") == "83.33%"  # 10/12
    assert stat(html, "gap") == "低于序时进度8.33个百分点"
    assert f'href="{reverse("progress:bulletin")}?month=2024-10"' in html  # the month's bulletin is one click away
    assert "1–10月，2个重点项目累计完成投资1,650万元，完成率75%，低于序时进度8.33个百分点。" in html
    for key, count in {
        "due": 2,
        "reported": 1,
        "on_time": 1,
        "late": 0,
        "submitted": 1,
        "returned": 0,
        "accepted": 0,
        "not_reported": 1,
    }.items():
        assert status_count(html, key) == count, key


@pytest.mark.django_db
def test_large_amounts_read_in_yi_and_a_lead_over_time_progress_is_worded(login, users, department, organization):
    project = building_project(year=2024, responsible_department=department, owner=organization, annual="30000")
    report(project, OCTOBER, "27000", users[Role.OFFICE])
    html = login(users[Role.OFFICE]).get(MONTHLY, {"month": "2024-10"}).content.decode()
    assert stat(html, "annual-plan") == "3亿元"
    assert stat(html, "year-to-date") == "2.7亿元"
    assert stat(html, "gap") == "超序时进度6.67个百分点"  # 90% against 83.33%


@pytest.mark.django_db
def test_a_department_sees_its_own_projects_in_figures_and_lists(login, users, city):
    client = login(users[Role.DEPARTMENT])
    html = client.get(MONTHLY).content.decode()
    assert stat(html, "projects") == "1"
    assert stat(html, "annual-plan") == "1,200万元"
    assert stat(html, "completion") == "100%"
    assert status_count(html, "not_reported") == 0
    assert city["theirs"].name not in html
    listing = client.get(reverse("progress:report-status"), {"month": "2024-10", "status": "due"}).content.decode()
    assert city["ours"].name in listing and city["theirs"].name not in listing


@pytest.mark.django_db
def test_filters_change_the_figures(login, users, city, other_department):
    client = login(users[Role.OFFICE])
    html = client.get(MONTHLY, {"month": "2024-10", "responsible_department": other_department.pk}).content.decode()
    assert stat(html, "projects") == "1"
    assert stat(html, "annual-plan") == "1,000万元"
    assert stat(html, "year-to-date") == "450万元"
    assert status_count(html, "not_reported") == 1 and status_count(html, "reported") == 0
    # the status numbers link to their lists with the same filters
    assert f"status=not_reported&amp;responsible_department={other_department.pk}" in html


@pytest.mark.django_db
def test_an_earlier_month_is_chosen_with_the_picker(login, users, city):
    html = login(users[Role.OFFICE]).get(MONTHLY, {"month": "2024-09"}).content.decode()
    assert stat(html, "year-to-date") == "650万元"  # 200 + 450
    assert stat(html, "time-progress") == "75%"


@pytest.mark.django_db
def test_the_not_reported_list_gives_department_owner_and_contact(login, users, city, other_department):
    response = login(users[Role.OFFICE]).get(
        reverse("progress:report-status"), {"month": "2024-10", "status": "not_reported"}
    )
    html = response.content.decode()
    assert response.context["page_obj"].paginator.count == 1
    theirs = city["theirs"]
    for text in (theirs.name, other_department.name, theirs.owner.name, "王建国", "0357-4021234"):
        assert text in html
    assert city["ours"].name not in html


@pytest.mark.django_db
def test_the_aggregation_table_groups_and_feeds_the_chart(login, users, city, department, other_department):
    client = login(users[Role.OFFICE])
    response = client.get(MONTHLY, {"month": "2024-10", "group": "department"})
    rows = {row.label: row for row in response.context["rows"]}
    assert rows[department.name].year_to_date == Decimal("1200")
    assert rows[other_department.name].year_to_date == Decimal("450")
    html = response.content.decode()
    chart = json.loads(re.search(r'id="progress-chart-data"[^>]*>(.*?)</script>', html, re.S).group(1))
    assert chart["labels"] == [department.name, other_department.name]  # largest annual plan first
    assert chart["year_to_date"] == ["0.12", "0.05"]  # 亿元 as the page writes them
    assert "progress/js/monthly.js" in html and "<script>" not in html  # no inline script (CSP)
    township = client.get(MONTHLY, {"month": "2024-10", "group": "township"}).context["rows"]
    assert {row.label for row in township} == {"新田乡", "上马街道"}
    # an unknown group falls back to the categories
    assert client.get(MONTHLY, {"group": "nonsense"}).context["group"] == "category"


@pytest.mark.django_db
def test_the_lights_list_red_and_yellow_with_reasons(login, users, city):
    services.refresh_lights(month=OCTOBER, today=dt.date(2024, 10, 28))
    html = login(users[Role.OFFICE]).get(MONTHLY, {"month": "2024-10"}).content.decode()
    lights = html[html.index('data-testid="lights"') : html.index('data-testid="reporting-status"')]
    state = ProjectProgress.objects.get(project=city["theirs"])
    assert state.warning_level in (WarningLevel.RED, WarningLevel.YELLOW)
    assert city["theirs"].name in lights and city["ours"].name not in lights  # ours is green: 100%
    for reason in state.warning_reasons:
        assert reason["label"] in lights
    # the headline and the lights come before the tables (a leader's phone reads from the top)
    assert html.index('data-testid="headline"') < html.index('data-testid="lights"') < html.index("aggregation-table")


@pytest.mark.django_db
def test_the_lights_are_paginated(login, users, department, organization):
    for _index in range(23):
        building_project(year=2024, responsible_department=department, owner=organization)
    services.refresh_lights(month=OCTOBER, today=dt.date(2024, 10, 28))  # none reported: all lit
    client = login(users[Role.OFFICE])
    first = client.get(MONTHLY, {"month": "2024-10"})
    assert len(first.context["lights_page"]) == 20 and first.context["lights_page"].paginator.count == 23
    second = client.get(MONTHLY, {"month": "2024-10", "lights_page": 2})
    assert len(second.context["lights_page"]) == 3


# --- the review queue ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_office_accepts_a_report_from_the_queue(login, users, city, department, organization):
    over = building_project(year=2024, responsible_department=department, owner=organization, annual="100")
    report(over, OCTOBER, "150", users[Role.OFFICE])
    client = login(users[Role.OFFICE])
    html = client.get(MONTHLY).content.decode()
    october = city["october"]
    queue = html[html.index('data-testid="review-queue"') : html.index('data-testid="aggregation"')]
    assert f'data-report="{october.pk}"' in queue
    accept = reverse("progress:report-accept", args=[october.pk])
    assert f'action="{accept}"' in queue
    # the plausibility warning of the report above its annual plan, worded with its figures
    assert re.search(
        r'data-testid="plausibility">1–N月累计完成投资 150(\.0+)? 万元超过年度计划投资 100(\.0+)? 万元', queue
    )
    response = client.post(accept, {"next": MONTHLY})
    assert response.status_code == 302 and response["Location"] == MONTHLY
    october.refresh_from_db()
    assert october.status == ReportStatus.ACCEPTED
    html = client.get(MONTHLY).content.decode()
    assert status_count(html, "accepted") == 1 and status_count(html, "submitted") == 1  # the other one waits


@pytest.mark.django_db
def test_the_office_returns_a_report_with_a_reason(login, users, city):
    client = login(users[Role.OFFICE])
    october = city["october"]
    client.post(reverse("progress:report-return", args=[october.pk]), {"reason": "本月投资与发票不符", "next": MONTHLY})
    october.refresh_from_db()
    assert (october.status, october.return_reason) == (ReportStatus.RETURNED, "本月投资与发票不符")
    assert status_count(client.get(MONTHLY).content.decode(), "returned") == 1


@pytest.mark.django_db
def test_the_queue_follows_the_settings_reviewer(login, users, city):
    client = login(users[Role.DEPARTMENT])
    assert len(client.get(MONTHLY).context["queue_page"]) == 0  # the office reviews by default
    ProgressSettings.objects.filter(pk=1).update(reviewer=Reviewer.DEPARTMENT)
    page = client.get(MONTHLY).context["queue_page"]
    assert [r.pk for r in page] == [city["october"].pk]
    leader = login(users[Role.LEADER]).get(MONTHLY)
    assert len(leader.context["queue_page"]) == 0
    assert 'data-testid="accept"' not in leader.content.decode()


# --- query counts ------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_monthly_view_reads_a_bounded_number_of_queries(
    login, users, department, organization, django_assert_max_num_queries
):
    client = login(users[Role.OFFICE])
    for index in range(12):
        project = building_project(year=2024, responsible_department=department, owner=organization)
        report(project, OCTOBER, str(100 + index), users[Role.OFFICE])
    services.refresh_lights(month=OCTOBER, today=dt.date(2024, 10, 28))
    with django_assert_max_num_queries(30):
        response = client.get(MONTHLY, {"group": "batch"})
    assert len(response.context["queue_page"]) == 12
    with django_assert_max_num_queries(30):
        client.get(MONTHLY, {"month": "2024-10", "group": "department"})
    with django_assert_max_num_queries(16):
        response = client.get(reverse("progress:report-status"), {"month": "2024-10", "status": "reported"})
    assert len(response.context["page_obj"]) == 12
    with django_assert_max_num_queries(10):
        client.get(reverse("progress:notices"))


# --- settings ----------------------------------------------------------------------------------------------------


def settings_form(**changes):
    data = {
        "window_opens_on_day": 18,
        "window_closes_on_day": 24,
        "remind_days_before_close": 2,
        "time_progress_counts_reporting_month": "on",
        "reviewer": Reviewer.DEPARTMENT,
        "visible_stages": "前期\n主体开工\n\n主体完工\n竣工\n",
        "unusual_month_factor": "4",
        "stalled_months": 3,
    }
    data.update(changes)
    return data


@pytest.mark.django_db
def test_the_office_changes_the_settings(login, users):
    client = login(users[Role.OFFICE])
    assert "前期" in client.get(reverse("progress:settings")).content.decode()
    response = client.post(reverse("progress:settings"), settings_form())
    assert response.status_code == 302
    saved = ProgressSettings.objects.get(pk=1)
    assert (saved.window_opens_on_day, saved.window_closes_on_day, saved.reviewer) == (18, 24, Reviewer.DEPARTMENT)
    assert saved.visible_stages == ["前期", "主体开工", "主体完工", "竣工"]
    assert AuditEvent.objects.filter(code=ProgressEvent.SETTINGS_CHANGED).exists()


@pytest.mark.django_db
def test_invalid_settings_are_shown_and_not_saved(login, users):
    client = login(users[Role.OFFICE])
    response = client.post(reverse("progress:settings"), settings_form(window_opens_on_day=26, window_closes_on_day=25))
    assert response.status_code == 200
    assert "截止报送日不能早于开始报送日" in response.content.decode()
    response = client.post(reverse("progress:settings"), settings_form(visible_stages="前期\n前期"))
    assert "形象进度阶段不能重复" in response.content.decode()
    assert ProgressSettings.objects.get(pk=1).window_opens_on_day == 20


# --- warning presets ---------------------------------------------------------------------------------------------

ALL_RED = [
    {
        "code": "started",
        "label": "序时进度已过半",
        "level": "red",
        "when": {"attr": "time_progress", "op": "gte", "value": 50},
    }
]


@pytest.mark.django_db
def test_presets_are_listed_and_described(login, users):
    client = login(users[Role.OFFICE])
    html = client.get(reverse("progress:preset-list")).content.decode()
    wuhan = WarningPreset.objects.get(code="wuhan")
    assert wuhan.name in html
    page = client.get(reverse("progress:preset-detail", args=[wuhan.pk])).content.decode()
    assert "完成率占序时进度(%)" in page  # the rules read as sentences and the measures are listed
    assert "percent_of_time_progress" in page


@pytest.mark.django_db
def test_invalid_preset_rules_show_each_error_with_its_path_and_save_nothing(login, users):
    client = login(users[Role.OFFICE])
    before = WarningPreset.objects.count()
    bad = [
        {"code": "a", "label": "甲", "level": "orange", "when": {"attr": "nonsense", "op": "gt", "value": 1}},
        {"code": "a", "label": "乙", "level": "red"},
    ]
    response = client.post(
        reverse("progress:preset-create"),
        {"code": "broken", "name": "错误方案", "rules": json.dumps(bad, ensure_ascii=False)},
    )
    assert response.status_code == 200
    errors = response.content.decode()
    errors = errors[errors.index('data-testid="errors-rules"') :]
    assert "规则[1]: level 须为 yellow 或 red" in errors
    assert "规则[1].when" in errors
    assert "规则[2]: 缺少 when" in errors
    assert "规则[2]: code “a” 重复" in errors.replace("&ldquo;", "“").replace("&rdquo;", "”")
    response = client.post(reverse("progress:preset-create"), {"code": "broken", "name": "错误方案", "rules": "[{"})
    assert "不是有效的 JSON" in response.content.decode()
    assert WarningPreset.objects.count() == before


@pytest.mark.django_db
def test_activating_a_preset_and_refreshing_changes_the_lights(login, users, city):
    client = login(users[Role.OFFICE])
    response = client.post(
        reverse("progress:preset-create"),
        {"code": "all-red", "name": "全部红灯(演练)", "rules": json.dumps(ALL_RED, ensure_ascii=False)},
    )
    preset = WarningPreset.objects.get(code="all-red")
    assert response["Location"] == reverse("progress:preset-detail", args=[preset.pk])
    assert "序时进度(%) 大于等于 50" in client.get(response["Location"]).content.decode()

    client.post(reverse("progress:lights-refresh"), {"month": "2024-10"})
    assert ProjectProgress.objects.get(project=city["ours"]).warning_level == WarningLevel.GREEN

    client.post(reverse("progress:preset-activate", args=[preset.pk]))
    assert ProgressSettings.objects.get(pk=1).active_preset_id == preset.pk
    response = client.post(reverse("progress:lights-refresh"), {"month": "2024-10"}, follow=True)
    assert ProjectProgress.objects.get(project=city["ours"]).warning_level == WarningLevel.RED
    html = response.content.decode()
    assert "红灯2个" in html  # the counts in the message
    assert response.context["month"] == OCTOBER
    assert html.count('data-light="red"') == 2


@pytest.mark.django_db
def test_a_preset_is_edited_in_place(login, users):
    client = login(users[Role.OFFICE])
    preset = WarningPreset.objects.get(code="wuhan")
    client.post(
        reverse("progress:preset-detail", args=[preset.pk]),
        {"code": "wuhan", "name": "武汉(修订)", "description": "", "rules": json.dumps(ALL_RED)},
    )
    preset.refresh_from_db()
    assert (preset.name, preset.rules) == ("武汉(修订)", ALL_RED)
    # another preset's code is refused
    response = client.post(
        reverse("progress:preset-detail", args=[preset.pk]),
        {"code": "yinchuan", "name": "武汉", "rules": json.dumps(ALL_RED)},
    )
    assert response.status_code == 200 and WarningPreset.objects.get(pk=preset.pk).code == "wuhan"


# --- notices -----------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_notices_are_listed_counted_in_the_nav_and_marked_read(login, users, city, department):
    dept = users[Role.DEPARTMENT]
    other = ProjectFactory(coded=True)
    ProgressNotice.objects.create(
        recipient=dept, project=city["ours"], month=OCTOBER, kind=NoticeKind.LIGHT, level="red", detail="完成率偏低"
    )
    ProgressNotice.objects.create(recipient=dept, project=city["ours"], month=SEPTEMBER, kind=NoticeKind.REMINDER)
    ProgressNotice.objects.create(recipient=users[Role.OFFICE], project=other, month=OCTOBER, kind=NoticeKind.LIGHT)
    client = login(dept)
    html = client.get(reverse("progress:notices")).content.decode()
    assert "完成率偏低" in html and city["ours"].name in html and other.name not in html
    assert re.search(r'data-testid="nav-unread">2<', html)
    assert 'data-testid="nav-progress"' in html
    response = client.post(reverse("progress:notices-read"), follow=True)
    assert not ProgressNotice.objects.filter(recipient=dept, read_at__isnull=True).exists()
    assert ProgressNotice.objects.filter(recipient=users[Role.OFFICE], read_at__isnull=True).count() == 1
    assert 'data-testid="nav-unread"' not in response.content.decode()


@pytest.mark.django_db
def test_an_enterprise_user_reads_its_notices_but_has_no_monthly_view_link(login, users, city):
    ProgressNotice.objects.create(
        recipient=users[Role.ENTERPRISE],
        project=city["ours"],
        month=OCTOBER,
        kind=NoticeKind.RETURNED,
        detail="请补充照片",
    )
    html = login(users[Role.ENTERPRISE]).get(reverse("progress:notices")).content.decode()
    assert "请补充照片" in html
    assert 'data-testid="nav-progress"' not in html
    assert 'data-testid="nav-notices"' in html
