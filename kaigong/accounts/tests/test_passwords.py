"""Password rules (issue 10 §9): length, three of four kinds of character, not the user's own names, not a common
password; and the demo city's published password is changed before anything else outside the demo."""

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from kaigong.accounts.choices import AccountEvent, Role
from kaigong.accounts.passwords import DEMO_PASSWORD
from kaigong.accounts.tests.factories import UserFactory
from kaigong.audit.models import AuditEvent

LOGIN = reverse("accounts:login")
PASSWORD_PAGE = reverse("accounts:password-change")
OVERVIEW = reverse("projects:overview")


@pytest.fixture
def person(db):
    return UserFactory(username="zhangsan", display_name="张三", role=Role.OFFICE)


@pytest.mark.parametrize(
    "password",
    [
        "kaigong1",  # short, two kinds
        "Houma2024",  # short
        "kaigongkaigong",  # one kind
        "kaigong20242024",  # two kinds
        "12345678901234",  # digits only
        "Password123",  # common (the list ignores case)
    ],
)
def test_weak_passwords_are_refused(password):
    with pytest.raises(ValidationError):
        validate_password(password)


def test_the_three_kinds_message_is_chinese():
    with pytest.raises(ValidationError) as info:
        validate_password("kaigongkaigong")
    assert "密码须包含小写字母、大写字母、数字、符号中的至少 3 种。" in info.value.messages


@pytest.mark.parametrize("password", ["Kaigong-Houma7", "hou-ma-2025-kg", "侯马Kaigong2025", DEMO_PASSWORD])
def test_strong_passwords_pass(password):
    validate_password(password)


def test_the_users_own_name_is_refused(person):
    with pytest.raises(ValidationError):
        validate_password("Zhangsan-2025", user=person)


def test_the_password_page_refuses_a_weak_password_and_accepts_a_strong_one(client, person):
    client.force_login(person)
    page = client.get(PASSWORD_PAGE)
    assert page.status_code == 200 and "新密码" in page.content.decode()

    weak = client.post(
        PASSWORD_PAGE,
        {"old_password": "pass-1234-word", "new_password1": "Houma2024", "new_password2": "Houma2024"},
    )
    assert weak.status_code == 200
    person.refresh_from_db()
    assert person.check_password("pass-1234-word")

    strong = client.post(
        PASSWORD_PAGE,
        {"old_password": "pass-1234-word", "new_password1": "Houma-Kaigong-9", "new_password2": "Houma-Kaigong-9"},
    )
    assert strong.status_code == 302
    person.refresh_from_db()
    assert person.check_password("Houma-Kaigong-9")
    assert client.get(OVERVIEW).status_code == 200  # this session goes on
    assert AuditEvent.objects.filter(code=AccountEvent.PASSWORD_CHANGED, actor=person).exists()


@pytest.fixture
def outside_the_demo(settings):
    settings.KAIGONG_DEMO = False
    settings.DEBUG = False


@pytest.fixture
def demo_user(db):
    return UserFactory(username="office", role=Role.OFFICE, password=DEMO_PASSWORD)


def test_the_demo_password_must_be_changed_outside_the_demo(client, demo_user, outside_the_demo):
    response = client.post(LOGIN, {"username": "office", "password": DEMO_PASSWORD})

    assert response.status_code == 302 and response["Location"] == PASSWORD_PAGE
    elsewhere = client.get(OVERVIEW)
    assert elsewhere.status_code == 302 and elsewhere["Location"] == PASSWORD_PAGE
    assert "演示密码" in client.get(PASSWORD_PAGE).content.decode()

    same = client.post(
        PASSWORD_PAGE, {"old_password": DEMO_PASSWORD, "new_password1": DEMO_PASSWORD, "new_password2": DEMO_PASSWORD}
    )
    assert same.status_code == 200 and "不能使用公开的演示密码" in same.content.decode()
    changed = client.post(
        PASSWORD_PAGE,
        {"old_password": DEMO_PASSWORD, "new_password1": "Office-Houma-88", "new_password2": "Office-Houma-88"},
    )

    assert changed.status_code == 302
    assert client.get(OVERVIEW).status_code == 200


def test_the_api_refuses_a_token_for_the_demo_password_outside_the_demo(demo_user, outside_the_demo):
    response = APIClient().post(reverse("api-token"), {"username": "office", "password": DEMO_PASSWORD}, format="json")

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "password_change_required"


def test_the_demo_keeps_its_password(client, demo_user, settings):
    settings.KAIGONG_DEMO = True

    response = client.post(LOGIN, {"username": "office", "password": DEMO_PASSWORD})

    assert response["Location"] == OVERVIEW
    assert client.get(OVERVIEW).status_code == 200
