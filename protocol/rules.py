"""Every rule of shared/PROTOCOL.md, as a pure function of a child's state and the settings.

`rule(state, settings) -> list[Obligation]`. No models, no database, no clock: a rule
says what the state obliges, including obligations already met (with `met_at`), and
the ledger decides status from the time. An obligation's `key` is its identity across
reconciles: the same trigger always yields the same key, so a corrected time moves the
deadline rather than making a new one.

Hour windows are elapsed time (timedelta on UTC instants: every fact is converted to UTC
on construction, whatever zone it came in); day, week and month windows are
Europe/London calendar arithmetic (`core.clock`). Where PROTOCOL.md can be read two
ways, the rule's docstring says which reading it takes and why
(docs/decisions/0003-protocol-engine.md).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable

from core.clock import (
    LONDON,
    add_months,
    eighteenth_birthday_starts,
    london_date,
    start_of_london_day,
)
from protocol.conf import ProtocolSettings

# Values as stored in the models; repeated here so rules import no models.
MISSING, ABSENT, AWAY = "missing", "absent", "away_without_authorisation"
LOOKED_AFTER = "looked_after"
RED, AMBER, GREEN = "red", "amber", "green"
MEETING, DISCUSSION = "strategy_meeting", "strategy_discussion"
HELD = "held"

# Owners (agencies.models.Role values).
SOCIAL_WORKER = "social_worker"
TEAM_MANAGER = "team_manager"
MASH_TRIAGE = "mash_triage"
MISSING_COORDINATOR = "missing_coordinator"
RETURN_INTERVIEW_OFFICER = "return_interview_officer"
POLICE_LIAISON = "police_liaison"
SENIOR_MANAGER = "senior_manager"


# --- State -------------------------------------------------------------------------


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    """An aware instant in UTC. Adding a timedelta to a Europe/London datetime is wall-clock
    arithmetic in Python (72 h after 00:30 GMT on 29 March would be 00:30 BST on 1 April,
    71 elapsed hours), so every fact is held in UTC, whatever zone it was given in."""
    if value is None:
        return None
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("protocol facts must carry a time zone; naive times are refused")
    return value.astimezone(dt.UTC)


def _normalise(fact: object, *names: str) -> None:
    for name in names:
        object.__setattr__(fact, name, _utc(getattr(fact, name)))


@dataclasses.dataclass(frozen=True)
class EpisodeFact:
    id: int
    category: str
    last_seen_at: dt.datetime
    reported_at: dt.datetime
    returned_at: dt.datetime | None = None
    police_risk: str = ""
    # When the episode stopped being absent (reclassified), and whether a person did it
    # (contact made, or reported missing) rather than the engine at 24 hours.
    was_absent: bool = False
    left_absent_at: dt.datetime | None = None
    left_absent_by_person: bool = False
    # When an episode that did not start as missing was first reclassified missing.
    became_missing_at: dt.datetime | None = None
    safe_and_well_checked_at: dt.datetime | None = None
    home_office_informed_at: dt.datetime | None = None
    # What the return form records of the time away (HERTS criteria for a return
    # interview visit): the names of the facts found true, e.g. "criminal_activity".
    return_concerns: frozenset[str] = frozenset()
    # police_report_check: where the child went missing from ("home" or "placement"), when
    # Homeward recorded the episode (not the report time a person may back-date), and
    # when it recorded that the child had been reported to police.
    missing_from: str = ""
    recorded_at: dt.datetime | None = None
    police_report_recorded_at: dt.datetime | None = None

    def __post_init__(self) -> None:
        _normalise(
            self,
            "last_seen_at",
            "reported_at",
            "returned_at",
            "left_absent_at",
            "became_missing_at",
            "safe_and_well_checked_at",
            "home_office_informed_at",
            "recorded_at",
            "police_report_recorded_at",
        )

    @property
    def is_open(self) -> bool:
        return self.returned_at is None


@dataclasses.dataclass(frozen=True)
class AssessmentFact:
    id: int
    episode_id: int | None
    rag: str
    assessed_at: dt.datetime
    indicators: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _normalise(self, "assessed_at")


@dataclasses.dataclass(frozen=True)
class TriageFact:
    """MASH's triage of a referral about an episode: the rating that sets the clock."""

    id: int
    episode_id: int | None
    rag: str
    triaged_at: dt.datetime

    def __post_init__(self) -> None:
        _normalise(self, "triaged_at")


