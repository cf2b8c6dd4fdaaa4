"""What goes in and out of /api/v1/. Serializers validate shapes; services decide the rest.

A reference to a record the user may not see reads exactly like a reference to one that
does not exist ("No child with id 12."), so a request cannot probe for records.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from collections.abc import Mapping
from functools import cached_property

from django.utils import timezone
from rest_framework import ISO_8601, serializers
from rest_framework.settings import api_settings

from agencies.models import Agency, AgencyKind, Team, User
from api.fields import AwareDateTimeField, BoundedDateField
from children.models import (
    Allocation,
    Child,
    ChildAccessGrant,
    ChildAgreement,
    Disability,
    Ethnicity,
    LegalStatus,
    LegalStatusKind,
    Placement,
    PlacementKind,
    Sex,
)
from children.selectors import child_visibility, visible_children
from children.services import PHOTO_MAX_BYTES
from core.audit import note_record
from episodes.models import (
    Category,
    Episode,
    HowFound,
    MissingFrom,
    MissingReason,
    PoliceRisk,
    ReturnConcern,
    SafeAndWellCheck,
)
from panels.models import (
    MeetingKind,
    MeetingTrigger,
    ParentalConsent,
    StrategyItem,
    StrategyItemKind,
    StrategyMeeting,
)
from protocol.models import Deadline
from returns.models import Outcome, PullFactor, PushFactor, ReturnInterview
from risk.models import Indicator, MashReferral, MashTriage, Rag, RiskAssessment


# A body naming a field the endpoint does not have is refused (400), not silently ignored
# (issue 11): a misspelt `returned_at` must not look like a success. A known read-only
# field (`id`, `updated_at`) sent back as it was read is ignored, as DRF does. (Comments,
# not docstrings: drf-spectacular would print a docstring on every schema.)
class RefusesUnknownFields:
    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            known = set(self.fields)  # type: ignore[attr-defined]
            unknown = [str(key) for key in data if key not in known]
            if unknown:
                raise serializers.ValidationError(
                    {
                        _printable(key): ["Unknown field: this endpoint does not take it."]
                        for key in sorted(unknown)[:UNKNOWN_FIELDS_NAMED]
                    }
                )
        return super().to_internal_value(data)  # type: ignore[misc]


# The refusal names the fields as sent, but only as much of them as a person can read
# (no control characters: PostgreSQL's JSON cannot store NUL, and the response is kept
# for Idempotency-Key replays), and only so many of them.
UNKNOWN_FIELDS_NAMED = 20
FIELD_NAME_SHOWN = 100


def _printable(name: str) -> str:
    shown = "".join(c for c in name if c.isprintable())[:FIELD_NAME_SHOWN]
    return shown or "(a field with no printable name)"


# Every case object a serializer renders (a list's page, a retrieve, a write's answer) is
# noted for the request's access event, which then names the ids returned (core.audit).
class LogsReads:
    def to_representation(self, instance):
        note_record(instance)
        return super().to_representation(instance)  # type: ignore[misc]


class StrictSerializer(RefusesUnknownFields, LogsReads, serializers.Serializer):
    pass


class StrictModelSerializer(RefusesUnknownFields, LogsReads, serializers.ModelSerializer):
    pass


def _user(serializer: serializers.Field):
    request = serializer.context.get("request")
    return getattr(request, "user", None)


class VisibleChildField(serializers.PrimaryKeyRelatedField):
    default_error_messages = {
        "does_not_exist": "No child with id {pk_value}.",
        "incorrect_type": "Give the child's id: a whole number.",
    }

    def get_queryset(self):
        return visible_children(_user(self))


class VisibleEpisodeField(serializers.PrimaryKeyRelatedField):
    default_error_messages = {
        "does_not_exist": "No episode with id {pk_value}.",
        "incorrect_type": "Give the episode's id: a whole number.",
    }

    def get_queryset(self):
        return Episode.objects.filter(child_visibility(_user(self), "child_id")).select_related(
            "child"
        )


class ChildSerializer(StrictModelSerializer):
    sex = serializers.ChoiceField(choices=Sex.choices, default=Sex.NOT_KNOWN)
    legal_status = serializers.ChoiceField(
        source="current_legal_status",
        choices=LegalStatusKind.choices,
        default=LegalStatusKind.NONE,
        help_text="The child's legal status today (looked after, child protection, child in need, none).",
    )
    is_uasc = serializers.BooleanField(
        default=False, help_text="Unaccompanied asylum-seeking child (Haringey protocol 16)."
    )
    responsible_authority = serializers.PrimaryKeyRelatedField(
        queryset=Agency.objects.filter(kind=AgencyKind.LOCAL_AUTHORITY),
        required=False,
        help_text="The local authority responsible for the child (an agency id). "
        "Defaults to the authority of the team you work in.",
        error_messages={"does_not_exist": "No local authority with id {pk_value}."},
    )

    class Meta:
        model = Child
        fields = [
            "id",
            "given_name",
            "family_name",
            "date_of_birth",
            "sex",
            "legal_status",
            "is_uasc",
            "responsible_authority",
            "known_as",
            "local_child_id",
            "ethnicity",
            "disability",
            "upn",
            "school",
            "updated_at",
        ]
        read_only_fields = [
            "id",
            "known_as",
            "local_child_id",
            "ethnicity",
            "disability",
            "upn",
            "school",
            "updated_at",
        ]
        # The council's child id is unique within the authority: the database holds that
        # (a 409 from the service), not a validator that would make the authority required.
        validators: list = []


class EpisodeSerializer(StrictModelSerializer):
    child = VisibleChildField()
    category = serializers.ChoiceField(choices=Category.choices)
    missing_from = serializers.ChoiceField(
        choices=MissingFrom.choices,
        required=False,
        help_text="Defaults to placement if the child has a current placement away from home.",
    )
    last_seen_at = AwareDateTimeField()
    reported_at = AwareDateTimeField(required=False, help_text="Defaults to now.")
    returned_at = AwareDateTimeField(read_only=True, allow_null=True)
    police_reference = serializers.CharField(max_length=60, required=False, allow_blank=True)
    police_risk = serializers.ChoiceField(
        choices=PoliceRisk.choices,
        required=False,
        allow_blank=True,
        help_text="The police APP risk grading.",
    )
    police_force = serializers.PrimaryKeyRelatedField(
        queryset=Agency.objects.filter(kind=AgencyKind.POLICE_FORCE),
        required=False,
        allow_null=True,
        write_only=True,
        help_text="The police force told of the episode (an agency id): its liaison officers then see "
        "the child. A liaison officer's own reports always name their force.",
        error_messages={"does_not_exist": "No police force with id {pk_value}."},
    )
    last_seen_location = serializers.CharField(max_length=300, required=False, allow_blank=True)
    circumstances = serializers.CharField(max_length=10000, required=False, allow_blank=True)
    clothing_when_last_seen = serializers.CharField(
        max_length=5000,
        required=False,
        allow_blank=True,
        help_text="Philomena profile Part 2: what the child was wearing when last seen.",
    )
    who_with = serializers.CharField(
        max_length=5000,
        required=False,
        allow_blank=True,
        help_text="Philomena profile Part 2: who the child may be with.",
    )
    reason = serializers.ChoiceField(
        choices=MissingReason.choices,
        required=False,
        allow_blank=True,
        help_text="Why the child went missing, coded as the committee reports count it.",
    )
    reason_other = serializers.CharField(
        max_length=500, required=False, allow_blank=True, help_text='The words, with "other".'
    )
    how_found_details = serializers.CharField(read_only=True)
    found_with = serializers.CharField(read_only=True)
    return_concerns = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text="What the return recorded of the time away (the HERTS criteria).",
    )
    status = serializers.SerializerMethodField(
        help_text="open until the return is recorded, then closed."
    )

    class Meta:
        model = Episode
        fields = [
            "id",
            "child",
            "category",
            "missing_from",
            "last_seen_at",
            "reported_at",
            "police_reference",
            "police_risk",
            "police_force",
            "returned_at",
            "status",
            "last_seen_location",
            "circumstances",
            "clothing_when_last_seen",
            "who_with",
            "reason",
            "reason_other",
            "how_found_details",
            "found_with",
            "return_concerns",
            "entered_in_error",
            "updated_at",
        ]
        read_only_fields = ["id", "entered_in_error", "updated_at"]

    def get_status(self, episode: Episode) -> str:
        return "open" if episode.is_open else "closed"

    @cached_property
    def _fast_path_applies(self) -> bool:
        # Only for exactly the fields the fast path writes (a subclass adding a readable
        # field, or an ISO format changed in settings, takes DRF's own path).
        return (
            tuple(field.field_name for field in self._readable_fields) == _FAST_EPISODE_FIELDS
            and api_settings.DATETIME_FORMAT == ISO_8601
        )

    def to_representation(self, episode: Episode) -> dict:
        """DRF's output, written directly: a page of up to 200 episodes per request.

        DRF's generic path spends about 40 µs an episode in field machinery (attribute
        lookups, a time zone read per datetime): 2 ms of a 50-episode page, the largest
        single part of `GET episodes/` after the SQL (bench/api.py). The output is the
        same, value for value (tests/api/test_episode_representation.py compares both
        paths): times in the current time zone (Europe/London), ISO 8601, "Z" for +00:00.
        """
        note_record(episode)  # the fast path logs its read as LogsReads does
        data = self._represent(episode)
        if episode.child_id in self.context.get("hidden_children", ()):
            # An episode awaiting the council's confirmation of the child, to the force that
            # sent it: what it sent, not which record it sits on or what that record holds.
            data["child"] = None
            data["missing_from"] = None
        return data

    def _represent(self, episode: Episode) -> dict:
        if not self._fast_path_applies:
            return super().to_representation(episode)
        try:
            return represent_episode_row(
                {name: getattr(episode, name) for name in EPISODE_ROW_FIELDS},
                timezone.get_current_timezone(),
            )
        except OverflowError:  # a time at the edge of the calendar: DRF says why
            return super().to_representation(episode)


# The columns the direct representation reads: `Episode.objects.values(*EPISODE_ROW_FIELDS)`
# gives a list page's rows without building a model instance per episode (issue 13).
EPISODE_ROW_FIELDS = (
    "id",
    "child_id",
    "category",
    "missing_from",
    "last_seen_at",
    "reported_at",
    "police_reference",
    "police_risk",
    "returned_at",
    "last_seen_location",
    "circumstances",
    "clothing_when_last_seen",
    "who_with",
    "reason",
    "reason_other",
    "how_found_details",
    "found_with",
    "return_concerns",
    "entered_in_error",
    "updated_at",
)


def represent_episode_row(row: Mapping, zone) -> dict:
    """EpisodeSerializer's output (its readable fields, in order) from one row of
    EPISODE_ROW_FIELDS: the model instance's attributes or a `values()` row alike.
    The awaiting-match rule (`hidden_children`) is the caller's, as in to_representation."""
    return {
        "id": row["id"],
        "child": row["child_id"],
        "category": row["category"],
        "missing_from": row["missing_from"],
        "last_seen_at": _iso(row["last_seen_at"], zone),
        "reported_at": _iso(row["reported_at"], zone),
        "police_reference": row["police_reference"],
        "police_risk": row["police_risk"],
        "returned_at": _iso(row["returned_at"], zone),
        # Episode.is_open, on the row.
        "status": "open"
        if row["returned_at"] is None and not row["entered_in_error"]
        else "closed",
        "last_seen_location": row["last_seen_location"],
        "circumstances": row["circumstances"],
        "clothing_when_last_seen": row["clothing_when_last_seen"],
        "who_with": row["who_with"],
        "reason": row["reason"],
        "reason_other": row["reason_other"],
        "how_found_details": row["how_found_details"],
        "found_with": row["found_with"],
        "return_concerns": list(row["return_concerns"]),
        "entered_in_error": bool(row["entered_in_error"]),
        "updated_at": _iso(row["updated_at"], zone),
    }


