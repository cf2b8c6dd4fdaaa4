"""Independent return interviews after a child comes back (Haringey protocol 22; DfE 2014)."""

from __future__ import annotations

import pghistory
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q

from children.models import Child
from episodes.models import Episode


class Outcome(models.TextChoices):
    HELD = "held", "Held"
    DECLINED = "declined", "Declined by the child"
    NO_ENGAGEMENT = "no_engagement", "No engagement after recorded attempts"


class PushFactor(models.TextChoices):
    """What pushed the child away (coded so they can be counted for committee reports)."""

    CONFLICT_AT_HOME = "conflict_at_home", "Conflict at home or placement"
    PLACEMENT_UNSETTLED = "placement_unsettled", "Unhappy or unsettled in placement"
    BOUNDARIES = "boundaries", "Boundaries or rules"
    ABUSE_OR_NEGLECT = "abuse_or_neglect", "Abuse or neglect"
    BULLYING = "bullying", "Bullying"
    MENTAL_HEALTH = "mental_health", "Mental health"
    SCHOOL = "school", "Problems at school"
    BEREAVEMENT = "bereavement", "Bereavement or loss"
    OTHER = "other", "Other"


class PullFactor(models.TextChoices):
    """What pulled the child towards somewhere or someone."""

    FRIENDS = "friends", "Friends"
    FAMILY = "family", "Family"
    PARTNER = "partner", "Boyfriend or girlfriend"
    EXPLOITATION = "exploitation", "Exploitation or grooming"
    DRUGS_ALCOHOL = "drugs_alcohol", "Drugs or alcohol"
    GANG = "gang", "Gang association"
    MONEY_GIFTS = "money_gifts", "Money or gifts"
    OTHER = "other", "Other"


@pghistory.track()
class ReturnInterview(models.Model):
    """One interview, which may cover several episodes (PROTOCOL.md, return_interview)."""

    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="return_interviews")
    episodes = models.ManyToManyField(
        Episode, through="ReturnInterviewEpisode", related_name="return_interviews"
    )
    interviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    interviewer_name = models.CharField(max_length=200, blank=True)
    # DfE 2014: the interview should be by someone independent of the child's care.
    is_independent = models.BooleanField(default=True)
    offered_at = models.DateTimeField()
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    held_at = models.DateTimeField(null=True, blank=True)
    outcome_recorded_at = models.DateTimeField(null=True, blank=True)
    seen_alone = models.BooleanField(null=True, blank=True)
    push_factors = ArrayField(
        models.CharField(max_length=30, choices=PushFactor.choices), default=list, blank=True
    )
    pull_factors = ArrayField(
        models.CharField(max_length=30, choices=PullFactor.choices), default=list, blank=True
    )
    disclosures = models.TextField(blank=True)
    follow_ups = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["-offered_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(outcome="held") | Q(held_at__isnull=False),
                name="return_interview_held_has_time",
                violation_error_message="A held interview needs the time it was held.",
            ),
            models.CheckConstraint(
                condition=Q(held_at__isnull=True) | Q(outcome="held"),
                name="return_interview_time_only_if_held",
            ),
            models.CheckConstraint(
                condition=Q(outcome="") | Q(outcome_recorded_at__isnull=False),
                name="return_interview_outcome_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"Return interview for {self.child} offered {self.offered_at:%Y-%m-%d}"

    @property
    def is_complete(self) -> bool:
        return bool(self.outcome)


@pghistory.track()
class ReturnInterviewEpisode(models.Model):
    interview = models.ForeignKey(ReturnInterview, on_delete=models.CASCADE, related_name="covered")
    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["interview", "episode"], name="return_interview_episode_once"
            )
        ]

    def __str__(self) -> str:
        return f"Interview {self.interview_id} covers episode {self.episode_id}"


@pghistory.track()
class ReturnInterviewAttempt(models.Model):
    """An attempt to engage the child; "no engagement" needs these recorded."""

    interview = models.ForeignKey(
        ReturnInterview, on_delete=models.CASCADE, related_name="attempts"
    )
    attempted_at = models.DateTimeField()
    method = models.CharField(
        max_length=20,
        choices=[
            ("visit", "Visit"),
            ("phone", "Phone call"),
            ("message", "Message"),
            ("letter", "Letter"),
        ],
    )
    notes = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["interview", "attempted_at"]

    def __str__(self) -> str:
        return f"{self.get_method_display()} at {self.attempted_at:%Y-%m-%d %H:%M}"
