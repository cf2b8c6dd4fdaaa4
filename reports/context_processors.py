"""Whether to show the Reports link: only to those who may read reports (no link to a 403)."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from reports.selectors import may_read_reports
from reports.ssda903 import returns_authorities


def reports(request: HttpRequest) -> dict[str, object]:
    return {
        "may_read_reports": SimpleLazyObject(lambda: may_read_reports(request.user)),  # type: ignore[arg-type]
        # The statutory returns link: only for the authority's Missing Co-ordinator and AD.
        "may_produce_returns": SimpleLazyObject(lambda: bool(returns_authorities(request.user))),  # type: ignore[arg-type]
    }
