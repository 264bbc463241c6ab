"""Sessions and API tokens that end (issue 10 §8): a session ends with the browser, after 30 idle minutes and 12 hours
after the login; a token expires, is new on every request for one, can be revoked, and a password or role change
ends the user's tokens and sessions."""

import datetime as dt
import time

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from kaigong.accounts.choices import AccountEvent, Role
from kaigong.accounts.middleware import LOGIN_AT, SEEN_AT
from kaigong.accounts.tests.factories import UserFactory
from kaigong.audit.models import AuditEvent

TOKEN_URL = reverse("api-token")
OVERVIEW = reverse("projects:overview")
DEPARTMENTS = reverse("department-list")


@pytest.fixture
def person(db):
    return UserFactory(username="zhangsan", role=Role.OFFICE)


def get_token(username="zhangsan", password="pass-1234-word") -> str:
    response = APIClient().post(TOKEN_URL, {"username": username, "password": password}, format="json")
    assert response.status_code == 200, response.content
    return response.json()["token"]


def with_token(key) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return api


def assert_refused(response):
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"


# --- sessions ---


def test_the_session_cookie_ends_with_the_browser_and_the_session_after_idle_minutes(client, person):
    response = client.post(reverse("accounts:login"), {"username": "zhangsan", "password": "pass-1234-word"})

    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["max-age"] == "" and cookie["expires"] == ""  # a browser-session cookie
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert 29 * 60 < client.session.get_expiry_age() <= 30 * 60


def test_a_request_after_a_minute_moves_the_idle_deadline(client, person):
    client.force_login(person)
    session = client.session
    session[SEEN_AT] = int(time.time()) - 25 * 60  # last seen 25 minutes ago
    session.save()
    before = client.session.get_expiry_date()

    assert client.get(OVERVIEW).status_code == 200

    assert client.session.get_expiry_date() > before
    assert client.session[SEEN_AT] >= int(time.time()) - 5


def test_an_idle_session_is_over(client, person):
    client.force_login(person)
    session = client.session
    session.set_expiry(-1)  # what 30 idle minutes leave: the stored session has expired
    session.save()

    assert client.get(OVERVIEW).status_code == 302


def test_a_session_older_than_the_absolute_limit_is_logged_out(client, person):
    client.force_login(person)
    assert client.get(OVERVIEW).status_code == 200
    session = client.session
    session[LOGIN_AT] = int(time.time()) - 12 * 3600 - 60
    session.save()

    response = client.get(OVERVIEW)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    page = client.get(response["Location"]).content.decode()
    assert "请重新登录" in page
    assert client.get(OVERVIEW).status_code == 302  # the session is gone, not just this answer
    assert AuditEvent.objects.filter(code=AccountEvent.SESSION_EXPIRED, actor=person).exists()


def test_an_old_session_on_the_api_answers_as_not_logged_in(client, person):
    client.force_login(person)
    session = client.session
    session[LOGIN_AT] = int(time.time()) - 13 * 3600
    session.save()

    response = client.get(DEPARTMENTS)

    assert response.status_code in (401, 403)
    assert "error" in response.json()


def test_a_role_change_ends_the_users_sessions(client, person):
    client.force_login(person)
    assert client.get(OVERVIEW).status_code == 200

    person.role = Role.LEADER
    person.save()

    assert client.get(OVERVIEW).status_code == 302


# --- tokens ---


def test_an_expired_token_is_refused_with_the_error_shape(person):
    key = get_token()
    assert with_token(key).get(DEPARTMENTS).status_code == 200

    Token.objects.filter(key=key).update(created=timezone.now() - dt.timedelta(hours=12, minutes=1))

    assert_refused(with_token(key).get(DEPARTMENTS))
    assert not Token.objects.filter(key=key).exists()


def test_the_token_answer_says_when_it_expires(person):
    response = APIClient().post(TOKEN_URL, {"username": "zhangsan", "password": "pass-1234-word"}, format="json")

    expires = dt.datetime.fromisoformat(response.json()["expires"])
    assert dt.timedelta(hours=11, minutes=59) < expires - timezone.now() <= dt.timedelta(hours=12)


def test_each_request_issues_a_new_token_and_the_old_one_stops_working(person):
    old = get_token()
    new = get_token()

    assert new != old
    assert with_token(new).get(DEPARTMENTS).status_code == 200
    assert_refused(with_token(old).get(DEPARTMENTS))


def test_a_stale_token_in_the_header_does_not_stop_getting_a_new_one(person):
    old = get_token()
    Token.objects.filter(key=old).update(created=timezone.now() - dt.timedelta(days=2))

    response = with_token(old).post(TOKEN_URL, {"username": "zhangsan", "password": "pass-1234-word"}, format="json")

    assert response.status_code == 200


def test_a_token_is_revoked_by_delete(person):
    key = get_token()

    assert with_token(key).delete(TOKEN_URL).status_code == 204

    assert_refused(with_token(key).get(DEPARTMENTS))
    assert APIClient().delete(TOKEN_URL).status_code == 401


def test_a_password_change_revokes_the_users_tokens_and_sessions(client, person):
    key = get_token()
    other = UserFactory(username="lisi", role=Role.LEADER)
    other_key = get_token("lisi")
    client.force_login(person)

    person.set_password("Another-pass-2025")
    person.save()

    assert_refused(with_token(key).get(DEPARTMENTS))
    assert client.get(OVERVIEW).status_code == 302
    assert with_token(other_key).get(DEPARTMENTS).status_code == 200  # nobody else's
    revoked = AuditEvent.objects.get(code=AccountEvent.CREDENTIALS_REVOKED)
    assert revoked.object_id == str(person.pk) and "password" in revoked.note
    assert other.pk != person.pk


def test_a_role_change_revokes_the_users_tokens(person):
    key = get_token()

    person.role = Role.LEADER
    person.save()

    assert_refused(with_token(key).get(DEPARTMENTS))


def test_saving_other_fields_keeps_the_token(person):
    key = get_token()

    person.display_name = "张三丰"
    person.save()
    person.save(update_fields=["last_login"])

    assert with_token(key).get(DEPARTMENTS).status_code == 200
