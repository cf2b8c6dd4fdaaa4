"""Strategy meetings and discussions, and multi-agency exploitation panels."""

from __future__ import annotations

import pghistory
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q

from agencies.models import Agency
from children.models import Child
from contextual.models import AssociateLink, EpisodePlace, MissingWith
from episodes.models import Episode


class MeetingKind(models.TextChoices):
    STRATEGY_MEETING = "strategy_meeting", "Strategy meeting"
    STRATEGY_DISCUSSION = "strategy_discussion", "Strategy discussion"


class MeetingTrigger(models.TextChoices):
    """Why the meeting was called, in the words of the rule that required it."""

    MISSING_OVER_24_HOURS = "missing_over_24_hours", "Missing more than 24 hours"
    REPEAT_EPISODES = "repeat_episodes", "Third episode in 90 days"
    MISSING_FIVE_DAYS = "missing_five_days", "Missing five successive days"
    REVIEW = "review", "Review while still missing"
    SENIOR_REVIEW = "senior_review", "Assistant Director review at three months missing"
    MISSING_AT_EIGHTEEN = "missing_at_eighteen", "Missing child meeting at eighteen"
    OTHER = "other", "Other concern"


@pghistory.track()
class StrategyMeeting(models.Model):
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="strategy_meetings")
    episode = models.ForeignKey(
        Episode, null=True, blank=True, on_delete=models.PROTECT, related_name="strategy_meetings"
    )
    kind = models.CharField(
        max_length=30, choices=MeetingKind.choices, default=MeetingKind.STRATEGY_MEETING
    )
    trigger = models.CharField(max_length=30, choices=MeetingTrigger.choices)
    held_at = models.DateTimeField()
    chair = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decisions = models.TextField(blank=True)
    next_review_on = models.DateField(null=True, blank=True)
    # Haringey protocol 18.3: strategy meetings continue at least six-weekly "until there
    # is confidence that the issue has been resolved". That confidence is a decision a
    # meeting records, with its reason (decision 0012): the strategy review clock stops
    # only here, not when an episode closes.
    concern_resolved = models.BooleanField(default=False)
    concern_resolved_reason = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["-held_at"]
        indexes = [models.Index(fields=["child", "-held_at"], name="meeting_child_latest")]
        constraints = [
            models.CheckConstraint(
                condition=Q(concern_resolved=False) | ~Q(concern_resolved_reason=""),
                name="meeting_resolution_has_reason",
                violation_error_message="Say why the concern is resolved.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.child} on {self.held_at:%Y-%m-%d}"


@pghistory.track()
class MeetingAttendance(models.Model):
    meeting = models.ForeignKey(StrategyMeeting, on_delete=models.CASCADE, related_name="attendees")
    # No agency for a parent or carer (issue 12): `role` says who they are.
    agency = models.ForeignKey(
        Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(max_length=200)
    role = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["meeting", "agency__name", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.agency or self.role or 'no agency'})"


class PanelKind(models.TextChoices):
    MACE = "mace", "Multi-Agency Child Exploitation panel (MACE)"
    MASE = "mase", "Multi-Agency Sexual Exploitation panel (MASE)"
    SEARCH = "search", "SEARCH panel"
    EXPLOITATION = "exploitation", "Exploitation Panel"


class Cadence(models.TextChoices):
    """How often a panel meets: the next meeting is the last one plus this."""

    WEEKLY = "weekly", "Weekly"
    FORTNIGHTLY = "fortnightly", "Every two weeks"
    THREE_WEEKLY = "three_weekly", "Every three weeks"
    MONTHLY = "monthly", "Monthly"


CADENCE_DAYS = {
    Cadence.WEEKLY: 7,
    Cadence.FORTNIGHTLY: 14,
    Cadence.THREE_WEEKLY: 21,
}


@pghistory.track()
class Panel(models.Model):
    """A standing multi-agency panel of an authority (Haringey protocol 18.5: the monthly
    Exploitation Panel), its members and how often it meets."""

    authority = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="panels")
    kind = models.CharField(max_length=20, choices=PanelKind.choices)
    cadence = models.CharField(max_length=20, choices=Cadence.choices, default=Cadence.MONTHLY)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["authority__name", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["authority", "kind"], name="panel_once_per_authority")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}, {self.authority}"