_FAST_EPISODE_FIELDS = (
    "id",
    "child",
    "category",
    "missing_from",
    "last_seen_at",
    "reported_at",
    "police_reference",
    "police_risk",
    "returned_at",
    "status",
    "last_seen_location",
    "circumstances",
    "clothing_when_last_seen",
    "who_with",
    "reason",
    "reason_other",
    "how_found_details",
    "found_with",
    "return_concerns",
    "entered_in_error",
    "updated_at",
)


def _iso(value: dt.datetime | None, zone) -> str | None:
    """rest_framework.fields.DateTimeField.to_representation for an aware time, in `zone`."""
    if not value:
        return None
    text = value.astimezone(zone).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


class ChildDetailsSerializer(StrictSerializer):
    """Who the child is, for a police report of a child the force has no record of."""

    given_name = serializers.CharField(max_length=100)
    family_name = serializers.CharField(max_length=100)
    date_of_birth = BoundedDateField()
    responsible_authority = serializers.PrimaryKeyRelatedField(
        queryset=Agency.objects.filter(kind=AgencyKind.LOCAL_AUTHORITY),
        help_text="The local authority responsible for the child (an agency id).",
        error_messages={"does_not_exist": "No local authority with id {pk_value}."},
    )
    sex = serializers.ChoiceField(choices=Sex.choices, default=Sex.NOT_KNOWN)


