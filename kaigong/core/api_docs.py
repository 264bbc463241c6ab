"""The API's OpenAPI schema (/api/schema/) and its two docs pages (/api/docs/ Swagger UI, /api/redoc/ ReDoc).

All three are for logged-in users (SPECTACULAR_SETTINGS["SERVE_PERMISSIONS"]): a client without a session or token
gets the API's 401 JSON error from the schema, and a browser without a session is sent to the login page from the
docs pages. Their assets come from drf-spectacular-sidecar (no CDN).

Content-Security-Policy (settings.CONTENT_SECURITY_POLICY): Swagger UI runs under the site's policy, its start-up
script served as a file (the split view's ``?script``) and its page styles in css/api-docs.css. ReDoc cannot: it
writes its styles into <style> elements at run time (styled-components) and parses the schema in a web worker made
from a blob: URL, so its page alone gets ``style-src 'unsafe-inline'`` and ``worker-src blob:``. Scripts stay
'self' there too, and the page shows nothing but the schema.
"""

from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_update
from django.contrib.auth.views import redirect_to_login
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView
from rest_framework import exceptions
from rest_framework.renderers import JSONRenderer


class LoginPageForBrowsersMixin:
    """A docs page asked for without a session or token goes to the login page and back, as every page does."""

    def handle_exception(self, exc):
        if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
            return redirect_to_login(self.request.get_full_path())
        return super().handle_exception(exc)


class SchemaView(SpectacularAPIView):
    """The OpenAPI 3 schema (YAML, or JSON with ?format=json); its errors (401 without login) answer in JSON, the
    error shape of every API endpoint, whatever format was asked for."""

    def handle_exception(self, exc):
        response = super().handle_exception(exc)
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return response


class SwaggerView(LoginPageForBrowsersMixin, SpectacularSwaggerSplitView):
    """Swagger UI, its start-up script a separate response (no inline script)."""


class RedocView(LoginPageForBrowsersMixin, SpectacularRedocView):
    """ReDoc, started from its <redoc spec-url> element (no inline script: templates/drf_spectacular/redoc.html)."""


# ReDoc's own styles and worker: the one relaxation of the policy, on its page alone.
REDOC_POLICY = {"style-src": [UNSAFE_INLINE], "worker-src": [SELF, "blob:"]}


def redoc_view(*, url_name: str):
    return csp_update(REDOC_POLICY)(RedocView.as_view(url_name=url_name))
