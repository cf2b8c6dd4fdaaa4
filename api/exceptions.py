"""Every API error as application/problem+json (RFC 9457): type, title, status, detail, errors.

`errors` maps a field name to its messages (`non_field_errors` for the request as a
whole). Service refusals keep their message, which says why in the protocol's words.
"""

from __future__ import annotations

import logging
import math

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import DataError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response

from core.errors import ServiceError

logger = logging.getLogger(__name__)

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_BASE = "https://homeward.invalid/problems/"


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = (
        "The record has changed since you read it: fetch it again, then reapply your change."
    )
    default_code = "precondition_failed"


class PreconditionRequired(exceptions.APIException):
    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_detail = (
        "Send If-Match with the record's ETag (from GET on the record) to change it, so "
        "a change made since you read it is not overwritten."
    )
    default_code = "precondition_required"


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "payload_too_large"


class IdempotencyKeyReused(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = "This Idempotency-Key was already used for a different request. Use a new key for a new request."
    default_code = "idempotency_key_reused"


class IdempotencyKeyInProgress(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = (
        "A request with this Idempotency-Key is still being processed. Retry in a moment."
    )
    default_code = "idempotency_key_in_progress"


class Replay(Exception):  # noqa: N818 - not an error: carries the stored response out of initial()
    def __init__(self, response: Response):
        self.response = response


TITLES = {
    400: "Your request has errors",
    401: "Authentication required",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    409: "Conflict",
    412: "Precondition failed",
    413: "Request body too large",
    415: "Unsupported media type",
    422: "Idempotency key reused",
    428: "Precondition required",
    429: "Too many requests",
}


def problem(
    status_code: int,
    detail: str,
    *,
    code: str,
    errors: dict[str, list[str]] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    body = {
        "type": PROBLEM_BASE + code,
        "title": TITLES.get(status_code, "Error"),
        "status": status_code,
        "detail": detail,
        "errors": errors or {},
    }
    return Response(body, status=status_code, headers=headers, content_type=PROBLEM_CONTENT_TYPE)


def _flatten(detail, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail as {"field": [...], "attendees.0.name": [...]}."""
    errors: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for name, value in detail.items():
            errors.update(_flatten(value, f"{prefix}.{name}" if prefix else str(name)))
    elif isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            errors[prefix or "non_field_errors"] = [str(item) for item in detail]
        else:
            for index, item in enumerate(detail):
                errors.update(_flatten(item, f"{prefix}.{index}" if prefix else str(index)))
    else:
        errors[prefix or "non_field_errors"] = [str(detail)]
    return {name: messages for name, messages in errors.items() if messages}


def problem_exception_handler(exc, context) -> Response | None:
    if isinstance(exc, ServiceError):
        errors = {exc.field: [exc.message]} if exc.field else {}
        return problem(exc.status_code, exc.message, code=exc.code, errors=errors)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, DataError):
        # A value the serializers let through but PostgreSQL cannot hold: bad input, not
        # a fault (the transaction that met it has already been rolled back).
        logger.warning("DataError from API input: %s", exc)
        return problem(400, "A value in your request cannot be stored.", code="invalid")
    if not isinstance(exc, exceptions.APIException):
        return None
    headers: dict[str, str] = {}
    auth_header = getattr(exc, "auth_header", None)
    if auth_header:
        headers["WWW-Authenticate"] = auth_header
    wait = getattr(exc, "wait", None)
    if wait:
        # Whole seconds, rounded up: retrying at the advertised time must succeed.
        headers["Retry-After"] = str(max(1, math.ceil(wait)))
    if isinstance(exc, exceptions.ValidationError):
        errors = _flatten(exc.detail)
        first = next(iter(errors.items()), None)
        detail = (
            "There is a problem with your request: see errors."
            if first is None
            else f"{first[0]}: {first[1][0]}"
            if first[0] != "non_field_errors"
            else first[1][0]
        )
        return problem(400, detail, code="validation", errors=errors, headers=headers)
    detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
    code = exc.get_codes() if isinstance(exc.get_codes(), str) else exc.default_code
    if isinstance(exc, exceptions.Throttled):
        detail = f"Too many requests for this key. Retry after {headers.get('Retry-After', 'a few')} seconds."
    return problem(exc.status_code, str(detail), code=str(code), headers=headers)
