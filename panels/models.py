"""Strategy meetings and discussions, and multi-agency exploitation panels."""

from __future__ import annotations

import pghistory
from django.conf import settings
from django.db import models
from django.db.models import Q

from agencies.models import Agency
from children.models import Child
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


@pghistory.track()
class PanelReferral(models.Model):
    """A child referred to the exploitation panel (Haringey protocol 18.5, 11.2)."""

    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="panel_referrals")
    referred_at = models.DateTimeField()
    reason = models.TextField()
    referred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-referred_at"]

    def __str__(self) -> str:
        return f"Panel referral of {self.child}"


@pghistory.track()
class PanelMeeting(models.Model):
    authority = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="panel_meetings")
    kind = models.CharField(max_length=10, choices=PanelKind.choices, default=PanelKind.MACE)
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
    discussion = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["meeting", "child"], name="panel_case_once_per_meeting")
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
