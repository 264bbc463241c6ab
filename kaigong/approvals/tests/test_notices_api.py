"""The warning notices through the API: each user reads and clears only their own."""

import datetime as dt

import pytest
from django.db import transaction

from kaigong.accounts.choices import Role
from kaigong.approvals.checklists.services import generate_checklist, refresh_clocks
from kaigong.approvals.models import ChecklistItem, WarningNotice

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.urls("kaigong.approvals.tests.urls")]

URL = "/api/approvals/notices/"


@pytest.fixture
def turned_red(project, test_rules, users, api_login, approving_officer):
    """The test permit accepted on 2025-03-03 (committed limit 5), refreshed on 2025-03-17: red."""
    generate_checklist(project=project, actor=None, actor_label="test")
    item = ChecklistItem.objects.get(checklist__project=project, matter__code="test-permit")
    for api, action in ((api_login(users[Role.OFFICE]), "submit"), (api_login(approving_officer), "accept")):
        response = api.post(
            f"/api/approvals/items/{item.pk}/transition/", {"action": action, "on": "2025-03-03"}, format="json"
        )
        assert response.status_code == 200, response.json()
    with transaction.atomic():
        refresh_clocks(today=dt.date(2025, 3, 17))
    return item


def test_office_and_approving_officer_read_their_notices_and_mark_them_read(
    turned_red, users, api_login, approving_officer
):
    for user in (users[Role.OFFICE], approving_officer):
        api = api_login(user)
        body = api.get(URL).json()
        assert body["count"] == 1
        notice = body["results"][0]
        assert (notice["item"], notice["level"], notice["level_display"], notice["is_read"]) == (
            turned_red.pk,
            "red",
            "红灯",
            False,
        )
        assert notice["matter_name"] == "测试许可" and notice["project"] == turned_red.checklist.project_id
        assert api.post(URL + "read/").json() == {"marked": 1}
        assert api.get(URL).json()["results"][0]["is_read"] is True
        assert api.post(URL + "read/").json() == {"marked": 0}
    assert WarningNotice.objects.filter(read_at=None).count() == 0


@pytest.mark.parametrize("role", [Role.LEADER, Role.ENTERPRISE, Role.ADMIN])
def test_others_have_no_notices_and_cannot_clear_anyone_elses(turned_red, users, api_login, role):
    api = api_login(users[role])
    assert api.get(URL).json()["count"] == 0
    assert api.post(URL + "read/").json() == {"marked": 0}
    assert WarningNotice.objects.filter(read_at=None).count() == 2  # office's and the approving officer's


def test_notices_need_authentication(client):
    assert client.get(URL).status_code in (401, 403)
    assert client.post(URL + "read/").status_code in (401, 403)
