"""Logging in and out through the pages."""

import pytest
from django.urls import reverse

from kaigong.accounts.choices import Role
from kaigong.accounts.tests.factories import UserFactory


@pytest.fixture
def person(db):
    return UserFactory(username="zhangsan", display_name="张三", role=Role.OFFICE)


def test_login_page_is_chinese_and_styled(client, db):
    response = client.get(reverse("accounts:login"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "登录" in body and "用户名" in body and "密码" in body
    assert "css/kaigong.css" in body


def test_login_with_the_right_password_goes_to_overview(client, person):
    response = client.post(reverse("accounts:login"), {"username": "zhangsan", "password": "pass-1234-word"})
    assert response.status_code == 302
    assert response["Location"] == reverse("projects:overview")
    page = client.get(reverse("projects:overview"))
    assert page.status_code == 200
    assert "张三" in page.content.decode()


def test_login_returns_to_the_page_asked_for(client, person):
    target = reverse("projects:list") + "?q=gqzdh"
    response = client.post(
        reverse("accounts:login") + "?next=" + target,
        {"username": "zhangsan", "password": "pass-1234-word", "next": target},
    )
    assert response["Location"] == target


def test_wrong_password_is_refused_with_a_clear_message(client, person):
    response = client.post(reverse("accounts:login"), {"username": "zhangsan", "password": "wrong"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "用户名或密码不正确" in body
    assert 'value="zhangsan"' in body  # the username typed is kept
    assert client.get(reverse("projects:overview")).status_code == 302


def test_inactive_user_cannot_log_in(client, person):
    person.is_active = False
    person.save()
    response = client.post(reverse("accounts:login"), {"username": "zhangsan", "password": "pass-1234-word"})
    assert response.status_code == 200
    assert client.get(reverse("projects:overview")).status_code == 302


def test_anonymous_is_sent_to_login(client, db):
    response = client.get(reverse("projects:list"))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:login") + "?next=" + reverse("projects:list")


def test_logout_is_post_only(client, person):
    client.force_login(person)
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert client.get(reverse("projects:overview")).status_code == 200
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:login")
    assert client.get(reverse("projects:overview")).status_code == 302


def test_logged_in_user_visiting_login_is_redirected(client, person):
    client.force_login(person)
    assert client.get(reverse("accounts:login")).status_code == 302
