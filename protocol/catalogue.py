"""The protocol in words: every rule of shared/PROTOCOL.md with its trigger, obligation,
deadline, owner and source, the numbers read from the same settings the engine uses.

The protocol page shows this table; a child's record shows each deadline's source. If a
local authority changes `PROTOCOL["return_interview_hours"]`, both say the new number,
because both read `protocol_settings()` here, as the rules do.
"""

from __future__ import annotations

import dataclasses

from protocol.conf import ProtocolSettings, protocol_settings
from protocol.models import Rule


@dataclasses.dataclass(frozen=True)
class RuleDescription:
    rule: str
    name: str
    trigger: str
    obligation: str
    due: str
    owner: str
    source: str


# Paragraphs of the sources, as PROTOCOL.md cites them.
SOURCES: dict[str, str] = {
    Rule.RISK_ASSESSMENT: "Haringey protocol 14.1 (MASH RAG rating), 15.3 (72 hours)",
    Rule.ABSENT_REVIEW: "Haringey protocol 6.2",
    Rule.MANAGER_ESCALATION: "Haringey protocol 15.1, 18.6",
    Rule.STRATEGY_MEETING: "Peterborough report 4.10",
    Rule.STRATEGY_DISCUSSION: "Haringey protocol 14.6",
    Rule.STRATEGY_REVIEW: "Haringey protocol 18.3",
    Rule.MASH_THRESHOLD: "Haringey protocol 14.5",
    Rule.SAFE_AND_WELL_CHECK: "Haringey protocol 21.1; DfE 2014 guidance",
    Rule.RETURN_INTERVIEW: "Haringey protocol 22.2; DfE 2014 guidance; with the criteria "
    'scope, Hertfordshire briefing, "Criteria for Visiting Children and Young People"',
    Rule.PANEL_REFERRAL: "Haringey protocol 18.5, 11.2",
    Rule.SENIOR_REVIEW: "Haringey protocol 18.6",
    Rule.MISSING_AT_EIGHTEEN: "Haringey protocol 18.6",
    Rule.HOME_OFFICE_NOTICE: "Haringey protocol 16.1 to 16.4",
    Rule.POLICE_REPORT_CHECK: "Haringey protocol 12.4, 12.6, 19.1",
}


def _n(value: float) -> str:
    """12.0 -> "12", 1.5 -> "1.5"."""
    return f"{value:g}"


def _plural(value: float, unit: str) -> str:
    return f"{_n(value)} {unit}{'' if value == 1 else 's'}"


