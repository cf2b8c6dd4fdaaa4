"""HAR 14.3 (issue 15): safeguarding checks asked of another authority and answered in
Homeward. The receiving authority's Missing Co-ordinator sees the request and the minimum
(name, date of birth, last seen), not the child's record; every view is access-logged."""

from __future__ import annotations

import datetime as dt

import pghistory.models
import pytest
from django.urls import reverse

from children.models import RecordAccess
from core.errors import Conflict, NotAllowed, Refused
from episodes.models import CheckStatus, SafeguardingCheckRequest
from episodes.services import answer_safeguarding_checks, request_safeguarding_checks
from tests.kit import report

REQUESTERS = {"social_worker", "team_manager", "missing_coordinator"}


@pytest.fixture
def episode(world):
    return report(world, last_seen_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=3))


@pytest.fixture
def asked(world, episode):
    return request_safeguarding_checks(
        acting_user=world.social_worker,
        episode=episode,
        to_authority=world.other_council,
        asked="Is Jamie or the family known to you?",
    )


def test_the_childs_social_care_may_request_and_nobody_else(world, episode):
    for name, person in world.every_persona().items():
        if name == "anonymous":
            continue
        if name in REQUESTERS:
            made = request_safeguarding_checks(
                acting_user=person,
                episode=episode,
                to_authority=world.other_council,
                asked=f"Asked by {name}",
            )
            assert made.from_authority == world.council
            assert made.status == CheckStatus.OPEN
        else:
            with pytest.raises(NotAllowed):
                request_safeguarding_checks(
                    acting_user=person,
                    episode=episode,
                    to_authority=world.other_council,
                    asked=f"Asked by {name}",
                )
    assert sorted(SafeguardingCheckRequest.objects.values_list("asked", flat=True)) == sorted(
        f"Asked by {name}" for name in REQUESTERS
    )


def test_a_request_is_refused_to_the_same_authority_a_police_force_or_empty(world, episode):
    cases = [
        (world.council, "Known?", "to_authority"),
        (world.force, "Known?", "to_authority"),
        (world.other_council, "   ", "asked"),
    ]
    for to, text, field in cases:
        with pytest.raises(Refused) as refused:
            request_safeguarding_checks(
                acting_user=world.social_worker, episode=episode, to_authority=to, asked=text
            )
        assert refused.value.field == field
    assert not SafeguardingCheckRequest.objects.exists()


def test_only_the_receiving_missing_coordinator_answers_once(world, asked):
    for name, person in world.every_persona().items():
        if name in ("anonymous", "host_coordinator"):
            continue
        with pytest.raises(NotAllowed):
            answer_safeguarding_checks(acting_user=person, check_request=asked, answer="No")
    asked.refresh_from_db()
    assert (asked.status, asked.answer, asked.answered_at) == (CheckStatus.OPEN, "", None)
    with pytest.raises(Refused):
        answer_safeguarding_checks(
            acting_user=world.host_coordinator, check_request=asked, answer=" "
        )
    answered = answer_safeguarding_checks(
        acting_user=world.host_coordinator,
        check_request=asked,
        answer="Known: an aunt in Southmere.",
    )
    assert (answered.status, answered.answered_by) == (CheckStatus.ANSWERED, world.host_coordinator)
    with pytest.raises(Conflict):
        answer_safeguarding_checks(
            acting_user=world.host_coordinator, check_request=asked, answer="Again"
        )
    asked.refresh_from_db()
    assert asked.answer == "Known: an aunt in Southmere."
    labels = list(pghistory.models.Events.objects.tracks(asked).values_list("pgh_label", flat=True))
    assert labels == ["insert", "update"]


def test_who_sees_a_request_every_persona(world, client, episode, asked):
    """The requesting side sees it as they see the child; the receiving Missing
    Co-ordinator sees it without the child's record; a third authority sees nothing."""
    page = reverse("episodes:check_request", args=[asked.pk])
    child_page = reverse("casework:child_record", args=[world.child.pk])
    received = reverse("episodes:checks_received")
    for name, person in world.every_persona().items():
        client.logout()
        if name != "anonymous":
            client.force_login(person)
        response = client.get(page)
        if name == "anonymous":
            assert response.status_code == 302, name
            continue
        sees_child = client.get(child_page).status_code == 200
        expected = 200 if (sees_child or name == "host_coordinator") else 404
        assert response.status_code == expected, name
        listing = client.get(received)
        assert listing.status_code == 200, name
        assert (b"Jamie" in listing.content) == (name == "host_coordinator"), name
        if name == "host_coordinator":
            assert not sees_child, "the request gives no sight of the child's record"
            assert client.get(reverse("episodes:detail", args=[episode.pk])).status_code == 404
            assert b"Is Jamie or the family known to you?" in response.content
            assert b"1 June 2010" in response.content
            assert b"Send the answer" in response.content
        elif response.status_code == 200:
            assert b"Send the answer" not in response.content, name
    for name in REQUESTERS:
        client.force_login(getattr(world, name))
        assert client.get(page).status_code == 200
    for name in ("third_coordinator", "outsider", "other_police_liaison", "health_professional"):
        client.force_login(getattr(world, name))
        assert client.get(page).status_code == 404, name


def test_each_view_of_a_request_writes_an_access_event(world, client, asked):
    client.force_login(world.host_coordinator)
    client.get(reverse("episodes:check_request", args=[asked.pk]))
    client.get(reverse("episodes:checks_received"))
    events = RecordAccess.objects.filter(user=world.host_coordinator, child=world.child)
    assert events.count() == 2
    assert all(f"safeguardingcheckrequest:{asked.pk}" in e.records for e in events)
    client.force_login(world.third_coordinator)
    client.get(reverse("episodes:check_request", args=[asked.pk]))
    assert not RecordAccess.objects.filter(user=world.third_coordinator).exists()


def test_request_and_answer_through_the_pages(world, client, episode):
    client.force_login(world.social_worker)
    detail = reverse("episodes:detail", args=[episode.pk])
    form = reverse("episodes:request_checks", args=[episode.pk])
    assert form.encode() in client.get(detail).content
    refused = client.post(form, {"to_authority": world.council.pk, "asked": "Known?"})
    assert refused.status_code == 200 and b"govuk-error-summary" in refused.content
    assert not SafeguardingCheckRequest.objects.exists()
    response = client.post(form, {"to_authority": world.other_council.pk, "asked": "Known?"})
    assert response.status_code == 302
    made = SafeguardingCheckRequest.objects.get()
    client.force_login(world.host_coordinator)
    nav = client.get(reverse("home")).content
    assert reverse("episodes:checks_received").encode() in nav
    page = reverse("episodes:check_request", args=[made.pk])
    assert client.post(page, {"answer": ""}).status_code == 200
    assert client.post(page, {"answer": "Not known to Southmere."}).status_code == 302
    client.force_login(world.social_worker)
    shown = client.get(detail).content
    assert b"Not known to Southmere." in shown
    assert reverse("episodes:checks_received").encode() not in client.get(reverse("home")).content


def test_the_request_link_and_form_are_refused_to_others(world, client, episode):
    form = reverse("episodes:request_checks", args=[episode.pk])
    for name in ("other_social_worker", "mash_triage", "return_officer", "host_coordinator"):
        client.force_login(getattr(world, name))
        assert client.get(form).status_code in (403, 404), name
        assert client.post(
            form, {"to_authority": world.other_council.pk, "asked": "x"}
        ).status_code in (403, 404)
    assert not SafeguardingCheckRequest.objects.exists()
    client.force_login(world.team_manager)
    assert client.get(form).status_code == 200
