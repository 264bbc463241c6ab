"""/workdays/ pages: everyone signed in reads and calculates; only administrators edit (others 403)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kaigong.accounts.choices import Role
from kaigong.audit.models import AuditEvent
from kaigong.workdays.models import CalendarDay, CalendarYear

pytestmark = pytest.mark.django_db

ALL_ROLES = list(Role)
NON_ADMIN = [Role.OFFICE, Role.DEPARTMENT, Role.LEADER, Role.ENTERPRISE]


def test_anonymous_is_sent_to_login(client):
    for url in ("/workdays/", "/workdays/2025/"):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("role", ALL_ROLES)
def test_index_and_year_pages_for_every_role(users, login, role, django_assert_max_num_queries):
    client = login(users[role])
    with django_assert_max_num_queries(8):
        response = client.get("/workdays/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "2025" in html and "工作日计算" in html
    assert ("导入新一年的节假日安排" in html) is (role == Role.ADMIN)
    with django_assert_max_num_queries(8):
        response = client.get("/workdays/2025/")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'title="2025-01-28 春节"' in html and "wd-makeup_workday" in html
    assert ("添加或修改一天" in html) is (role == Role.ADMIN)
    assert client.get("/workdays/2031/").status_code == 404


def test_calculator(users, login):
    client = login(users[Role.DEPARTMENT])
    html = client.get("/workdays/", {"op": "add", "add-start": "2025-01-27", "add-n": "1"}).content.decode()
    assert "2025-02-05" in html and "is-provisional" not in html
    html = client.get("/workdays/", {"op": "count", "count-start": "2025-09-26", "count-end": "2025-10-12"}).content
    assert '<strong class="workdays-value">6</strong>' in html.decode()


def test_calculator_shows_missing_years_and_the_provisional_value(users, login):
    client = login(users[Role.LEADER])
    html = client.get("/workdays/", {"op": "add", "add-start": "2026-12-20", "add-n": "10"}).content.decode()
    assert "2027年的工作日历尚未载入" in html
    assert "is-provisional" in html and "暂定结果" in html and "2027-01-01" in html


def test_calculator_bad_input(users, login):
    response = login(users[Role.OFFICE]).get("/workdays/", {"op": "add", "add-start": "2025-02-30", "add-n": "-1"})
    assert response.status_code == 200
    assert response.context["add_form"].errors.keys() == {"start", "n"}


def test_admin_edits_through_the_pages(users, login):
    client = login(users[Role.ADMIN])
    response = client.post("/workdays/years/new/", {"year-year": "2027", "year-notice": "国办发明电"})
    assert response.status_code == 302 and response["Location"] == "/workdays/2027/"
    response = client.post(
        "/workdays/2027/days/", {"day-date": "2027-01-01", "day-kind": "holiday", "day-name": "元旦"}
    )
    assert response.status_code == 302
    response = client.post("/workdays/2027/days/", {"day-date": "2027-01-04", "day-kind": "makeup_workday"})
    assert response.status_code == 400 and "调休上班日必须是周六或周日" in response.content.decode()
    response = client.post("/workdays/2027/edit/", {"edit-is_complete": "on", "edit-notice": "国办发明电"})
    assert response.status_code == 302 and CalendarYear.objects.get(year=2027).is_complete
    html = client.get("/workdays/", {"op": "add", "add-start": "2026-12-31", "add-n": "1"}).content.decode()
    assert "2027-01-04" in html and "is-provisional" not in html
    response = client.post("/workdays/2027/days/2027-01-01/remove/")
    assert response.status_code == 302 and not CalendarDay.objects.filter(calendar_year__year=2027).exists()
    response = client.post("/workdays/2027/delete/")
    assert response.status_code == 302 and not CalendarYear.objects.filter(year=2027).exists()
    assert list(AuditEvent.objects.order_by("id").values_list("action", flat=True)) == [
        "create",
        "create",
        "update",
        "delete",
        "delete",
    ]


def test_admin_uploads_a_year(users, login):
    client = login(users[Role.ADMIN])
    data = '[{"date": "2027-01-01", "kind": "holiday", "name": "元旦"}]'.encode()
    response = client.post("/workdays/load/", {"load-file": SimpleUploadedFile("2027.json", data)}, follow=True)
    assert response.redirect_chain[-1][0] == "/workdays/2027/"
    assert "已载入2027年的工作日历" in response.content.decode()
    bad = SimpleUploadedFile("2028.csv", b"2028-01-03,makeup_workday,x\n2028-01-04,holiday,x\n")
    response = client.post("/workdays/load/", {"load-file": bad})
    assert response.status_code == 400
    html = response.content.decode()
    assert "未载入任何日期" in html and "2028-01-03不是周六或周日" in html
    assert not CalendarYear.objects.filter(year=2028).exists()
    response = client.post("/workdays/load/", {"load-file": SimpleUploadedFile("2027.json", data)})
    assert response.status_code == 400 and "已存在" in response.content.decode()


@pytest.mark.parametrize("role", NON_ADMIN)
def test_non_admin_edits_are_forbidden(users, login, role):
    client = login(users[role])
    attempts = [
        client.post("/workdays/years/new/", {"year-year": "2027"}),
        client.post("/workdays/load/", {"load-file": SimpleUploadedFile("2027.csv", b"2027-01-01,holiday,x\n")}),
        client.post("/workdays/2025/edit/", {"edit-is_complete": ""}),
        client.post("/workdays/2025/delete/"),
        client.post("/workdays/2025/days/", {"day-date": "2025-03-10", "day-kind": "holiday"}),
        client.post("/workdays/2025/days/2025-01-28/remove/"),
    ]
    assert [r.status_code for r in attempts] == [403] * len(attempts)
    assert CalendarYear.objects.get(year=2025).is_complete
    assert not AuditEvent.objects.exists()
