"""Deadlines as the pages show them: a status tag, the page that meets each one, and the
manager's escalation queue. Read models over the protocol's ledger, for casework's pages
and the episode page."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable

from django.urls import reverse
from django.utils import timezone

from children.permissions import Action, allows, roles_by_child
from core.numbers import page_number, whole_number
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


def _meeting_page(deadline: Deadline) -> tuple[str, str, Action | None] | None:
    """The page that meets this deadline, its link text, and the action it takes."""
    if deadline.rule == Rule.RISK_ASSESSMENT:
        suffix = f"?episode={deadline.episode_id}" if deadline.episode_id else ""
        url = reverse("risk:assess", args=[deadline.child_id]) + suffix
        return url, "Record risk assessment", Action.ASSESS_RISK
    if deadline.rule == Rule.RETURN_INTERVIEW:
        suffix = f"?episode={deadline.episode_id}" if deadline.episode_id else ""
        url = reverse("returns:record", args=[deadline.child_id]) + suffix
        return url, "Record interview", Action.RETURN_INTERVIEW
    if deadline.rule in MEETING_RULES:
        url = (
            reverse("panels:record_meeting", args=[deadline.child_id]) + f"?deadline={deadline.pk}"
        )
        label = (
            "Record discussion" if deadline.rule == Rule.STRATEGY_DISCUSSION else "Record meeting"
        )
        return url, label, Action.STRATEGY_MEETING
    if deadline.rule == Rule.PANEL_REFERRAL:
        url = reverse("panels:refer", args=[deadline.child_id])
        return url, "Refer to panel", Action.STRATEGY_MEETING
    if deadline.rule == Rule.SAFE_AND_WELL_CHECK and deadline.episode_id:
        url = reverse("episodes:safe_and_well_check", args=[deadline.episode_id])
        return url, "Record safe and well check", Action.SAFE_AND_WELL_CHECK
    if deadline.rule == Rule.HOME_OFFICE_NOTICE and deadline.episode_id:
        url = reverse("episodes:home_office_notice", args=[deadline.episode_id])
        return url, "Record Home Office notice", Action.EDIT_CHILD
    if deadline.rule == Rule.POLICE_REPORT_CHECK and deadline.episode_id:
        url = reverse("episodes:police_report", args=[deadline.episode_id])
        return url, "Record report to police", Action.REPORT_EPISODE
    if deadline.rule == Rule.ABSENT_REVIEW and deadline.episode_id:
        # Reading the episode needs only sight of the child.
        return reverse("episodes:detail", args=[deadline.episode_id]), "Open episode", None
    return None


def action_for(deadline: Deadline, roles: frozenset[str]) -> tuple[str, str] | None:
    """The page that meets this deadline and its link text, for someone reaching the child
    through `roles` (`children.permissions.roles_by_child`); None when they may not take
    that action, so no one is shown a link that answers 403 (issue 11)."""
    page = _meeting_page(deadline)
    if page is None:
        return None
    url, label, action = page
    if action is not None and not allows(roles, action):
        return None
    return url, label


LIVE_STATUSES = (Status.SCHEDULED, Status.OPEN, Status.BREACHED)


def deadline_rows(
    user,
    deadlines: Iterable[Deadline],
    now: dt.datetime,
    *,
    roles: dict[int, frozenset[str]] | None = None,
) -> list[DeadlineRow]:
    """Deadlines as a page lists them, each still to be met with the page that meets it,
    when `user` may use that page. Two queries for the permissions, whatever the rows;
    none when the page has read the user's `roles` for the deadlines' children already."""
    deadlines = list(deadlines)
    if roles is None:
        roles = roles_by_child(
            user,
            {deadline.child_id for deadline in deadlines if deadline.status in LIVE_STATUSES},
        )
    rows = []
    for deadline in deadlines:
        text, css = tag_for(deadline, now)
        action = None
        if deadline.status in LIVE_STATUSES:
            action = action_for(deadline, roles.get(deadline.child_id, frozenset()))
        rows.append(DeadlineRow(deadline, text, css, source_of(deadline.rule), action))
    return rows


# --- The escalation queue -----------------------------------------------------------

# A page of the queue: an authority's queue holds hundreds of deadlines, and a page that
# grew with them would not stay fast (issue 13). The rest are on the next pages.
QUEUE_PAGE_SIZE = 50


@dataclasses.dataclass(frozen=True)
class EscalationQueue:
    """The manager's queue: breached and due-soon deadlines for the teams they manage,
    looked-after children missing over 24 hours first, then by due time, each with the
    page that meets it; one page of QUEUE_PAGE_SIZE at a time."""

    deadlines: list[Deadline]
    teams: list
    selected_rule: str
    selected_team: int | None
    page: int = 1
    has_next: bool = False
    page_size: int = QUEUE_PAGE_SIZE


def escalations(
    user, *, rule: str = "", team: str = "", page: str = "", now: dt.datetime | None = None
) -> EscalationQueue:
    """The queue for `user`, filtered by a rule id and a team id as the page's GET gives
    them, at page `page` (from 1); a filter the user cannot use (an unknown rule, a team
    they do not manage) or a page that is not a number is ignored rather than refused."""
    now = now or timezone.now()
    teams = list(managed_teams(user).select_related("agency").order_by("agency__name", "name"))
    rule = rule if rule in Rule.values else ""
    team_number = whole_number(team)
    team_id = team_number if team_number in {t.pk for t in teams} else None
    number = page_number(page)
    start = (number - 1) * QUEUE_PAGE_SIZE
    # One row more than the page, to know whether there is a next page without a count.
    rows = list(
        escalation_queue(user, rule=rule or None, team=team_id, now=now)[
            start : start + QUEUE_PAGE_SIZE + 1
        ]
    )
    has_next = len(rows) > QUEUE_PAGE_SIZE
    rows = rows[:QUEUE_PAGE_SIZE]
    roles = roles_by_child(user, {deadline.child_id for deadline in rows})
    for deadline in rows:
        deadline.action = action_for(deadline, roles.get(deadline.child_id, frozenset()))  # type: ignore[attr-defined]
    return EscalationQueue(rows, teams, rule, team_id, page=number, has_next=has_next)
