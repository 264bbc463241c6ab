"""Schemathesis over the API's own OpenAPI schema (issue 10 §13): for every operation, requests generated from the
schema are sent to the WSGI application as the administrator and as an enterprise user, and each answer must be
no server error and what the schema says: a documented status, content type, headers and body.

Bounded for `make test` (2 cores): a few examples per operation (KAIGONG_SCHEMATHESIS_EXAMPLES, default 3), no
shrinking, no example database; about a minute for both roles. Runs on whichever database the suite runs on.
"""

import json
import os

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
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
from kaigong.projects.tests.factories import ProjectFactory
from kaigong.wsgi import application

EXAMPLES = int(os.environ.get("KAIGONG_SCHEMATHESIS_EXAMPLES", "3"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


def _openapi() -> dict:
    """The schema as /api/schema/?format=json serves it to a logged-in user."""
    generated = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(generated, renderer_context={}))


schema = schemathesis.openapi.from_dict(_openapi())


@pytest.fixture
def wsgi_in_test_transaction():
    """Django's handler closes the database connection after each request; inside a test's transaction that would
    drop it, so (as Django's test client does) the close is held off while Schemathesis calls the application."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield application
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


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
def test_api_answers_as_its_schema_says(case, token, wsgi_in_test_transaction):
    response = case.call(app=wsgi_in_test_transaction, headers={"Authorization": f"Token {token}"})
    case.validate_response(response, checks=CHECKS)
