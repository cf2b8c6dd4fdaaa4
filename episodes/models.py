"""Missing, absent and away-without-authorisation episodes, and what police record of them."""

from __future__ import annotations

import datetime as dt

import pghistory
import pgtrigger
from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import ArrayField, DateTimeRangeField, RangeOperators
from django.db import models
from django.db.models import F, Func, Q
from django.db.models.functions import Upper

from agencies.models import Agency
from children.models import Child, Placement
from core.choices import ChoiceLabels


class DateTimeRange(Func):
    function = "TSTZRANGE"
    output_field = DateTimeRangeField()


class Category(models.TextChoices):
    MISSING = "missing", "Missing"
    ABSENT = "absent", "Absent"
    AWAY_WITHOUT_AUTHORISATION = (
        "away_without_authorisation",
        "Away from placement without authorisation",
    )


class MissingFrom(models.TextChoices):
    HOME = "home", "Home"
    PLACEMENT = "placement", "Placement"


class PoliceRisk(models.TextChoices):
    """The College of Policing APP risk grading: police's, recorded as they report it."""

    VERY_LOW = "very_low", "Very low"
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


class HowFound(models.TextChoices):
    RETURNED_THEMSELVES = "returned_themselves", "Returned of their own accord"
    FOUND_BY_POLICE = "found_by_police", "Found by police"
    FOUND_BY_FAMILY_OR_CARER = "found_by_family_or_carer", "Found by family or carer"
    FOUND_BY_PROFESSIONAL = "found_by_professional", "Found by another professional"
    OTHER = "other", "Other"


class MissingReason(models.TextChoices):
    """Why the child went missing, in the committee reports' categories (Peterborough 2023
    4.4; Peterborough 2018 CSE and county lines; Haringey 2016 push and pull factors)."""

    OUT_WITH_FRIENDS = "out_with_friends", "Out with friends and late back"
    FAMILY_CONFLICT = "family_conflict", "Family conflict"
    PLACEMENT_UNHAPPY = "placement_unhappy", "Unhappy in placement"
    CSE = "cse", "Exploitation suspected: CSE"
    CCE_COUNTY_LINES = "cce_county_lines", "Exploitation suspected: CCE / county lines"
    GANGS = "gangs", "Exploitation suspected: gangs"
    OTHER = "other", "Other"


class ReturnConcern(models.TextChoices):
    """What the return form records of the time away: the HERTS criteria for a return
    interview visit that only the return can tell (protocol.rules.RETURN_CONCERNS)."""

    CRIMINAL_ACTIVITY = (
        "criminal_activity",
        "Engaged (or believed to have engaged) in criminal activities while away",
    )
    HARMED = "harmed", "Hurt or harmed while missing (or believed to have been)"
    MENTAL_HEALTH = "mental_health", "Known mental health issues"
    SEXUAL_EXPLOITATION_RISK = "sexual_exploitation_risk", "Identified risk of sexual exploitation"
    CONTACT_WITH_RISKY_PERSONS = (
        "contact_with_risky_persons",
        "Contact with persons posing risk to children",
    )


# The oldest a child may be when recorded "absent" is 13: a child aged 12 or under whose
# whereabouts are unknown is always missing (PROTOCOL.md "Words"; Haringey protocol 6.2).
# The database holds this too, in the trigger below, so no path can skip it.
MINIMUM_AGE_FOR_ABSENT = 13


