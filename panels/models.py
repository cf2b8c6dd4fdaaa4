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
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["-held_at"]
        indexes = [models.Index(fields=["child", "-held_at"], name="meeting_child_latest")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.child} on {self.held_at:%Y-%m-%d}"


@pghistory.track()
class MeetingAttendance(models.Model):
    meeting = models.ForeignKey(StrategyMeeting, on_delete=models.CASCADE, related_name="attendees")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=200)
    role = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["meeting", "agency__name", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.agency})"


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