@dataclasses.dataclass(frozen=True)
class InterviewFact:
    id: int
    episode_ids: frozenset[int]
    offered_at: dt.datetime
    outcome: str = ""
    held_at: dt.datetime | None = None
    outcome_recorded_at: dt.datetime | None = None

    def __post_init__(self) -> None:
        _normalise(self, "offered_at", "held_at", "outcome_recorded_at")

    @property
    def completed_at(self) -> dt.datetime | None:
        """When the outcome counts as recorded: the interview itself if held."""
        if not self.outcome:
            return None
        return self.held_at if self.outcome == HELD and self.held_at else self.outcome_recorded_at


@dataclasses.dataclass(frozen=True)
class MeetingFact:
    id: int
    kind: str
    trigger: str
    held_at: dt.datetime
    episode_id: int | None = None
    # The meeting recorded that the concern is resolved (HAR 18.3; decision 0012).
    concern_resolved: bool = False

    def __post_init__(self) -> None:
        _normalise(self, "held_at")


@dataclasses.dataclass(frozen=True)
class LegalPeriod:
    status: str
    start_date: dt.date
    end_date: dt.date | None = None

    def covers(self, day: dt.date) -> bool:
        return self.start_date <= day and (self.end_date is None or day <= self.end_date)


@dataclasses.dataclass(frozen=True)
class ChildState:
    """What the rules may know of a child. Episodes exclude those entered in error."""

    child_id: int
    date_of_birth: dt.date
    is_uasc: bool = False
    legal_statuses: tuple[LegalPeriod, ...] = ()
    episodes: tuple[EpisodeFact, ...] = ()
    assessments: tuple[AssessmentFact, ...] = ()
    triages: tuple[TriageFact, ...] = ()
    interviews: tuple[InterviewFact, ...] = ()
    meetings: tuple[MeetingFact, ...] = ()
    panel_referrals: tuple[dt.datetime, ...] = ()
    # When a panel discussed the child (PanelCase.discussed_at): what meets panel_referral.
    panel_discussions: tuple[dt.datetime, ...] = ()
    # Whether the child is allocated to a team now (police_report_check's owner: the
    # allocated social worker, or MASH for an unallocated child).
    is_allocated: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "panel_referrals", tuple(_utc(r) for r in self.panel_referrals))
        object.__setattr__(
            self, "panel_discussions", tuple(_utc(d) for d in self.panel_discussions)
        )

    def next_episode_after(self, episode: EpisodeFact) -> EpisodeFact | None:
        later = [e for e in self.episodes if e.last_seen_at > episode.last_seen_at]
        return min(later, key=lambda e: e.last_seen_at) if later else None

    def legal_status_on(self, day: dt.date) -> str | None:
        for period in self.legal_statuses:
            if period.covers(day):
                return period.status
        return None

    def is_looked_after_on(self, day: dt.date) -> bool:
        return self.legal_status_on(day) == LOOKED_AFTER


@dataclasses.dataclass(frozen=True)
class Obligation:
    rule: str
    key: str
    opens_at: dt.datetime
    due_at: dt.datetime
    owner_role: str
    reason: str
    episode_id: int | None = None
    met_at: dt.datetime | None = None
    return_interview_id: int | None = None
    strategy_meeting_id: int | None = None
    # Met by the engine itself when it falls due (a notification rule): never breached.
    met_by_engine: bool = False

    def __post_init__(self) -> None:
        # UTC, so the ledger's "has it changed?" compares instants: a Europe/London time in
        # the repeated autumn hour never compares equal to any UTC time (PEP 495).
        _normalise(self, "opens_at", "due_at", "met_at")


# --- Helpers -------------------------------------------------------------------------


def add_calendar_days(instant: dt.datetime, days: int) -> dt.datetime:
    """The same Europe/London wall-clock time `days` calendar days later.

    A day window is calendar days, not 24-hour blocks: across the spring change, 5 days
    after 10:00 GMT on Friday is 10:00 BST on Wednesday (119 elapsed hours). A wall time
    that falls in the spring gap moves forward by the gap, as zoneinfo does.
    """
    local = instant.astimezone(LONDON)
    target = (local.replace(tzinfo=None) + dt.timedelta(days=days)).replace(tzinfo=LONDON)
    return target.astimezone(dt.UTC)


def _first(times: Iterable[dt.datetime | None]) -> dt.datetime | None:
    present = [time for time in times if time is not None]
    return min(present) if present else None


def episodes_in_window_before(
    state: ChildState, episode: EpisodeFact, days: int
) -> list[EpisodeFact]:
    """Missing or absent episodes whose start date falls within `days` days before this
    episode's start date, inclusive at both ends (PROTOCOL.md "Time"), up to and
    including this one."""
    start_day = london_date(episode.last_seen_at)
    earliest = start_day - dt.timedelta(days=days)
    return [
        other
        for other in state.episodes
        if other.category in (MISSING, ABSENT)
        and earliest <= london_date(other.last_seen_at) <= start_day
        and other.last_seen_at <= episode.last_seen_at
    ]


