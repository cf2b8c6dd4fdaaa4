"""The sweep: due deadlines breached once, engine rules met, automatic effects, warnings."""

from __future__ import annotations

import pghistory
import pytest
import time_machine
from django.core.cache import cache

from episodes.models import Category, Reclassification
from notifications.models import Channel, Kind, Notification
from notifications.outbox import dedupe_key, write_owed_notifications
from protocol.models import Deadline, Status
from protocol.services import LAST_SWEEP_CACHE_KEY, sweep
from tests.factories import LegalStatusFactory
from tests.kit import sweep_and_write
from tests.protocol.sweep_support import HOUR, SECOND, T0, own_cache, report, returned, told

__all__ = ["own_cache"]

pytestmark = pytest.mark.usefixtures("own_cache")


@pytest.fixture
def clock():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


def sweep_at(clock, when):
    """Sweep at `when` and write the notifications it owes (a worker's job, done here)."""
    clock.move_to(when)
    return sweep_and_write()


def interview_deadline(episode) -> Deadline:
    return Deadline.objects.get(episode=episode, rule="return_interview")


def returned_child(world, clock):
    """Missing 2 hours, back at T0 + 2 h: the return interview is due at T0 + 74 h."""
    episode = report(world, last_seen_at=T0)
    clock.move_to(T0 + 2 * HOUR)
    return returned(world, episode, returned_at=T0 + 2 * HOUR)


def test_return_interview_is_open_at_71_59_59_and_breached_at_72_00_00_by_the_sweep(world, clock):
    episode = returned_child(world, clock)
    due = T0 + 2 * HOUR + 72 * HOUR
    assert interview_deadline(episode).due_at == due

    sweep_at(clock, due - SECOND)
    deadline = interview_deadline(episode)
    assert deadline.status == Status.OPEN, "one second before 72 hours the interview is not overdue"
    assert not Notification.objects.filter(deadline=deadline, kind=Kind.BREACHED).exists()

    result = sweep_at(clock, due)
    deadline = interview_deadline(episode)
    assert deadline.status == Status.BREACHED, "at exactly 72 hours the interview is overdue"
    assert deadline.breached_at == due
    assert result.breached >= 1
    assert told(kind=Kind.BREACHED, deadline=deadline) >= {"alice", "bob", "grace", "ivan"}


def test_a_breach_is_recorded_once_and_its_notifications_written_once(world, clock):
    episode = returned_child(world, clock)
    due = interview_deadline(episode).due_at
    sweep_at(clock, due)
    rows = Notification.objects.filter(
        deadline=interview_deadline(episode), kind=Kind.BREACHED
    ).count()
    assert rows > 0

    again = sweep_at(clock, due + HOUR)
    deadline = interview_deadline(episode)
    assert deadline.breached_at == due, "a second sweep leaves the breach time as first recorded"
    assert Notification.objects.filter(deadline=deadline, kind=Kind.BREACHED).count() == rows
    assert deadline.pk not in {d.pk for d in Deadline.objects.filter(breached_at=due + HOUR)}
    assert again.notifications == Notification.objects.filter(created_at=due + HOUR).count()


def test_breach_notifications_go_in_app_to_everyone_and_by_email_to_those_with_an_address(
    world, clock
):
    world.return_officer.email = ""
    world.return_officer.save(update_fields=["email"])
    episode = returned_child(world, clock)
    sweep_at(clock, interview_deadline(episode).due_at)
    deadline = interview_deadline(episode)
    assert "ivan" in told(kind=Kind.BREACHED, deadline=deadline, channel=Channel.IN_APP)
    assert "ivan" not in told(kind=Kind.BREACHED, deadline=deadline, channel=Channel.EMAIL)
    assert "alice" in told(kind=Kind.BREACHED, deadline=deadline, channel=Channel.EMAIL)
    email = Notification.objects.get(
        deadline=deadline, recipient=world.social_worker, channel=Channel.EMAIL
    )
    # E-mail names the record, never the child (decision 0017); the in-app row names them.
    assert f"record HW-{world.child.pk}" in email.subject
    assert "Jamie" not in email.subject + email.body
    # Due 11:00 UTC + 72 h = 12:00 BST on Friday 12 June 2026.
    assert "12:00 on 12 June" in email.subject
    assert email.url == f"/children/{world.child.pk}/"
    assert email.dedupe_key == dedupe_key("breached", deadline.pk, world.social_worker.pk, "email")
    assert f"/children/{world.child.pk}/" in email.body
    assert email.status == "pending"


