"""The Deadline ledger: every obligation the protocol creates, and what became of it."""

from __future__ import annotations

import pghistory
from django.db import models
from django.db.models import Q

from agencies.models import Role, Team
from children.models import Child
from core.choices import ChoiceLabels
from episodes.models import Episode
from panels.models import MeetingKind, MeetingTrigger, StrategyMeeting
from returns.models import ReturnInterview


class Rule(models.TextChoices):
    """The rule ids of PROTOCOL.md: public names in the API, the UI and reports."""

    RISK_ASSESSMENT = "risk_assessment", "Risk assessment"
    ABSENT_REVIEW = "absent_review", "Absent review"
    MANAGER_ESCALATION = "manager_escalation", "Manager escalation"
    STRATEGY_MEETING = "strategy_meeting", "Strategy meeting"
    STRATEGY_DISCUSSION = "strategy_discussion", "Strategy discussion"
    STRATEGY_REVIEW = "strategy_review", "Strategy meeting review"
    MASH_THRESHOLD = "mash_threshold", "MASH threshold"
    SAFE_AND_WELL_CHECK = "safe_and_well_check", "Safe and well check"
    RETURN_INTERVIEW = "return_interview", "Return interview"
    PANEL_REFERRAL = "panel_referral", "Exploitation panel referral"
    SENIOR_REVIEW = "senior_review", "Senior review"
    MISSING_AT_EIGHTEEN = "missing_at_eighteen", "Missing at eighteen"
    HOME_OFFICE_NOTICE = "home_office_notice", "Home Office notice"
    POLICE_REPORT_CHECK = "police_report_check", "Police report check"


# The deadlines a meeting meets, and the meeting each one asks for (PROTOCOL.md). The
# escalation queue links these deadlines to the meeting form, which is pre-filled from here.
MEETING_RULES: dict[str, tuple[str, str]] = {
    Rule.STRATEGY_MEETING: (MeetingKind.STRATEGY_MEETING, MeetingTrigger.MISSING_OVER_24_HOURS),
    Rule.STRATEGY_DISCUSSION: (MeetingKind.STRATEGY_DISCUSSION, MeetingTrigger.MISSING_FIVE_DAYS),
    Rule.STRATEGY_REVIEW: (MeetingKind.STRATEGY_MEETING, MeetingTrigger.REVIEW),
    Rule.SENIOR_REVIEW: (MeetingKind.STRATEGY_MEETING, MeetingTrigger.SENIOR_REVIEW),
    Rule.MISSING_AT_EIGHTEEN: (MeetingKind.STRATEGY_MEETING, MeetingTrigger.MISSING_AT_EIGHTEEN),
}