def triage_of(state: ChildState, episode: EpisodeFact) -> TriageFact | None:
    """MASH's current triage of the episode: the latest made (a referral has one triage,
    corrected in place; an episode with two referrals takes the later triage)."""
    triages = [t for t in state.triages if t.episode_id == episode.id]
    return max(triages, key=lambda t: (t.triaged_at, t.id)) if triages else None


def mash_threshold_minimum_level(
    episode_starts: Iterable[dt.datetime], at: dt.datetime, settings: ProtocolSettings
) -> int | None:
    """mash_threshold (Haringey protocol 14.5): a referral for a child with 3 or more
    missing episodes in the previous 6 months is graded no lower than threshold level 3.

    A validation at triage, not a clock: it returns the minimum level, or None.
    """
    since = start_of_london_day(add_months(london_date(at), -settings.mash_threshold_window_months))
    count = sum(1 for start in episode_starts if since <= start <= at)
    if count >= settings.mash_threshold_episode_count:
        return settings.mash_threshold_minimum_level
    return None


# --- Rules ---------------------------------------------------------------------------


def _assessment_meets(state: ChildState, assessment: AssessmentFact, episode: EpisodeFact) -> bool:
    """An assessment linked to the episode, or one linked to no episode recorded between
    this episode's report and the start of the child's next episode."""
    if assessment.episode_id is not None:
        return assessment.episode_id == episode.id
    following = state.next_episode_after(episode)
    return assessment.assessed_at >= episode.reported_at and (
        following is None or assessment.assessed_at < following.last_seen_at
    )


def risk_assessment(state: ChildState, settings: ProtocolSettings) -> list[Obligation]:
    """risk_assessment (Haringey protocol 14.1, 15.3): every episode reported (missing,
    absent or away) needs a missing child risk assessment record, completed within the
    time the MASH RAG rating sets: reported + 4 h if Red, 24 h if Amber, 72 h if Green,
    and 72 h while not yet triaged (15.3: "within 72 hours ... on every occasion").

    Two records, two moments (decision 0012). The MASH triage of the episode's referral
    (rating, threshold level, reason) sets the clock; the assessment (indicators,
    analysis, plan) meets it. Readings:
    - The window counts from the report, as 14.1 and 15.3 say, whenever the triage was
      made: a Red triage at 00:15 of a report made at 00:15 makes the assessment due at
      04:15 (elapsed hours, so 05:15 BST on the spring-change night). A triage made
      after its own window has passed (Red, 5 hours after the report) leaves the
      assessment overdue from the moment of the triage: the 4 hours were the protocol's.
    - A corrected triage moves the clock (the triage is the latest of the episode's).
    - Police's APP grading is police's: shown to MASH as context, it never sets the clock.
    - Met by the first assessment linked to the episode, or by one linked to no episode
      recorded after the report and before the child's next episode."""
    windows = {
        RED: settings.hours("risk_assessment_red_hours"),
        AMBER: settings.hours("risk_assessment_amber_hours"),
        GREEN: settings.hours("risk_assessment_green_hours"),
    }
    obligations = []
    for episode in state.episodes:
        triage = triage_of(state, episode)
        rating = triage.rag if triage is not None else None
        window = windows.get(rating or "", settings.hours("risk_assessment_unrated_hours"))
        met_at = _first(
            a.assessed_at for a in state.assessments if _assessment_meets(state, a, episode)
        )
        hours = f"{window.total_seconds() / 3600:g}"
        if triage is not None:
            reason = (
                f"MASH triaged the referral {rating.capitalize()} "  # type: ignore[union-attr]
                f"({triage.triaged_at.astimezone(LONDON):%d %B %Y, %H:%M}), so the missing "
                f"child risk assessment is due within {hours} hours of the report."
            )
        else:
            reason = (
                "Episode reported and not yet triaged by MASH, so the missing child risk "
                f"assessment is due within {hours} hours of the report."
            )
        obligations.append(
            Obligation(
                rule="risk_assessment",
                key=f"risk_assessment:episode:{episode.id}",
                episode_id=episode.id,
                opens_at=episode.reported_at,
                due_at=episode.reported_at + window,
                met_at=met_at,
                owner_role=MASH_TRIAGE,
                reason=reason,
            )
        )
    return obligations