class EpisodeCreateSerializer(EpisodeSerializer):
    """A new episode: for a child by id (`child`), or, from a police liaison officer's key,
    by who the child is (`child_details`). Exactly one of the two."""

    child = VisibleChildField(
        required=False,
        help_text="The child's id. Or, for a police key, send `child_details` instead.",
    )
    child_details = ChildDetailsSerializer(
        required=False,
        write_only=True,
        help_text="Police liaison officers only, instead of `child`: the child is found among "
        "the authority's children by name and date of birth (case and accents ignored), or "
        "created if the authority has no record that may be them. 409 if the council must "
        "confirm which child it is.",
    )

    class Meta(EpisodeSerializer.Meta):
        fields = [*EpisodeSerializer.Meta.fields, "child_details"]

    def validate(self, attrs):
        if ("child" in attrs) == ("child_details" in attrs):
            raise serializers.ValidationError(
                {"child": ["Give exactly one of child (an id) and child_details."]}
            )
        return attrs


class EpisodeUpdateSerializer(StrictSerializer):
    """A correction to an episode's facts (PATCH). The category changes through reclassify."""

    last_seen_at = AwareDateTimeField(required=False)
    reported_at = AwareDateTimeField(required=False)
    returned_at = AwareDateTimeField(required=False, allow_null=True)
    missing_from = serializers.ChoiceField(choices=MissingFrom.choices, required=False)
    reported_to_police_at = AwareDateTimeField(
        required=False,
        allow_null=True,
        help_text="When the child was reported to police: recording it meets the "
        "police_report_check deadline (Haringey protocol 12.4, 12.6, 19.1). Send the incident "
        "number as police_reference where known.",
    )
    police_reference = serializers.CharField(max_length=60, required=False, allow_blank=True)
    police_risk = serializers.ChoiceField(choices=PoliceRisk.choices, required=False)
    last_seen_location = serializers.CharField(max_length=300, required=False, allow_blank=True)
    circumstances = serializers.CharField(max_length=10000, required=False, allow_blank=True)
    clothing_when_last_seen = serializers.CharField(
        max_length=5000, required=False, allow_blank=True
    )
    who_with = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    reason = serializers.ChoiceField(
        choices=MissingReason.choices, required=False, allow_blank=True
    )
    reason_other = serializers.CharField(max_length=500, required=False, allow_blank=True)
    how_found_details = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    found_with = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    return_concerns = serializers.ListField(
        child=serializers.ChoiceField(choices=ReturnConcern.choices), required=False, max_length=10
    )


class ReopenSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=5000, help_text="Why the recorded return is cleared (it is kept in the history)."
    )


class ReturnSerializer(StrictSerializer):
    returned_at = AwareDateTimeField()
    return_location = serializers.CharField(
        max_length=300, required=False, allow_blank=True, default=""
    )
    how_found = serializers.ChoiceField(
        choices=HowFound.choices, required=False, allow_blank=True, default=""
    )
    how_found_details = serializers.CharField(
        max_length=5000,
        required=False,
        allow_blank=True,
        default="",
        help_text="Where and how found.",
    )
    found_with = serializers.CharField(
        max_length=5000, required=False, allow_blank=True, default="", help_text="Who with."
    )
    reason = serializers.ChoiceField(
        choices=MissingReason.choices,
        required=False,
        allow_blank=True,
        allow_null=True,
        default=None,
        help_text="Left out: the reason given at the report stays.",
    )
    reason_other = serializers.CharField(
        max_length=500, required=False, allow_blank=True, default=""
    )
    return_concerns = serializers.ListField(
        child=serializers.ChoiceField(choices=ReturnConcern.choices),
        required=False,
        max_length=10,
        default=list,
        help_text="What is known or believed of the time away: the HERTS criteria read these.",
    )


class ReclassifySerializer(StrictSerializer):
    category = serializers.ChoiceField(choices=Category.choices)
    reason = serializers.CharField(max_length=5000)


class SafeAndWellCheckSerializer(StrictModelSerializer):
    checked_at = AwareDateTimeField()
    officer_name = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default=""
    )
    concerns = serializers.CharField(max_length=10000, required=False, allow_blank=True, default="")

    class Meta:
        model = SafeAndWellCheck
        fields = ["id", "episode", "checked_at", "officer_name", "concerns"]
        read_only_fields = ["id", "episode"]


class VisibleReferralField(serializers.PrimaryKeyRelatedField):
    default_error_messages = {
        "does_not_exist": "No MASH referral with id {pk_value}.",
        "incorrect_type": "Give the referral's id: a whole number.",
    }

    def get_queryset(self):
        return MashReferral.objects.filter(
            child_visibility(_user(self), "child_id")
        ).select_related("child", "episode")


class MashReferralSerializer(StrictModelSerializer):
    triage = serializers.SerializerMethodField(help_text="The triage's id, null until triaged.")
    received_at = AwareDateTimeField(read_only=True)
    police_risk = serializers.CharField(
        source="episode.police_risk",
        read_only=True,
        default="",
        help_text="Police's APP grading of the episode: context for MASH, never the rating.",
    )

    class Meta:
        model = MashReferral
        fields = ["id", "child", "episode", "status", "received_at", "police_risk", "triage"]
        read_only_fields = fields

    def get_triage(self, referral: MashReferral) -> int | None:
        triage = getattr(referral, "triage", None)  # a reverse one-to-one: absent until triaged
        return triage.pk if triage is not None else None


