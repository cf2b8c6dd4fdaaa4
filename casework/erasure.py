"""The audited erasure of a record past retention (decision 0016).

Erasure removes what identifies a child and what was said about them, and keeps what the
statistics count, so the committee reports and the statutory returns of past years still
sum the same: the child row stays (date of birth, sex, ethnicity, the authority), with its
episodes (dates, categories), legal statuses, placements' kinds, interviews' outcomes,
meetings' dates, deadlines. Names, identifiers, the Philomena profile, the photo, and
every free-text field (circumstances, disclosures, decisions, notes) are blanked, in the
live rows and in their history: the application's database role may not change history,
so the history is blanked through `homeward_erase_history` (children migration 0004),
the one door the owner opened for this. The Erasure row is written in the same
transaction (written last, once the counts are known): who erased which record, when, why, under which rule, and how many rows.
"""

from __future__ import annotations

import datetime as dt

import pghistory.models
from django.apps import apps
from django.db import connection, models, transaction
from django.utils import timezone

from agencies.models import User
from casework.retention import may_review_retention, retention_row
from children.models import Child, Erasure
from core.errors import Conflict, NotAllowed, Refused
from core.history import records

ERASED_NAME = "Erased"

# What is blanked, per kind of row: (model label, the path from it to the child, fields).
# Fields with choices (categories, outcomes, kinds) and dates are kept: they are counted.
ERASED_FIELDS: list[tuple[str, str, tuple[str, ...]]] = [
    (
        "children.Child",
        "pk",
        (
            "given_name",
            "family_name",
            "known_as",
            "local_child_id",
            "disability_details",
            "upn",
            "school",
            "description",
            "clothing_style",
            "known_associates",
            "places_frequented",
            "phone_numbers",
            "social_media",
            "health_needs",
            "previous_episodes_summary",
            "photo",
            "photo_consent_given_by",
            "photo_media_consent_reason",
        ),
    ),
    ("children.Placement", "child", ("name", "provider", "address", "postcode")),
    ("children.ChildAccessGrant", "content_object", ("reason",)),
    (
        "episodes.Episode",
        "child",
        (
            "last_seen_location",
            "circumstances",
            "clothing_when_last_seen",
            "who_with",
            "police_reference",
            "return_location",
            "entered_in_error_reason",
        ),
    ),
    ("episodes.Reclassification", "episode__child", ("reason",)),
    ("episodes.SafeAndWellCheck", "episode__child", ("officer_name", "concerns")),
    ("episodes.Reopening", "episode__child", ("cleared_return_location", "reason")),
    ("risk.MashReferral", "child", ("referrer", "summary")),
    ("risk.RiskAssessment", "child", ("rationale",)),
    ("returns.ReturnInterview", "child", ("interviewer_name", "disclosures", "follow_ups")),
    ("returns.ReturnInterviewAttempt", "interview__child", ("notes",)),
    ("panels.StrategyMeeting", "child", ("decisions",)),
    ("panels.PanelReferral", "child", ("reason",)),
    ("panels.PanelCase", "child", ("reason", "discussion")),
    ("panels.PanelAction", "case__child", ("description",)),
    ("notifications.Notification", "child", ("subject", "body")),
]


def _event_models(model: type[models.Model]) -> list[type[models.Model]]:
    return [
        event
        for event in apps.get_models()
        if issubclass(event, pghistory.models.Event)
        and getattr(event, "pgh_tracked_model", None) is model
    ]


def _blank_history(model: type[models.Model], ids: list[int], fields: tuple[str, ...]) -> int:
    changed = 0
    for event in _event_models(model):
        columns = [field.column for field in event._meta.fields if field.name in fields]
        if not columns or not ids:
            continue
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT homeward_erase_history(%s, %s::bigint[], %s::text[])",
                [event._meta.db_table, ids, columns],
            )
            changed += cursor.fetchone()[0]
    return changed


@records("Record erased past retention")
def erase_child_record(
    *, acting_user: User, child: Child, reason: str, today: dt.date | None = None
) -> Erasure:
    """Erase `child`'s identifying details and free text, keeping what is counted.

    Only a records officer, only a record past its retention, once."""
    if not may_review_retention(acting_user):
        raise NotAllowed("Only a records officer erases records past retention.")
    reason = reason.strip()
    if not reason:
        raise Refused("Say why the record is erased (e.g. the review's reference)", field="reason")
    today = today or timezone.localdate()
    with transaction.atomic():
        child = Child.objects.select_for_update().get(pk=child.pk)
        if child.erased_at is not None:
            raise Conflict("This record has been erased already.", code="erased")
        row = retention_row(child)
        if row.retention_until > today:
            raise Conflict(
                f"This record is kept until {row.retention_until.day} "
                f"{row.retention_until:%B %Y} "
                f"({row.rule.label}: {row.rule.source}).",
                code="within_retention",
            )
        counts: dict[str, int] = {}
        for label, path, fields in ERASED_FIELDS:
            model = apps.get_model(label)
            rows = model._default_manager.filter(**{path: child.pk})
            ids = list(rows.values_list("pk", flat=True))
            if not ids:
                continue
            if label == "children.Child" and child.photo:
                child.photo.delete(save=False)
            model._default_manager.filter(pk__in=ids).update(**dict.fromkeys(fields, ""))
            counts[label] = len(ids)
            counts[f"{label} history"] = _blank_history(model, ids, fields)
        Child.objects.filter(pk=child.pk).update(
            given_name=ERASED_NAME,
            family_name=f"record {child.pk}",
            photo_consent_recorded_at=None,
            photo_taken_on=None,
            photo_child_agreement="",
            photo_media_consent_at=None,
            erased_at=timezone.now(),
        )
        # In the same transaction: an erasure that fails leaves nothing, and one that
        # succeeds cannot lack its audit row. Written last, once the counts are known
        # (the application may not UPDATE the erasure log).
        return Erasure.objects.create(
            child=child,
            erased_by=acting_user,
            erased_at=timezone.now(),
            record_kind=row.rule.kind,
            retention_until=row.retention_until,
            reason=reason[:500],
            counts=counts,
        )
