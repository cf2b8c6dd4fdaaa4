"""Deadlines as the pages show them: a status tag, the page that meets each one, and the
manager's escalation queue. Read models over the protocol's ledger, for casework's pages
and the episode page."""

from __future__ import annotations

import dataclasses
import datetime as dt

from django.urls import reverse
from django.utils import timezone

from protocol.catalogue import source_of
from protocol.models import MEETING_RULES, Deadline, Rule, Status
from protocol.selectors import escalation_queue, managed_teams

# A deadline within this long of its due time is on the home page as "due soon" even
# before its own due-soon warning (three quarters of its window) has been sent.

# --- Deadline status, as the pages show it ------------------------------------------

DEADLINE_TAGS = {
    "scheduled": ("Scheduled", "govuk-tag--grey"),
    "open": ("Open", "govuk-tag--blue"),
    "due_soon": ("Due soon", "govuk-tag--yellow"),
    "overdue": ("Overdue", "govuk-tag--red"),
    "met": ("Met", "govuk-tag--green"),
    "met_late": ("Met late", "govuk-tag--orange"),
    "breached": ("Breached", "govuk-tag--red"),
    "cancelled": ("Cancelled", "govuk-tag--grey"),
}


def deadline_state(deadline: Deadline, now: dt.datetime) -> str:
    """One of DEADLINE_TAGS: the ledger status, refined by the clock for open deadlines.

    An open deadline past its due time is "overdue" until the sweep records the breach
    (the sweep runs every minute; the page must not say "open" in between).
    """
    if deadline.status == Status.MET:
        return "met_late" if deadline.is_met_late else "met"
    if deadline.status in (Status.BREACHED, Status.CANCELLED):
        return deadline.status
    if deadline.due_at <= now:
        return "overdue"
    if deadline.status == Status.SCHEDULED and deadline.opens_at > now:
        return "scheduled"
    if deadline.due_soon_at <= now:
        return "due_soon"
    return "open"


def tag_for(deadline: Deadline, now: dt.datetime) -> tuple[str, str]:
    return DEADLINE_TAGS[deadline_state(deadline, now)]


@dataclasses.dataclass(frozen=True)
class DeadlineRow:
    """A deadline as a page lists it: with its status tag and its protocol source."""

    deadline: Deadline
    tag_text: str
    tag_class: str
    source: str
    # The page that meets it (url, link text), while it is still to be met.
    action: tuple[str, str] | None = None


def action_for(deadline: Deadline) -> tuple[str, str] | None:
    """The page that meets this deadline, and its link text."""
    if deadline.rule == Rule.RISK_ASSESSMENT:
        suffix = f"?episode={deadline.episode_id}" if deadline.episode_id else ""
        return reverse("risk:assess", args=[deadline.child_id]) + suffix, "Rate risk"
    if deadline.rule == Rule.RETURN_INTERVIEW:
        suffix = f"?episode={deadline.episode_id}" if deadline.episode_id else ""
        return reverse("returns:record", args=[deadline.child_id]) + suffix, "Record interview"
    if deadline.rule in MEETING_RULES:
        url = (
            reverse("panels:record_meeting", args=[deadline.child_id]) + f"?deadline={deadline.pk}"
        )
        label = (
            "Record discussion" if deadline.rule == Rule.STRATEGY_DISCUSSION else "Record meeting"
        )
        return url, label
    if deadline.rule == Rule.PANEL_REFERRAL:
        return reverse("panels:refer", args=[deadline.child_id]), "Refer to panel"
    if deadline.rule == Rule.SAFE_AND_WELL_CHECK and deadline.episode_id:
        url = reverse("episodes:safe_and_well_check", args=[deadline.episode_id])
        return url, "Record safe and well check"
    if deadline.rule == Rule.HOME_OFFICE_NOTICE and deadline.episode_id:
        url = reverse("episodes:home_office_notice", args=[deadline.episode_id])
        return url, "Record Home Office notice"
    if deadline.rule == Rule.ABSENT_REVIEW and deadline.episode_id:
        return reverse("episodes:detail", args=[deadline.episode_id]), "Open episode"
    return None


def deadline_rows(deadlines, now: dt.datetime) -> list[DeadlineRow]:
    rows = []
    for deadline in deadlines:
        text, css = tag_for(deadline, now)
        action = None
        if deadline.status in (Status.SCHEDULED, Status.OPEN, Status.BREACHED):
            action = action_for(deadline)
        rows.append(DeadlineRow(deadline, text, css, source_of(deadline.rule), action))
    return rows


# --- The escalation queue -----------------------------------------------------------

QUEUE_LIMIT = 200


@dataclasses.dataclass(frozen=True)
class EscalationQueue:
    """The manager's queue: breached and due-soon deadlines for the teams they manage,
    looked-after children missing over 24 hours first, then by due time, each with the
    page that meets it."""

    deadlines: list[Deadline]
    teams: list
    selected_rule: str
    selected_team: int | None
    limit: int = QUEUE_LIMIT


def escalations(
    user, *, rule: str = "", team: str = "", now: dt.datetime | None = None
) -> EscalationQueue:
    """The queue for `user`, filtered by a rule id and a team id as the page's GET gives
    them; a filter the user cannot use (an unknown rule, a team they do not manage) is
    ignored rather than refused."""
    now = now or timezone.now()
    teams = list(managed_teams(user).select_related("agency").order_by("agency__name", "name"))
    rule = rule if rule in Rule.values else ""
    team_id = int(team) if team.isdigit() and int(team) in {t.pk for t in teams} else None
    rows = list(escalation_queue(user, rule=rule or None, team=team_id, now=now)[:QUEUE_LIMIT])
    for deadline in rows:
        deadline.action = action_for(deadline)  # type: ignore[attr-defined]
    return EscalationQueue(rows, teams, rule, team_id)