def test_an_absent_child_not_contacted_is_reclassified_missing_at_24_hours(world, clock):
    episode = report(world, last_seen_at=T0, category="absent")
    deadline = Deadline.objects.get(episode=episode, rule="absent_review")

    sweep_at(clock, T0 + 24 * HOUR - SECOND)
    episode.refresh_from_db()
    assert episode.category == Category.ABSENT, "at 23:59:59 the child is still absent"
    assert not Reclassification.objects.filter(episode=episode).exists()

    result = sweep_at(clock, T0 + 24 * HOUR)
    episode.refresh_from_db()
    assert episode.category == Category.MISSING, "no contact in 24 hours: the child is missing"
    change = Reclassification.objects.get(episode=episode)
    assert change.reclassified_by is None, "the engine reclassified it, not a person"
    assert "Haringey protocol 6.2" in change.reason
    deadline.refresh_from_db()
    assert deadline.status == Status.BREACHED
    assert result.reclassified == 1
    told_of_it = told(kind=Kind.RECLASSIFIED, deadline=deadline)
    assert {"alice", "pc_evans"} <= told_of_it, "the worker and the police liaison officer are told"
    assert "pc_frost" not in told_of_it, "another force's officer is not"
    # The reconcile after reclassification opens the missing child's deadlines.
    assert Deadline.objects.filter(episode=episode, rule="strategy_meeting").exists()


def test_a_person_reclassifying_before_24_hours_meets_the_absent_review(world, clock):
    from episodes.services import reclassify_episode

    episode = report(world, last_seen_at=T0, category="absent")
    clock.move_to(T0 + 20 * HOUR)
    reclassify_episode(
        acting_user=world.social_worker,
        episode=episode,
        category="missing",
        reason="Concern grew: reported missing to police",
    )
    sweep_at(clock, T0 + 25 * HOUR)
    episode.refresh_from_db()
    assert episode.category == "missing"
    assert Reclassification.objects.get(episode=episode).reclassified_by == world.social_worker
    assert Deadline.objects.get(episode=episode, rule="absent_review").status == Status.MET
    assert not Notification.objects.filter(kind=Kind.RECLASSIFIED).exists()


@pytest.fixture
def looked_after(world):
    LegalStatusFactory(child=world.child, status="looked_after")
    return world


def test_manager_escalation_for_a_looked_after_child_is_met_and_notified_at_24_hours(
    looked_after, clock
):
    world = looked_after
    episode = report(world, last_seen_at=T0)
    escalation = Deadline.objects.get(episode=episode, rule="manager_escalation")
    assert escalation.status == Status.SCHEDULED

    sweep_at(clock, T0 + 24 * HOUR - SECOND)
    escalation.refresh_from_db()
    assert escalation.status == Status.SCHEDULED, "before 24 hours no one is escalated to"
    assert not Notification.objects.filter(kind=Kind.ESCALATION).exists()

    result = sweep_at(clock, T0 + 24 * HOUR)
    escalation.refresh_from_db()
    assert escalation.status == Status.MET, "the engine meets the escalation by sending it"
    assert escalation.met_at == T0 + 24 * HOUR
    assert escalation.breached_at is None
    assert result.met_by_engine == 1
    assert {"bob", "grace", "harriet"} <= told(kind=Kind.ESCALATION, deadline=escalation)
    assert "charlie" not in told(kind=Kind.ESCALATION)
    subject = Notification.objects.filter(deadline=escalation).first().subject
    assert "missing 24 hours" in subject


def test_a_return_before_24_hours_cancels_the_escalation(looked_after, clock):
    world = looked_after
    episode = report(world, last_seen_at=T0)
    clock.move_to(T0 + 23 * HOUR)
    returned(world, episode, returned_at=T0 + 23 * HOUR)
    sweep_at(clock, T0 + 24 * HOUR)
    assert (
        Deadline.objects.get(episode=episode, rule="manager_escalation").status == Status.CANCELLED
    )
    assert not Notification.objects.filter(kind=Kind.ESCALATION).exists()


def test_a_child_who_is_not_looked_after_has_no_escalation(world, clock):
    episode = report(world, last_seen_at=T0)
    sweep_at(clock, T0 + 25 * HOUR)
    assert not Deadline.objects.filter(episode=episode, rule="manager_escalation").exists()
    assert not Notification.objects.filter(kind=Kind.ESCALATION).exists()


