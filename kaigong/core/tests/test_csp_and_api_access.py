"""Issue 10 §10: a Content-Security-Policy on every page, the API's schema and docs for logged-in users only, and
every API error in the one JSON shape (a malformed id, an unknown path, a server error included)."""

import json

import pytest
from django.urls import path, reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from kaigong.accounts.choices import Role

STRICT = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "style-src-attr": "'unsafe-inline'",  # ECharts' tooltips (settings.py says why)
    "img-src": "'self' data:",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
}


def policy(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return dict(part.strip().split(" ", 1) for part in header.split(";") if part.strip())


def assert_api_error(response, status: int, code: str) -> dict:
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    error = json.loads(response.content)["error"]
    assert error["code"] == code and error["message"] and error["message_en"]
    return error


# --- Content-Security-Policy ---


@pytest.mark.parametrize("name", ["accounts:login"])
def test_the_login_page_carries_the_policy(client, db, name):
    assert policy(client.get(reverse(name))) == STRICT


@pytest.mark.parametrize("name", ["projects:overview", "projects:list", "approvals:scoreboard", "workdays:index"])
def test_pages_carry_the_policy_and_no_inline_script_or_style(login, users, name):
    response = login(users[Role.ADMIN]).get(reverse(name))

    assert response.status_code == 200
    assert policy(response) == STRICT
    html = response.content.decode()
    assert "<script>" not in html and "<style" not in html and "style=" not in html  # the pages need none
    assert '"includeIndicatorStyles": false' in html  # htmx adds no <style> of its own


def test_the_api_answers_with_the_policy_too(api_login, users):
    assert policy(api_login(users[Role.ADMIN]).get(reverse("project-list"))) == STRICT


def test_swagger_ui_runs_under_the_strict_policy(login, users):
    assert policy(login(users[Role.ADMIN]).get(reverse("api-docs"))) == STRICT


def test_redoc_alone_may_write_its_styles_and_start_its_worker(login, users):
    redoc = policy(login(users[Role.ADMIN]).get(reverse("api-redoc")))

    assert redoc["style-src"] == "'self' 'unsafe-inline'"
    assert redoc["worker-src"] == "'self' blob:"
    assert {key: value for key, value in redoc.items() if key not in {"style-src", "worker-src"}} == {
        key: value for key, value in STRICT.items() if key != "style-src"
    }


# --- The schema and the docs are for logged-in users ---


def test_schema_refuses_an_anonymous_client_in_the_error_shape(client, db):
    assert_api_error(client.get(reverse("api-schema")), 401, "not_authenticated")
    assert_api_error(client.get(reverse("api-schema"), {"format": "json"}), 401, "not_authenticated")


def test_schema_is_served_to_a_token_and_to_a_session(client, users):
    token = Token.objects.create(user=users[Role.ENTERPRISE])
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")

    assert api.get(reverse("api-schema"), {"format": "json"}).json()["openapi"].startswith("3.")
    client.force_login(users[Role.LEADER])
    assert client.get(reverse("api-schema")).status_code == 200


@pytest.mark.parametrize("name", ["api-docs", "api-redoc"])
def test_docs_pages_send_a_visitor_to_the_login_page(client, db, name):
    response = client.get(reverse(name))

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next={reverse(name)}"


@pytest.mark.parametrize("name", ["api-docs", "api-redoc"])
def test_docs_pages_open_for_a_logged_in_user(login, users, name):
    assert login(users[Role.ENTERPRISE]).get(reverse(name)).status_code == 200


def test_swagger_start_up_script_needs_a_login_too(client, db):
    assert client.get(reverse("api-docs"), {"script": ""}).status_code == 302


# --- Every API error in the one JSON shape ---


@pytest.mark.parametrize(
    "url",
    [
        "/api/projects/abc/",  # a malformed id
        "/api/projects/999999/",  # no such project
        "/api/approvals/items/abc/",  # an id the URL converter refuses
        "/api/workdays/nothing/",
        "/api/nothing/",  # no such endpoint
        "/api/projects/1/nothing/",
    ],
)
def test_not_found_under_api_is_json(api_login, users, url):
    assert_api_error(api_login(users[Role.ADMIN]).get(url), 404, "not_found")


def test_an_unknown_api_path_is_json_without_login_and_for_a_post(client, db):
    assert_api_error(client.get("/api/nothing/"), 404, "not_found")
    # A POST without a CSRF token is not the CSRF failure page: there is nothing there to protect.
    assert_api_error(APIClient(enforce_csrf_checks=True).post("/api/nothing/"), 404, "not_found")


def test_a_page_that_is_not_found_is_still_the_404_page(login, users):
    response = login(users[Role.ADMIN]).get("/no-such-page/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_a_list_page_past_the_last_is_json(api_login, users):
    assert_api_error(api_login(users[Role.ADMIN]).get(reverse("project-list"), {"page": 99}), 404, "not_found")


def test_a_method_not_allowed_is_json(api_login, users):
    assert_api_error(api_login(users[Role.ADMIN]).delete(reverse("project-list")), 405, "method_not_allowed")


def test_an_enterprise_user_is_refused_in_the_error_shape(api_login, users):
    response = api_login(users[Role.ENTERPRISE]).post(reverse("project-list"), {}, format="json")

    assert_api_error(response, 403, "permission_denied")


def test_a_list_errors_field_is_named_by_its_position(api_login, users):
    """A list parameter's error is {"suspension.0": [...]}, the {field: [messages]} the schema promises, not a
    nested {"suspension": {"0": [...]}}."""
    response = api_login(users[Role.ADMIN]).get(
        reverse("workdays-api:count"), {"start": "2026-01-05", "end": "2026-01-09", "suspension": ""}
    )

    error = assert_api_error(response, 400, "validation_error")
    assert list(error["fields"]) == ["suspension.0"]
    assert all(isinstance(message, str) for message in error["fields"]["suspension.0"])


def _boom(request):
    raise RuntimeError("boom")


urlpatterns = [path("api/boom/", _boom), path("boom/", _boom)]
handler500 = "kaigong.core.api_errors.server_error"  # as kaigong/urls.py sets it


@pytest.mark.urls(__name__)
def test_a_server_error_under_api_is_json_and_a_page_error_the_500_page(db):
    client = APIClient(raise_request_exception=False)

    assert_api_error(client.get("/api/boom/"), 500, "server_error")
    page = client.get("/boom/")
    assert page.status_code == 500 and page["Content-Type"].startswith("text/html")


def test_a_refused_filter_value_is_a_400_naming_the_filter(api_login, users):
    """/api/approvals/items/?department=0: no such department; the list says so (documented as its 400)."""
    response = api_login(users[Role.ADMIN]).get("/api/approvals/items/", {"department": 0})

    error = assert_api_error(response, 400, "validation_error")
    assert list(error["fields"]) == ["department"]
