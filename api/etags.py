"""ETag and If-Match: a PATCH made against a stale read is refused (412), not merged."""

from __future__ import annotations

import hashlib

from api.exceptions import PreconditionFailed


def etag_for(record) -> str:
    stamp = f"{type(record).__name__}:{record.pk}:{record.updated_at.isoformat()}"
    return '"' + hashlib.sha256(stamp.encode()).hexdigest()[:32] + '"'


def check_if_match(request, record) -> None:
    header = request.headers.get("If-Match")
    if header is None:
        return
    wanted = {tag.strip().removeprefix("W/") for tag in header.split(",")}
    if "*" not in wanted and etag_for(record) not in wanted:
        raise PreconditionFailed()