@pghistory.track()
class Episode(ChoiceLabels, models.Model):
    """One continuous period from last seen to return (PROTOCOL.md "Episode")."""

    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="episodes")
    category = models.CharField(max_length=30, choices=Category.choices)
    missing_from = models.CharField(max_length=20, choices=MissingFrom.choices)
    placement = models.ForeignKey(
        Placement, null=True, blank=True, on_delete=models.PROTECT, related_name="episodes"
    )
    last_seen_at = models.DateTimeField()
    last_seen_location = models.CharField(max_length=300, blank=True)
    circumstances = models.TextField(blank=True)
    # Philomena profile, Part 2: what is known at the time of the report.
    clothing_when_last_seen = models.TextField(blank=True)
    who_with = models.TextField("who they may be with", blank=True)
    reported_at = models.DateTimeField()
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="episodes_reported"
    )
    reported_to_police_at = models.DateTimeField(null=True, blank=True)
    # When Homeward recorded that the child had been reported to police (the time reported,
    # with the incident number where known): meets police_report_check (HAR 12.4, 12.6,
    # 19.1). Set by the services, never typed.
    police_report_recorded_at = models.DateTimeField(null=True, blank=True)
    police_force = models.ForeignKey(
        Agency,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="episodes_policed",
        help_text="The force that reported the episode or was told of it: its liaison officers see it.",
    )
    police_reference = models.CharField(max_length=60, blank=True, db_index=True)
    police_risk = models.CharField(max_length=10, choices=PoliceRisk.choices, blank=True)
    returned_at = models.DateTimeField(null=True, blank=True)
    return_location = models.CharField(max_length=300, blank=True)
    how_found = models.CharField(max_length=30, choices=HowFound.choices, blank=True)
    # Issue 12: where and how found, and who with, as free text (structured places are
    # recorded apart); the coded reason; the HERTS facts of the time away.
    how_found_details = models.TextField("where and how found", blank=True)
    found_with = models.TextField("who the child was found with", blank=True)
    reason = models.CharField(
        "reason for going missing", max_length=30, choices=MissingReason.choices, blank=True
    )
    reason_other = models.CharField("other reason", max_length=500, blank=True)
    return_concerns = ArrayField(
        models.CharField(max_length=40, choices=ReturnConcern.choices), default=list, blank=True
    )
    # Haringey protocol 16.1-16.4: an unaccompanied asylum-seeking child's episode is
    # notified to the Home Office within 24 hours; NRM referral considered if trafficked.
    home_office_informed_at = models.DateTimeField(null=True, blank=True)
    nrm_referral_considered = models.BooleanField(
        "National Referral Mechanism referral considered", default=False
    )
    # A police report by name and date of birth (casework.services.report_missing_child)
    # from a force with no relationship to the child: until the council's MASH confirms the
    # match, the force sees this episode only, not the child's record (decision 0002).
    awaiting_match = models.BooleanField(
        "awaiting the council's confirmation of the child", default=False
    )
    entered_in_error = models.BooleanField(default=False)
    entered_in_error_reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["-last_seen_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["child"],
                condition=Q(returned_at__isnull=True, entered_in_error=False),
                name="episode_one_open_per_child",
                violation_error_message="This child already has an open episode.",
            ),
            # Episodes of one child never overlap; a new one may start the moment the last
            # ended (same day is fine; SSDA903 rule 574). '[)' makes touching periods legal.
            ExclusionConstraint(
                name="episodes_do_not_overlap",
                expressions=[
                    ("child", RangeOperators.EQUAL),
                    (
                        DateTimeRange("last_seen_at", "returned_at", models.Value("[)")),
                        RangeOperators.OVERLAPS,
                    ),
                ],
                condition=Q(entered_in_error=False),
                violation_error_message="An episode cannot start before the child's previous episode ended.",
            ),
            models.CheckConstraint(
                condition=Q(returned_at__isnull=True) | Q(returned_at__gte=F("last_seen_at")),
                name="episode_return_not_before_last_seen",
                violation_error_message="A return cannot be before the child was last seen.",
            ),
            models.CheckConstraint(
                condition=Q(reported_at__gte=F("last_seen_at")),
                name="episode_reported_not_before_last_seen",
                violation_error_message="An episode cannot be reported before the child was last seen.",
            ),
            models.CheckConstraint(
                condition=Q(missing_from="home") | Q(missing_from="placement"),
                name="episode_missing_from_valid",
            ),
            models.CheckConstraint(
                condition=~Q(category="away_without_authorisation") | Q(missing_from="placement"),
                name="episode_away_is_from_placement",
                violation_error_message="Away without authorisation applies to a child away from a placement.",
            ),
        ]
        indexes = [
            models.Index(fields=["child", "-last_seen_at"], name="episode_child_last_seen"),
            models.Index(
                fields=["child"],
                condition=Q(returned_at__isnull=True, entered_in_error=False),
                name="episode_open_by_child",
            ),
            # A host authority's reach (children.selectors.host_authority_children): the
            # hosted children's episodes open or returned lately, read from the index
            # alone (an index-only scan: no episode row is read to test its return).
            models.Index(
                fields=["child", "returned_at"],
                condition=Q(entered_in_error=False),
                name="episode_child_returned",
            ),
            models.Index(fields=["police_force", "child"], name="episode_force_child"),
            # The police liaison officer's reach (children.selectors.reaches): the children
            # of the episodes their force reported, read from the index alone (decision 0019).
            models.Index(
                fields=["police_force", "child"],
                condition=Q(entered_in_error=False, awaiting_match=False),
                name="episode_force_child_matched",
            ),
            # A police liaison officer's list of their force's episodes, newest first
            # (episodes.selectors.episode_visibility): read in page order from here.
            models.Index(fields=["police_force", "-id"], name="episode_force_newest"),
            # Search by police reference compares without case (UPPER on both sides).
            models.Index(
                Upper("police_reference"),
                condition=~Q(police_reference=""),
                name="episode_police_reference_upper",
            ),
        ]
        triggers = [
            pgtrigger.Trigger(
                name="absent_only_from_age_13",
                operation=pgtrigger.Insert | pgtrigger.Update,
                when=pgtrigger.Before,
                condition=pgtrigger.Q(new__category="absent"),
                func=f"""
                    IF (SELECT age((NEW.last_seen_at AT TIME ZONE 'Europe/London')::date,
                                   date_of_birth)
                        FROM children_child WHERE id = NEW.child_id)
                       < interval '{MINIMUM_AGE_FOR_ABSENT} years' THEN
                        RAISE EXCEPTION 'A child aged 12 or under cannot be recorded as absent'
                            USING ERRCODE = 'check_violation',
                                  CONSTRAINT = 'episode_absent_only_from_age_13';
                    END IF;
                    RETURN NEW;
                """,  # noqa: S608 - built from a constant, not user input
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()} episode from {self.last_seen_at:%Y-%m-%d %H:%M}"

    @property
    def return_concern_labels(self) -> list[str]:
        labels = dict(ReturnConcern.choices)
        return [labels.get(concern, concern) for concern in self.return_concerns]

    @property
    def is_open(self) -> bool:
        return self.returned_at is None and not self.entered_in_error

    def duration(self, now: dt.datetime) -> dt.timedelta:
        """Elapsed time missing: to the return, or to `now` while still open."""
        return (self.returned_at or now) - self.last_seen_at


@pghistory.track()
class Reclassification(models.Model):
    """The history of an episode's category: who changed it, when, why (system if no one)."""

    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="reclassifications")
    from_category = models.CharField(max_length=30, choices=Category.choices)
    to_category = models.CharField(max_length=30, choices=Category.choices)
    reason = models.TextField()
    reclassified_at = models.DateTimeField()
    reclassified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Empty when the protocol engine reclassified automatically.",
    )

    class Meta:
        ordering = ["episode", "reclassified_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(from_category=F("to_category")),
                name="reclassification_changes_category",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_from_category_display()} to {self.get_to_category_display()}"


