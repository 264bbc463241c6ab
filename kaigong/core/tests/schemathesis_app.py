"""What the Schemathesis runs share (core/tests/test_schemathesis.py, heritage/tests/test_schema_conformance.py): the
API's schema as a logged-in user gets it, and the WSGI application made safe to call inside a test's transaction."""

import json
from contextlib import contextmanager

from django.core import signals
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer

from kaigong.wsgi import application


def openapi_schema() -> dict:
    """The schema as /api/schema/?format=json serves it to a logged-in user."""
    generated = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(generated, renderer_context={}))


@contextmanager
def application_in_test_transaction():
    """Django's handler closes the database connection after each request; inside a test's transaction that would
    drop it, so (as Django's test client does) the close is held off while Schemathesis calls the application."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield application
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)
