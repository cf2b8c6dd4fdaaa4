"""`Idempotency-Key` on POST: police systems retry, and a retry must not report twice.

The first request with a key inserts its row and commits before it runs; the work and
the stored response then commit in one transaction, so a process that dies in between
leaves neither (the retry runs the work once) and never the work without its response
(a retry that would run it again). A retry with the same key and body gets that response again
and runs nothing; the same key with a different body is refused (422); a retry that
arrives while the first is still running is told to wait (409), so two simultaneous
retries never both execute.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.response import Response

from api.exceptions import (
    PROBLEM_CONTENT_TYPE,
    IdempotencyKeyInProgress,
    IdempotencyKeyReused,
    Replay,
)
from api.models import IdempotencyRecord

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
KEPT_HEADERS = ("ETag", "Location")
# No request runs this long (the web server's timeout is far shorter): a key still
# "in progress" after it belongs to a request that died.
ABANDONED_AFTER = dt.timedelta(minutes=10)


def fingerprint(request) -> str:
    body = json.dumps(request.data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{request.method}\n{request.path}\n{body}".encode()).hexdigest()


def _valid_key(key: str) -> bool:
    return 0 < len(key) <= 255 and key.isascii() and key.isprintable()


def claim(request) -> IdempotencyRecord | None:
    """The new record for this request, or raise: Replay, IdempotencyKeyReused, ...InProgress."""
    key = request.headers.get(HEADER)
    if key is None:
        return None
    key = key.strip()
    if not _valid_key(key):
        raise exceptions.ValidationError(
            {HEADER: ["The Idempotency-Key is 1 to 255 printable ASCII characters, e.g. a UUID."]}
        )
    print_ = fingerprint(request)
    for _attempt in range(3):
        try:
            # Its own transaction (a savepoint inside a test's): committed before the work
            # starts, so a concurrent retry blocks on the unique constraint, then sees it.
            with transaction.atomic():
                return IdempotencyRecord.objects.create(
                    user=request.user, key=key, fingerprint=print_
                )
        except IntegrityError:
            existing = IdempotencyRecord.objects.filter(user=request.user, key=key).first()
        if existing is None:
            continue  # released (a server fault) between our insert and our read: claim again
        if existing.fingerprint != print_:
            raise IdempotencyKeyReused()
        if existing.response_status is not None:
            break
        if existing.created_at > timezone.now() - ABANDONED_AFTER:
            raise IdempotencyKeyInProgress()
        # Claimed long ago and never answered: its process died, and its transaction with
        # it, so nothing was done. Take the key over (once: the delete is conditional).
        IdempotencyRecord.objects.filter(pk=existing.pk, response_status__isnull=True).delete()
    else:
        raise IdempotencyKeyInProgress()
    headers = {**existing.response_headers, REPLAYED_HEADER: "true"}
    raise Replay(
        Response(
            existing.response_body,
            status=existing.response_status,
            headers=headers,
            content_type=PROBLEM_CONTENT_TYPE if existing.response_status >= 400 else None,
        )
    )


def complete(record: IdempotencyRecord, response: Response) -> None:
    """Keep the response for retries; a server fault frees the key so a retry can run."""
    if response.status_code >= 500:
        release(record)
        return
    record.response_status = response.status_code
    record.response_body = _storable(response.data)
    record.response_headers = {
        name: response[name] for name in KEPT_HEADERS if response.has_header(name)
    }
    record.completed_at = timezone.now()
    record.save(
        update_fields=["response_status", "response_body", "response_headers", "completed_at"]
    )


def _storable(value):
    """The response as jsonb can keep it: PostgreSQL refuses U+0000 in jsonb, and a 400
    may quote the client's input back (a string with a NUL in it). The kept copy has
    U+FFFD in its place; the response sent this time is unchanged."""
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    if isinstance(value, dict):
        return {_storable(key): _storable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_storable(item) for item in value]
    return value


def release(record: IdempotencyRecord | None) -> None:
    if record is not None:
        IdempotencyRecord.objects.filter(pk=record.pk, response_status__isnull=True).delete()


class IdempotentPostMixin:
    """For API views: claim the key after authentication and throttling; run the work and
    store its response in one transaction."""

    _idempotency_record: IdempotencyRecord | None = None
    _work: transaction.Atomic | None = None

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        self._idempotency_record = None
        self._work = None
        if request.method == "POST":
            self._idempotency_record = claim(request)
            if self._idempotency_record is not None:
                # Entered here and left in finalize_response (or handle_exception): the
                # handler's writes and `complete` below commit together.
                self._work = transaction.atomic()
                self._work.__enter__()

    def _end_work(self, error: BaseException | None) -> None:
        work, self._work = self._work, None
        if work is not None:
            if error is None:
                work.__exit__(None, None, None)
            else:
                work.__exit__(type(error), error, error.__traceback__)

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, Replay):
            return exc.response
        try:
            return super().handle_exception(exc)  # type: ignore[misc]
        except Exception as error:
            self._end_work(error)
            release(self._idempotency_record)
            self._idempotency_record = None
            raise

    def finalize_response(
        self, request: Request, response: Response, *args: Any, **kwargs: Any
    ) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]
        record, self._idempotency_record = self._idempotency_record, None
        if record is None:
            return response
        if response.status_code >= 500:
            self._end_work(RuntimeError(f"answered {response.status_code}"))
            release(record)
            return response
        try:
            complete(record, response)
        except Exception as error:
            # The response could not be kept: undo the work too, free the key, and let
            # the error answer 500, so the client's retry runs the work once.
            self._end_work(error)
            release(record)
            raise
        self._end_work(None)
        return response
