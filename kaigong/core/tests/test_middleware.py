"""ServiceErrorMiddleware: a PermissionDeniedError a page leaves uncaught answers as PermissionDenied does."""

import pytest

from kaigong.accounts.choices import Role

pytestmark = pytest.mark.urls("kaigong.core.tests.middleware_urls")


def test_page_raising_permission_denied_error_answers_the_403_page_with_its_message(users, login):
    response = login(users[Role.OFFICE]).get("/test-refusing-page/")

    assert response.status_code == 403
    assert "403.html" in [t.name for t in response.templates]
    body = response.content.decode()
    assert "无权访问" in body
    assert "您无权修改该项目" in body


def test_the_403_page_gives_the_message_in_the_page_language(users, login):
    client = login(users[Role.OFFICE])

    response = client.get("/test-refusing-page/", headers={"accept-language": "en"})

    assert response.status_code == 403
    assert "You are not allowed to edit this project" in response.content.decode()


def test_the_api_still_answers_its_error_shape(users, api_login):
    response = api_login(users[Role.OFFICE]).get("/api/test-refusing/")

    assert response.status_code == 403
    assert response.json() == {
        "error": {
            "code": "permission_denied",
            "message": "您无权修改该项目",
            "message_en": "You are not allowed to edit this project",
        }
    }
