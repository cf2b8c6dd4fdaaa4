"""Errors a service raises when it refuses a change. Each carries a message for people.

Views turn them into GOV.UK error messages, the API into problem+json (400 or 409).
A refusal always leaves the database as it was: services raise before writing, or
inside the transaction that is then rolled back.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import IntegrityError, transaction


class ServiceError(Exception):
    """A change Homeward refuses. `field` names the input at fault, where one is."""

    status_code = 400
    code = "invalid"

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        if code:
            self.code = code


class Refused(ServiceError):
    """The input breaks a protocol rule or is impossible (a return before last seen)."""


class Conflict(ServiceError):
    """The change conflicts with the record as it stands (a second open episode)."""

    status_code = 409
    code = "conflict"


class NotAllowed(ServiceError):
    """The acting user may not make this change to this record."""

    status_code = 403
    code = "not_allowed"


# Database constraints, by name, and what they mean to a person. The database holds the
# invariant; this turns a violation that slipped past a service's own checks (a race
# between two requests) into the same clear message.
CONSTRAINT_MESSAGES: dict[str, tuple[type[ServiceError], str, str | None]] = {
    "episode_one_open_per_child": (
        Conflict,
        "This child already has an open episode. Record the return before reporting a new one.",
        None,
    ),
    "episodes_do_not_overlap": (
        Conflict,
        "An episode cannot start before the child's previous episode ended.",
        "last_seen_at",
    ),
    "episode_return_not_before_last_seen": (
        Refused,
        "The return cannot be before the child was last seen.",
        "returned_at",
    ),
    "episode_reported_not_before_last_seen": (
        Refused,
        "The report cannot be before the child was last seen.",
        "reported_at",
    ),
    "episode_absent_only_from_age_13": (
        Refused,
        "A child aged 12 or under is always recorded as missing, never absent.",
        "category",
    ),
    "episode_away_is_from_placement": (
        Refused,
        "Away without authorisation applies only to a looked-after child away from a placement.",
        "category",
    ),
    "legal_status_periods_do_not_overlap": (
        Conflict,
        "A child has one legal status at a time: the new period overlaps another.",
        "start_date",
    ),
    "placements_do_not_overlap": (
        Conflict,
        "A child has one placement at a time: the new placement overlaps another.",
        "start_date",
    ),
    "child_local_id_unique_in_authority": (
        Conflict,
        "Another child of this authority has this council child ID.",
        "local_child_id",
    ),
    "allocation_one_current_per_team": (
        Conflict,
        "The child is already allocated to this team.",
        "team",
    ),
    "risk_threshold_level_1_to_4": (
        Refused,
        "The threshold level is 1, 2, 3 or 4.",
        "threshold_level",
    ),
}


def constraint_name(error: IntegrityError) -> str | None:
    cause = error.__cause__
    diag = getattr(cause, "diag", None)
    return getattr(diag, "constraint_name", None)


@contextmanager
def translate_integrity_errors() -> Iterator[None]:
    """Run a write in a savepoint; a known constraint violation becomes a ServiceError."""
    try:
        with transaction.atomic():
            yield
    except IntegrityError as error:
        name = constraint_name(error)
        if name in CONSTRAINT_MESSAGES:
            kind, message, field = CONSTRAINT_MESSAGES[name]
            raise kind(message, field=field, code=name) from error
        raise
