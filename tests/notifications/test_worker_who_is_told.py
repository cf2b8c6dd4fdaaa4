"""A real Celery worker and beat: an out-of-area child reported missing and then returned
produces the report, the return and the host authority's messages, once each."""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter

import pytest
from django.utils import timezone

from episodes.services import record_return
from notifications.models import Channel, DeliveryStatus, Kind, Notification
from tests.factories import LegalStatusFactory, PlacementFactory
from tests.notifications.backends import sent_mail
from tests.protocol.sweep_support import report
from tests.protocol.test_worker import celery

__all__ = ["celery"]

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

# Alice (worker), Bob (manager), Hugo (head of service), Grace (placing authority's Missing
# Co-ordinator) and Hana (the host authority's).
TOLD = {"alice", "bob", "hugo", "grace", "hana"}


def _sent(kind: str) -> bool:
    rows = Notification.objects.filter(kind=kind)
    return rows.count() == 2 * len(TOLD) and not rows.exclude(status=DeliveryStatus.SENT).exists()


def test_an_out_of_area_child_missing_and_back_is_announced_once_each_by_the_worker(world, celery):
    LegalStatusFactory(child=world.child, status="looked_after", start_date=dt.date(2020, 1, 1))
    PlacementFactory(
        child=world.child,
        placing_authority=world.council,
        host_authority=world.other_council,
        start_date=dt.date(2025, 1, 1),
    )
    celery.start()
    episode = report(world, last_seen_at=timezone.now() - dt.timedelta(minutes=30))
    celery.wait_until(lambda: _sent(Kind.EPISODE_REPORTED), "the report is announced and sent")
    record_return(acting_user=world.social_worker, episode=episode, returned_at=timezone.now())
    celery.wait_until(lambda: _sent(Kind.CHILD_RETURNED), "the return is announced and sent")
    time.sleep(3)  # more sweeps and deliveries: nothing more may be written or sent

    for kind in (Kind.EPISODE_REPORTED, Kind.CHILD_RETURNED):
        rows = Notification.objects.filter(episode=episode, kind=kind)
        assert set(rows.values_list("recipient__username", flat=True)) == TOLD
        per_person = Counter(rows.values_list("recipient__username", "channel"))
        assert set(per_person.values()) == {1}, f"each told once of {kind}"
    host_emails = Notification.objects.filter(
        episode=episode, recipient=world.host_coordinator, channel=Channel.EMAIL
    )
    assert sorted(host_emails.values_list("kind", flat=True)) == ["reported", "returned"]
    mail = Counter(m["X-Homeward-Notification"] for m in sent_mail(celery.mail))
    for row in Notification.objects.filter(episode=episode, channel=Channel.EMAIL):
        assert mail[str(row.pk)] == 1, f"e-mail {row.pk} ({row.kind} to {row.recipient}) sent once"
    assert not Notification.objects.filter(recipient=world.third_coordinator).exists()