def absent_review(state: ChildState, settings: ProtocolSettings) -> list[Obligation]:
    """absent_review (Haringey protocol 6.2): an absent child is contacted within 24 hours
    of last seen, or becomes missing. Applies to every episode that was ever recorded
    absent. Met when the child returns or when a person reclassifies it out of absent
    (contact made, or reported missing to police); the engine's own reclassification at
    24 hours is the breach's effect, not a meeting of the obligation, so it stays
    breached. The sweep applies that effect and tells the worker and police liaison."""
    window = settings.hours("absent_review_hours")
    obligations = []
    for episode in state.episodes:
        if not (episode.was_absent or episode.category == ABSENT):
            continue
        met_at = _first(
            [episode.returned_at, episode.left_absent_at if episode.left_absent_by_person else None]
        )
        obligations.append(
            Obligation(
                rule="absent_review",
                key=f"absent_review:episode:{episode.id}",
                episode_id=episode.id,
                opens_at=episode.last_seen_at,
                due_at=episode.last_seen_at + window,
                met_at=met_at,
                owner_role=SOCIAL_WORKER,
                reason="Recorded as absent: contact must be made within "
                f"{window.total_seconds() / 3600:g} hours of last seen, or the child is missing.",
            )
        )
    return obligations


def manager_escalation(state: ChildState, settings: ProtocolSettings) -> list[Obligation]:
    """manager_escalation (Haringey protocol 15.1, 18.6): a looked-after child missing 24
    hours is escalated to the team manager, the Missing Co-ordinator and the Assistant
    Director. A notification: the engine meets it by sending, at last seen + 24 h. Known
    in advance while the child is missing (scheduled: it opens when it falls due), and
    cancelled by a return before 24 hours; a return at exactly 24 hours still escalates
    (the child has then been missing 24 hours).

    Reading: looked after on the date last seen (Europe/London). Counted from last seen
    even when the episode began as absent and became missing later, because the child's
    whereabouts have been unknown since then."""
    window = settings.hours("manager_escalation_hours")
    obligations = []
    for episode in state.episodes:
        if episode.category != MISSING:
            continue
        if not state.is_looked_after_on(london_date(episode.last_seen_at)):
            continue
        due = episode.last_seen_at + window
        if episode.returned_at is not None and episode.returned_at < due:
            continue
        obligations.append(
            Obligation(
                rule="manager_escalation",
                key=f"manager_escalation:episode:{episode.id}",
                episode_id=episode.id,
                opens_at=due,
                due_at=due,
                owner_role=TEAM_MANAGER,
                met_by_engine=True,
                reason=f"A looked-after child missing {window.total_seconds() / 3600:g} hours is escalated "
                "to the team manager, Missing Co-ordinator and Assistant Director.",
            )
        )
    return obligations


def _meeting_after(
    state: ChildState, since: dt.datetime, kinds: tuple[str, ...], episode_id: int | None = None
):
    meetings = [
        m
        for m in state.meetings
        if m.kind in kinds
        and m.held_at >= since
        and (m.episode_id in (None, episode_id) or episode_id is None)
    ]
    return min(meetings, key=lambda m: m.held_at) if meetings else None


def strategy_meeting(state: ChildState, settings: ProtocolSettings) -> list[Obligation]:
    """strategy_meeting (Peterborough 4.10): a multi-agency strategy meeting is held within
    24 hours once a child has been missing more than 24 hours, and within 5 days of a
    third missing or absent episode in 90 days.

    Readings. "More than 24 hours" is strict: a return at exactly 24:00:00 needs no
    meeting; the obligation opens at last seen + 24 h and is due 24 h later, met by a
    strategy meeting (not a discussion) for this episode held since last seen, so one held
    early is not demanded twice. "3rd in 90 days" counts missing and absent episodes
    (away without authorisation is not missing) whose Europe/London start date is on or
    after the date 90 days before this one's, inclusive; every episode that is the 3rd or
    later in its window triggers one. Its trigger is the report of that episode (when the
    authority learns of it): due 5 calendar days later at the same wall-clock time, met
    by any strategy meeting of the child held since that report."""
    obligations = []
    over = settings.hours("strategy_meeting_missing_hours")
    within = settings.hours("strategy_meeting_after_missing_hours")
    for episode in state.episodes:
        if episode.category == MISSING:
            trigger = episode.last_seen_at + over
            if episode.returned_at is None or episode.returned_at > trigger:
                meeting = _meeting_after(state, episode.last_seen_at, (MEETING,), episode.id)
                obligations.append(
                    Obligation(
                        rule="strategy_meeting",
                        key=f"strategy_meeting:episode:{episode.id}:missing",
                        episode_id=episode.id,
                        opens_at=trigger,
                        due_at=trigger + within,
                        met_at=meeting.held_at if meeting else None,
                        strategy_meeting_id=meeting.id if meeting else None,
                        owner_role=TEAM_MANAGER,
                        reason=f"Missing more than {over.total_seconds() / 3600:g} hours: a strategy meeting "
                        f"within {within.total_seconds() / 3600:g} hours.",
                    )
                )
        if episode.category in (MISSING, ABSENT):
            recent = episodes_in_window_before(state, episode, settings.repeat_window_days)
            if len(recent) >= settings.repeat_episode_count:
                meeting = _meeting_after(state, episode.reported_at, (MEETING,))
                obligations.append(
                    Obligation(
                        rule="strategy_meeting",
                        key=f"strategy_meeting:episode:{episode.id}:repeat",
                        episode_id=episode.id,
                        opens_at=episode.reported_at,
                        due_at=add_calendar_days(
                            episode.reported_at, settings.strategy_meeting_repeat_days
                        ),
                        met_at=meeting.held_at if meeting else None,
                        strategy_meeting_id=meeting.id if meeting else None,
                        owner_role=TEAM_MANAGER,
                        reason=f"Episode {len(recent)} in {settings.repeat_window_days} days: a strategy "
                        f"meeting within {settings.strategy_meeting_repeat_days} days.",
                    )
                )
    return obligations


