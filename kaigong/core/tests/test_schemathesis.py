"""Schemathesis over the API's own OpenAPI schema (issue 10 §13): for every operation, requests generated from the
schema are sent to the WSGI application as the administrator and as an enterprise user, and each answer must be
no server error and what the schema says: a documented status, content type, headers and body.

Bounded for `make test` (2 cores): a few examples per operation (KAIGONG_SCHEMATHESIS_EXAMPLES, default 3), no
shrinking, no example database; about a minute for both roles. Runs on whichever database the suite runs on.
"""

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from kaigong.accounts.choices import Role
from kaigong.core.tests.schemathesis_app import application_in_test_transaction, openapi_schema
from kaigong.projects.tests.factories import ProjectFactory

EXAMPLES = int(os.environ.get("KAIGONG_SCHEMATHESIS_EXAMPLES", "3"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


schema = schemathesis.openapi.from_dict(openapi_schema())


@pytest.fixture(params=[Role.ADMIN, Role.ENTERPRISE])
def token(request, users, department, organization):
    """A token of the administrator, then of the enterprise user, with a project the enterprise owns."""
    ProjectFactory(responsible_department=department, owner=organization)
    return Token.objects.create(user=users[request.param]).key


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    phases=[Phase.explicit, Phase.generate],
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_api_answers_as_its_schema_says(case, token):
    with application_in_test_transaction() as app:
        response = case.call(app=app, headers={"Authorization": f"Token {token}"})
    case.validate_response(response, checks=CHECKS)
