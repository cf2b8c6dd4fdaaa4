"""Protocol pages."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


@login_required
def escalations(request: HttpRequest) -> HttpResponse:
    """The manager's escalation queue: breached and due-soon deadlines for their teams."""
    from protocol.escalations import escalation_page_context

    return render(request, "protocol/escalations.html", escalation_page_context(request))