@pghistory.track()
class PanelMember(models.Model):
    """A person who sits on a panel, and the agency they speak for."""

    panel = models.ForeignKey(Panel, on_delete=models.CASCADE, related_name="members")
    name = models.CharField(max_length=200)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=200, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    left_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["agency__name", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.agency})"


@pghistory.track()
class PanelReferral(models.Model):
    """A child referred to the exploitation panel (Haringey protocol 18.5, 11.2)."""

    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="panel_referrals")
    # Which panel: the child's responsible authority's panel of this kind. Blank on
    # referrals made before issue 12 (they named no panel).
    panel_kind = models.CharField(max_length=20, choices=PanelKind.choices, blank=True)
    referred_at = models.DateTimeField()
    reason = models.TextField()
    # Exploitation indicators (risk.models.Indicator values) the referrer sees: a referral
    # criterion of its own, not only a Red rating or repeat episodes.
    indicators = ArrayField(models.CharField(max_length=40), default=list, blank=True)
    referred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    referring_agency = models.ForeignKey(
        Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-referred_at"]

    def __str__(self) -> str:
        return f"Panel referral of {self.child}"


@pghistory.track()
class PanelMeeting(models.Model):
    authority = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="panel_meetings")
    panel = models.ForeignKey(
        Panel, null=True, blank=True, on_delete=models.PROTECT, related_name="meetings"
    )
    kind = models.CharField(max_length=20, choices=PanelKind.choices, default=PanelKind.MACE)
    meets_at = models.DateTimeField()
    notes = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-meets_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.meets_at:%Y-%m-%d}"


@pghistory.track()
class PanelCase(models.Model):
    """A child on a panel meeting's agenda, and why."""

    meeting = models.ForeignKey(PanelMeeting, on_delete=models.CASCADE, related_name="cases")
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="panel_cases")
    reason = models.CharField(max_length=300)
    referral = models.ForeignKey(
        PanelReferral, null=True, blank=True, on_delete=models.PROTECT, related_name="cases"
    )
    discussion = models.TextField(blank=True)
    # When the panel discussed the child: meets the panel_referral deadline (decision 0013).
    discussed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["meeting", "child"], name="panel_case_once_per_meeting")
        ]
        indexes = [
            models.Index(
                fields=["child", "discussed_at"],
                condition=Q(discussed_at__isnull=False),
                name="panel_case_discussed",
            )
        ]

    def __str__(self) -> str:
        return f"{self.child} at {self.meeting}"


@pghistory.track()
class PanelAction(models.Model):
    """An action agreed at a panel; open actions are carried to the next meeting."""

    case = models.ForeignKey(PanelCase, on_delete=models.CASCADE, related_name="actions")
    description = models.TextField()
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    owner_agency = models.ForeignKey(
        Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    due_on = models.DateField()
    done_at = models.DateTimeField(null=True, blank=True)
    carried_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="carried_to"
    )

    class Meta:
        ordering = ["due_on"]
        indexes = [
            models.Index(
                fields=["case"], condition=Q(done_at__isnull=True), name="panel_action_open"
            )
        ]

    def __str__(self) -> str:
        return self.description[:60]


class StrategyItemKind(models.TextChoices):
    """What Haringey protocol 18.4 says a strategy discussion should also consider."""

    HEALTH_ALERT = "health_alert", "Missing child health alert (HAR 24.1)"
    MISSING_PERSONS_DESK = "missing_persons_desk", "National missing persons desk alerted"
    NATIONAL_REFERRAL_MECHANISM = (
        "national_referral_mechanism",
        "National Referral Mechanism (exploitation, trafficking, modern slavery)",
    )
    COMMUNICATION = (
        "communication",
        "Communication agreed between agencies, other authorities and the family",
    )
    LOCATE = "locate", "Action to locate the child"
    RISK_UPDATE = "risk_update", "Update to the risk assessment"
    MEDIA_STRATEGY = "media_strategy", "Media strategy"


