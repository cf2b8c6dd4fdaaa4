"""The sweep: due deadlines breached (or met, for the engine's own notifications), their
automatic effects applied, and everyone who must know told through the outbox.

Why a ledger and a sweep, not one Celery ETA task per deadline: ARCHITECTURE.md "How data
flows". The sweep is safe to run at any time, any number of times, on any number of
workers at once: every step claims its rows with `SELECT ... FOR UPDATE SKIP LOCKED`,
and every notification is unique on its dedupe key. A worker that was down for hours
catches up on its first sweep, and nothing fires twice.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from typing import NamedTuple

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Min, Q
from django.utils import timezone

from children.models import Child
from core.actors import ENGINE
from core.errors import ServiceError
from core.history import label_engine_transaction
from episodes.models import Category, Episode
from episodes.services import reclassify_episode
from notifications.models import Kind
from protocol.ledger import reconcile
from protocol.models import Deadline, Rule, Status

logger = logging.getLogger(__name__)

# Rules whose obligation the engine meets itself when it falls due (rules.Obligation
# `met_by_engine`): a notification, "met when sent", never breached. The ledger row does
# not store the flag, so the sweep knows them by rule id.
MET_BY_ENGINE = frozenset({Rule.MANAGER_ESCALATION})

ABSENT_TO_MISSING_REASON = (
    "No contact within 24 hours of last seen (Haringey protocol 6.2): reclassified automatically"
)

# Deadlines claimed per transaction: settings.PROTOCOL_SWEEP_BATCH_SIZE (2,500). Large
# enough that 10,000 due deadlines are a few round trips; small enough that one
# transaction's row locks stay short.

# Where /health/ finds the last sweep (django cache, Redis).
LAST_SWEEP_CACHE_KEY = "protocol:last_sweep"

DUE = Q(status__in=[Status.OPEN, Status.SCHEDULED])


@dataclasses.dataclass
class SweepResult:
    now: dt.datetime
    opened: int = 0
    breached: int = 0
    met_by_engine: int = 0
    reclassified: int = 0
    due_soon: int = 0
    # Written by the caller after the sweep (the operators' command); a worker otherwise.
    notifications: int = 0
    # Claimed but left for the next sweep: the child was locked by someone else (a
    # worker recording contact at that moment), so its automatic effect must wait.
    deferred: int = 0
    lag_seconds: float = 0.0
    seconds: float = 0.0

    @property
    def owes_notifications(self) -> bool:
        """Whether this sweep recorded notifications that are still to be written."""
        return bool(self.breached or self.met_by_engine or self.due_soon)

    def as_dict(self) -> dict:
        values = dataclasses.asdict(self)
        values["now"] = self.now.isoformat()
        return values

    def summary(self) -> str:
        return (
            f"Swept at {self.now.isoformat()} in {self.seconds:.3f} s: {self.opened} opened, "
            f"{self.breached} breached, {self.met_by_engine} met by the engine (escalations), "
            f"{self.reclassified} absent episodes reclassified missing, {self.due_soon} due-soon "
            f"warnings, {self.notifications} notifications written, {self.deferred} deferred; "
            f"lag {self.lag_seconds:.0f} s."
        )


def oldest_due_open_deadline(now: dt.datetime) -> dt.datetime | None:
    """The due time of the oldest deadline the sweep has not dealt with yet."""
    return Deadline.objects.filter(DUE, due_at__lte=now).aggregate(oldest=Min("due_at"))["oldest"]


def sweep(
    now: dt.datetime | None = None,
    *,
    batch_size: int | None = None,
) -> SweepResult:
    """One sweep of the ledger at `now` (default: the current time).

    1. Scheduled deadlines whose time has come are opened.
    2. Due deadlines are claimed in batches, one transaction each: engine-met rules are
       met (an escalation owed); the rest are breached (a breach notification owed) and
       their automatic effects applied (an absent episode becomes missing at 24 hours).
    3. Open deadlines past their due-soon time owe their warning, once.

    What each deadline owes is recorded on its row in the same UPDATE
    (`Deadline.pending_notification`); the sweep sends nothing. Its caller writes what is
    owed to the outbox once the batches have committed: the Celery task
    (notifications/tasks.py, where the whole path reads top to bottom) through a worker,
    the operators' command at once. docs/decisions/0004-sweep-and-outbox.md says why.
    """
    started = timezone.now()
    now = now or started
    batch_size = batch_size or settings.PROTOCOL_SWEEP_BATCH_SIZE
    result = SweepResult(now=now)
    oldest = oldest_due_open_deadline(now)
    result.lag_seconds = (now - oldest).total_seconds() if oldest else 0.0

    result.opened = _open_scheduled(now)
    deferred: set[int] = set()
    while _sweep_due_batch(now, batch_size, deferred, result):
        pass
    while _warn_due_soon_batch(now, batch_size, result):
        pass
    result.seconds = (timezone.now() - started).total_seconds()
    _record_sweep(result)
    return result


class Claimed(NamedTuple):
    pk: int
    rule: str
    child_id: int
    episode_id: int | None


def _claim(queryset, batch_size: int) -> list[Claimed]:
    """Lock up to `batch_size` rows of `queryset`, skipping rows another sweep (or a
    reconcile in a web request) holds: they are theirs, or ours next minute.

    Only the ids and the rule come back: building 10,000 model instances (with their
    datetimes) would cost more than the rest of the sweep together."""
    rows = (
        queryset.select_for_update(skip_locked=True)
        .order_by("due_at", "pk")
        .values_list("pk", "rule", "child_id", "episode_id")[:batch_size]
    )
    return [Claimed(*row) for row in rows]


@transaction.atomic
def _open_scheduled(now: dt.datetime) -> int:
    """Scheduled deadlines whose opening time has passed, not yet due, become open."""
    ids = list(
        Deadline.objects.select_for_update(skip_locked=True)
        .filter(status=Status.SCHEDULED, opens_at__lte=now, due_at__gt=now)
        .values_list("pk", flat=True)
    )
    if not ids:
        return 0
    label_engine_transaction()
    return Deadline.objects.filter(pk__in=ids).update(status=Status.OPEN, updated_at=now)


@transaction.atomic
def _sweep_due_batch(
    now: dt.datetime, batch_size: int, deferred: set[int], result: SweepResult
) -> bool:
    """Claim one batch of due deadlines and deal with it. False when none are left."""
    batch = _claim(
        Deadline.objects.filter(DUE, due_at__lte=now).exclude(pk__in=deferred), batch_size
    )
    if not batch:
        return False
    label_engine_transaction()

    # An absent episode's breach reclassifies it (Haringey protocol 6.2), which locks the
    # episode and the child. Lock them now, skipping any a person is changing at this
    # moment: waiting could deadlock with that person's service (which locks the episode,
    # then the child); their deadline keeps for the next sweep.
    absent = [d for d in batch if d.rule == Rule.ABSENT_REVIEW and d.episode_id]
    if absent:
        locked_children = set(
            Child.objects.select_for_update(skip_locked=True)
            .filter(pk__in={d.child_id for d in absent})
            .values_list("pk", flat=True)
        )
        locked_episodes = set(
            Episode.objects.select_for_update(skip_locked=True)
            .filter(pk__in={d.episode_id for d in absent})
            .values_list("pk", flat=True)
        )
        waiting = {
            d.pk
            for d in absent
            if d.child_id not in locked_children or d.episode_id not in locked_episodes
        }
        if waiting:
            deferred |= waiting
            result.deferred += len(waiting)
            batch = [d for d in batch if d.pk not in waiting]
            absent = [d for d in absent if d.pk not in waiting]

    met = [d for d in batch if d.rule in MET_BY_ENGINE]
    breached = [d for d in batch if d.rule not in MET_BY_ENGINE]
    # Each UPDATE records the outcome and the notifications it owes in one statement.
    if met:
        Deadline.objects.filter(pk__in=[d.pk for d in met]).update(
            status=Status.MET, met_at=now, pending_notification=Kind.ESCALATION, updated_at=now
        )
    if breached:
        Deadline.objects.filter(pk__in=[d.pk for d in breached]).update(
            status=Status.BREACHED,
            breached_at=now,
            pending_notification=Kind.BREACHED,
            updated_at=now,
        )
    result.met_by_engine += len(met)
    result.breached += len(breached)

    reclassified = [
        d.pk for d in absent if d.episode_id and _reclassify_absent_as_missing(d.episode_id)
    ]
    if reclassified:
        Deadline.objects.filter(pk__in=reclassified).update(pending_notification=Kind.RECLASSIFIED)
    result.reclassified += len(reclassified)
    return True


def _reclassify_absent_as_missing(episode_id: int) -> bool:
    """absent_review breached (Haringey protocol 6.2): the episode becomes missing, by the
    engine (acting_user ENGINE). The breach stands whatever happens here."""
    episode = Episode.objects.get(pk=episode_id)
    if (
        episode.category != Category.ABSENT
        or episode.returned_at is not None
        or episode.entered_in_error
    ):
        return False
    try:
        with transaction.atomic():
            reclassify_episode(
                acting_user=ENGINE,
                episode=episode,
                category=Category.MISSING,
                reason=ABSENT_TO_MISSING_REASON,
            )
    except ServiceError as error:
        logger.warning("Could not reclassify episode %s as missing: %s", episode.pk, error.message)
        return False
    return True


@transaction.atomic
def _warn_due_soon_batch(now: dt.datetime, batch_size: int, result: SweepResult) -> bool:
    """Open deadlines past their due-soon time and not yet due: warn once."""
    batch = _claim(
        Deadline.objects.filter(
            status=Status.OPEN,
            due_soon_at__lte=now,
            due_at__gt=now,
            due_soon_notified_at__isnull=True,
        ),
        batch_size,
    )
    if not batch:
        return False
    label_engine_transaction()
    Deadline.objects.filter(pk__in=[d.pk for d in batch]).update(
        due_soon_notified_at=now, pending_notification=Kind.DUE_SOON, updated_at=now
    )
    result.due_soon += len(batch)
    return True


def _record_sweep(result: SweepResult) -> None:
    """For /health/: when the last sweep ran and how far behind it was. Best effort: a
    sweep is not undone because Redis is down."""
    try:
        cache.set(
            LAST_SWEEP_CACHE_KEY,
            {"last_sweep_at": result.now.isoformat(), "sweep_lag_seconds": result.lag_seconds},
            timeout=None,
        )
    except Exception:  # Redis unreachable: /health/ says so separately
        logger.warning("Could not record the sweep in the cache", exc_info=True)


def last_sweep() -> dict | None:
    return cache.get(LAST_SWEEP_CACHE_KEY)


@dataclasses.dataclass
class ReconcileOpenCasesResult:
    children: int = 0
    opened: int = 0
    updated: int = 0
    cancelled: int = 0
    errors: int = 0


def reconcile_open_cases(*, now: dt.datetime | None = None) -> ReconcileOpenCasesResult:
    """The nightly safety net: reconcile every child with an open episode or an open or
    scheduled deadline. One transaction per child, so one bad record stops nothing."""
    result = ReconcileOpenCasesResult()
    open_episode_children = Episode.objects.filter(
        returned_at__isnull=True, entered_in_error=False
    ).values("child_id")
    open_deadline_children = Deadline.objects.filter(DUE).values("child_id")
    children = Child.objects.filter(
        Q(pk__in=open_episode_children) | Q(pk__in=open_deadline_children)
    ).order_by("pk")
    for child in children.iterator(chunk_size=500):
        try:
            outcome = reconcile(child, now=now)
        except Exception:  # logged and counted; the rest of the night's work goes on
            logger.exception("Nightly reconcile failed for child %s", child.pk)
            result.errors += 1
            continue
        result.children += 1
        result.opened += len(outcome.opened)
        result.updated += len(outcome.updated)
        result.cancelled += len(outcome.cancelled)
    return result


def sweep_interval() -> dt.timedelta:
    return dt.timedelta(seconds=settings.PROTOCOL_SWEEP_INTERVAL_SECONDS)


# /health/ says the sweep is stale when its last run is older than this many intervals
# (one missed beat is noise; three is a stopped beat or worker).
STALE_AFTER_INTERVALS = 3
# ... and a due deadline is late when it has waited more than this many intervals: one for
# the beat (a deadline falling due just after a sweep waits for the next) and one for the
# sweep to be taken from its queue and run. With one, a 15-second interval flapped 503
# whenever a sweep started a moment late.
DUE_WAIT_INTERVALS = 2


def health(now: dt.datetime | None = None) -> tuple[bool, dict]:
    """For /health/: can we reach PostgreSQL and Redis, and is the sweep keeping up?

    Unhealthy (503) when PostgreSQL or Redis cannot be reached, when the last recorded
    sweep is older than STALE_AFTER_INTERVALS sweep intervals, or when a due deadline has
    waited unswept for more than DUE_WAIT_INTERVALS intervals (the sweep should have taken it by then,
    whatever the cache remembers). `problems` says which, in words.

    Returns (healthy, report). Never raises: a failing check is reported as "error",
    without details (the page is public; the logs have them). No case data.
    """
    now = now or timezone.now()
    interval = sweep_interval()
    report: dict = {
        "status": "ok",
        "database": "ok",
        "redis": "ok",
        "last_sweep_at": None,
        "sweep_lag_seconds": None,
        "oldest_due_open_deadline": None,
        "sweep_interval_seconds": interval.total_seconds(),
        "problems": [],
    }
    problems: list[str] = report["problems"]
    try:
        oldest = oldest_due_open_deadline(now)
        report["oldest_due_open_deadline"] = oldest.isoformat() if oldest else None
        if oldest is not None and oldest < now - DUE_WAIT_INTERVALS * interval:
            waited = (now - oldest).total_seconds()
            problems.append(
                f"A due deadline has waited {waited:.0f} seconds unswept (more than "
                f"{DUE_WAIT_INTERVALS} sweep intervals of {interval.total_seconds():g} seconds)."
            )
    except Exception:  # the database is down or refusing us
        logger.exception("Health check: database unavailable")
        report["database"] = "error"
        problems.append("The database cannot be reached.")
    try:
        cache.set("protocol:health", now.isoformat(), timeout=60)
        recorded = last_sweep() or {}
        report["last_sweep_at"] = recorded.get("last_sweep_at")
        report["sweep_lag_seconds"] = recorded.get("sweep_lag_seconds")
    except Exception:  # Redis is down
        logger.warning("Health check: Redis unavailable", exc_info=True)
        report["redis"] = "error"
        problems.append("Redis (the cache and the Celery broker) cannot be reached.")
    if report["last_sweep_at"]:
        since = now - dt.datetime.fromisoformat(report["last_sweep_at"])
        if since > STALE_AFTER_INTERVALS * interval:
            problems.append(
                f"The last sweep ran {since.total_seconds():.0f} seconds ago, more than "
                f"{STALE_AFTER_INTERVALS} sweep intervals of {interval.total_seconds():g} seconds."
            )
    healthy = not problems
    report["status"] = "ok" if healthy else "unhealthy"
    return healthy, report