def test_due_soon_warning_at_three_quarters_of_the_window_once(world, clock):
    episode = returned_child(world, clock)
    returned_at = T0 + 2 * HOUR
    warn_at = returned_at + 54 * HOUR  # 75% of 72 hours

    sweep_at(clock, warn_at - SECOND)
    deadline = interview_deadline(episode)
    assert deadline.due_soon_notified_at is None
    assert not Notification.objects.filter(deadline=deadline, kind=Kind.DUE_SOON).exists()

    result = sweep_at(clock, warn_at)
    deadline = interview_deadline(episode)
    assert deadline.due_soon_notified_at == warn_at
    assert result.due_soon >= 1
    warned = told(kind=Kind.DUE_SOON, deadline=deadline)
    assert warned == {"alice", "ivan"}, "the worker and the return interview officers are warned"
    rows = Notification.objects.filter(deadline=deadline, kind=Kind.DUE_SOON).count()

    sweep_at(clock, warn_at + HOUR)
    assert Notification.objects.filter(deadline=deadline, kind=Kind.DUE_SOON).count() == rows


def test_the_due_soon_fraction_is_a_setting(world, clock, settings):
    settings.PROTOCOL = {"due_soon_fraction": 0.5}
    episode = returned_child(world, clock)
    sweep_at(clock, T0 + 2 * HOUR + 36 * HOUR)
    assert interview_deadline(episode).due_soon_notified_at == T0 + 38 * HOUR


def test_scheduled_deadlines_open_when_their_time_comes(looked_after, clock):
    world = looked_after
    episode = report(world, last_seen_at=T0)
    meeting = Deadline.objects.get(episode=episode, rule="strategy_meeting")
    assert meeting.status == Status.SCHEDULED
    assert meeting.opens_at == T0 + 24 * HOUR

    sweep_at(clock, T0 + 24 * HOUR - SECOND)
    meeting.refresh_from_db()
    assert meeting.status == Status.SCHEDULED
    result = sweep_at(clock, T0 + 24 * HOUR)
    meeting.refresh_from_db()
    assert meeting.status == Status.OPEN
    assert result.opened >= 1


def test_the_sweep_records_what_each_deadline_owes_and_the_writer_writes_it_once(world, clock):
    episode = returned_child(world, clock)
    due = interview_deadline(episode).due_at
    clock.move_to(due)
    result = sweep()
    deadline = interview_deadline(episode)
    assert deadline.status == Status.BREACHED
    assert deadline.pending_notification == Kind.BREACHED, "recorded with the breach"
    assert result.notifications == 0
    assert not Notification.objects.filter(deadline=deadline).exists()

    written = write_owed_notifications()
    deadline.refresh_from_db()
    assert deadline.pending_notification == ""
    assert written == Notification.objects.filter(deadline__child=world.child).count() > 0
    assert write_owed_notifications() == 0, "written once"


def test_a_breach_undone_before_its_notifications_are_written_is_not_announced(world, clock):
    from episodes.services import update_episode

    episode = returned_child(world, clock)
    due = interview_deadline(episode).due_at
    clock.move_to(due)
    sweep()
    assert interview_deadline(episode).pending_notification == Kind.BREACHED
    # The return time is corrected to two hours later: the interview is not yet due.
    update_episode(acting_user=world.social_worker, episode=episode, returned_at=T0 + 4 * HOUR)
    assert interview_deadline(episode).breached_at is None
    write_owed_notifications()
    deadline = interview_deadline(episode)
    assert deadline.pending_notification == ""
    assert not Notification.objects.filter(deadline=deadline, kind=Kind.BREACHED).exists()


def test_the_sweep_records_its_time_and_lag_for_health(world, clock):
    episode = returned_child(world, clock)
    due = interview_deadline(episode).due_at
    result = sweep_at(clock, due + 90 * SECOND)
    assert result.lag_seconds >= 90
    recorded = cache.get(LAST_SWEEP_CACHE_KEY)
    assert recorded["last_sweep_at"] == (due + 90 * SECOND).isoformat()
    assert recorded["sweep_lag_seconds"] == result.lag_seconds
    assert sweep_at(clock, due + 120 * SECOND).lag_seconds == 0, "nothing was left behind"


def test_the_nightly_reconcile_restores_a_missed_reconcile_for_open_cases_only(world, clock):
    from protocol.tasks import reconcile_open_cases
    from tests.factories import AllocationFactory, ChildFactory

    open_episode = report(world, last_seen_at=T0)
    quiet = ChildFactory(responsible_authority=world.council)
    AllocationFactory(child=quiet, team=world.team, worker=world.social_worker)
    Deadline.objects.filter(episode=open_episode).delete()  # as if a reconcile was missed

    counts = reconcile_open_cases()
    assert counts["children"] == 1, "only the child with an open episode or deadline"
    assert counts["opened"] == Deadline.objects.filter(episode=open_episode).count() > 0
    assert counts["errors"] == 0
    assert reconcile_open_cases()["opened"] == 0, "a second run changes nothing"