class Status(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    OPEN = "open", "Open"
    MET = "met", "Met"
    BREACHED = "breached", "Breached"
    CANCELLED = "cancelled", "Cancelled"


# The sweep and the outbox writer update thousands of deadlines a statement: their update
# events are written by one statement-level trigger (an INSERT ... SELECT from the
# statement's old and new rows, joined on id, where the row changed), instead of a
# trigger call per row with its own context lookup; the same event rows either way
# (decision 0022). Inserts and deletes keep the row-level triggers.
@pghistory.track(
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(level=pghistory.Statement),
    pghistory.DeleteEvent(),
)
class Deadline(ChoiceLabels, models.Model):
    """One obligation. `key` identifies it across reconciles: same key, same deadline row.

    A deadline can be known before it starts counting (`opens_at` in the future: status
    scheduled). It is met when its obligation is recorded, breached when `due_at` passes
    first (once; a later completion leaves `breached_at` and sets `met_at`: met late),
    and cancelled when the state that created it no longer holds.
    """

    key = models.CharField(max_length=120)
    rule = models.CharField(max_length=30, choices=Rule.choices)
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="deadlines")
    episode = models.ForeignKey(
        Episode, null=True, blank=True, on_delete=models.CASCADE, related_name="deadlines"
    )
    return_interview = models.ForeignKey(
        ReturnInterview, null=True, blank=True, on_delete=models.SET_NULL, related_name="deadlines"
    )
    strategy_meeting = models.ForeignKey(
        StrategyMeeting, null=True, blank=True, on_delete=models.SET_NULL, related_name="deadlines"
    )
    opens_at = models.DateTimeField()
    due_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    met_at = models.DateTimeField(null=True, blank=True)
    breached_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    due_soon_at = models.DateTimeField(help_text="When the due-soon warning is sent.")
    due_soon_notified_at = models.DateTimeField(null=True, blank=True)
    # The notifications this deadline owes, set by the sweep in the same UPDATE that
    # breaches, meets or warns (so the two are recorded together or not at all), and
    # cleared when notifications.outbox has written them to the outbox: "breached",
    # "reclassified", "escalation" or "due_soon" (notifications.models.Kind), or "".
    pending_notification = models.CharField(max_length=20, blank=True, default="", db_default="")
    owner_role = models.CharField(max_length=40, choices=Role.choices)
    owner_team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="deadlines"
    )
    reason = models.TextField(help_text="Why the rule applies, in words, for the child's record.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["due_at"]
        constraints = [
            models.UniqueConstraint(fields=["child", "key"], name="deadline_key_unique_per_child"),
            models.CheckConstraint(
                condition=Q(due_at__gte=models.F("opens_at")), name="deadline_due_after_opens"
            ),
            models.CheckConstraint(
                condition=~Q(status="breached") | Q(breached_at__isnull=False),
                name="deadline_breached_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status="met") | Q(met_at__isnull=False), name="deadline_met_has_time"
            ),
        ]
        indexes = [
            # The sweep: "open or scheduled deadlines whose due time has passed".
            models.Index(
                fields=["due_at"],
                condition=Q(status__in=["open", "scheduled"]),
                name="deadline_sweep_due",
            ),
            models.Index(
                fields=["due_soon_at"],
                condition=Q(status__in=["open", "scheduled"], due_soon_notified_at__isnull=True),
                name="deadline_sweep_due_soon",
            ),
            # The sweep's first step: "scheduled deadlines whose opening time has passed".
            models.Index(
                fields=["opens_at"],
                condition=Q(status="scheduled"),
                name="deadline_sweep_opens",
            ),
            # notifications.outbox: deadlines whose notifications are still to be written.
            models.Index(
                fields=["id"],
                condition=~Q(pending_notification=""),
                name="deadline_notifications_owed",
            ),
            models.Index(fields=["owner_team", "status", "due_at"], name="deadline_team_queue"),
            models.Index(fields=["child", "status"], name="deadline_child_status"),
            # The API's deadline list, newest first (api.pagination.KeysFirstQuerySet): a
            # page's ids read from the reader's children by this index alone, then 51 rows.
            models.Index(fields=["child", "id"], name="deadline_by_child_newest"),
            # The work lists (home, escalation queue): the deadlines still to meet of the
            # children a reader may see (protocol.selectors.still_to_meet), a small part
            # of a ledger that keeps every deadline of three years.
            models.Index(
                fields=["child", "due_at"],
                condition=Q(status__in=["scheduled", "open", "breached"], met_at__isnull=True),
                name="deadline_live_by_child",
            ),
            # "My deadlines" (protocol.selectors.my_deadlines): the live deadlines a role
            # owns (police liaison, return interviews, MASH...) among the children its
            # holder may see, without reading every other live deadline of those
            # children (a police force sees four authorities' children: decision 0019).
            models.Index(
                fields=["owner_role", "child", "due_at"],
                condition=Q(status__in=["scheduled", "open", "breached"], met_at__isnull=True),
                name="deadline_live_by_role",
            ),
            # The return interview officer's reach and work list (children.selectors
            # `reaches`, returns.views.index): the live return interview deadlines, a
            # tenth of the live ledger, so a reach of one authority's children does not
            # read every live deadline in the country.
            models.Index(
                fields=["child", "due_at"],
                condition=Q(
                    rule="return_interview",
                    status__in=["scheduled", "open", "breached"],
                    met_at__isnull=True,
                ),
                name="deadline_live_return_interview",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_rule_display()} for {self.child} due {self.due_at:%Y-%m-%d %H:%M}"

    @property
    def is_met_late(self) -> bool:
        # Late is met at or after the due time (the sweep breaches at due_at <= now),
        # whether or not the sweep got to it first.
        return self.status == Status.MET and self.met_at is not None and self.met_at >= self.due_at