def describe_rules(settings: ProtocolSettings | None = None) -> list[RuleDescription]:
    """Every rule, in PROTOCOL.md's order, with the configured numbers."""
    s = settings or protocol_settings()
    hours = lambda value: _plural(value, "hour")  # noqa: E731
    days = lambda value: _plural(value, "day")  # noqa: E731
    interview_scope = (
        "after every episode"
        if s.return_interview_scope == "every_episode"
        else "where the Hertfordshire criteria are met: looked after for any period; missing "
        f"over {hours(s.return_interview_criteria_missing_hours)}; missing on two or more "
        "occasions (any history); or the return records criminal activity, harm, known "
        "mental health issues, an identified risk of sexual exploitation, or contact with "
        "persons posing risk to children"
    )
    rows = [
        (
            Rule.RISK_ASSESSMENT,
            "An episode is reported, and MASH triages its referral (RAG rating, threshold "
            "level, reason)",
            "The missing child risk assessment record completed: indicators, analysis, plan",
            f"Reported + {hours(s.risk_assessment_red_hours)} if MASH triaged it Red, "
            f"{hours(s.risk_assessment_amber_hours)} if Amber, "
            f"{hours(s.risk_assessment_green_hours)} if Green; "
            f"{hours(s.risk_assessment_unrated_hours)} while not yet triaged. Police's APP "
            "grading is context for MASH, never the rating",
            "MASH or the allocated social worker",
        ),
        (
            Rule.ABSENT_REVIEW,
            "An episode is recorded as absent",
            "Contact made, or the episode becomes missing and is reported to police",
            f"Last seen + {hours(s.absent_review_hours)}; on breach the episode is reclassified "
            "missing automatically and the worker and police liaison are told",
            "Allocated social worker",
        ),
        (
            Rule.MANAGER_ESCALATION,
            f"A looked-after child has been missing {hours(s.manager_escalation_hours)}",
            "Team manager, Missing Co-ordinator and Assistant Director notified",
            f"Last seen + {hours(s.manager_escalation_hours)} (a notification, met when sent)",
            "Homeward itself",
        ),
        (
            Rule.STRATEGY_MEETING,
            f"Missing more than {hours(s.strategy_meeting_missing_hours)}, or episode "
            f"{s.repeat_episode_count} (missing or absent) in {days(s.repeat_window_days)}",
            "A multi-agency strategy meeting held",
            f"Trigger + {hours(s.strategy_meeting_after_missing_hours)} (missing too long) or "
            f"trigger + {days(s.strategy_meeting_repeat_days)} (repeat episodes)",
            "Team manager",
        ),
        (
            Rule.STRATEGY_DISCUSSION,
            f"Missing five successive days ({hours(s.strategy_discussion_missing_hours)})",
            "A strategy discussion held",
            f"Last seen + {hours(s.strategy_discussion_missing_hours)} + "
            f"{hours(s.strategy_discussion_within_hours)}",
            "Team manager",
        ),
        (
            Rule.STRATEGY_REVIEW,
            "A strategy meeting that does not record the concern resolved",
            "The next strategy meeting",
            f"Previous meeting + {days(s.strategy_review_days)}, repeating until a meeting "
            "records that the concern is resolved (a return alone does not stop it)",
            "Team manager",
        ),
        (
            Rule.MASH_THRESHOLD,
            f"A MASH referral for a child with {s.mash_threshold_episode_count} or more missing "
            f"episodes in the previous {_plural(s.mash_threshold_window_months, 'month')}",
            f"Referral graded no lower than threshold level {s.mash_threshold_minimum_level}",
            "At triage (a check on the rating, not a clock)",
            "MASH",
        ),
        (
            Rule.SAFE_AND_WELL_CHECK,
            "The child returns",
            "Police safe and well check recorded",
            f"Returned + {hours(s.safe_and_well_check_hours)} (a local default; no source fixes it)",
            "Police liaison officer",
        ),
        (
            Rule.RETURN_INTERVIEW,
            f"The child returns ({interview_scope})",
            "Independent return interview offered and its outcome recorded: held, declined, "
            "or no engagement after recorded attempts",
            f"Returned + {hours(s.return_interview_hours)}",
            "Return interview officer",
        ),
        (
            Rule.PANEL_REFERRAL,
            "An episode or assessment is rated Red",
            "Child referred to a panel (MACE, MASE, SEARCH, Exploitation Panel) and discussed "
            "there: met by the panel's discussion of the child, not by the referral form",
            f"Rating + {days(s.panel_referral_days)}",
            "Team manager",
        ),
        (
            Rule.SENIOR_REVIEW,
            f"Missing {_plural(s.senior_review_months, 'month')}",
            "Formal review by the Assistant Director",
            f"Last seen date + {_plural(s.senior_review_months, 'calendar month')}",
            "Assistant Director",
        ),
        (
            Rule.MISSING_AT_EIGHTEEN,
            "Still missing at 00:00 on the 18th birthday",
            "Missing child meeting to decide whether to close",
            "The 18th birthday",
            "Assistant Director",
        ),
        (
            Rule.HOME_OFFICE_NOTICE,
            "An unaccompanied asylum-seeking child goes missing",
            "Home Office informed; National Referral Mechanism referral considered where "
            "trafficking is suspected",
            f"Reported + {hours(s.home_office_notice_hours)}",
            "Allocated social worker",
        ),
        (
            Rule.POLICE_REPORT_CHECK,
            "An episode is recorded as missing from home and no report to police is recorded",
            "Check that the child has been reported to police (record when, and the incident "
            "number), or report it",
            f"Recorded + {hours(s.police_report_check_hours)} (local default; no source fixes it)",
            "Allocated social worker, or MASH for an unallocated child",
        ),
    ]
    return [
        RuleDescription(
            rule=str(rule),
            name=Rule(rule).label,
            trigger=trigger,
            obligation=obligation,
            due=due,
            owner=owner,
            source=SOURCES[rule],
        )
        for rule, trigger, obligation, due, owner in rows
    ]


def source_of(rule: str) -> str:
    return SOURCES.get(rule, "")


@dataclasses.dataclass(frozen=True)
class Telling:
    when: str
    who: str
    source: str


def who_is_told() -> list[Telling]:
    """PROTOCOL.md "Who is told", as Homeward tells them (notifications.announcements,
    notifications.recipients, the manager_escalation deadline)."""
    hours = _n(protocol_settings().manager_escalation_hours)
    return [
        Telling(
            "An episode is reported",
            "The allocated social worker and team manager; for a looked-after child the head "
            "of service, and the IRO (or, for a child on a protection plan, the child "
            "protection adviser) linked to the child",
            "Haringey protocol 15.1",
        ),
        Telling(
            f"A looked-after child has been missing {hours} hours",
            "Team manager, Missing Co-ordinator (to start the return interview process), "
            "Assistant Director, and the allocated social worker",
            "Haringey protocol 15.1, 18.6",
        ),
        Telling(
            "A child placed out of area goes missing, and returns",
            "The Missing Co-ordinators of the host and of the placing authority",
            "Haringey protocol 15.2, 17.2 to 17.4",
        ),
        Telling(
            "A high-risk child goes missing (police grade high, or rated Red)",
            "The partner agencies' practitioners linked to the child (health, school, youth "
            "justice, return interview provider), to flag the child in their own systems",
            "Haringey protocol 18.5",
        ),
        Telling(
            "The child returns",
            "Everyone told when the episode was reported",
            "Closing the loop",
        ),
    ]