class MashTriageSerializer(StrictModelSerializer):
    referral = VisibleReferralField()
    rag = serializers.ChoiceField(choices=Rag.choices)
    threshold_level = serializers.IntegerField(min_value=1, max_value=4)
    reason = serializers.CharField(max_length=10000, required=False, allow_blank=True, default="")
    triaged_at = AwareDateTimeField(
        required=False,
        allow_null=True,
        default=None,
        help_text="When MASH triaged it; now if left out. Never before the child was last seen.",
    )

    class Meta:
        model = MashTriage
        fields = [
            "id",
            "referral",
            "child",
            "episode",
            "rag",
            "threshold_level",
            "reason",
            "police_risk_seen",
            "triaged_at",
            "triaged_by",
        ]
        read_only_fields = ["id", "child", "episode", "police_risk_seen", "triaged_by"]


class MashTriageCorrectionSerializer(StrictSerializer):
    rag = serializers.ChoiceField(choices=Rag.choices)
    threshold_level = serializers.IntegerField(min_value=1, max_value=4)
    reason = serializers.CharField(max_length=10000, required=False, allow_blank=True, default="")
    triaged_at = AwareDateTimeField(required=False, allow_null=True, default=None)


class RiskAssessmentSerializer(StrictModelSerializer):
    child = VisibleChildField()
    episode = VisibleEpisodeField(required=False, allow_null=True)
    rag = serializers.ChoiceField(choices=Rag.choices)
    threshold_level = serializers.IntegerField(min_value=1, max_value=4)
    indicators = serializers.ListField(
        child=serializers.ChoiceField(choices=Indicator.choices),
        required=False,
        max_length=20,
        default=list,
    )
    rationale = serializers.CharField(
        max_length=10000,
        required=False,
        allow_blank=True,
        default="",
        help_text="The analysis.",
    )
    plan = serializers.CharField(max_length=10000, required=False, allow_blank=True, default="")
    assessed_at = AwareDateTimeField(
        required=False,
        allow_null=True,
        default=None,
        help_text="When the assessment was completed; now if left out.",
    )

    class Meta:
        model = RiskAssessment
        fields = [
            "id",
            "child",
            "episode",
            "referral",
            "rag",
            "threshold_level",
            "indicators",
            "rationale",
            "plan",
            "assessed_at",
        ]
        read_only_fields = ["id", "referral"]


class RiskAssessmentCorrectionSerializer(StrictSerializer):
    rag = serializers.ChoiceField(choices=Rag.choices)
    threshold_level = serializers.IntegerField(min_value=1, max_value=4)
    indicators = serializers.ListField(
        child=serializers.ChoiceField(choices=Indicator.choices),
        required=False,
        max_length=20,
        default=list,
    )
    rationale = serializers.CharField(
        max_length=10000, required=False, allow_blank=True, default=""
    )
    plan = serializers.CharField(max_length=10000, required=False, allow_blank=True, default=None)
    assessed_at = AwareDateTimeField(required=False, allow_null=True, default=None)


class InterviewAttemptSerializer(StrictSerializer):
    attempted_at = AwareDateTimeField()
    method = serializers.ChoiceField(choices=["visit", "phone", "message", "letter"])
    notes = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")


class ReturnInterviewSerializer(StrictModelSerializer):
    child = VisibleChildField()
    episodes = VisibleEpisodeField(
        many=True, help_text="The episodes the interview covers (one or more)."
    )
    offered_at = AwareDateTimeField()
    outcome = serializers.ChoiceField(
        choices=Outcome.choices, required=False, allow_blank=True, default=""
    )
    held_at = AwareDateTimeField(required=False, allow_null=True, default=None)
    seen_alone = serializers.BooleanField(required=False, allow_null=True, default=None)
    push_factors = serializers.ListField(
        child=serializers.ChoiceField(choices=PushFactor.choices),
        required=False,
        max_length=20,
        default=list,
    )
    pull_factors = serializers.ListField(
        child=serializers.ChoiceField(choices=PullFactor.choices),
        required=False,
        max_length=20,
        default=list,
    )
    interviewer_name = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default=""
    )
    attempts = InterviewAttemptSerializer(
        many=True,
        required=False,
        write_only=True,
        default=list,
        help_text="Attempts to engage the child: needed before recording no_engagement.",
    )

    class Meta:
        model = ReturnInterview
        fields = [
            "id",
            "child",
            "episodes",
            "offered_at",
            "outcome",
            "held_at",
            "seen_alone",
            "push_factors",
            "pull_factors",
            "interviewer_name",
            "attempts",
            "updated_at",
        ]
        read_only_fields = ["id", "updated_at"]

    def validate_episodes(self, episodes):
        if not episodes:
            raise serializers.ValidationError("Give the episode or episodes the interview covers.")
        if len(episodes) > 50:
            raise serializers.ValidationError("An interview covers at most 50 episodes.")
        return episodes


