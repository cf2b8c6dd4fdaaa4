"""MASH referrals and RAG-rated missing child risk assessments."""

from __future__ import annotations

import pghistory
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q

from agencies.models import Agency
from children.models import Child
from episodes.models import Episode


class Rag(models.TextChoices):
    RED = "red", "Red"
    AMBER = "amber", "Amber"
    GREEN = "green", "Green"


class Indicator(models.TextChoices):
    CSE = "cse", "Child sexual exploitation (CSE)"
    CCE_COUNTY_LINES = "cce_county_lines", "Child criminal exploitation (CCE) and county lines"
    GANGS = "gangs", "Gang association"
    RADICALISATION = "radicalisation", "Radicalisation"
    TRAFFICKING = "trafficking", "Trafficking or modern slavery"
    SUBSTANCE_MISUSE = "substance_misuse", "Substance misuse"
    MENTAL_HEALTH = "mental_health", "Mental health"
    MISSING_WITH_OTHERS = "missing_with_others", "Going missing with other children"


class ReferralStatus(models.TextChoices):
    OPEN = "open", "Awaiting triage"
    TRIAGED = "triaged", "Triaged"
    CLOSED = "closed", "Closed"


@pghistory.track()
class MashReferral(models.Model):
    """A missing child referral into the Multi-Agency Safeguarding Hub, awaiting a RAG rating."""

    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="mash_referrals")
    episode = models.ForeignKey(
        Episode, null=True, blank=True, on_delete=models.PROTECT, related_name="mash_referrals"
    )
    # The local authority whose MASH receives it; its MASH triage staff see the child.
    mash_authority = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="mash_referrals"
    )
    received_at = models.DateTimeField()
    referrer = models.CharField(max_length=200, blank=True)
    summary = models.TextField(blank=True)
    status = models.CharField(
        max_length=10, choices=ReferralStatus.choices, default=ReferralStatus.OPEN
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["received_at"]
        indexes = [
            models.Index(
                fields=["mash_authority", "child"],
                condition=Q(status="open"),
                name="mash_referral_open",
            )
        ]

    def __str__(self) -> str:
        return f"MASH referral for {self.child} received {self.received_at:%Y-%m-%d %H:%M}"


@pghistory.track()
class MashTriage(models.Model):
    """MASH's triage of a referral: the RAG rating, threshold level and reason (Haringey
    protocol 14.1). A decision made once per referral, corrected in place (the history
    keeps each version). It sets the clock of the missing child risk assessment record
    (the `risk_assessment` rule): Red 4 hours, Amber 24, Green 72 from the report.

    `police_risk_seen` is police's APP grading of the episode as MASH saw it when rating:
    context, kept to show what the decision was made with, never the rating itself."""

    referral = models.OneToOneField(MashReferral, on_delete=models.PROTECT, related_name="triage")
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="mash_triages")
    episode = models.ForeignKey(
        Episode, null=True, blank=True, on_delete=models.PROTECT, related_name="mash_triages"
    )
    rag = models.CharField("RAG rating", max_length=5, choices=Rag.choices)
    # Haringey Safeguarding Children Partnership threshold levels 1 (universal) to 4 (statutory).
    threshold_level = models.PositiveSmallIntegerField()
    reason = models.TextField(blank=True)
    police_risk_seen = models.CharField(max_length=10, blank=True)
    triaged_at = models.DateTimeField()
    triaged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-triaged_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(threshold_level__gte=1, threshold_level__lte=4),
                name="triage_threshold_level_1_to_4",
                violation_error_message="The threshold level is 1, 2, 3 or 4.",
            )
        ]
        indexes = [models.Index(fields=["child", "-triaged_at"], name="triage_child_latest")]

    def __str__(self) -> str:
        return f"{self.get_rag_display()} triage of {self.child}"


@pghistory.track()
class RiskAssessment(models.Model):
    """The missing child risk assessment record (Haringey protocol 14.1, 15.3, 15.4):
    indicators, analysis and plan, with the rating it concludes (which may review the
    triage's). Completed by MASH or the allocated social worker (14.2) within the window
    the MASH triage set; `assessed_at` is when it was completed, back-dated where life is."""

    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="risk_assessments")
    episode = models.ForeignKey(
        Episode, null=True, blank=True, on_delete=models.PROTECT, related_name="risk_assessments"
    )
    referral = models.ForeignKey(
        MashReferral, null=True, blank=True, on_delete=models.PROTECT, related_name="assessments"
    )
    rag = models.CharField("RAG rating", max_length=5, choices=Rag.choices)
    # Haringey Safeguarding Children Partnership threshold levels 1 (universal) to 4 (statutory).
    threshold_level = models.PositiveSmallIntegerField()
    indicators = ArrayField(
        models.CharField(max_length=30, choices=Indicator.choices), default=list, blank=True
    )
    # The analysis (the column keeps its first name, `rationale`, so existing readers work).
    rationale = models.TextField("analysis", blank=True)
    plan = models.TextField(blank=True)
    assessed_at = models.DateTimeField()
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-assessed_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(threshold_level__gte=1, threshold_level__lte=4),
                name="risk_threshold_level_1_to_4",
                violation_error_message="The threshold level is 1, 2, 3 or 4.",
            )
        ]
        indexes = [models.Index(fields=["child", "-assessed_at"], name="assessment_child_latest")]

    def __str__(self) -> str:
        return f"{self.get_rag_display()} assessment of {self.child}"
