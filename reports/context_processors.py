"""Whether to show the Reports link: only to those who may read reports (no link to a 403)."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from reports.selectors import may_read_reports


def reports(request: HttpRequest) -> dict[str, object]:
    return {"may_read_reports": SimpleLazyObject(lambda: may_read_reports(request.user))}  # type: ignore[arg-type]