class AttendeeSerializer(StrictSerializer):
    agency = serializers.PrimaryKeyRelatedField(
        queryset=Agency.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text="Null for a parent or carer: then `role` says who they are.",
        error_messages={"does_not_exist": "No agency with id {pk_value}."},
    )
    name = serializers.CharField(max_length=200)
    role = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class StrategyItemSerializer(StrictModelSerializer):
    """One thing HAR 18.4 lists, considered or agreed at the meeting."""

    kind = serializers.ChoiceField(choices=StrategyItemKind.choices)
    decision = serializers.CharField(max_length=10000)
    owner_name = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default="", help_text="For an action."
    )
    owner_agency = serializers.PrimaryKeyRelatedField(
        queryset=Agency.objects.all(), required=False, allow_null=True, default=None
    )
    due_on = serializers.DateField(
        required=False, allow_null=True, default=None, help_text="For an action."
    )
    parental_consent = serializers.ChoiceField(
        choices=ParentalConsent.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text="Missing persons desk: required where the child is not looked after.",
    )
    photo_publication_consent = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Media strategy: the local authority consents to police publishing the "
        "photograph (HAR 7.4).",
    )
    done_at = AwareDateTimeField(read_only=True)

    class Meta:
        model = StrategyItem
        fields = [
            "id",
            "kind",
            "decision",
            "owner_name",
            "owner_agency",
            "due_on",
            "parental_consent",
            "photo_publication_consent",
            "done_at",
        ]
        read_only_fields = ["id", "done_at"]


class StrategyMeetingSerializer(StrictModelSerializer):
    child = VisibleChildField()
    episode = VisibleEpisodeField(required=False, allow_null=True, default=None)
    kind = serializers.ChoiceField(
        choices=MeetingKind.choices, default=MeetingKind.STRATEGY_MEETING
    )
    trigger = serializers.ChoiceField(choices=MeetingTrigger.choices, default=MeetingTrigger.OTHER)
    held_at = AwareDateTimeField()
    attendees = AttendeeSerializer(many=True, required=False, default=list)
    decisions = serializers.CharField(
        max_length=20000, required=False, allow_blank=True, default=""
    )
    next_review_on = BoundedDateField(
        required=False, allow_null=True, default=None, allow_future=True
    )
    items = StrategyItemSerializer(many=True, required=False, default=list)
    concern_resolved = serializers.BooleanField(
        required=False,
        default=False,
        help_text="The meeting is confident the concern is resolved (HAR 18.3): stops the "
        "strategy review clock. Needs `concern_resolved_reason`.",
    )
    concern_resolved_reason = serializers.CharField(
        max_length=10000, required=False, allow_blank=True, default=""
    )

    class Meta:
        model = StrategyMeeting
        fields = [
            "id",
            "child",
            "episode",
            "kind",
            "trigger",
            "held_at",
            "attendees",
            "decisions",
            "next_review_on",
            "items",
            "concern_resolved",
            "concern_resolved_reason",
            "updated_at",
        ]
        read_only_fields = ["id", "updated_at"]

    def to_representation(self, meeting: StrategyMeeting) -> dict:
        data = super().to_representation(meeting)
        sees = self.context.get("meeting_content_children")
        if sees is not None and meeting.child_id not in sees:
            # Strategy meeting content is social care's (children.permissions.Sight).
            data["decisions"] = None
            data["items"] = None
            data["concern_resolved_reason"] = None
        return data

    def validate_attendees(self, attendees):
        if len(attendees) > 100:
            raise serializers.ValidationError("At most 100 attendees.")
        return attendees


class DeadlineSerializer(StrictModelSerializer):
    class Meta:
        model = Deadline
        fields = [
            "id",
            "rule",
            "child",
            "episode",
            "opens_at",
            "due_at",
            "status",
            "met_at",
            "breached_at",
            "cancelled_at",
            "updated_at",
        ]
        read_only_fields = fields


# --- The child's record, maintained ---------------------------------------------------------


