"""The manager's escalation queue page: breached and due-soon deadlines for their teams.

The rows come from `protocol.selectors.escalation_queue` (looked-after children missing
over 24 hours first, then by due time); this module adds the filters and, for each row,
the page that meets the deadline.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from protocol.models import Deadline, Rule
from protocol.selectors import escalation_queue, managed_teams

QUEUE_LIMIT = 200
MEETING_RULES = {
    Rule.STRATEGY_MEETING,
    Rule.STRATEGY_DISCUSSION,
    Rule.STRATEGY_REVIEW,
    Rule.SENIOR_REVIEW,
    Rule.MISSING_AT_EIGHTEEN,
}


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


def escalation_page_context(request: HttpRequest) -> dict:
    now = timezone.now()
    teams = list(
        managed_teams(request.user).select_related("agency").order_by("agency__name", "name")
    )
    rule = request.GET.get("rule", "")
    if rule not in Rule.values:
        rule = ""
    team_param = request.GET.get("team", "")
    team = (
        int(team_param)
        if team_param.isdigit() and int(team_param) in {t.pk for t in teams}
        else None
    )
    rows = list(escalation_queue(request.user, rule=rule or None, team=team, now=now)[:QUEUE_LIMIT])
    for deadline in rows:
        deadline.action = action_for(deadline)  # type: ignore[attr-defined]
    return {
        "deadlines": rows,
        "teams": teams,
        "rules": Rule.choices,
        "selected_rule": rule,
        "selected_team": team,
        "limit": QUEUE_LIMIT,
        "manages_teams": bool(teams),
    }