# The items that are actions (someone does something by a date): owner and due date required.
STRATEGY_ACTION_KINDS = frozenset(
    {
        StrategyItemKind.HEALTH_ALERT,
        StrategyItemKind.MISSING_PERSONS_DESK,
        StrategyItemKind.NATIONAL_REFERRAL_MECHANISM,
        StrategyItemKind.LOCATE,
        StrategyItemKind.RISK_UPDATE,
    }
)


class ParentalConsent(models.TextChoices):
    GIVEN = "given", "Given"
    REFUSED = "refused", "Refused"
    NOT_NEEDED = "not_needed", "Not needed: the child is looked after"


@pghistory.track()
class StrategyItem(models.Model):
    """One thing a strategy meeting or discussion considered or agreed (HAR 18.4), with
    an owner and a due date where it is an action, and when it was done."""

    meeting = models.ForeignKey(StrategyMeeting, on_delete=models.CASCADE, related_name="items")
    kind = models.CharField(max_length=40, choices=StrategyItemKind.choices)
    # What was decided or agreed (for the NRM: whether a referral is made, and why).
    decision = models.TextField()
    owner_name = models.CharField(max_length=200, blank=True)
    owner_agency = models.ForeignKey(
        Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    due_on = models.DateField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    # Missing persons desk: parental consent is required where the child is not looked
    # after (HAR 18.4).
    parental_consent = models.CharField(max_length=12, choices=ParentalConsent.choices, blank=True)
    # Media strategy: whether the local authority consents to police publishing the
    # child's photograph (HAR 7.4). Null: not decided at this meeting.
    photo_publication_consent = models.BooleanField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["meeting", "kind", "pk"]
        indexes = [
            models.Index(
                fields=["meeting"], condition=Q(done_at__isnull=True), name="strategy_item_open"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.decision[:60]}"

    @property
    def is_action(self) -> bool:
        return self.kind in STRATEGY_ACTION_KINDS


class Attendance(models.TextChoices):
    ATTENDED = "attended", "Attended"
    APOLOGIES = "apologies", "Sent apologies"
    ABSENT = "absent", "Did not attend"


@pghistory.track()
class PanelAttendance(models.Model):
    meeting = models.ForeignKey(PanelMeeting, on_delete=models.CASCADE, related_name="attendance")
    member = models.ForeignKey(PanelMember, on_delete=models.PROTECT, related_name="attendance")
    status = models.CharField(max_length=10, choices=Attendance.choices)

    class Meta:
        ordering = ["member__agency__name", "member__name"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "member"], name="panel_attendance_once")
        ]

    def __str__(self) -> str:
        return f"{self.member}: {self.get_status_display()}"


@pghistory.track()
class PanelIntelligence(models.Model):
    """Intelligence shared at a panel about a child on its agenda: a link to the place,
    associate or missing-together record, never a retyped copy (issue 12)."""

    case = models.ForeignKey(PanelCase, on_delete=models.CASCADE, related_name="intelligence")
    episode_place = models.ForeignKey(
        EpisodePlace, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    associate_link = models.ForeignKey(
        AssociateLink, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    missing_with = models.ForeignKey(
        MissingWith, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(max_length=500, blank=True)
    shared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    shared_at = models.DateTimeField()

    class Meta:
        ordering = ["shared_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(
                        episode_place__isnull=False,
                        associate_link__isnull=True,
                        missing_with__isnull=True,
                    )
                    | Q(
                        episode_place__isnull=True,
                        associate_link__isnull=False,
                        missing_with__isnull=True,
                    )
                    | Q(
                        episode_place__isnull=True,
                        associate_link__isnull=True,
                        missing_with__isnull=False,
                    )
                ),
                name="panel_intelligence_links_one_record",
            )
        ]

    def __str__(self) -> str:
        return f"Intelligence at {self.case}"
