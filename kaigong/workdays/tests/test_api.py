"""/api/workdays/…: arithmetic and reads for every signed-in role, writes for administrators only."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from kaigong.accounts.choices import Role
from kaigong.audit.models import AuditEvent
from kaigong.workdays.models import CalendarDay, CalendarYear

pytestmark = pytest.mark.django_db

ALL_ROLES = list(Role)
NON_ADMIN = [Role.OFFICE, Role.DEPARTMENT, Role.LEADER, Role.ENTERPRISE]
URL = "/api/workdays/"


@pytest.mark.parametrize("role", ALL_ROLES)
def test_add_for_every_role(users, api_login, role):
    response = api_login(users[role]).get(URL + "add/", {"date": "2024-02-09", "n": 2})
    assert response.status_code == 200
    assert response.json() == {
        "date": "2024-02-09",
        "n": 2,
        "result": "2024-02-19",
        "provisional": False,
        "missing_years": [],
    }


def test_anonymous_is_refused():
    for path in ("add/?date=2024-02-09&n=1", "count/?start=2024-01-01&end=2024-02-01", "years/", "years/2025/"):
        response = APIClient().get(URL + path)
        assert response.status_code in (401, 403)
        assert response.json()["error"]["code"] in ("not_authenticated", "permission_denied")


def test_count_with_suspension(users, api_login):
    api = api_login(users[Role.DEPARTMENT])
    response = api.get(URL + "count/", {"start": "2025-03-03", "end": "2025-03-14"})
    assert response.json()["workdays"] == 9
    response = api.get(
        URL + "count/", {"start": "2025-03-03", "end": "2025-03-14", "suspension": ["2025-03-05,2025-03-11"]}
    )
    assert response.json()["workdays"] == 4
    response = api.get(URL + "add/", {"date": "2025-03-03", "n": 20, "suspension": "2025-03-05,2025-03-11"})
    assert response.json()["result"] == "2025-04-08"


def test_is_workday(users, api_login):
    response = api_login(users[Role.LEADER]).get(URL + "is-workday/", {"date": "2025-02-08"})
    assert response.json()["is_workday"] is True


def test_missing_year_is_refused_or_provisional_on_request(users, api_login):
    api = api_login(users[Role.OFFICE])
    response = api.get(URL + "add/", {"date": "2031-05-06", "n": 1})
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "calendar_year_missing" and "2031年的工作日历尚未载入" in error["message"]
    assert "message_en" in error
    response = api.get(URL + "add/", {"date": "2026-12-20", "n": 10, "provisional": "true"})
    assert response.status_code == 200
    assert response.json() | {} == {
        "date": "2026-12-20",
        "n": 10,
        "result": "2027-01-01",
        "provisional": True,
        "missing_years": [2027],
    }
    response = api.get(URL + "count/", {"start": "2030-12-31", "end": "2031-01-31", "provisional": "true"})
    assert response.json()["workdays"] == 23 and response.json()["provisional"] is True


@pytest.mark.parametrize(
    "params",
    [
        {"date": "2025-02-30", "n": 1},
        {"date": "2025-02-03"},
        {"date": "2025-02-03", "n": "x"},
        {"date": "2025-02-03", "n": 5, "suspension": "2025-03-09,2025-03-05"},
    ],
)
def test_bad_input_is_a_validation_error(users, api_login, params):
    response = api_login(users[Role.OFFICE]).get(URL + "add/", params)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
    assert response.json()["error"]["fields"]


@pytest.mark.parametrize("role", ALL_ROLES)
def test_years_list_and_detail_for_every_role(users, api_login, role, django_assert_max_num_queries):
    api = api_login(users[role])
    with django_assert_max_num_queries(3):
        response = api.get(URL + "years/")
    assert response.status_code == 200
    years = {row["year"]: row for row in response.json()}
    assert sorted(years) == list(range(2004, 2027))
    assert years[2025]["holiday_count"] == 28 and years[2025]["makeup_workday_count"] == 5
    assert years[2025]["source"] == "chinesecalendar" and years[2025]["is_complete"] is True
    with django_assert_max_num_queries(4):
        detail = api.get(URL + "years/2025/").json()
    assert {"date": "2025-01-26", "kind": "makeup_workday", "kind_display": "调休上班日", "name": "春节"} in detail[
        "days"
    ]
    assert api.get(URL + "years/2031/").status_code == 404
    assert len(api.get(URL + "years/2025/days/").json()) == 33
    assert api.get(URL + "years/2025/days/2025-01-28/").json()["name"] == "春节"


def test_admin_edits_days_and_years(users, api_login):
    api = api_login(users[Role.ADMIN])
    response = api.post(URL + "years/", {"year": 2027, "notice": "国办发明电"}, format="json")
    assert response.status_code == 201 and response.json()["is_complete"] is False
    assert api.post(URL + "years/", {"year": 2027}, format="json").status_code == 409
    response = api.post(URL + "years/2027/days/", {"date": "2027-01-01", "kind": "holiday", "name": "元旦"})
    assert response.status_code == 200 and response.json()["name"] == "元旦"
    response = api.post(URL + "years/2027/days/", {"date": "2027-01-04", "kind": "makeup_workday"})
    assert response.status_code == 400 and "date" in response.json()["error"]["fields"]
    assert api.get(URL + "add/", {"date": "2026-12-31", "n": 1}).status_code == 409  # not complete yet
    response = api.patch(URL + "years/2027/", {"is_complete": True}, format="json")
    assert response.status_code == 200 and response.json()["is_complete"] is True
    assert api.get(URL + "add/", {"date": "2026-12-31", "n": 1}).json()["result"] == "2027-01-04"
    assert api.delete(URL + "years/2027/days/2027-01-01/").status_code == 204
    assert api.get(URL + "add/", {"date": "2026-12-31", "n": 1}).json()["result"] == "2027-01-01"
    assert api.delete(URL + "years/2027/").status_code == 204
    assert list(AuditEvent.objects.order_by("id").values_list("action", flat=True)) == [
        "create",
        "create",
        "update",
        "delete",
        "delete",
    ]


@pytest.mark.parametrize("role", NON_ADMIN)
def test_non_admin_writes_are_forbidden(users, api_login, role):
    api = api_login(users[role])
    attempts = [
        api.post(URL + "years/", {"year": 2027}, format="json"),
        api.patch(URL + "years/2025/", {"is_complete": False}, format="json"),
        api.delete(URL + "years/2025/"),
        api.post(URL + "years/2025/days/", {"date": "2025-03-10", "kind": "holiday"}),
        api.delete(URL + "years/2025/days/2025-01-28/"),
        api.post(URL + "load/", {"file": SimpleUploadedFile("2027.csv", b"2027-01-01,holiday,x\n")}),
    ]
    assert [r.status_code for r in attempts] == [403] * len(attempts)
    assert all(r.json()["error"]["code"] == "permission_denied" for r in attempts)
    assert CalendarDay.objects.filter(date=dt.date(2025, 1, 28)).exists()
    assert not AuditEvent.objects.exists()


def test_load_csv_and_json(users, api_login):
    api = api_login(users[Role.ADMIN])
    csv = SimpleUploadedFile("2027.csv", "date,kind,name\n2027-01-01,holiday,元旦\n2027-02-06,holiday,春节\n".encode())
    response = api.post(URL + "load/", {"file": csv})
    assert response.status_code == 201
    body = response.json()
    assert body["year"] == 2027 and body["holidays"] == 2 and body["replaced_days"] == 0
    assert "2027-02-06" in body["notes"][0]
    data = b'[{"date": "2027-02-20", "kind": "makeup_workday", "name": "x"}]'
    response = api.post(URL + "load/", {"file": SimpleUploadedFile("2027.json", data)})
    assert response.status_code == 409 and response.json()["error"]["code"] == "calendar_year_exists"
    response = api.post(URL + "load/", {"file": SimpleUploadedFile("2027.json", data), "replace": True})
    assert response.status_code == 201 and response.json()["replaced_days"] == 2
    assert CalendarYear.objects.get(year=2027).days.count() == 1


def test_load_bad_file_lists_problems(users, api_login):
    api = api_login(users[Role.ADMIN])
    bad = SimpleUploadedFile("2027.csv", b"2027-01-01,holiday,x\n2027-01-04,makeup_workday,x\n2027-01-05,rest,x\n")
    response = api.post(URL + "load/", {"file": bad})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_schedule_file"
    assert len(error["fields"]["file"]) == 2 and "第2行" in error["fields"]["file"][0]
    assert not CalendarYear.objects.filter(year=2027).exists()
    assert api.post(URL + "load/", {}).status_code == 400


def test_schema_documents_the_workdays_api_without_warnings():
    from drf_spectacular.drainage import GENERATOR_STATS
    from drf_spectacular.generators import SchemaGenerator

    GENERATOR_STATS.reset()
    schema = SchemaGenerator().get_schema(request=None, public=True)
    assert "/api/workdays/add/" in schema["paths"] and "/api/workdays/years/{year}/days/{date}/" in schema["paths"]
    problems = [
        msg for msg in [*GENERATOR_STATS._warn_cache, *GENERATOR_STATS._error_cache] if "workdays" in msg.lower()
    ]
    problems += [msg for msg in GENERATOR_STATS._warn_cache if "kind" in msg or "source" in msg]
    assert problems == []