def strategy_discussion(state: ChildState, settings: ProtocolSettings) -> list[Obligation]:
    """strategy_discussion (Haringey protocol 14.6): a child missing five successive days
    (120 hours since last seen, PROTOCOL.md "Time") needs a strategy discussion within
    the next 24 hours. A return before 120 h lapses it; at exactly 120 h the child has
    been missing five days and it stands.

    Reading: a strategy discussion or a full strategy meeting for this episode held from
    the start of the fifth day (120 h minus the 24 h window) counts, so a discussion
    held in anticipation on day five is not demanded twice; the 24-hour strategy meeting
    held days earlier does not, because the point is a fresh look at five days."""
    after = settings.hours("strategy_discussion_missing_hours")
    within = settings.hours("strategy_discussion_within_hours")
    obligations = []
    for episode in state.episodes:
        if episode.category != MISSING:
            continue
        trigger = episode.last_seen_at + after
        if episode.returned_at is not None and episode.returned_at < trigger:
            continue
        meeting = _meeting_after(state, trigger - within, (DISCUSSION, MEETING), episode.id)
        obligations.append(
            Obligation(
                rule="strategy_discussion",
                key=f"strategy_discussion:episode:{episode.id}",
                episode_id=episode.id,
                opens_at=trigger,
                due_at=trigger + within,
                met_at=meeting.held_at if meeting else None,
                strategy_meeting_id=meeting.id if meeting else None,
                owner_role=TEAM_MANAGER,
                reason="Missing five successive days: a strategy discussion within "
                f"{within.total_seconds() / 3600:g} hours.",
            )
        )
    return obligations


def strategy_review(state: ChildState, settings: ProtocolSettings) -> list[Obligation]:
    """strategy_review (Haringey protocol 18.3): "continual multi-agency strategy meetings
    should be held at a minimum of six-weekly intervals ... until there is confidence that
    the issue has been resolved". Each strategy meeting of the child that does not record
    the concern resolved starts the next review's clock: 42 calendar days, same
    Europe/London wall-clock time, met by the child's next strategy meeting, on time or
    late, whichever episode it is about.

    Readings (decision 0012). The concern, not the episode: a return does not stop the
    reviews, since a child who came back can still be at risk; a meeting that records
    "concern resolved", with its reason, does, and so opens no next review. Strategy
    discussions are not meetings and neither start nor meet a review. Keyed by the meeting
    that started it, so a late meeting moves the following review rather than re-dating
    an old one."""
    held = sorted((m for m in state.meetings if m.kind == MEETING), key=lambda m: (m.held_at, m.id))
    obligations = []
    for index, meeting in enumerate(held):
        if meeting.concern_resolved:
            continue
        due = add_calendar_days(meeting.held_at, settings.strategy_review_days)
        following = held[index + 1] if index + 1 < len(held) else None
        obligations.append(
            Obligation(
                rule="strategy_review",
                key=f"strategy_review:after:{meeting.id}",
                episode_id=meeting.episode_id,
                opens_at=meeting.held_at,
                due_at=due,
                met_at=following.held_at if following else None,
                strategy_meeting_id=following.id if following else None,
                owner_role=TEAM_MANAGER,
                reason=f"Concern not recorded as resolved at the strategy meeting of "
                f"{meeting.held_at.astimezone(LONDON):%d %B %Y}: the next within "
                f"{settings.strategy_review_days} days.",
            )
        )
    return obligations


