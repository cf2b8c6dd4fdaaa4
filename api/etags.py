"""ETag and If-Match: a PATCH made against a stale read is refused (412), not merged.

The ETag is a hash of the representation itself, not only of `updated_at`: two changes
within one clock tick (or under a test's frozen clock) still give different tags.
"""

from __future__ import annotations

import hashlib
import json

from api.exceptions import PreconditionFailed


def etag_for(data) -> str:
    body = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return '"' + hashlib.sha256(body.encode()).hexdigest()[:32] + '"'


def check_if_match(request, current_etag: str) -> None:
    header = request.headers.get("If-Match")
    if header is None:
        return
    wanted = {tag.strip().removeprefix("W/") for tag in header.split(",")}
    if "*" not in wanted and current_etag not in wanted:
        raise PreconditionFailed()
