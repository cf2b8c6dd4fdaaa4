"""A URL configuration for the error page tests: the site's URLs plus one that fails."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path

from missing.urls import handler403, handler404, handler500, urlpatterns

__all__ = ["handler403", "handler404", "handler500", "urlpatterns"]


def broken(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a bug the tests put here on purpose")


urlpatterns = [*urlpatterns, path("broken/", broken)]