def safe_and_well_check(state: ChildState, settings: ProtocolSettings) -> list[Obligation]:
    """safe_and_well_check (Haringey protocol 21.1; DfE 2014): police record a safe and well
    check after the child returns; by returned + 24 hours (a local default).

    Reading: it follows episodes that are missing when the child returns (including an
    absent episode that became missing). Police check a missing person found; an absent
    child (no concern for immediate safety, not reported missing, HAR 6.2) or one away
    from placement whose whereabouts were known is not a police case."""
    window = settings.hours("safe_and_well_check_hours")
    return [
        Obligation(
            rule="safe_and_well_check",
            key=f"safe_and_well_check:episode:{episode.id}",
            episode_id=episode.id,
            opens_at=episode.returned_at,
            due_at=episode.returned_at + window,
            met_at=episode.safe_and_well_checked_at,
            owner_role=POLICE_LIAISON,
            reason=f"Returned: police safe and well check within {window.total_seconds() / 3600:g} hours.",
        )
        for episode in state.episodes
        if episode.returned_at is not None and episode.category == MISSING
    ]


# The return form's facts of the time away that are HERTS criteria, in the briefing's order.
RETURN_CONCERNS = (
    "criminal_activity",
    "harmed",
    "mental_health",
    "sexual_exploitation_risk",
    "contact_with_risky_persons",
)


def return_interview_criteria_met(
    state: ChildState, episode: EpisodeFact, settings: ProtocolSettings
) -> list[str]:
    """The Hertfordshire criteria for a return interview visit (HERTS, "Criteria for
    Visiting Children and Young People"), as written, that this episode meets:

    - "Child Looked After (for any period of time)": looked after on any day from the
      date last seen to the date of return (Europe/London);
    - "Been missing for over 24 hours": returned more than 24 hours after last seen
      (`return_interview_criteria_missing_hours`; exactly 24:00:00 is not over);
    - "Been missing on two or more occasions (any historical instances of missing
      episodes should be considered)": this is at least the child's second missing
      episode, at any time before (absent and away episodes are not "missing");
    - engaged (or believed to have engaged) in criminal activities during the absence;
      hurt or harmed while missing (or believed so); known mental health issues;
      identified risk of sexual exploitation; contact with persons posing risk to
      children: the facts the return form records (`EpisodeFact.return_concerns`).

    Returns the names of the criteria met, in that order (empty: none)."""
    met = []
    last_day = london_date(episode.returned_at or episode.last_seen_at)
    first_day = london_date(episode.last_seen_at)
    if any(
        period.status == LOOKED_AFTER
        and period.start_date <= last_day
        and (period.end_date is None or period.end_date >= first_day)
        for period in state.legal_statuses
    ):
        met.append("looked_after")
    longest = settings.hours("return_interview_criteria_missing_hours")
    if episode.returned_at and episode.returned_at - episode.last_seen_at > longest:
        met.append("missing_over_24_hours")
    occasions = [
        other
        for other in state.episodes
        if other.category == MISSING and other.last_seen_at <= episode.last_seen_at
    ]
    if episode.category == MISSING and len(occasions) >= 2:
        met.append("missing_two_or_more_occasions")
    met.extend(concern for concern in RETURN_CONCERNS if concern in episode.return_concerns)
    return met


def meets_return_interview_criteria(
    state: ChildState, episode: EpisodeFact, settings: ProtocolSettings
) -> bool:
    return bool(return_interview_criteria_met(state, episode, settings))


def return_interview(state: ChildState, settings: ProtocolSettings) -> list[Obligation]:
    """return_interview (Haringey protocol 22.2; DfE 2014): an independent return interview
    is offered after the child returns and its outcome recorded (held, declined, or no
    engagement after recorded attempts) within 72 hours. After every episode by default,
    or only those meeting the HERTS criteria when `return_interview_scope` is "criteria"
    (`return_interview_criteria_met`).
    One deadline per episode, so a child who goes missing again before the first
    interview has two; one interview covering several episodes meets each of them.

    Reading: an offer alone does not meet it; an outcome does. A held interview counts
    when it was held (recording the notes later is not a second delay); a declined or
    no-engagement outcome counts when it was recorded."""
    window = settings.hours("return_interview_hours")
    obligations = []
    for episode in state.episodes:
        if episode.returned_at is None:
            continue
        criteria = ""
        if settings.return_interview_scope == "criteria":
            met = return_interview_criteria_met(state, episode, settings)
            if not met:
                continue
            criteria = f" (HERTS criteria met: {', '.join(m.replace('_', ' ') for m in met)})"
        covering = [
            (completed, interview.id)
            for interview in state.interviews
            if episode.id in interview.episode_ids and (completed := interview.completed_at)
        ]
        met_at, interview_id = min(covering) if covering else (None, None)
        obligations.append(
            Obligation(
                rule="return_interview",
                key=f"return_interview:episode:{episode.id}",
                episode_id=episode.id,
                opens_at=episode.returned_at,
                due_at=episode.returned_at + window,
                met_at=met_at,
                return_interview_id=interview_id,
                owner_role=RETURN_INTERVIEW_OFFICER,
                reason=f"Returned: an independent return interview offered and its outcome recorded "
                f"within {window.total_seconds() / 3600:g} hours{criteria}.",
            )
        )
    return obligations


