"""Legal status over time and placements: add, end, correct, back-dated, through the
services and the pages; the protocol re-runs, so a back-dated looked-after status opens
the escalation it implies."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from pghistory.models import Events

from casework.services import report_episode
from children.models import LegalStatus, Placement
from children.services import (
    add_legal_status,
    correct_legal_status,
    correct_placement,
    create_child,
    end_legal_status,
    end_placement,
    start_placement,
)
from core.clock import LONDON
from core.errors import Conflict, NotAllowed, Refused
from protocol.models import Deadline

# Wednesday 10 June 2026, 13:00 BST.
NOW = dt.datetime(2026, 6, 10, 12, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 6, 10)
YESTERDAY = dt.date(2026, 6, 9)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _escalations(child) -> list[Deadline]:
    return list(Deadline.objects.filter(child=child, rule="manager_escalation"))


def _added_today_as_looked_after_after_going_missing_yesterday(world):
    """The issue's case: a child first recorded today, as looked after (from today), who
    went missing from their placement yesterday evening."""
    child = create_child(
        acting_user=world.social_worker,
        given_name="Riley",
        family_name="Example",
        date_of_birth=dt.date(2011, 2, 3),
        responsible_authority=world.council,
        legal_status="looked_after",
        team=world.team,
        worker=world.social_worker,
    )
    report_episode(
        acting_user=world.social_worker,
        child=child,
        category="missing",
        last_seen_at=dt.datetime(2026, 6, 9, 20, 0, tzinfo=LONDON),
    )
    return child


def test_a_looked_after_status_from_today_opens_no_escalation_for_yesterdays_episode(world):
    child = _added_today_as_looked_after_after_going_missing_yesterday(world)
    assert _escalations(child) == [], "looked after only from today: not on the day last seen"


def test_correcting_the_start_back_to_the_day_last_seen_opens_the_24_hour_escalation(world):
    child = _added_today_as_looked_after_after_going_missing_yesterday(world)
    period = LegalStatus.objects.get(child=child)
    correct_legal_status(
        acting_user=world.social_worker,
        legal_status=period,
        status="looked_after",
        start_date=YESTERDAY,
        end_date=None,
    )
    (escalation,) = _escalations(child)
    assert escalation.due_at == dt.datetime(2026, 6, 10, 20, 0, tzinfo=LONDON)
    assert escalation.status in ("open", "scheduled")


def test_adding_a_status_before_one_recorded_later_points_at_the_correction(world):
    child = _added_today_as_looked_after_after_going_missing_yesterday(world)
    with pytest.raises(Conflict) as refused:
        add_legal_status(
            acting_user=world.social_worker,
            child=child,
            status="looked_after",
            start_date=YESTERDAY,
        )
    assert "correct that period's start date instead" in refused.value.message
    assert child.legal_statuses.get().start_date == TODAY


def test_adding_a_back_dated_looked_after_status_opens_the_escalation(world):
    child = world.child
    report_episode(
        acting_user=world.social_worker,
        child=child,
        category="missing",
        last_seen_at=dt.datetime(2026, 6, 9, 20, 0, tzinfo=LONDON),
    )
    assert _escalations(child) == []
    add_legal_status(
        acting_user=world.social_worker,
        child=child,
        status="looked_after",
        start_date=dt.date(2026, 5, 1),
    )
    assert len(_escalations(child)) == 1
    # Both sides of the boundary: from the day after last seen, no escalation.
    period = LegalStatus.objects.get(child=child)
    correct_legal_status(
        acting_user=world.social_worker,
        legal_status=period,
        status="looked_after",
        start_date=TODAY,
        end_date=None,
    )
    assert all(deadline.status == "cancelled" for deadline in _escalations(child))


def test_a_new_status_ends_the_one_open_on_its_start_date_the_day_before(world):
    add_legal_status(
        acting_user=world.social_worker,
        child=world.child,
        status="child_in_need",
        start_date=dt.date(2025, 1, 1),
    )
    add_legal_status(
        acting_user=world.social_worker,
        child=world.child,
        status="care_leaver",
        start_date=dt.date(2026, 3, 1),
    )
    periods = list(world.child.legal_statuses.order_by("start_date"))
    assert [(p.status, p.end_date) for p in periods] == [
        ("child_in_need", dt.date(2026, 2, 28)),
        ("care_leaver", None),
    ]
    add_legal_status(
        acting_user=world.social_worker, child=world.child, status="none", start_date=TODAY
    )
    assert world.child.legal_statuses.get(status="care_leaver").end_date == YESTERDAY
    history = Events.objects.references(world.child).filter(pgh_model="children.LegalStatusEvent")
    assert history.count() >= 4, "every add and end is in the history"


def test_an_overlapping_future_or_inverted_period_is_refused_and_nothing_changes(world):
    add_legal_status(
        acting_user=world.social_worker,
        child=world.child,
        status="child_in_need",
        start_date=dt.date(2026, 1, 1),
        end_date=dt.date(2026, 3, 31),
    )
    with pytest.raises(Conflict):
        add_legal_status(
            acting_user=world.social_worker,
            child=world.child,
            status="looked_after",
            start_date=dt.date(2025, 12, 1),
            end_date=dt.date(2026, 1, 15),
        )
    with pytest.raises(Refused):
        add_legal_status(
            acting_user=world.social_worker,
            child=world.child,
            status="looked_after",
            start_date=TODAY + dt.timedelta(days=1),
        )
    ended = world.child.legal_statuses.get()
    with pytest.raises(Conflict):
        end_legal_status(acting_user=world.social_worker, legal_status=ended, end_date=TODAY)
    open_period = add_legal_status(
        acting_user=world.social_worker,
        child=world.child,
        status="looked_after",
        start_date=dt.date(2026, 4, 1),
    )
    assert open_period is not None
    with pytest.raises(Refused):
        end_legal_status(
            acting_user=world.social_worker, legal_status=open_period, end_date=dt.date(2026, 3, 1)
        )
    assert world.child.legal_statuses.get(pk=open_period.pk).end_date is None
    assert world.child.legal_statuses.count() == 2


def test_police_and_the_senior_manager_may_not_change_legal_status(world):
    for user in (world.police_liaison, world.senior_manager, world.return_officer):
        with pytest.raises(NotAllowed):
            add_legal_status(
                acting_user=user, child=world.child, status="looked_after", start_date=TODAY
            )


def test_the_legal_status_page_adds_a_back_dated_status_and_shows_errors(client, world):
    client.force_login(world.social_worker)
    url = reverse("children:legal_status", args=[world.child.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "status": "looked_after",
            "start_date_day": "1",
            "start_date_month": "5",
            "start_date_year": "2026",
        },
    )
    assert response.status_code == 302
    period = world.child.legal_statuses.get()
    assert (period.status, period.start_date) == ("looked_after", dt.date(2026, 5, 1))
    response = client.post(
        url,
        {
            "status": "child_in_need",
            "start_date_day": "31",
            "start_date_month": "2",
            "start_date_year": "2026",
        },
    )
    assert response.status_code == 200 and "must be a real date" in response.content.decode()
    correct = reverse("children:legal_status_correct", args=[world.child.pk, period.pk])
    page = client.get(url).content.decode()
    assert correct in page
    response = client.post(
        correct,
        {
            "status": "looked_after",
            "start_date_day": "2",
            "start_date_month": "5",
            "start_date_year": "2026",
            "end_date_day": "3",
            "end_date_month": "6",
            "end_date_year": "2026",
        },
    )
    assert response.status_code == 302
    period.refresh_from_db()
    assert (period.start_date, period.end_date) == (dt.date(2026, 5, 2), dt.date(2026, 6, 3))


def test_the_legal_status_page_answers_403_to_police_and_404_to_strangers(client, world):
    url = reverse("children:legal_status", args=[world.child.pk])
    client.force_login(world.other_social_worker)
    assert client.get(url).status_code == 404
    client.force_login(world.senior_manager)
    assert client.get(url).status_code == 403


# --- Placements ---------------------------------------------------------------------------


def _placement(world, **overrides) -> Placement:
    fields = {
        "acting_user": world.social_worker,
        "child": world.child,
        "kind": "residential",
        "placing_authority": world.council,
        "host_authority": world.other_council,
        "start_date": dt.date(2026, 1, 10),
        "name": "Oak House",
        "provider": "Example Care Ltd",
        "postcode": "n22 8hq",
    }
    fields.update(overrides)
    return start_placement(**fields)


def test_a_placement_is_started_corrected_and_ended_with_its_postcode_normalised(world):
    placement = _placement(world)
    assert (placement.postcode, placement.provider, placement.is_out_of_area) == (
        "N22 8HQ",
        "Example Care Ltd",
        True,
    )
    correct_placement(
        acting_user=world.social_worker,
        placement=placement,
        host_authority=world.council,
        start_date=dt.date(2026, 1, 9),
    )
    placement.refresh_from_db()
    assert (placement.start_date, placement.is_out_of_area) == (dt.date(2026, 1, 9), False)
    end_placement(acting_user=world.social_worker, placement=placement, end_date=YESTERDAY)
    assert Placement.objects.get(pk=placement.pk).end_date == YESTERDAY


def test_a_later_placement_ends_the_one_before_and_a_bad_postcode_is_refused(world):
    first = _placement(world)
    _placement(world, kind="foster", start_date=dt.date(2026, 4, 1), postcode="")
    first.refresh_from_db()
    assert first.end_date == dt.date(2026, 3, 31)
    with pytest.raises(Refused) as refused:
        _placement(world, start_date=TODAY, postcode="NOT A POSTCODE")
    assert refused.value.field == "postcode"
    assert world.child.placements.count() == 2


def test_the_missing_from_default_follows_the_placement_on_the_date_last_seen(world):
    """A child at home until yesterday and in foster care from today, last seen yesterday,
    is missing from home; one last seen today is missing from the placement."""
    _placement(world, kind="home", start_date=dt.date(2026, 1, 1), postcode="")
    _placement(world, kind="foster", start_date=TODAY, postcode="")
    from episodes.services import record_return

    yesterday = report_episode(
        acting_user=world.social_worker,
        child=world.child,
        category="missing",
        last_seen_at=dt.datetime(2026, 6, 9, 18, 0, tzinfo=LONDON),
    )
    assert yesterday.missing_from == "home"
    record_return(
        acting_user=world.social_worker,
        episode=yesterday,
        returned_at=dt.datetime(2026, 6, 10, 9, 0, tzinfo=LONDON),
    )
    today = report_episode(
        acting_user=world.social_worker,
        child=world.child,
        category="missing",
        last_seen_at=dt.datetime(2026, 6, 10, 11, 0, tzinfo=LONDON),
    )
    assert (today.missing_from, today.placement is not None) == ("placement", True)


def test_the_report_form_left_empty_takes_missing_from_from_the_placement_that_day(client, world):
    _placement(world, kind="foster", start_date=dt.date(2026, 1, 1), postcode="")
    _placement(world, kind="home", start_date=TODAY, postcode="")
    client.force_login(world.social_worker)
    response = client.post(
        reverse("episodes:report", args=[world.child.pk]),
        {
            "last_seen_day": "9",
            "last_seen_month": "6",
            "last_seen_year": "2026",
            "last_seen_time": "21:00",
            "last_seen_location": "The foster home",
            "category": "missing",
            "reported_to_police": "no",
        },
    )
    assert response.status_code == 302
    episode = world.child.episodes.get()
    assert episode.missing_from == "placement", "in foster care on the day last seen"
    assert episode.placement is not None and episode.placement.kind == "foster"


def test_the_placements_page_records_and_corrects(client, world):
    client.force_login(world.team_manager)
    url = reverse("children:placements", args=[world.child.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "kind": "foster",
            "name": "The Carers",
            "provider": "Northwick Fostering",
            "address": "",
            "postcode": "N22 8HQ",
            "placing_authority": world.council.pk,
            "host_authority": world.council.pk,
            "start_date_day": "1",
            "start_date_month": "6",
            "start_date_year": "2026",
        },
    )
    assert response.status_code == 302
    placement = world.child.placements.get()
    assert (placement.kind, placement.provider) == ("foster", "Northwick Fostering")
    end = reverse("children:placement_end", args=[world.child.pk, placement.pk])
    response = client.post(
        end, {"end_date_day": "1", "end_date_month": "1", "end_date_year": "2026"}
    )
    assert response.status_code == 200, "an end before the start is shown, not saved"
    assert "before the start date" in response.content.decode()
    record = client.get(reverse("casework:child_record", args=[world.child.pk])).content.decode()
    assert "Northwick Fostering" in record and url in record
