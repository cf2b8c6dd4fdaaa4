"""Writes the access events of a request: one bulk INSERT of what it read (core.audit)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from children.services import write_reads
from core.audit import collecting


class AccessLogMiddleware:
    """After AuthenticationMiddleware. The API names its reader itself (API keys are
    authenticated in the view): see api.views.ApiViewSet.initial."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        with collecting(user if user is not None and user.is_authenticated else None) as reads:
            response = self.get_response(request)
        if reads.children and reads.reader is not None:
            write_reads(reads, via=f"{request.method} {request.path}")
        return response
