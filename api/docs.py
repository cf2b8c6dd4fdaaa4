"""The API's interactive docs, served from Homeward's own origin (issue 14): Swagger UI
and ReDoc come from drf-spectacular-sidecar's static files, pinned in the lock, and our
own page templates carry no inline script, no inline style and no third-party fonts."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerSplitView
from rest_framework.response import Response

# ReDoc draws with styled-components, which writes <style> elements, and searches in a
# web worker started from a blob: URL. This page only, and still no inline script.
REDOC_CONTENT_SECURITY_POLICY = (
    settings.CONTENT_SECURITY_POLICY.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
    + "; worker-src blob:"
)


class SwaggerView(SpectacularSwaggerSplitView):
    """Swagger UI; its start-up script is a second request to this URL (`?script`)."""

    template_name = "api/swagger_ui.html"
    permission_classes: list[Any] = []


class RedocView(SpectacularRedocView):
    template_name = "api/redoc.html"
    permission_classes: list[Any] = []

    @extend_schema(exclude=True)
    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Response:
        response = super().get(request, *args, **kwargs)
        response.headers["Content-Security-Policy"] = REDOC_CONTENT_SECURITY_POLICY
        return response
