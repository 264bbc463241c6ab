"""The progress API (/api/progress/): each endpoint as each role uses it, its scoping, its refusals and their shape."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from kaigong.accounts.choices import Role
from kaigong.accounts.tests.factories import UserFactory
from kaigong.progress import services
from kaigong.progress.choices import NoticeKind, ReportStatus
from kaigong.progress.models import Problem, ProgressNotice, ProgressReport, WarningPreset
from kaigong.progress.tests.factories import building_project
from kaigong.projects.tests.factories import CategoryFactory

API = "/api/progress"
GOVERNMENT = [Role.ADMIN, Role.OFFICE, Role.DEPARTMENT, Role.LEADER]
OCTOBER = dt.date(2024, 10, 1)


@pytest.fixture
def project(department, organization):
    return building_project(responsible_department=department, owner=organization, name="侯马经济开发区标准化厂房")


@pytest.fixture
def other_project(other_department, other_organization):
    return building_project(responsible_department=other_department, owner=other_organization, name="曲沃县物流园")


def submit(project, month, amount, actor, **data):
    return services.submit_report(
        project=project, month=month, data={"monthly_investment": Decimal(amount), **data}, actor=actor
    )


def body(**fields):
    return {
        "month": "2024-10",
        "monthly_investment": "150.50",
        "visible_progress": "主体结构施工至三层",
        "visible_stage": "主体开工",
        "registered_in_statistics": True,
        "statistics_registered_on": "2024-02-01",
        "problems": [{"kind": "land", "description": "二期用地指标未落实"}],
        **fields,
    }


def jpeg(size=(64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (120, 160, 90)).save(out, "JPEG")
    return out.getvalue()


def assert_error(response, status, code=None, field=None):
    assert response.status_code == status, response.content
    error = response.json()["error"]
    assert error["message"] and error["message_en"]
    if code:
        assert error["code"] == code
    if field:
        assert field in error["fields"], error
    return error


# --- reports ------------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_enterprise_submits_a_report_and_reads_it_back_with_computed_figures(project, users, api_login):
    api = api_login(users[Role.ENTERPRISE])
    submit(project, dt.date(2024, 9, 1), "100", users[Role.ENTERPRISE])

    response = api.post(f"{API}/reports/", body(project=project.pk), format="json")

    assert response.status_code == 201, response.content
    report = response.json()
    assert report["month"] == "2024-10"
    assert report["monthly_investment"] == "150.50"
    assert report["year_to_date"] == "250.50"  # computed: September's 100 and October's 150.50
    assert report["status"] == ReportStatus.SUBMITTED
    assert report["problems"][0]["kind"] == "land"
    assert report["problems"][0]["kind_display"] == "用地"
    assert [v["version"] for v in report["versions"]] == [1]
    assert report["actions"] == ["resubmit", "photos"]
    assert Problem.objects.filter(project=project, description="二期用地指标未落实").exists()

    again = api.post(f"{API}/reports/", body(project=project.pk, monthly_investment="160"), format="json")
    assert again.status_code == 200  # the month's report, not yet accepted, is replaced
    assert again.json()["id"] == report["id"]
    assert again.json()["year_to_date"] == "260.00"


@pytest.mark.django_db
def test_plausibility_warnings_are_worded_in_both_languages(project, users, api_login):
    response = api_login(users[Role.OFFICE]).post(
        f"{API}/reports/", body(project=project.pk, monthly_investment="5000", problems=[]), format="json"
    )

    warnings = {w["code"]: w for w in response.json()["plausibility"]}
    assert "年度计划投资" in warnings["ytd_above_plan"]["message"]
    assert "5000" in warnings["ytd_above_plan"]["message"]
    assert warnings["ytd_above_plan"]["message_en"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"month": "2024-13"}, "month"),
        ({"month": "10/2024"}, "month"),
        ({"monthly_investment": "-1"}, "monthly_investment"),
        ({"monthly_investment": "abc"}, "monthly_investment"),
        ({"problems": [{"kind": "weather", "description": "下雨"}]}, "problems.0.kind"),
        ({"visible_stage": "封顶了"}, "visible_stage"),
        ({"month": "2099-01"}, "month"),
    ],
)
def test_invalid_reports_answer_400_naming_the_field(project, users, api_login, fields, field):
    response = api_login(users[Role.OFFICE]).post(f"{API}/reports/", body(project=project.pk, **fields), format="json")

    assert_error(response, 400, field=field)
    assert not ProgressReport.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.LEADER])
def test_a_leader_may_not_report(project, users, api_login, role):
    response = api_login(users[role]).post(f"{API}/reports/", body(project=project.pk), format="json")

    assert_error(response, 403, code="permission_denied")


@pytest.mark.django_db
def test_a_project_the_user_does_not_see_is_refused_as_unknown(other_project, users, api_login):
    response = api_login(users[Role.ENTERPRISE]).post(f"{API}/reports/", body(project=other_project.pk), format="json")

    assert_error(response, 400, field="project")


@pytest.mark.django_db
def test_reports_are_scoped_to_the_projects_the_user_sees(project, other_project, users, api_login):
    own = submit(project, OCTOBER, "10", users[Role.OFFICE])
    theirs = submit(other_project, OCTOBER, "20", users[Role.OFFICE])

    for role in (Role.ENTERPRISE, Role.DEPARTMENT):
        api = api_login(users[role])
        listed = api.get(f"{API}/reports/").json()
        assert [r["id"] for r in listed["results"]] == [own.pk], role
        assert_error(api.get(f"{API}/reports/{theirs.pk}/"), 404, code="not_found")
        assert_error(api.post(f"{API}/reports/{theirs.pk}/accept/", {}, format="json"), 404)
    for role in (Role.OFFICE, Role.LEADER, Role.ADMIN):
        listed = api_login(users[role]).get(f"{API}/reports/").json()
        assert {r["id"] for r in listed["results"]} == {own.pk, theirs.pk}, role


@pytest.mark.django_db
def test_report_list_filters(project, other_project, users, api_login):
    september = submit(project, dt.date(2024, 9, 1), "10", users[Role.OFFICE])
    october = submit(project, OCTOBER, "10", users[Role.OFFICE])
    theirs = submit(other_project, OCTOBER, "10", users[Role.OFFICE])
    services.accept_report(report=september, actor=users[Role.OFFICE])
    api = api_login(users[Role.OFFICE])

    def ids(**params):
        response = api.get(f"{API}/reports/", params)
        assert response.status_code == 200, response.content
        return {r["id"] for r in response.json()["results"]}

    assert ids(project=project.pk) == {september.pk, october.pk}
    assert ids(month="2024-10") == {october.pk, theirs.pk}
    assert ids(status="accepted") == {september.pk}
    assert ids(late="true") == {september.pk, october.pk, theirs.pk}  # reported after the 25th of the month
    assert ids(late="false") == set()
    assert_error(api.get(f"{API}/reports/", {"month": "2024-1"}), 400, field="month")
    assert_error(api.get(f"{API}/reports/", {"status": "lost"}), 400, field="status")


@pytest.mark.django_db
def test_report_list_queries_do_not_grow_with_rows(
    project, other_project, users, api_login, django_assert_max_num_queries
):
    for month in range(1, 11):
        row = submit(project, dt.date(2024, month, 1), "10", users[Role.OFFICE], problems=[("funds", "缺资金")])
        submit(other_project, dt.date(2024, month, 1), "10", users[Role.OFFICE])
        if month % 2:
            services.accept_report(report=row, actor=users[Role.OFFICE])
    api = api_login(users[Role.OFFICE])

    with django_assert_max_num_queries(7):
        response = api.get(f"{API}/reports/")
    assert response.json()["count"] == 20


@pytest.mark.django_db
def test_review_accepts_once_and_locks(project, users, api_login):
    report = submit(project, OCTOBER, "10", users[Role.ENTERPRISE])
    office = api_login(users[Role.OFFICE])

    for role in (Role.ENTERPRISE, Role.DEPARTMENT, Role.LEADER):  # the office reviews by default
        assert_error(api_login(users[role]).post(f"{API}/reports/{report.pk}/accept/", {}, format="json"), 403)

    accepted = office.post(f"{API}/reports/{report.pk}/accept/", {"note": "数据已核"}, format="json")
    assert accepted.status_code == 200
    assert accepted.json()["status"] == ReportStatus.ACCEPTED
    assert accepted.json()["reviewed_by"]

    assert_error(
        office.post(f"{API}/reports/{report.pk}/accept/", {}, format="json"), 400, code="transition_not_allowed"
    )
    locked = api_login(users[Role.ENTERPRISE]).patch(
        f"{API}/reports/{report.pk}/", {"monthly_investment": "11"}, format="json"
    )
    assert_error(locked, 400)


@pytest.mark.django_db
def test_a_department_reviews_where_the_settings_say_so(project, users, api_login):
    services.update_settings(data={"reviewer": "department"}, actor=users[Role.OFFICE])
    report = submit(project, OCTOBER, "10", users[Role.ENTERPRISE])

    response = api_login(users[Role.DEPARTMENT]).post(f"{API}/reports/{report.pk}/accept/", {}, format="json")

    assert response.status_code == 200
    assert response.json()["status"] == ReportStatus.ACCEPTED


@pytest.mark.django_db
def test_a_returned_report_is_told_and_resubmitted(project, users, api_login):
    report = submit(project, OCTOBER, "10", users[Role.ENTERPRISE])
    office = api_login(users[Role.OFFICE])
    enterprise = api_login(users[Role.ENTERPRISE])

    assert_error(office.post(f"{API}/reports/{report.pk}/return/", {}, format="json"), 400, field="reason")
    assert_error(enterprise.post(f"{API}/reports/{report.pk}/return/", {"reason": "x"}, format="json"), 403)
    returned = office.post(f"{API}/reports/{report.pk}/return/", {"reason": "投资额与统计数据不符"}, format="json")
    assert returned.json()["status"] == ReportStatus.RETURNED
    assert returned.json()["return_reason"] == "投资额与统计数据不符"

    notices = enterprise.get(f"{API}/notices/").json()["results"]
    assert [(n["kind"], n["detail"], n["is_read"]) for n in notices] == [
        (NoticeKind.RETURNED, "投资额与统计数据不符", False)
    ]

    resubmitted = enterprise.patch(f"{API}/reports/{report.pk}/", {"monthly_investment": "12.5"}, format="json")
    assert resubmitted.status_code == 200, resubmitted.content
    assert (resubmitted.json()["status"], resubmitted.json()["monthly_investment"]) == ("submitted", "12.50")
    assert_error(
        api_login(users[Role.LEADER]).patch(f"{API}/reports/{report.pk}/", {"monthly_investment": "1"}, format="json"),
        403,
    )


@pytest.mark.django_db
def test_a_correction_is_a_new_version_with_its_reason(project, users, api_login):
    report = submit(project, OCTOBER, "10", users[Role.ENTERPRISE])
    services.accept_report(report=report, actor=users[Role.OFFICE])
    enterprise = api_login(users[Role.ENTERPRISE])

    assert_error(
        enterprise.post(f"{API}/reports/{report.pk}/correct/", {"monthly_investment": "20"}, format="json"),
        400,
        field="reason",
    )
    assert_error(
        api_login(users[Role.LEADER]).post(
            f"{API}/reports/{report.pk}/correct/", {"reason": "口径", "monthly_investment": "20"}, format="json"
        ),
        403,
    )
    response = enterprise.post(
        f"{API}/reports/{report.pk}/correct/", {"reason": "统计口径调整", "monthly_investment": "20"}, format="json"
    )

    assert response.status_code == 201, response.content
    new = response.json()
    assert (new["version"], new["supersedes"], new["correction_reason"]) == (2, report.pk, "统计口径调整")
    assert new["monthly_investment"] == "20.00"
    assert [(v["version"], v["status"]) for v in new["versions"]] == [(2, "submitted"), (1, "superseded")]
    superseded = enterprise.patch(f"{API}/reports/{report.pk}/", {"monthly_investment": "1"}, format="json")
    assert_error(superseded, 400, code="report_superseded")
    assert_error(enterprise.post(f"{API}/reports/{new['id']}/correct/", {"reason": "再改"}, format="json"), 400)


@pytest.mark.django_db
def test_photos_are_processed_and_a_refused_file_is_named(project, users, api_login):
    report = submit(project, OCTOBER, "10", users[Role.ENTERPRISE])
    enterprise = api_login(users[Role.ENTERPRISE])

    response = enterprise.post(
        f"{API}/reports/{report.pk}/photos/",
        {"files": [SimpleUploadedFile("site-1.jpg", jpeg()), SimpleUploadedFile("site-2.jpg", jpeg((30, 40)))]},
        format="multipart",
    )

    assert response.status_code == 201, response.content
    photos = response.json()["photos"]
    assert [(p["original_name"], p["width"], p["height"]) for p in photos] == [
        ("site-1.jpg", 64, 48),
        ("site-2.jpg", 30, 40),
    ]
    refused = enterprise.post(
        f"{API}/reports/{report.pk}/photos/",
        {"files": [SimpleUploadedFile("site-3.jpg", jpeg()), SimpleUploadedFile("notes.jpg", b"not a picture")]},
        format="multipart",
    )
    error = assert_error(refused, 400, code="photo", field="files")
    assert "notes.jpg" in error["message"] and "notes.jpg" in error["message_en"]
    assert report.photos.count() == 2  # none of the refused batch kept
    assert_error(enterprise.post(f"{API}/reports/{report.pk}/photos/", {}, format="multipart"), 400, field="files")
    leader = api_login(users[Role.LEADER]).post(
        f"{API}/reports/{report.pk}/photos/", {"files": [SimpleUploadedFile("a.jpg", jpeg())]}, format="multipart"
    )
    assert_error(leader, 403)


@pytest.mark.django_db
def test_photos_of_another_enterprises_report_are_not_found(other_project, users, api_login):
    report = submit(other_project, OCTOBER, "10", users[Role.OFFICE])

    response = api_login(users[Role.ENTERPRISE]).post(
        f"{API}/reports/{report.pk}/photos/", {"files": [SimpleUploadedFile("a.jpg", jpeg())]}, format="multipart"
    )

    assert_error(response, 404)


# --- problems -----------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_problems_are_raised_listed_and_scoped(project, other_project, users, api_login):
    enterprise = api_login(users[Role.ENTERPRISE])
    response = enterprise.post(
        f"{API}/problems/", {"project": project.pk, "kind": "funds", "description": "配套资金未到位"}, format="json"
    )
    assert response.status_code == 201, response.content
    assert (response.json()["source"], response.json()["status"]) == ("enterprise", "open")
    services.raise_problem(project=other_project, description="电力接入", kind="utilities", actor=users[Role.OFFICE])

    assert [p["description"] for p in enterprise.get(f"{API}/problems/").json()["results"]] == ["配套资金未到位"]
    office = api_login(users[Role.OFFICE])
    assert office.get(f"{API}/problems/").json()["count"] == 2
    assert [p["kind"] for p in office.get(f"{API}/problems/", {"kind": "utilities"}).json()["results"]] == ["utilities"]
    assert office.get(f"{API}/problems/", {"project": project.pk, "status": "open"}).json()["count"] == 1
    assert_error(office.get(f"{API}/problems/", {"kind": "weather"}), 400, field="kind")


@pytest.mark.django_db
def test_problem_refusals(project, other_project, users, api_login):
    enterprise = api_login(users[Role.ENTERPRISE])

    unknown = {"project": project.pk, "kind": "weather", "description": "下雨"}
    assert_error(enterprise.post(f"{API}/problems/", unknown, format="json"), 400, field="kind")
    blank = {"project": project.pk, "description": ""}
    assert_error(enterprise.post(f"{API}/problems/", blank, format="json"), 400, field="description")
    theirs = {"project": other_project.pk, "description": "缺资金"}
    assert_error(enterprise.post(f"{API}/problems/", theirs, format="json"), 400, field="project")
    leader = {"project": project.pk, "description": "缺资金"}
    assert_error(api_login(users[Role.LEADER]).post(f"{API}/problems/", leader, format="json"), 403)


@pytest.mark.django_db
def test_problem_list_queries_do_not_grow(project, users, api_login, django_assert_max_num_queries):
    for n in range(15):
        services.raise_problem(project=project, description=f"问题{n}", actor=users[Role.OFFICE])

    with django_assert_max_num_queries(4):
        response = api_login(users[Role.OFFICE]).get(f"{API}/problems/")
    assert response.json()["count"] == 15


# --- measures and lights ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_measures_of_an_own_project(project, users, api_login):
    for month in range(1, 11):
        submit(project, dt.date(2024, month, 1), "60", users[Role.OFFICE])  # 600 of a plan of 1200 by October
    services.refresh_lights(month=OCTOBER, actor=users[Role.OFFICE])

    response = api_login(users[Role.ENTERPRISE]).get(f"{API}/measures/", {"project": project.pk, "month": "2024-10"})

    assert response.status_code == 200, response.content
    measures = response.json()
    assert (measures["year_to_date"], measures["monthly_investment"], measures["since_start"]) == (
        "600.00",
        "60.00",
        "600.00",
    )
    assert (measures["completion_rate"], measures["time_progress"], measures["gap_points"]) == (
        "50.00",
        "83.33",
        "-33.33",
    )
    assert measures["light"] == "red"  # the default preset (Yinchuan): more than 30 points behind
    assert measures["reasons"][0]["level"] == "red"
    september = api_login(users[Role.ENTERPRISE]).get(f"{API}/measures/", {"project": project.pk, "month": "2024-09"})
    assert september.json()["light"] is None  # not measured that month


@pytest.mark.django_db
def test_measures_refusals(project, other_project, users, api_login):
    enterprise = api_login(users[Role.ENTERPRISE])

    assert_error(enterprise.get(f"{API}/measures/", {"project": other_project.pk}), 404)
    assert_error(enterprise.get(f"{API}/measures/"), 400, field="project")
    assert_error(enterprise.get(f"{API}/measures/", {"project": project.pk, "month": "2024"}), 400, field="month")


@pytest.fixture
def lit(project, other_project, users):
    """October lit: the project red (half its plan), the other one green (on plan)."""
    for month in range(1, 11):
        submit(project, dt.date(2024, month, 1), "60", users[Role.OFFICE])
        submit(other_project, dt.date(2024, month, 1), "100", users[Role.OFFICE])
    return services.refresh_lights(month=OCTOBER, actor=users[Role.OFFICE])


@pytest.mark.django_db
def test_lights_of_the_month_for_government_roles(lit, project, other_project, users, api_login):
    office = api_login(users[Role.OFFICE])

    rows = office.get(f"{API}/lights/", {"month": "2024-10"}).json()["results"]
    assert [(r["project"], r["light"]) for r in rows] == [(project.pk, "red"), (other_project.pk, "green")]
    assert rows[0]["reasons"][0]["code"] == "behind_over_30"
    assert (rows[0]["completion_rate"], rows[0]["gap_points"]) == ("50.00", "-33.33")
    red = office.get(f"{API}/lights/", {"month": "2024-10", "light": "red"}).json()["results"]
    assert [r["project"] for r in red] == [project.pk]
    named = office.get(f"{API}/lights/", {"month": "2024-10", "q": "物流园"}).json()["results"]
    assert [r["project"] for r in named] == [other_project.pk]
    assert office.get(f"{API}/lights/", {"month": "2024-09"}).json()["count"] == 0
    department = api_login(users[Role.DEPARTMENT]).get(f"{API}/lights/", {"month": "2024-10"}).json()["results"]
    assert [r["project"] for r in department] == [project.pk]
    assert api_login(users[Role.LEADER]).get(f"{API}/lights/", {"month": "2024-10"}).json()["count"] == 2
    assert_error(api_login(users[Role.ENTERPRISE]).get(f"{API}/lights/"), 403)
    assert_error(office.get(f"{API}/lights/", {"light": "blue"}), 400, field="light")


@pytest.mark.django_db
def test_light_list_queries_do_not_grow(lit, users, api_login, department, organization, django_assert_max_num_queries):
    for n in range(8):
        extra = building_project(responsible_department=department, owner=organization, name=f"项目{n}")
        submit(extra, OCTOBER, "10", users[Role.OFFICE])
    services.refresh_lights(month=OCTOBER, actor=users[Role.OFFICE])

    with django_assert_max_num_queries(4):
        response = api_login(users[Role.OFFICE]).get(f"{API}/lights/", {"month": "2024-10"})
    assert response.json()["count"] == 10


@pytest.mark.django_db
def test_refresh_lights_is_the_offices(project, users, api_login):
    submit(project, OCTOBER, "10", users[Role.OFFICE])

    for role in (Role.DEPARTMENT, Role.LEADER, Role.ENTERPRISE):
        response = api_login(users[role]).post(f"{API}/lights/refresh/", {"month": "2024-10"}, format="json")
        assert_error(response, 403)
    response = api_login(users[Role.OFFICE]).post(f"{API}/lights/refresh/", {"month": "2024-10"}, format="json")

    assert response.status_code == 200
    assert (response.json()["projects"], response.json()["red"]) == (1, 1)
    bad = api_login(users[Role.OFFICE]).post(f"{API}/lights/refresh/", {"month": "October"}, format="json")
    assert_error(bad, 400, field="month")


# --- aggregations and the reporting status ------------------------------------------------------------------------


@pytest.mark.django_db
def test_aggregations_by_group_and_for_a_filtered_list(lit, project, other_project, users, api_login):
    category = CategoryFactory(name="工业项目")
    project.category = category
    project.save(update_fields=["category"])
    office = api_login(users[Role.OFFICE])

    response = office.get(f"{API}/aggregations/", {"month": "2024-10", "group_by": "department"})

    assert response.status_code == 200, response.content
    figures = response.json()
    assert figures["totals"]["projects"] == 2
    assert figures["totals"]["year_to_date"] == "1600.00"
    assert figures["totals"]["lights"] == {"red": 1, "yellow": 0, "green": 1}
    assert {row["label"]: row["year_to_date"] for row in figures["rows"]} == {
        "侯马市发展和改革局": "600.00",
        "侯马市住房和城乡建设管理局": "1000.00",
    }
    filtered = office.get(f"{API}/aggregations/", {"month": "2024-10", "category": category.pk}).json()
    assert (filtered["rows"], filtered["totals"]["projects"], filtered["totals"]["completion_rate"]) == ([], 1, "50.00")
    mine = api_login(users[Role.DEPARTMENT]).get(f"{API}/aggregations/", {"month": "2024-10"}).json()
    assert mine["totals"]["projects"] == 1
    assert_error(api_login(users[Role.ENTERPRISE]).get(f"{API}/aggregations/"), 403)
    assert_error(office.get(f"{API}/aggregations/", {"group_by": "colour"}), 400, field="group_by")
    assert_error(office.get(f"{API}/aggregations/", {"category": "abc"}), 400, field="category")


@pytest.mark.django_db
def test_reporting_status_counts_and_who_has_not_reported(project, other_project, users, api_login):
    report = submit(project, OCTOBER, "10", users[Role.OFFICE])
    services.accept_report(report=report, actor=users[Role.OFFICE])

    response = api_login(users[Role.OFFICE]).get(f"{API}/status/", {"month": "2024-10"})

    assert response.status_code == 200
    status = response.json()
    assert (status["due"], status["reported"], status["not_reported"], status["accepted"]) == (2, 1, 1, 1)
    assert status["window_closes_on"] == "2024-10-25"
    assert [p["id"] for p in status["not_reported_projects"]] == [other_project.pk]
    department = api_login(users[Role.DEPARTMENT]).get(f"{API}/status/", {"month": "2024-10"}).json()
    assert (department["due"], department["not_reported_projects"]) == (1, [])
    assert_error(api_login(users[Role.ENTERPRISE]).get(f"{API}/status/"), 403)


# --- settings and presets -----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_settings_read_in_government_and_changed_by_the_office(users, api_login):
    for role in GOVERNMENT:
        assert api_login(users[role]).get(f"{API}/settings/").status_code == 200, role
    assert_error(api_login(users[Role.ENTERPRISE]).get(f"{API}/settings/"), 403)
    for role in (Role.DEPARTMENT, Role.LEADER, Role.ENTERPRISE):
        assert_error(api_login(users[role]).patch(f"{API}/settings/", {"stalled_months": 4}, format="json"), 403)

    office = api_login(users[Role.OFFICE])
    response = office.patch(f"{API}/settings/", {"window_closes_on_day": 28, "reviewer": "department"}, format="json")

    assert response.status_code == 200, response.content
    assert (response.json()["window_closes_on_day"], response.json()["reviewer"]) == (28, "department")
    backwards = office.patch(f"{API}/settings/", {"window_opens_on_day": 28, "window_closes_on_day": 20}, format="json")
    assert_error(backwards, 400, field="window_closes_on_day")


GOOD_RULE = {
    "code": "slow",
    "label": "进度偏慢",
    "level": "yellow",
    "when": {"attr": "gap_points", "op": "lt", "value": -5},
}


@pytest.mark.django_db
def test_presets_are_edited_validated_and_activated_by_the_office(users, api_login):
    office = api_login(users[Role.OFFICE])

    bad = office.post(
        f"{API}/presets/",
        {"code": "strict", "name": "严格", "rules": [GOOD_RULE, {**GOOD_RULE, "code": "x", "level": "blue"}]},
        format="json",
    )
    error = assert_error(bad, 400, field="rules")
    assert any("规则[2]" in message and "level" in message for message in error["fields"]["rules"])

    created = office.post(f"{API}/presets/", {"code": "strict", "name": "严格", "rules": [GOOD_RULE]}, format="json")
    assert created.status_code == 201, created.content
    preset = created.json()
    assert (preset["is_active"], preset["rules"]) == (False, [GOOD_RULE])
    renamed = office.patch(f"{API}/presets/{preset['id']}/", {"name": "严格方案"}, format="json")
    assert (renamed.status_code, renamed.json()["name"], renamed.json()["rules"]) == (200, "严格方案", [GOOD_RULE])
    bad_when = office.patch(
        f"{API}/presets/{preset['id']}/", {"rules": [{**GOOD_RULE, "when": {"attr": "x"}}]}, format="json"
    )
    assert any("规则[1].when" in message for message in assert_error(bad_when, 400, field="rules")["fields"]["rules"])

    activated = office.post(f"{API}/presets/{preset['id']}/activate/")
    assert (activated.status_code, activated.json()["active_preset"]) == (200, "strict")
    listed = {p["code"]: p["is_active"] for p in office.get(f"{API}/presets/").json()["results"]}
    assert listed["strict"] is True and not any(active for code, active in listed.items() if code != "strict")


@pytest.mark.django_db
def test_presets_refusals_by_role(users, api_login):
    preset = WarningPreset.objects.order_by("pk").first()
    for role in (Role.DEPARTMENT, Role.LEADER):
        api = api_login(users[role])
        assert api.get(f"{API}/presets/").status_code == 200
        assert_error(api.post(f"{API}/presets/", {"code": "x", "name": "x", "rules": []}, format="json"), 403)
        assert_error(api.patch(f"{API}/presets/{preset.pk}/", {"name": "x"}, format="json"), 403)
        assert_error(api.post(f"{API}/presets/{preset.pk}/activate/"), 403)
    enterprise = api_login(users[Role.ENTERPRISE])
    assert_error(enterprise.get(f"{API}/presets/"), 403)
    assert_error(enterprise.get(f"{API}/presets/{preset.pk}/"), 403)


# --- notices ------------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_notices_are_ones_own_and_marked_read(lit, project, users, api_login, department):
    colleague = UserFactory(role=Role.DEPARTMENT, department=department)
    mine = ProgressNotice.objects.filter(recipient=users[Role.DEPARTMENT])
    assert mine.count() == 1  # the department is told its project turned red
    api = api_login(users[Role.DEPARTMENT])

    notices = api.get(f"{API}/notices/").json()["results"]
    assert [(n["project"], n["kind"], n["level"], n["month"]) for n in notices] == [
        (project.pk, "light", "red", "2024-10")
    ]
    assert api_login(users[Role.ENTERPRISE]).get(f"{API}/notices/").json()["count"] == 0
    others = ProgressNotice.objects.create(recipient=colleague, project=project, month=OCTOBER, kind="reminder")
    marked = api.post(f"{API}/notices/read/", {"ids": [others.pk]}, format="json")
    assert marked.json() == {"marked": 0}  # somebody else's notice is not one's to mark
    assert api.post(f"{API}/notices/read/", {}, format="json").json() == {"marked": 1}
    assert api.get(f"{API}/notices/").json()["results"][0]["is_read"] is True
    assert_error(api.post(f"{API}/notices/read/", {"ids": ["x"]}, format="json"), 400, field="ids.0")


@pytest.mark.django_db
def test_every_endpoint_requires_a_login(client):
    for path in ("reports/", "problems/", "measures/", "lights/", "aggregations/", "status/", "settings/", "presets/"):
        response = client.get(f"{API}/{path}")
        assert_error(response, 401, code="not_authenticated")


@pytest.mark.django_db
def test_ids_no_database_key_holds_are_refused_not_sent_to_the_database(users, api_login):
    api = api_login(users[Role.OFFICE])
    huge = 2**64

    assert_error(api.get(f"{API}/reports/{huge}/"), 404)
    assert_error(api.get(f"{API}/presets/{huge}/"), 404)
    assert_error(api.get(f"{API}/reports/", {"project": huge}), 400, field="project")
    assert_error(api.get(f"{API}/measures/", {"project": huge}), 400, field="project")
    assert_error(api.post(f"{API}/notices/read/", {"ids": [huge]}, format="json"), 400, field="ids.0")
