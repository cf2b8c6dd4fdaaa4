"""The Deadline ledger: build a child's state, ask the rules, make the ledger match.

`reconcile(child)` is idempotent: a second run with nothing changed writes nothing. It
never breaches a deadline (the sweep does, with its notifications, in one transaction);
it opens, moves, meets and cancels.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone

from children.models import Allocation, Child
from episodes.models import Category, Episode, Reclassification, SafeAndWellCheck
from panels.models import PanelCase, PanelReferral, StrategyMeeting
from protocol.conf import protocol_settings
from protocol.models import Deadline, Status
from protocol.rules import (
    AssessmentFact,
    ChildState,
    EpisodeFact,
    InterviewFact,
    LegalPeriod,
    MeetingFact,
    Obligation,
    TriageFact,
    evaluate,
)
from returns.models import ReturnInterview
from risk.models import MashTriage, RiskAssessment


def build_state(child: Child) -> ChildState:
    """Everything the rules may know of `child`, in a fixed number of queries."""
    episodes = (
        Episode.objects.filter(child=child, entered_in_error=False)
        .prefetch_related(
            Prefetch(
                "reclassifications", queryset=Reclassification.objects.order_by("reclassified_at")
            ),
            Prefetch(
                "safe_and_well_checks", queryset=SafeAndWellCheck.objects.order_by("checked_at")
            ),
        )
        .order_by("last_seen_at")
    )
    episode_facts = []
    for episode in episodes:
        changes = list(episode.reclassifications.all())
        left_absent = next((c for c in changes if c.from_category == Category.ABSENT), None)
        started_as = changes[0].from_category if changes else episode.category
        became_missing = next((c for c in changes if c.to_category == Category.MISSING), None)
        ever_absent = episode.category == Category.ABSENT or any(
            Category.ABSENT in (c.from_category, c.to_category) for c in changes
        )
        checks = list(episode.safe_and_well_checks.all())
        episode_facts.append(
            EpisodeFact(
                id=episode.pk,
                category=episode.category,
                last_seen_at=episode.last_seen_at,
                reported_at=episode.reported_at,
                returned_at=episode.returned_at,
                police_risk=episode.police_risk,
                was_absent=ever_absent,
                left_absent_at=left_absent.reclassified_at if left_absent else None,
                left_absent_by_person=bool(left_absent and left_absent.reclassified_by_id),
                became_missing_at=(
                    became_missing.reclassified_at
                    if became_missing is not None and started_as != Category.MISSING
                    else None
                ),
                safe_and_well_checked_at=checks[0].checked_at if checks else None,
                home_office_informed_at=episode.home_office_informed_at,
                return_concerns=frozenset(episode.return_concerns),
                missing_from=episode.missing_from,
                recorded_at=episode.created_at,
                police_report_recorded_at=episode.police_report_recorded_at,
            )
        )
    valid_ids = {fact.id for fact in episode_facts}
    assessments = tuple(
        AssessmentFact(
            id=a.pk,
            episode_id=a.episode_id,
            rag=a.rag,
            assessed_at=a.assessed_at,
            indicators=tuple(a.indicators),
        )
        for a in RiskAssessment.objects.filter(child=child).order_by("assessed_at")
        if a.episode_id is None or a.episode_id in valid_ids
    )
    triages = tuple(
        TriageFact(id=t.pk, episode_id=t.episode_id, rag=t.rag, triaged_at=t.triaged_at)
        for t in MashTriage.objects.filter(child=child).order_by("triaged_at")
        if t.episode_id is None or t.episode_id in valid_ids
    )
    interviews = tuple(
        InterviewFact(
            id=i.pk,
            episode_ids=frozenset(c.episode_id for c in i.covered.all()),
            offered_at=i.offered_at,
            outcome=i.outcome,
            held_at=i.held_at,
            outcome_recorded_at=i.outcome_recorded_at,
        )
        for i in ReturnInterview.objects.filter(child=child).prefetch_related("covered")
    )
    meetings = tuple(
        MeetingFact(
            id=m.pk,
            kind=m.kind,
            trigger=m.trigger,
            held_at=m.held_at,
            episode_id=m.episode_id,
            concern_resolved=m.concern_resolved,
        )
        for m in StrategyMeeting.objects.filter(child=child).order_by("held_at")
    )
    return ChildState(
        child_id=child.pk,
        date_of_birth=child.date_of_birth,
        is_uasc=child.is_uasc,
        legal_statuses=tuple(
            LegalPeriod(status=s.status, start_date=s.start_date, end_date=s.end_date)
            for s in child.legal_statuses.all()
        ),
        episodes=tuple(episode_facts),
        assessments=assessments,
        triages=triages,
        interviews=interviews,
        meetings=meetings,
        panel_referrals=tuple(
            PanelReferral.objects.filter(child=child).values_list("referred_at", flat=True)
        ),
        # A referral recorded before issue 12 named no panel (`panel_kind` blank) and met
        # the deadline under the old rule: it still does, so no met deadline re-opens.
        panel_discussions=tuple(
            PanelReferral.objects.filter(child=child, panel_kind="").values_list(
                "referred_at", flat=True
            )
        )
        + tuple(
            discussed
            for discussed in PanelCase.objects.filter(child=child, discussed_at__isnull=False)
            .order_by("discussed_at")
            .values_list("discussed_at", flat=True)
            if discussed is not None
        ),
        is_allocated=Allocation.objects.filter(child=child, ended_at__isnull=True).exists(),
    )


def due_soon_at(opens_at: dt.datetime, due_at: dt.datetime, fraction: float) -> dt.datetime:
    """When the due-soon warning goes: once `fraction` of the window has passed."""
    return opens_at + (due_at - opens_at) * fraction


@dataclasses.dataclass
class ReconcileResult:
    opened: list[Deadline] = dataclasses.field(default_factory=list)
    updated: list[Deadline] = dataclasses.field(default_factory=list)
    cancelled: list[Deadline] = dataclasses.field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.opened or self.updated or self.cancelled)


def _status_for(obligation: Obligation, deadline: Deadline | None, now: dt.datetime) -> dict:
    """The fields a deadline should have for `obligation` at `now`, given what it had.

    A deadline is due at `due_at` itself (the sweep breaches `due_at <= now`), so it is met
    on time when `met_at < due_at`. Met late: a deadline the sweep breached and whose
    obligation was then met at or after its due time keeps `breached_at` and gains
    `met_at`. If the facts now say it was met before the due time (a completion recorded
    late with its true, earlier time), or the due time moved past the breach (a
    corrected return time), the breach no longer holds and `breached_at` is cleared; the
    breach and its notification stay in the history (pghistory, the outbox).
    """
    fields: dict = {}
    if obligation.met_at is not None:
        fields.update(status=Status.MET, met_at=obligation.met_at)
        if (
            deadline is not None
            and deadline.breached_at is not None
            and obligation.met_at < obligation.due_at
        ):
            fields["breached_at"] = None
        return fields
    if deadline is not None and obligation.met_by_engine and deadline.status == Status.MET:
        return {}
    # Not met (or no longer met: the interview that met it was corrected).
    fields["met_at"] = None
    if deadline is not None and deadline.breached_at is not None:
        if deadline.breached_at >= obligation.due_at:
            fields["status"] = Status.BREACHED
            return fields
        # The due time moved later than the breach (a corrected return time): the breach
        # was recorded against a time that no longer holds.
        fields["breached_at"] = None
    fields["status"] = Status.SCHEDULED if obligation.opens_at > now else Status.OPEN
    return fields


def _owner_team_id(child: Child) -> int | None:
    allocation = (
        Allocation.objects.filter(child=child, ended_at__isnull=True).order_by("started_at").first()
    )
    return allocation.team_id if allocation else None


@transaction.atomic
def reconcile(child: Child, *, now: dt.datetime | None = None) -> ReconcileResult:
    """Make the child's ledger match the rules. Locks the child's row, so two reconciles
    of one child (a web request and the nightly task) run one after the other."""
    now = now or timezone.now()
    Child.objects.select_for_update().filter(pk=child.pk).first()
    child.refresh_from_db(fields=["date_of_birth", "is_uasc"])
    settings = protocol_settings()
    obligations = {ob.key: ob for ob in evaluate(build_state(child), settings)}
    existing = {d.key: d for d in Deadline.objects.filter(child=child)}
    owner_team_id = _owner_team_id(child)
    result = ReconcileResult()
    to_create = []
    for key, obligation in obligations.items():
        deadline = existing.get(key)
        wanted = {
            "rule": obligation.rule,
            "episode_id": obligation.episode_id,
            "return_interview_id": obligation.return_interview_id,
            "strategy_meeting_id": obligation.strategy_meeting_id,
            "opens_at": obligation.opens_at,
            "due_at": obligation.due_at,
            "due_soon_at": due_soon_at(
                obligation.opens_at, obligation.due_at, settings.due_soon_fraction
            ),
            "owner_role": obligation.owner_role,
            "owner_team_id": owner_team_id,
            "reason": obligation.reason,
            "cancelled_at": None,
        }
        wanted.update(_status_for(obligation, deadline, now))
        if deadline is None:
            to_create.append(Deadline(child=child, key=key, **wanted))
            continue
        if deadline.status == Status.CANCELLED:
            wanted.setdefault(
                "status", Status.SCHEDULED if obligation.opens_at > now else Status.OPEN
            )
        if deadline.due_soon_at != wanted["due_soon_at"]:
            wanted["due_soon_notified_at"] = None
        changed = [name for name, value in wanted.items() if getattr(deadline, name) != value]
        if changed:
            for name in changed:
                setattr(deadline, name, wanted[name])
            deadline.save(update_fields=[*changed, "updated_at"])
            result.updated.append(deadline)
    if to_create:
        result.opened = Deadline.objects.bulk_create(to_create)
    for key, deadline in existing.items():
        if key not in obligations and deadline.status != Status.CANCELLED:
            deadline.status = Status.CANCELLED
            deadline.cancelled_at = now
            deadline.save(update_fields=["status", "cancelled_at", "updated_at"])
            result.cancelled.append(deadline)
    return result
