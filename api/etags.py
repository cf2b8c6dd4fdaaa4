"""ETag and If-Match: a change made against a stale read is refused (412), not merged.

The ETag is a hash of the representation itself, not only of `updated_at`: two changes
within one clock tick (or under a test's frozen clock) still give different tags.

If-Match is required (428 without it) on every PATCH and every action (a POST to a
record's own URL: return, reclassify, end, revoke...) of an existing record, so two
clients can never silently overwrite each other. The tag to send is the record's: the
ETag of `GET` on the record's URL (for a PATCH of a sub-resource such as
`children/{id}/philomena/`, that sub-resource's own ETag). `If-Match: *` ("whatever it
is now") is accepted as RFC 9110 says, for a client that means to overwrite.
"""

from __future__ import annotations

import hashlib
import json

from api.exceptions import PreconditionFailed, PreconditionRequired

HEADER = "If-Match"


def etag_for(data) -> str:
    body = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return '"' + hashlib.sha256(body.encode()).hexdigest()[:32] + '"'


def changes_existing_record(method: str, detail: bool | None) -> bool:
    """PATCH, PUT and DELETE always name a record; a POST does when it is an action on one
    (a detail route), not a create on a collection."""
    return method in ("PATCH", "PUT", "DELETE") or (method == "POST" and bool(detail))


def require_if_match(request) -> None:
    if not request.headers.get(HEADER, "").strip():
        raise PreconditionRequired()


def check_if_match(request, current_etag: str) -> None:
    header = request.headers.get(HEADER, "")
    if not header.strip():
        raise PreconditionRequired()
    wanted = {tag.strip().removeprefix("W/") for tag in header.split(",")}
    if "*" not in wanted and current_etag not in wanted:
        raise PreconditionFailed()
