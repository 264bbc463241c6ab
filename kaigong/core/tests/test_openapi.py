"""The OpenAPI schema: generated without warnings, every endpoint documented; the docs served without a CDN."""

import re

import pytest
import yaml
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.urls import reverse

API_PATHS = [
    "/api/auth/token/",
    "/api/projects/",
    "/api/projects/{id}/",
    "/api/projects/{id}/stage/",
    "/api/projects/{id}/history/",
    "/api/organizations/",
    "/api/organizations/{id}/",
    "/api/departments/",
    "/api/categories/",
    "/api/levels/",
    "/api/batches/",
    "/api/batches/{id}/",
]


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    """The schema as a logged-in user reads it (an unsaved user: nothing to undo in a module-wide fixture)."""
    from rest_framework.test import APIClient

    from kaigong.accounts.models import User

    client = APIClient()
    client.force_authenticate(User(username="reader"))
    with django_db_blocker.unblock():
        response = client.get(reverse("api-schema"), {"format": "json"})
    assert response.status_code == 200
    return response.json()


@pytest.fixture
def reader(client, users):
    """The Django test client, logged in (the docs pages are for logged-in users)."""
    client.force_login(next(iter(users.values())))
    return client


def test_schema_generates_with_no_warnings_or_errors(tmp_path):
    out = tmp_path / "schema.yml"

    # --fail-on-warn raises on any warning; --validate checks the result against the OpenAPI 3 meta-schema.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))

    generated = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert generated["openapi"].startswith("3.")
    assert set(API_PATHS) <= set(generated["paths"])


def test_every_project_endpoint_is_documented_with_its_errors(schema):
    for path in API_PATHS:
        assert path in schema["paths"], path
        for method, operation in schema["paths"][path].items():
            if method == "parameters":
                continue
            where = f"{method.upper()} {path}"
            assert operation.get("summary"), where
            codes = set(operation["responses"])
            assert codes & {"200", "201", "204"}, where
            assert any(code.startswith("4") for code in codes), where
            for code in codes - {"200", "201", "204"}:
                ref = operation["responses"][code]["content"]["application/json"]["schema"]["$ref"]
                assert ref == "#/components/schemas/Error", where


def test_the_error_shape_is_a_component(schema):
    error = schema["components"]["schemas"]["Error"]
    detail = schema["components"]["schemas"]["ErrorDetail"]

    assert error["properties"]["error"]["$ref"] == "#/components/schemas/ErrorDetail"
    assert set(detail["properties"]) == {"code", "message", "message_en", "fields"}
    assert set(detail["required"]) == {"code", "message", "message_en"}


def test_project_writes_document_version_and_the_stage_action(schema):
    components = schema["components"]["schemas"]
    stage_body = schema["paths"]["/api/projects/{id}/stage/"]["post"]["requestBody"]["content"]["application/json"]
    stage_request = components[stage_body["schema"]["$ref"].rsplit("/", 1)[1]]
    put_body = schema["paths"]["/api/projects/{id}/"]["put"]["requestBody"]["content"]["application/json"]
    update_request = components[put_body["schema"]["$ref"].rsplit("/", 1)[1]]

    assert set(stage_request["properties"]) == {"stage", "reason", "effective_date", "version"}
    assert set(stage_request["required"]) == {"stage", "version"}
    assert "version" in update_request["required"]
    assert "409" in schema["paths"]["/api/projects/{id}/"]["put"]["responses"]
    assert "409" in schema["paths"]["/api/projects/{id}/stage/"]["post"]["responses"]


def test_project_fields_follow_the_glossary(schema):
    project = schema["components"]["schemas"]["Project"]["properties"]

    for name in (
        "project_code",
        "category_name",
        "stage_display",
        "owner_name",
        "responsible_department_name",
        "liaison_leader",
        "total_investment",
        "annual_planned_investment",
        "registered_in_statistics",
        "version",
    ):
        assert name in project, name
    assert project["total_investment"]["type"] == "string"
    assert project["total_investment"]["format"] == "decimal"


def test_project_list_documents_the_page_filters(schema):
    parameters = {p["name"] for p in schema["paths"]["/api/projects/"]["get"]["parameters"]}

    assert {"q", "category", "level", "stage", "year", "batch", "pool", "ordering", "page", "page_size"} <= parameters


def test_token_authentication_is_documented(schema):
    schemes = schema["components"]["securitySchemes"]
    token_operation = schema["paths"]["/api/auth/token/"]["post"]

    assert schemes["tokenAuth"]["in"] == "header"
    assert "cookieAuth" in schemes
    assert token_operation.get("security") in (None, [], [{}])
    assert {"tokenAuth": []} in schema["paths"]["/api/projects/"]["get"]["security"]


@pytest.mark.parametrize("name", ["api-docs", "api-redoc"])
def test_docs_use_only_vendored_assets(name, reader):
    response = reader.get(reverse(name))

    assert response.status_code == 200
    html = response.content.decode()
    assert "https://" not in " ".join(re.findall(r"<script[^>]*>", html))
    assert "https://" not in " ".join(re.findall(r"<link[^>]*>", html))
    sources = re.findall(r"""<script[^>]*\ssrc=["']([^"']+)["']""", html)
    assert sources, "the docs page loads its scripts from static files"
    for src in sources:
        if src.startswith(reverse(name) + "?"):  # Swagger UI's start-up script, the page's own ?script answer
            assert reader.get(src)["Content-Type"].startswith("application/javascript")
            continue
        assert src.startswith("/static/drf_spectacular_sidecar/"), src
        assert finders.find(src.removeprefix("/static/")), src


def test_swagger_ui_does_not_call_the_online_validator(reader):
    script = reader.get(reverse("api-docs"), {"script": ""}).content.decode()

    assert '"validatorUrl": null' in script


@pytest.mark.parametrize("name", ["land_source", "eia_category", "review_regime"])
def test_a_blank_choice_of_a_project_is_declared(schema, name):
    """The model lets these stay blank (not known yet), and the API answers "": the schema says so."""
    prop = schema["components"]["schemas"]["Project"]["properties"][name]

    assert {"$ref": "#/components/schemas/BlankEnum"} in prop["oneOf"]
    assert schema["components"]["schemas"]["BlankEnum"]["enum"] == [""]


def test_a_matter_without_a_department_is_declared(schema):
    assert schema["components"]["schemas"]["ApprovalMatter"]["properties"]["department_name"]["nullable"] is True


def test_error_fields_are_lists_of_messages(schema):
    fields = schema["components"]["schemas"]["ErrorDetail"]["properties"]["fields"]

    assert fields["additionalProperties"] == {"type": "array", "items": {"type": "string"}}


def test_lists_document_their_page_bounds_and_errors(schema):
    operation = schema["paths"]["/api/approvals/items/"]["get"]
    parameters = {p["name"]: p["schema"] for p in operation["parameters"]}

    assert parameters["page"]["minimum"] == 1
    assert (parameters["page_size"]["minimum"], parameters["page_size"]["maximum"]) == (1, 500)
    for status in ("400", "401", "404"):  # a refused filter value, no login, a page past the last
        assert operation["responses"][status]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/Error"
        }


def test_an_id_in_the_path_documents_its_404(schema):
    for path, operations in schema["paths"].items():
        if "{" in path:
            for method, operation in operations.items():
                assert "404" in operation["responses"], f"{method} {path}"


def test_every_operation_behind_a_login_documents_its_401(schema):
    missing = [
        f"{method} {path}"
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        if "401" not in operation["responses"]
    ]

    assert missing == ["post /api/auth/token/"]  # the one endpoint open to anyone
