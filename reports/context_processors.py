"""Whether to show the Reports link: only to those who may read reports (no link to a 403)."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from reports.selectors import may_read_reports
from reports.ssda903 import produces_returns


def reports(request: HttpRequest) -> dict[str, object]:
    return {
        "may_read_reports": SimpleLazyObject(lambda: may_read_reports(request.user)),  # type: ignore[arg-type]
        # The statutory returns link: only for the authority's Missing Co-ordinator and AD.
        "may_produce_returns": SimpleLazyObject(lambda: produces_returns(request.user)),  # type: ignore[arg-type]
    }
