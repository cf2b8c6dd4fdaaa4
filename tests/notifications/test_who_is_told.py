"""PROTOCOL.md "Who is told" (Haringey protocol 15.1, 15.2, 17, 18.5, 18.6), row by row,
with EXACT recipient sets: each recipient once, through the outbox, and nobody else (in
particular nobody at a third authority)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from children.services import link_practitioner
from episodes.services import mark_entered_in_error, record_return
from notifications.announcements import announce_moments
from notifications.delivery import deliver_pending
from notifications.models import Channel, DeliveryStatus, Kind, Notification
from protocol.models import Deadline, Rule
from tests.factories import LegalStatusFactory, PlacementFactory
from tests.kit import sweep_and_write
from tests.protocol.sweep_support import own_cache, report, told

__all__ = ["own_cache"]

pytestmark = pytest.mark.usefixtures("own_cache")

HOUR = dt.timedelta(hours=1)
# The child's own people: allocated worker (alice) and team manager (bob).
OWN = {"alice", "bob"}
# A looked-after child's report adds the linked IRO (irene) and the head of service (hugo).
LOOKED_AFTER = OWN | {"irene", "hugo"}
PARTNERS = {"nina", "sam", "yusuf", "rosa"}


def looked_after(world):
    LegalStatusFactory(child=world.child, status="looked_after", start_date=dt.date(2020, 1, 1))


def placed_out_of_area(world):
    PlacementFactory(
        child=world.child,
        placing_authority=world.council,
        host_authority=world.other_council,
        start_date=dt.date(2025, 1, 1),
    )


def link_everyone(world):
    for person, role in [
        (world.iro, "independent_reviewing_officer"),
        (world.health_professional, "health_named_professional"),
        (world.school_lead, "school_safeguarding_lead"),
        (world.youth_justice, "youth_justice"),
        (world.return_provider, "return_interview_provider"),
    ]:
        link_practitioner(
            acting_user=world.social_worker, child=world.child, user=person, role=role
        )


def missing(world, **extra):
    return report(world, last_seen_at=timezone.now() - HOUR, **extra)


def reported_to(episode, channel=Channel.IN_APP) -> set[str]:
    return told(kind=Kind.EPISODE_REPORTED, episode=episode, channel=channel)


def returned_to(episode, channel=Channel.IN_APP) -> set[str]:
    return told(kind=Kind.CHILD_RETURNED, episode=episode, channel=channel)


def test_a_looked_after_childs_report_tells_worker_manager_iro_and_head_of_service(world):
    looked_after(world)
    link_everyone(world)
    episode = missing(world)
    announce_moments()
    assert reported_to(episode) == LOOKED_AFTER
    assert reported_to(episode, Channel.EMAIL) == LOOKED_AFTER  # everyone has an address


def test_a_child_in_need_report_tells_only_the_childs_own_worker_and_manager(world):
    link_everyone(world)
    episode = missing(world)
    announce_moments()
    assert reported_to(episode) == OWN


def test_a_child_on_a_protection_plan_report_tells_the_linked_child_protection_adviser(world):
    LegalStatusFactory(child=world.child, status="child_protection", start_date=dt.date(2020, 1, 1))
    link_everyone(world)
    episode = missing(world)
    announce_moments()
    assert reported_to(episode) == OWN | {"irene"}


def test_an_iro_not_linked_to_the_child_is_not_told(world):
    looked_after(world)
    episode = missing(world)
    announce_moments()
    assert reported_to(episode) == OWN | {"hugo"}


def test_24_hours_tells_the_manager_coordinator_and_assistant_director(world):
    looked_after(world)
    link_everyone(world)
    placed_out_of_area(world)
    start = timezone.now() - 2 * HOUR
    with time_machine.travel(start, tick=False):
        episode = report(world, last_seen_at=start - 22 * HOUR, reported_at=start)
    with time_machine.travel(start + 2 * HOUR + dt.timedelta(seconds=1), tick=False):
        sweep_and_write()
    escalation = Deadline.objects.get(episode=episode, rule=Rule.MANAGER_ESCALATION)
    # HAR 15.1, 18.6: team manager, Missing Co-ordinator, Assistant Director; the allocated
    # worker is told of every deadline of their child (decision 0018).
    assert told(deadline=escalation) == {"alice", "bob", "grace", "harriet"}


def test_an_out_of_area_child_tells_the_host_and_placing_coordinators_and_no_third_authority(
    world,
):
    looked_after(world)
    link_everyone(world)
    placed_out_of_area(world)
    episode = missing(world)
    announce_moments()
    assert reported_to(episode) == LOOKED_AFTER | {"grace", "hana"}
    assert "tom" not in told(episode=episode)


def test_an_in_area_placement_tells_no_coordinator(world):
    looked_after(world)
    PlacementFactory(child=world.child, start_date=dt.date(2025, 1, 1))
    episode = missing(world)
    announce_moments()
    assert reported_to(episode) == OWN | {"hugo"}


def test_a_high_risk_child_tells_the_linked_partner_agencies(world):
    looked_after(world)
    link_everyone(world)
    episode = missing(world, police_risk="high")
    announce_moments()
    assert reported_to(episode) == LOOKED_AFTER | PARTNERS


def test_partners_are_not_told_of_a_child_who_is_not_high_risk(world):
    link_everyone(world)
    episode = missing(world, police_risk="medium")
    announce_moments()
    assert reported_to(episode) == OWN


def test_the_return_tells_everyone_told_at_the_report_once(world):
    looked_after(world)
    link_everyone(world)
    placed_out_of_area(world)
    episode = missing(world, police_risk="high")
    announce_moments()
    everyone = LOOKED_AFTER | {"grace", "hana"} | PARTNERS
    assert reported_to(episode) == everyone
    record_return(acting_user=world.social_worker, episode=episode, returned_at=timezone.now())
    announce_moments()
    announce_moments()  # a second run announces nothing twice
    assert returned_to(episode) == everyone
    assert Notification.objects.filter(
        episode=episode, kind=Kind.CHILD_RETURNED
    ).count() == 2 * len(everyone)
    assert Notification.objects.filter(
        episode=episode, kind=Kind.EPISODE_REPORTED
    ).count() == 2 * len(everyone)


def test_the_return_reaches_someone_told_at_the_report_who_is_no_longer_allocated(world):
    looked_after(world)
    episode = missing(world)
    announce_moments()
    world.child.allocations.update(ended_at=timezone.now())
    record_return(acting_user=world.team_manager, episode=episode, returned_at=timezone.now())
    announce_moments()
    assert returned_to(episode) == {"alice", "bob", "hugo"}


def test_a_child_back_before_the_report_is_announced_gets_only_the_return(world):
    looked_after(world)
    episode = missing(world)
    record_return(acting_user=world.social_worker, episode=episode, returned_at=timezone.now())
    announce_moments()
    assert reported_to(episode) == set()
    assert returned_to(episode) == OWN | {"hugo"}


def test_an_episode_entered_in_error_is_not_announced(world):
    episode = missing(world)
    mark_entered_in_error(acting_user=world.team_manager, episode=episode, reason="Wrong child")
    announce_moments()
    assert told(episode=episode) == set()


def test_a_report_email_is_withdrawn_if_the_child_is_back_before_delivery(world):
    episode = missing(world)
    announce_moments()
    record_return(acting_user=world.social_worker, episode=episode, returned_at=timezone.now())
    deliver_pending()
    statuses = set(
        Notification.objects.filter(episode=episode, kind=Kind.EPISODE_REPORTED).values_list(
            "status", flat=True
        )
    )
    assert statuses == {DeliveryStatus.WITHDRAWN}
    assert (
        set(
            Notification.objects.filter(episode=episode, kind=Kind.CHILD_RETURNED).values_list(
                "status", flat=True
            )
        )
        == set()
    ), "the return is announced by the next run, not delivered yet"


def test_links_to_the_episode_use_site_url(world, settings):
    settings.SITE_URL = "https://homeward.example.invalid"
    episode = missing(world)
    announce_moments()
    row = Notification.objects.filter(episode=episode, recipient=world.social_worker).first()
    assert row is not None
    assert f"https://homeward.example.invalid/episodes/{episode.pk}/" in row.body


def test_the_protocol_page_lists_who_is_told_with_the_sources(world, client):
    client.force_login(world.social_worker)
    page = client.get("/protocol/").content.decode()
    assert 'id="protocol-who-is-told"' in page
    for source in (
        "Haringey protocol 15.1",
        "Haringey protocol 15.1, 18.6",
        "Haringey protocol 15.2, 17.2 to 17.4",
        "Haringey protocol 18.5",
    ):
        assert source in page
    assert "Police report check" in page and "Haringey protocol 12.4, 12.6, 19.1" in page


def test_partners_are_told_of_a_child_whose_latest_rating_is_red_and_not_of_an_older_red(
    world,
):
    from risk.services import record_risk_assessment

    link_everyone(world)
    now = timezone.now()
    rate = {"acting_user": world.social_worker, "child": world.child, "threshold_level": 3}
    record_risk_assessment(**rate, rag="red", rationale="Exploitation", assessed_at=now - 5 * HOUR)
    record_risk_assessment(**rate, rag="green", assessed_at=now - 4 * HOUR)
    first = missing(world)
    announce_moments()
    assert reported_to(first) == OWN, "the latest rating is Green"
    record_return(acting_user=world.social_worker, episode=first, returned_at=now)
    record_risk_assessment(**rate, rag="red", rationale="Exploitation again", assessed_at=now)
    second = report(world, last_seen_at=timezone.now())
    announce_moments()
    assert reported_to(second) == OWN | PARTNERS
