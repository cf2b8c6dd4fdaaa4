"""Protocol pages."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


@never_cache
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """Database, Redis and the sweep's lag, for load balancers and monitoring. Public:
    no sign-in, no case data; 503 when PostgreSQL or Redis cannot be reached."""
    from protocol.services import health as health_report

    healthy, report = health_report()
    return JsonResponse(report, status=200 if healthy else 503)


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """The protocol page: every rule with its trigger, deadline, owner and source, with
    the numbers read from the same settings the engine uses."""
    from protocol.catalogue import describe_rules, who_is_told
    from protocol.conf import protocol_settings

    settings = protocol_settings()
    return render(
        request,
        "protocol/index.html",
        {"rules": describe_rules(settings), "settings": settings, "told": who_is_told()},
    )