@pghistory.track()
class PoliceRiskGrading(models.Model):
    """Each risk grading police gave the episode, in order. The episode holds the latest."""

    episode = models.ForeignKey(
        Episode, on_delete=models.CASCADE, related_name="police_risk_gradings"
    )
    grading = models.CharField(max_length=10, choices=PoliceRisk.choices)
    graded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["episode", "graded_at"]

    def __str__(self) -> str:
        return f"{self.get_grading_display()} at {self.graded_at:%Y-%m-%d %H:%M}"


@pghistory.track()
class SafeAndWellCheck(models.Model):
    """Police's safe and well check after a return (Haringey protocol 21.1; DfE 2014)."""

    episode = models.ForeignKey(
        Episode, on_delete=models.CASCADE, related_name="safe_and_well_checks"
    )
    checked_at = models.DateTimeField()
    officer_name = models.CharField(max_length=200, blank=True)
    police_force = models.ForeignKey(
        Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    concerns = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["episode", "checked_at"]

    def __str__(self) -> str:
        return f"Safe and well check at {self.checked_at:%Y-%m-%d %H:%M}"


@pghistory.track()
class Reopening(models.Model):
    """A returned episode opened again (the return cleared): who, when, why, and the
    return that was cleared. An explicit act with a reason, never a side effect."""

    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="reopenings")
    cleared_returned_at = models.DateTimeField()
    cleared_return_location = models.CharField(max_length=300, blank=True)
    cleared_how_found = models.CharField(max_length=30, choices=HowFound.choices, blank=True)
    reason = models.TextField()
    reopened_at = models.DateTimeField()
    reopened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["episode", "reopened_at"]

    def __str__(self) -> str:
        return f"Re-opened at {self.reopened_at:%Y-%m-%d %H:%M}"