def test_an_absent_looked_after_child_made_missing_at_24_hours_is_escalated_in_the_same_sweep(
    looked_after, clock
):
    world = looked_after
    episode = report(world, last_seen_at=T0, category="absent")
    assert not Deadline.objects.filter(episode=episode, rule="manager_escalation").exists()
    result = sweep_at(clock, T0 + 24 * HOUR)
    escalation = Deadline.objects.get(episode=episode, rule="manager_escalation")
    assert escalation.status == Status.MET, "opened by the reclassification, met by this sweep"
    assert result.reclassified == 1
    assert result.met_by_engine == 1
    assert {"bob", "grace", "harriet"} <= told(kind=Kind.ESCALATION, deadline=escalation)


def test_the_writers_queries_do_not_grow_with_the_deadlines_it_writes(world, clock):
    """The writer loads only the columns it reads (outbox.WRITER_FIELDS): a column read but
    not loaded would cost a query per deadline, which this counts."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    episode = returned_child(world, clock)
    deadlines = Deadline.objects.filter(child=world.child, episode=episode).order_by("pk")
    assert deadlines.count() > 2

    def queries_writing(count: int, kind: str) -> tuple[int, int]:
        Notification.objects.all().delete()
        Deadline.objects.filter(pk__in=[d.pk for d in deadlines[:count]]).update(
            pending_notification=kind, breached_at=timezone.now()
        )
        with CaptureQueriesContext(connection) as queries:
            written = write_owed_notifications()
        return len(queries), written

    for kind in (Kind.BREACHED, Kind.ESCALATION, Kind.DUE_SOON):
        one, written_one = queries_writing(1, kind)
        many, written_many = queries_writing(deadlines.count(), kind)
        assert 0 < written_one < written_many, kind
        assert many == one, kind


def test_every_outbox_row_the_writer_writes_has_its_insert_event_with_the_engine_as_actor(
    world, clock
):
    """The outbox's insert events come from a statement-level trigger (one per INSERT, not
    per row): still one event a row, with the row's values and the engine's context."""
    episode = returned_child(world, clock)
    Deadline.objects.filter(child=world.child, episode=episode).update(
        pending_notification=Kind.ESCALATION
    )
    assert write_owed_notifications() > 1
    assert write_owed_notifications() == 0, "a second writer writes nothing, and no event"
    rows = {
        row["pk"]: row
        for row in Notification.objects.values("pk", "recipient_id", "channel", "dedupe_key")
    }
    events = Notification.pgh_event_model.objects.filter(pgh_label="insert")
    assert sorted(event.pgh_obj_id for event in events) == sorted(rows)
    for event in events:
        row = rows[event.pgh_obj_id]
        assert (event.recipient_id, event.channel, event.dedupe_key) == (
            row["recipient_id"],
            row["channel"],
            row["dedupe_key"],
        )
        assert event.pgh_context.metadata == {"actor": "Homeward"}


def test_a_bulk_update_of_the_ledger_writes_one_event_per_changed_deadline_and_none_for_the_rest(
    world, clock
):
    """The ledger's update events come from a statement-level trigger (decision 0022): one
    event for each row the statement changed, with its new values and the statement's
    context, and none for a row it left as it was."""
    episode = returned_child(world, clock)
    deadlines = list(Deadline.objects.filter(child=world.child, episode=episode).order_by("pk"))
    assert len(deadlines) > 2
    Event = Deadline.pgh_event_model
    already = deadlines[0]
    Deadline.objects.filter(pk=already.pk).update(pending_notification=Kind.ESCALATION)
    before = Event.objects.filter(pgh_label="update").count()

    with pghistory.context(action="A bulk update"):
        Deadline.objects.filter(pk__in=[d.pk for d in deadlines]).update(
            pending_notification=Kind.ESCALATION
        )
    events = Event.objects.filter(pgh_label="update").order_by("pgh_id")[before:]
    assert sorted(e.pgh_obj_id for e in events) == sorted(d.pk for d in deadlines[1:]), (
        "one event per changed deadline; none for the one already marked"
    )
    assert {e.pending_notification for e in events} == {Kind.ESCALATION}
    assert {e.pgh_context.metadata["action"] for e in events} == {"A bulk update"}

    last = Event.objects.order_by("-pgh_id").values_list("pgh_id", flat=True).first()
    assert write_owed_notifications() > 0
    cleared = Event.objects.filter(pgh_id__gt=last, pgh_label="update", pending_notification="")
    assert sorted(e.pgh_obj_id for e in cleared) == sorted(d.pk for d in deadlines)
    assert {e.pgh_context.metadata["actor"] for e in cleared} == {"Homeward"}
