"""The heritage API answers as its OpenAPI schema says with data in it (issue 10 §13): sites with both areas,
projects with routings, as the administrator and as an enterprise user. The suite-wide Schemathesis run
(core/tests) has no heritage sites, so it never sees a site or a routing step; this one does. Bounded: a few
examples per heritage operation."""

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from kaigong.accounts.choices import Role
from kaigong.core.tests.schemathesis_app import application_in_test_transaction, openapi_schema
from kaigong.heritage.services import import_sites, sync_project_routing
from kaigong.heritage.tests.conftest import CORE, collection, feature
from kaigong.projects.tests.factories import ProjectFactory

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


schema = schemathesis.openapi.from_dict(openapi_schema()).include(path_regex="^/api/heritage/")


@pytest.fixture(params=[Role.ADMIN, Role.ENTERPRISE])
def token(request, users, department, organization):
    import_sites(content=collection(feature(), feature(zone="protection_area", geometry=CORE)), actor=None)
    for _ in range(2):
        project = ProjectFactory(
            responsible_department=department, owner=organization, latitude="35.620000", longitude="111.370000"
        )
        sync_project_routing(project=project, actor=None, actor_label="test")
    return Token.objects.create(user=users[request.param]).key


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=5,
    phases=[Phase.explicit, Phase.generate],
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_heritage_api_answers_as_its_schema_says(case, token):
    with application_in_test_transaction() as app:
        response = case.call(app=app, headers={"Authorization": f"Token {token}"})
    case.validate_response(response, checks=CHECKS)
