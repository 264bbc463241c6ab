"""Brute force (issue 10 §7): failed logins lock the account and the address out for a while, on the login page and
on the token endpoint; the office unlocks; every failure, lockout, unlock, login and logout is an audit event."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from kaigong.accounts import services
from kaigong.accounts.choices import AccountEvent, Role
from kaigong.accounts.tests.factories import UserFactory
from kaigong.audit.models import AuditEvent
from kaigong.core.exceptions import PermissionDeniedError

LOGIN = reverse("accounts:login")
TOKEN_URL = reverse("api-token")
RIGHT = "pass-1234-word"


@pytest.fixture
def person(db):
    return UserFactory(username="zhangsan", display_name="张三", role=Role.OFFICE)


def events(code) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(code=code).order_by("id"))


def fail_on_page(client, username="zhangsan", times=5, **extra):
    return [client.post(LOGIN, {"username": username, "password": "wrong"}, **extra) for _ in range(times)]


def test_the_sixth_attempt_on_the_page_is_refused_even_with_the_right_password(client, person):
    answers = fail_on_page(client)

    assert [a.status_code for a in answers[:4]] == [200] * 4
    assert "用户名或密码不正确" in answers[0].content.decode()
    assert answers[4].status_code == 429  # the fifth failure locks

    response = client.post(LOGIN, {"username": "zhangsan", "password": RIGHT})
    body = response.content.decode()
    assert response.status_code == 429
    assert "登录失败次数过多" in body and "15 分钟" in body
    assert 'name="password"' in body  # the login page with its message, not a bare error page
    assert client.get(reverse("projects:overview")).status_code == 302


def test_the_lockout_message_is_english_for_an_english_reader(client, person):
    fail_on_page(client, HTTP_ACCEPT_LANGUAGE="en")

    response = client.post(LOGIN, {"username": "zhangsan", "password": RIGHT}, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 429
    assert response["Content-Language"] == "en"
    assert 'role="alert"' in response.content.decode()


def test_the_sixth_attempt_on_the_api_is_refused_with_the_error_shape(person):
    api = APIClient()
    answers = [api.post(TOKEN_URL, {"username": "zhangsan", "password": "wrong"}, format="json") for _ in range(5)]

    assert [a.status_code for a in answers[:4]] == [400] * 4
    assert answers[4].status_code == 429
    response = api.post(TOKEN_URL, {"username": "zhangsan", "password": RIGHT}, format="json")
    assert response.status_code == 429
    error = response.json()["error"]
    assert error["code"] == "locked_out"
    assert "锁定" in error["message"] and error["message_en"]
    assert "token" not in response.json()


def test_the_account_is_locked_from_every_address(client, person):
    fail_on_page(client, REMOTE_ADDR="10.0.0.1")

    other_address = client.post(LOGIN, {"username": "zhangsan", "password": RIGHT}, REMOTE_ADDR="10.0.0.2")
    api = APIClient(REMOTE_ADDR="10.0.0.3").post(TOKEN_URL, {"username": "zhangsan", "password": RIGHT})

    assert other_address.status_code == 429
    assert api.status_code == 429


def test_the_address_is_locked_for_every_account(client, person, db):
    UserFactory(username="lisi", role=Role.LEADER)
    for name in ("a1", "a2", "a3", "a4", "a5"):
        fail_on_page(client, username=name, times=1, REMOTE_ADDR="10.0.0.9")

    same_address = client.post(LOGIN, {"username": "lisi", "password": RIGHT}, REMOTE_ADDR="10.0.0.9")
    elsewhere = client.post(LOGIN, {"username": "lisi", "password": RIGHT}, REMOTE_ADDR="10.0.0.10")

    assert same_address.status_code == 429
    assert elsewhere.status_code == 302


def test_a_forwarded_address_is_ignored_unless_behind_the_proxy(client, person, settings):
    for n in range(5):  # a new X-Forwarded-For for every guess does not make a new address
        client.post(LOGIN, {"username": f"x{n}", "password": "wrong"}, HTTP_X_FORWARDED_FOR=f"10.1.0.{n}")
    assert client.post(LOGIN, {"username": "zhangsan", "password": RIGHT}).status_code == 429

    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    behind_proxy = client.post(
        LOGIN, {"username": "zhangsan", "password": RIGHT}, HTTP_X_FORWARDED_FOR="10.9.9.9, 10.2.0.1"
    )
    assert behind_proxy.status_code == 302  # the proxy's own entry names another client


def test_the_office_unlocks_from_the_command_line(client, person):
    fail_on_page(client)
    assert client.post(LOGIN, {"username": "zhangsan", "password": RIGHT}).status_code == 429

    out = io.StringIO()
    call_command("unlock", "zhangsan", stdout=out)

    assert "已解锁" in out.getvalue()
    response = client.post(LOGIN, {"username": "zhangsan", "password": RIGHT})
    assert response.status_code == 302
    (unlocked,) = events(AccountEvent.UNLOCKED)
    assert unlocked.actor_label == "命令 unlock" and unlocked.object_id == str(person.pk)


def test_unlocking_an_account_that_is_not_locked_says_so(person):
    with pytest.raises(CommandError, match="无需解锁"):
        call_command("unlock", "zhangsan", stdout=io.StringIO())


def test_only_the_office_and_the_administrator_unlock(client, person, users):
    fail_on_page(client)
    with pytest.raises(PermissionDeniedError):
        services.unlock_account(username="zhangsan", actor=users[Role.LEADER])

    assert services.unlock_account(username="zhangsan", actor=users[Role.OFFICE]) > 0
    assert events(AccountEvent.UNLOCKED)[0].actor == users[Role.OFFICE]


def test_failures_lockouts_logins_and_logouts_are_audited(client, person):
    assert client.post(LOGIN, {"username": "zhangsan", "password": RIGHT}).status_code == 302
    client.post(reverse("accounts:logout"))
    fail_on_page(client, times=6)
    client.post(LOGIN, {"username": "nobody", "password": "wrong"})

    (login,) = events(AccountEvent.LOGIN)
    (logout,) = events(AccountEvent.LOGOUT)
    assert login.actor == person and logout.actor == person
    failed = events(AccountEvent.LOGIN_FAILED)
    assert len(failed) == 7  # five counted, one refused while locked, one for an unknown name
    assert failed[0].object_id == str(person.pk) and failed[0].note == "zhangsan @ 127.0.0.1"
    assert failed[-1].object_id == "" and failed[-1].note.startswith("nobody @")
    (locked,) = events(AccountEvent.LOCKED_OUT)  # its beginning only
    assert locked.object_id == str(person.pk)
    assert "zhangsan" not in [e.actor_label for e in failed]  # the name typed is no actor


def test_a_token_request_is_audited(person):
    APIClient().post(TOKEN_URL, {"username": "zhangsan", "password": RIGHT}, format="json")

    (issued,) = events(AccountEvent.TOKEN_ISSUED)
    assert issued.actor == person


def test_the_office_sees_the_lockouts_and_unlocks_one_on_the_page(client, person, users):
    fail_on_page(client, REMOTE_ADDR="10.0.0.7")
    office = Client()
    office.force_login(users[Role.OFFICE])

    page = office.get(reverse("accounts:lockout-list"))
    body = page.content.decode()
    assert page.status_code == 200
    assert "zhangsan" in body and "10.0.0.7" in body

    response = office.post(reverse("accounts:lockout-unlock"), {"username": "zhangsan"}, follow=True)

    assert "已解锁“zhangsan”" in response.content.decode()
    assert "zhangsan" not in office.get(reverse("accounts:lockout-list")).content.decode()
    login = client.post(LOGIN, {"username": "zhangsan", "password": RIGHT}, REMOTE_ADDR="10.0.0.7")
    assert login.status_code == 302
    assert events(AccountEvent.UNLOCKED)[0].actor == users[Role.OFFICE]


@pytest.mark.parametrize("role", [Role.LEADER, Role.DEPARTMENT, Role.ENTERPRISE])
def test_other_roles_may_not_unlock_on_the_page(client, person, users, role):
    fail_on_page(client)
    other = Client()
    other.force_login(users[role])

    assert other.get(reverse("accounts:lockout-list")).status_code == 403
    assert other.post(reverse("accounts:lockout-unlock"), {"username": "zhangsan"}).status_code == 403
    assert client.post(LOGIN, {"username": "zhangsan", "password": RIGHT}).status_code == 429


def test_unlocking_nothing_on_the_page_says_why(users):
    office = Client()
    office.force_login(users[Role.OFFICE])

    response = office.post(reverse("accounts:lockout-unlock"), {"username": "nobody"}, follow=True)

    assert "无需解锁" in response.content.decode()