def panel_referral(state: ChildState, settings: ProtocolSettings) -> list[Obligation]:
    """panel_referral (Haringey protocol 18.5, 11.2): a child rated Red is referred to the
    exploitation panel within 7 days of the rating. One deadline per Red assessment (with
    or without an episode), due 7 calendar days after it at the same Europe/London
    wall-clock time, met when a panel discusses the child at or after the rating.

    Reading (issue 12, decision 0013): HAR 18.5 refers the child "to ensure multi-agency
    information, intelligence and data is being gathered and all possible powers and
    options ... utilised"; a referral form that waits unread for the panel does neither,
    so the deadline is met by the discussion, not by the form. "Rated Red" is the MASH
    RAG rating; police's "high" grading is police's, not a RAG rating."""
    obligations = []
    for assessment in state.assessments:
        if assessment.rag != RED:
            continue
        discussed = _first(d for d in state.panel_discussions if d >= assessment.assessed_at)
        obligations.append(
            Obligation(
                rule="panel_referral",
                key=f"panel_referral:assessment:{assessment.id}",
                episode_id=assessment.episode_id,
                opens_at=assessment.assessed_at,
                due_at=add_calendar_days(assessment.assessed_at, settings.panel_referral_days),
                met_at=discussed,
                owner_role=TEAM_MANAGER,
                reason=f"Rated Red: refer to the exploitation panel and have the child "
                f"discussed there within {settings.panel_referral_days} days.",
            )
        )
    return obligations


def _meeting_with_trigger(
    state: ChildState, trigger: str, episode: EpisodeFact
) -> MeetingFact | None:
    meetings = [
        m
        for m in state.meetings
        if m.trigger == trigger
        and m.held_at >= episode.last_seen_at
        and m.episode_id in (None, episode.id)
    ]
    return min(meetings, key=lambda m: m.held_at) if meetings else None


def senior_review(state: ChildState, settings: ProtocolSettings) -> list[Obligation]:
    """senior_review (Haringey protocol 18.6): a child missing three months has a formal
    review by the Assistant Director, due on the last seen date + 3 calendar months.

    Readings. PROTOCOL.md gives a date, so the deadline is 00:00 Europe/London on it; a
    day that does not exist in the month is clamped to its last (last seen 30 November:
    due 28 or 29 February). Open from last seen, so the Assistant Director can plan it;
    lapses if the child returns before it falls due. Met by a meeting for this episode
    recorded with the senior review trigger."""
    obligations = []
    for episode in state.episodes:
        if episode.category != MISSING:
            continue
        due = start_of_london_day(
            add_months(london_date(episode.last_seen_at), settings.senior_review_months)
        )
        if episode.returned_at is not None and episode.returned_at < due:
            continue
        meeting = _meeting_with_trigger(state, "senior_review", episode)
        obligations.append(
            Obligation(
                rule="senior_review",
                key=f"senior_review:episode:{episode.id}",
                episode_id=episode.id,
                opens_at=episode.last_seen_at,
                due_at=due,
                met_at=meeting.held_at if meeting else None,
                strategy_meeting_id=meeting.id if meeting else None,
                owner_role=SENIOR_MANAGER,
                reason=f"Missing {settings.senior_review_months} months: formal review by the Assistant Director.",
            )
        )
    return obligations


def missing_at_eighteen(state: ChildState, settings: ProtocolSettings) -> list[Obligation]:
    """missing_at_eighteen (Haringey protocol 18.6): a child still missing at 00:00 on
    their 18th birthday has a missing child meeting to decide whether to close, due at
    that instant (a 29 February birth turns 18 on 1 March in a common year).

    Readings. Open from last seen, so the meeting can be held as the birthday approaches.
    "Still missing at 00:00" follows the episode's [last seen, return) period: a return
    at or before 00:00 lapses it, and an episode that starts at or after 00:00 is an
    adult's. Met by a meeting for this episode recorded with the missing at eighteen
    trigger."""
    obligations = []
    birthday = eighteenth_birthday_starts(state.date_of_birth)
    for episode in state.episodes:
        if episode.category != MISSING or episode.last_seen_at >= birthday:
            continue
        if episode.returned_at is not None and episode.returned_at <= birthday:
            continue
        meeting = _meeting_with_trigger(state, "missing_at_eighteen", episode)
        obligations.append(
            Obligation(
                rule="missing_at_eighteen",
                key=f"missing_at_eighteen:episode:{episode.id}",
                episode_id=episode.id,
                opens_at=episode.last_seen_at,
                due_at=birthday,
                met_at=meeting.held_at if meeting else None,
                strategy_meeting_id=meeting.id if meeting else None,
                owner_role=SENIOR_MANAGER,
                reason="Still missing at 18: a missing child meeting decides whether to close the case.",
            )
        )
    return obligations