class ChildUpdateSerializer(serializers.Serializer):
    """A correction of who the child is (PATCH children/{id}/). Every field is optional."""

    given_name = serializers.CharField(max_length=100, required=False)
    family_name = serializers.CharField(max_length=100, required=False)
    known_as = serializers.CharField(max_length=100, required=False, allow_blank=True)
    date_of_birth = BoundedDateField(required=False)
    sex = serializers.ChoiceField(choices=Sex.choices, required=False)
    ethnicity = serializers.ChoiceField(
        choices=Ethnicity.choices,
        required=False,
        help_text="The DfE census ethnicity code, as the SSDA903 return uses it.",
    )
    disability = serializers.ChoiceField(choices=Disability.choices, required=False)
    disability_details = serializers.CharField(max_length=500, required=False, allow_blank=True)
    is_uasc = serializers.BooleanField(required=False)
    local_child_id = serializers.CharField(
        max_length=20,
        required=False,
        allow_blank=True,
        help_text="The council's own id for the child: unique within the responsible authority.",
    )
    upn = serializers.CharField(
        max_length=20,
        required=False,
        allow_blank=True,
        help_text="The DfE unique pupil number (13 characters, its check letter first).",
    )
    school = serializers.CharField(max_length=200, required=False, allow_blank=True)


class PhilomenaSerializer(LogsReads, serializers.ModelSerializer):
    """Philomena profile Part 1, kept by the carer and the social worker (HAR 12.1, 13.1)."""

    class Meta:
        model = Child
        fields = [
            "description",
            "clothing_style",
            "known_associates",
            "places_frequented",
            "phone_numbers",
            "social_media",
            "health_needs",
            "previous_episodes_summary",
        ]
        extra_kwargs = {
            name: {"required": False, "allow_blank": True, "max_length": 5000} for name in fields
        }


# A recorded period is of a status; "none" is the absence of one.
RECORDED_LEGAL_STATUSES = [
    (value, label) for value, label in LegalStatusKind.choices if value != LegalStatusKind.NONE
]


class LegalStatusSerializer(LogsReads, serializers.ModelSerializer):
    child = VisibleChildField()
    status = serializers.ChoiceField(choices=RECORDED_LEGAL_STATUSES)
    start_date = BoundedDateField(help_text="May be in the past (back-dated).")
    end_date = BoundedDateField(required=False, allow_null=True, default=None)

    class Meta:
        model = LegalStatus
        fields = ["id", "child", "status", "start_date", "end_date"]
        read_only_fields = ["id"]


class LegalStatusCorrectionSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=RECORDED_LEGAL_STATUSES,
        required=False,
    )
    start_date = BoundedDateField(required=False)
    end_date = BoundedDateField(required=False, allow_null=True)


class EndDateSerializer(serializers.Serializer):
    end_date = BoundedDateField()


class PlacementSerializer(LogsReads, serializers.ModelSerializer):
    child = VisibleChildField()
    kind = serializers.ChoiceField(choices=PlacementKind.choices)
    placing_authority = serializers.PrimaryKeyRelatedField(
        queryset=Agency.objects.filter(kind=AgencyKind.LOCAL_AUTHORITY),
        error_messages={"does_not_exist": "No local authority with id {pk_value}."},
    )
    host_authority = serializers.PrimaryKeyRelatedField(
        queryset=Agency.objects.filter(kind=AgencyKind.LOCAL_AUTHORITY),
        error_messages={"does_not_exist": "No local authority with id {pk_value}."},
    )
    end_date = BoundedDateField(required=False, allow_null=True, default=None)
    name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    provider = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    address = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")
    postcode = serializers.CharField(max_length=10, required=False, allow_blank=True, default="")

    class Meta:
        model = Placement
        fields = [
            "id",
            "child",
            "kind",
            "name",
            "provider",
            "address",
            "postcode",
            "placing_authority",
            "host_authority",
            "start_date",
            "end_date",
        ]
        read_only_fields = ["id"]


class PlacementCorrectionSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=PlacementKind.choices, required=False)
    name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    provider = serializers.CharField(max_length=200, required=False, allow_blank=True)
    address = serializers.CharField(max_length=1000, required=False, allow_blank=True)
    postcode = serializers.CharField(max_length=10, required=False, allow_blank=True)
    placing_authority = serializers.PrimaryKeyRelatedField(
        queryset=Agency.objects.filter(kind=AgencyKind.LOCAL_AUTHORITY),
        required=False,
        error_messages={"does_not_exist": "No local authority with id {pk_value}."},
    )
    host_authority = serializers.PrimaryKeyRelatedField(
        queryset=Agency.objects.filter(kind=AgencyKind.LOCAL_AUTHORITY),
        required=False,
        error_messages={"does_not_exist": "No local authority with id {pk_value}."},
    )
    start_date = BoundedDateField(required=False)
    end_date = BoundedDateField(required=False, allow_null=True)


