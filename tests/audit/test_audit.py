"""The audit trail cannot be skipped: database triggers record even bulk updates."""

from __future__ import annotations

import datetime as dt

import pghistory.models
from django.db import connection

from casework.services import report_episode
from children.models import RecordAccess
from children.services import record_access
from episodes.models import Episode


def test_a_bulk_update_of_episodes_appears_in_the_audit_trail(world):
    now = dt.datetime.now(dt.UTC)
    episode = report_episode(
        acting_user=world.social_worker,
        child=world.child,
        category="missing",
        last_seen_at=now - dt.timedelta(hours=3),
        reported_at=now - dt.timedelta(hours=2),
    )
    Episode.objects.filter(child=world.child).update(police_reference="NP-BULK-1")
    events = pghistory.models.Events.objects.tracks(episode).filter(pgh_label="update")
    assert events.filter(pgh_data__police_reference="NP-BULK-1").count() == 1


def test_a_raw_sql_change_is_recorded_too(world):
    with connection.cursor() as cursor:
        cursor.execute("update children_child set known_as = 'JJ' where id = %s", [world.child.pk])
    events = pghistory.models.Events.objects.tracks(world.child).filter(pgh_label="update")
    assert [event.pgh_data["known_as"] for event in events] == ["JJ"]


def test_opening_a_childs_record_writes_an_access_event(world):
    event = record_access(user=world.social_worker, child=world.child, via="GET /children/1/")
    assert RecordAccess.objects.get() == event
    assert (event.user, event.child, event.channel) == (world.social_worker, world.child, "web")


def test_a_change_made_through_a_page_records_who_what_and_through_which_url(world, client):
    """Through the real middleware stack (HistoryMiddleware) and the service's label: the
    row says who made the change, through which URL, and what the change was."""
    now = dt.datetime.now(dt.UTC)
    episode = report_episode(
        acting_user=world.social_worker,
        child=world.child,
        category="missing",
        last_seen_at=now - dt.timedelta(hours=3),
        reported_at=now - dt.timedelta(hours=2),
    )
    client.force_login(world.team_manager)
    url = f"/episodes/{episode.pk}/entered-in-error/"
    response = client.post(url, {"reason": "Reported for the wrong child"})
    assert response.status_code == 302
    event = (
        pghistory.models.Events.objects.tracks(episode)
        .filter(pgh_label="update", pgh_data__entered_in_error=True)
        .get()
    )
    assert event.pgh_context["user"] == world.team_manager.pk
    assert event.pgh_context["url"] == url
    assert event.pgh_context["action"] == "Episode marked entered in error"


def test_the_childs_history_reads_what_was_done_and_by_whom(world, client):
    now = dt.datetime.now(dt.UTC)
    report_episode(
        acting_user=world.social_worker,
        child=world.child,
        category="missing",
        last_seen_at=now - dt.timedelta(hours=3),
        reported_at=now - dt.timedelta(hours=2),
    )
    client.force_login(world.social_worker)
    history = client.get(f"/children/{world.child.pk}/history/").context["rows"]
    reported = [change for change in history if change.description.startswith("Episode reported")]
    assert reported, [change.description for change in history]
    assert {change.who for change in reported} == {world.social_worker.get_full_name()}