class InformationKind(models.TextChoices):
    SIGHTING = "sighting", "A sighting"
    INFORMATION = "information", "Information (a place, a contact, something learnt)"
    SAFE_AND_WELL_ARRANGED = "safe_and_well_arranged", "A safe and well check arranged"


@pghistory.track()
class EpisodeInformation(models.Model):
    """What someone working on the episode learnt, above all the host authority of an
    out-of-area placement (HAR 17.2-17.4; issue 15): a sighting, a place, a contact, a safe
    and well check arranged. Who recorded it, for which agency, when."""

    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="information")
    kind = models.CharField(max_length=30, choices=InformationKind.choices)
    details = models.TextField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    agency = models.ForeignKey(
        Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["episode", "recorded_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} at {self.recorded_at:%Y-%m-%d %H:%M}"


class CheckStatus(models.TextChoices):
    OPEN = "open", "Open"
    ANSWERED = "answered", "Answered"
    WITHDRAWN = "withdrawn", "Withdrawn"


@pghistory.track()
class SafeguardingCheckRequest(models.Model):
    """A request for safeguarding checks on a missing child sent to another local
    authority (HAR 14.3; issue 15), and that authority's answer. The receiving authority's
    Missing Co-ordinator sees the request and the minimum it needs (the child's name, date
    of birth, when and where last seen), not the rest of the child's record (decision 0018)."""

    episode = models.ForeignKey(
        Episode, on_delete=models.CASCADE, related_name="safeguarding_check_requests"
    )
    # The child, as the episode's (kept for the access events and the lists' filters).
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="+")
    from_authority = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    to_authority = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    asked = models.TextField(help_text="What the requesting authority asks to be checked.")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=CheckStatus.choices, default=CheckStatus.OPEN)
    answer = models.TextField(blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(from_authority=F("to_authority")),
                name="safeguarding_check_to_another_authority",
                violation_error_message="Checks are asked of another authority.",
            ),
            models.CheckConstraint(
                condition=Q(status="answered", answered_at__isnull=False, answered_by__isnull=False)
                | (~Q(status="answered") & Q(answered_at__isnull=True)),
                name="safeguarding_check_answered_has_answer",
            ),
        ]
        indexes = [
            models.Index(fields=["to_authority", "status"], name="safeguarding_check_to_status")
        ]

    def __str__(self) -> str:
        return f"Safeguarding checks requested at {self.requested_at:%Y-%m-%d %H:%M}"