class AllocationSerializer(LogsReads, serializers.ModelSerializer):
    child = VisibleChildField()
    team = serializers.PrimaryKeyRelatedField(
        queryset=Team.objects.all(),
        error_messages={"does_not_exist": "No team with id {pk_value}."},
    )
    worker = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True),
        required=False,
        allow_null=True,
        default=None,
        help_text="The allocated worker (a user id): a social worker or team manager of the team.",
        error_messages={"does_not_exist": "No user with id {pk_value}."},
    )
    replacing = serializers.IntegerField(
        write_only=True,
        required=False,
        allow_null=True,
        default=None,
        min_value=1,
        help_text="A reallocation: the id of the current allocation this one replaces.",
    )
    started_at = serializers.DateTimeField(read_only=True)
    ended_at = serializers.DateTimeField(read_only=True, allow_null=True)

    class Meta:
        model = Allocation
        fields = ["id", "child", "team", "worker", "replacing", "started_at", "ended_at"]
        read_only_fields = ["id"]


class AccessGrantSerializer(LogsReads, serializers.ModelSerializer):
    child = VisibleChildField(source="content_object")
    user = serializers.SlugRelatedField(
        slug_field="username",
        queryset=User.objects.filter(is_active=True),
        help_text="The username of the person given access.",
        error_messages={"does_not_exist": "No active user with username {value}."},
    )
    expires_at = AwareDateTimeField(
        help_text="When the access ends: within a year.", allow_future=True
    )
    reason = serializers.CharField(max_length=300)
    granted_by: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )
    granted_at = serializers.DateTimeField(read_only=True)
    revoked_at = serializers.DateTimeField(read_only=True, allow_null=True)

    class Meta:
        model = ChildAccessGrant
        fields = [
            "id",
            "child",
            "user",
            "expires_at",
            "reason",
            "granted_by",
            "granted_at",
            "revoked_at",
        ]
        read_only_fields = ["id"]


class EmptySerializer(serializers.Serializer):
    """No body: the action is named by the URL."""


# The API carries the photo as base64 in JSON, like every other body here (problem+json
# errors, Idempotency-Key), at up to children.services.PHOTO_MAX_BYTES once decoded.
PHOTO_MAX_BASE64 = (PHOTO_MAX_BYTES + 2) // 3 * 4


class Base64ImageField(serializers.CharField):
    default_error_messages = {
        "base64": "Send the image as base64 (a JPEG or PNG).",
        "too_large": "The photo must be smaller than 10 MB.",
    }

    def to_internal_value(self, data) -> bytes:  # type: ignore[override]
        text = super().to_internal_value(data)
        if len(text) > PHOTO_MAX_BASE64 + 4:
            self.fail("too_large")
        try:
            return base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            self.fail("base64")


class PhotoUploadSerializer(serializers.Serializer):
    image = Base64ImageField(
        trim_whitespace=False,
        # 10 MB of image is 13.4 million characters of base64.
        max_length=14_000_000,
        help_text="The photo, base64: a JPEG or PNG, judged by its content, up to 10 MB. It is "
        "re-encoded as a JPEG with no metadata.",
    )
    consent_given_by = serializers.CharField(
        max_length=200,
        help_text="The person with parental responsibility who consented (Haringey protocol 7.3).",
    )
    child_agreement = serializers.ChoiceField(choices=ChildAgreement.choices)
    taken_on = BoundedDateField(required=False, allow_null=True, default=None)


class PhotoSerializer(LogsReads, serializers.Serializer):
    content_type = serializers.CharField(read_only=True, default="image/jpeg")
    image = serializers.SerializerMethodField(help_text="The photo, base64 (a JPEG).")
    taken_on = BoundedDateField(source="photo_taken_on", read_only=True, allow_null=True)
    consent_given_by = serializers.CharField(source="photo_consent_given_by", read_only=True)
    child_agreement = serializers.CharField(source="photo_child_agreement", read_only=True)
    consent_recorded_at = serializers.DateTimeField(
        source="photo_consent_recorded_at", read_only=True, allow_null=True
    )
    media_consent_at = serializers.DateTimeField(
        source="photo_media_consent_at",
        read_only=True,
        allow_null=True,
        help_text="When the local authority consented to publication in the media "
        "(Haringey protocol 7.4); null: not for publication.",
    )
    media_consent_reason = serializers.CharField(
        source="photo_media_consent_reason", read_only=True
    )

    def get_image(self, child: Child) -> str:
        with child.photo.open("rb") as stored:
            return base64.b64encode(stored.read()).decode()


class MediaConsentSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500)