def home_office_notice(state: ChildState, settings: ProtocolSettings) -> list[Obligation]:
    """home_office_notice (Haringey protocol 16.1-16.4): when an unaccompanied asylum-
    seeking child goes missing, the Home Office is informed within 24 hours of the
    report, and a National Referral Mechanism referral considered if trafficking is
    suspected. Missing episodes only; met when the Home Office was informed.

    Readings: the child's current UASC status. An episode reported absent (or away) that
    later becomes missing "goes missing" when it is reclassified, so its 24 hours count
    from then, not from the original report (which would make it overdue at once)."""
    if not state.is_uasc:
        return []
    window = settings.hours("home_office_notice_hours")
    obligations = []
    for episode in state.episodes:
        if episode.category != MISSING:
            continue
        opens = max(episode.reported_at, episode.became_missing_at or episode.reported_at)
        obligations.append(
            Obligation(
                rule="home_office_notice",
                key=f"home_office_notice:episode:{episode.id}",
                episode_id=episode.id,
                opens_at=opens,
                due_at=opens + window,
                met_at=episode.home_office_informed_at,
                owner_role=SOCIAL_WORKER,
                reason="Unaccompanied asylum-seeking child missing: inform the Home Office within "
                f"{window.total_seconds() / 3600:g} hours.",
            )
        )
    return obligations


def police_report_check(state: ChildState, settings: ProtocolSettings) -> list[Obligation]:
    """police_report_check (Haringey protocol 12.4, 12.6, 19.1): an episode recorded as
    missing from home with no report to police recorded is checked within 1 hour of being
    recorded (a local default; no source fixes the hour): the time the child was reported
    to police (and the incident number, where the worker has it) is recorded, or the
    worker reports it and records that. Owned by the allocated social worker, or MASH for
    an unallocated child.

    Readings. "Recorded" is when Homeward recorded the episode, not the report time a
    person typed (which may be back-dated and would make the check overdue at once). An
    episode recorded with its police report (police reported it, or the reporter said it
    was reported) opens nothing. An episode that becomes missing later (absent, then
    missing) is checked from when it became missing. Met when the police report was
    recorded, on time or late; a report recorded before the obligation opened (an absent
    episode reported to police, then reclassified) meets it at once."""
    window = settings.hours("police_report_check_hours")
    obligations = []
    for episode in state.episodes:
        if episode.category != MISSING or episode.missing_from != "home":
            continue
        recorded = episode.recorded_at or episode.reported_at
        opens = max(recorded, episode.became_missing_at or recorded)
        reported = episode.police_report_recorded_at
        if reported is not None and reported <= recorded:
            continue
        obligations.append(
            Obligation(
                rule="police_report_check",
                key=f"police_report_check:episode:{episode.id}",
                episode_id=episode.id,
                opens_at=opens,
                due_at=opens + window,
                met_at=max(reported, opens) if reported is not None else None,
                owner_role=SOCIAL_WORKER if state.is_allocated else MASH_TRIAGE,
                reason="Recorded as missing from home with no report to police: check it has "
                f"been reported (when, and the incident number) within "
                f"{window.total_seconds() / 3600:g} hour"
                f"{'' if window == dt.timedelta(hours=1) else 's'} of recording.",
            )
        )
    return obligations


def mash_threshold(state: ChildState, settings: ProtocolSettings) -> list[Obligation]:
    """mash_threshold (Haringey protocol 14.5) is a validation at triage, not a clock: see
    `mash_threshold_minimum_level`, which risk.services applies. It opens no deadline."""
    return []


RULES: dict[str, Callable[[ChildState, ProtocolSettings], list[Obligation]]] = {
    "risk_assessment": risk_assessment,
    "absent_review": absent_review,
    "manager_escalation": manager_escalation,
    "strategy_meeting": strategy_meeting,
    "strategy_discussion": strategy_discussion,
    "strategy_review": strategy_review,
    "mash_threshold": mash_threshold,
    "safe_and_well_check": safe_and_well_check,
    "return_interview": return_interview,
    "panel_referral": panel_referral,
    "senior_review": senior_review,
    "missing_at_eighteen": missing_at_eighteen,
    "home_office_notice": home_office_notice,
    "police_report_check": police_report_check,
}


def evaluate(state: ChildState, settings: ProtocolSettings) -> list[Obligation]:
    """Every obligation every rule finds in the state."""
    obligations: list[Obligation] = []
    for rule in RULES.values():
        obligations.extend(rule(state, settings))
    return obligations
