"""JSON bodies are measured before they are parsed (core/parsers.py): a deeply nested body answers 400 in the
error shape on every JSON endpoint, never a RecursionError (500)."""

import json

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st
from rest_framework.test import APIClient

from kaigong.accounts.choices import Role
from kaigong.core.parsers import MAX_JSON_DEPTH, nesting_depth
from kaigong.core.tests.test_api_errors import assert_error_shape

DEEP = "[" * 100_000 + "]" * 100_000

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(alphabet='[]{}"\\ab,:'),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=3), children, max_size=3),
    max_leaves=20,
)


def _depth(value) -> int:
    if isinstance(value, list):
        return 1 + max(map(_depth, value), default=0)
    if isinstance(value, dict):
        return 1 + max(map(_depth, value.values()), default=0)
    return 0


@given(json_values)
def test_the_depth_is_counted_on_the_text_as_the_value_nests(value):
    # Brackets and escaped quotes inside strings do not count.
    assert nesting_depth(json.dumps(value)) == _depth(value)


@pytest.mark.parametrize(
    "url",
    [
        reverse("project-list"),
        "/api/auth/token/",
    ],
)
def test_100k_nested_brackets_answer_400_on_json_endpoints(users, api_login, url):
    response = api_login(users[Role.OFFICE]).generic("POST", url, DEEP, content_type="application/json")

    error = assert_error_shape(response, 400, "parse_error")
    assert "100000" in error["message"] and str(MAX_JSON_DEPTH) in error["message"]


def test_a_body_nested_within_the_limit_is_parsed(users, api_login):
    body = json.dumps({"name": "x", "notes": [[[["正常的嵌套"]]]]})
    response = api_login(users[Role.OFFICE]).generic(
        "POST", reverse("project-list"), body, content_type="application/json"
    )

    assert response.status_code == 400  # a validation error about the fields, not a parse error
    assert json.loads(response.content)["error"]["code"] != "parse_error"


def test_the_english_message_says_what_is_wrong(users, api_login):
    response = api_login(users[Role.OFFICE]).generic(
        "POST", reverse("project-list"), DEEP, content_type="application/json"
    )

    assert "nested" in json.loads(response.content)["error"]["message_en"]


def test_an_unterminated_string_of_escaped_quotes_is_refused_at_once(db):
    # 1 MB of \" after one quote: the count used to restart at every quote (40 KB took 4 s, this would take an hour),
    # before any login, on the token endpoint. Now each step of the count is linear in the body.
    body = '{"username": "' + '\\"' * 500_000

    response = APIClient().generic("POST", "/api/auth/token/", body, content_type="application/json")

    assert_error_shape(response, 400, "parse_error")
    assert nesting_depth(body) == 1


def test_a_body_over_the_json_limit_is_refused_before_it_is_read(users, api_login, settings):
    settings.KAIGONG_API_JSON_MAX_BYTES = 1000
    body = json.dumps({"name": "x" * 2000})

    response = api_login(users[Role.OFFICE]).generic(
        "POST", reverse("project-list"), body, content_type="application/json"
    )

    error = assert_error_shape(response, 400, "parse_error")
    assert "1000" in error["message"] and "1000" in error["message_en"]
