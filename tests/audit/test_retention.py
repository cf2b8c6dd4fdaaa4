"""Retention (issue 14, decision 0016): a rule per record kind, the records past it for the
records officer to review, and an audited erasure that keeps the statistical counts."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pghistory.models
import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client
from django.urls import reverse

from casework.erasure import erase_child_record
from casework.retention import records_past_retention, retention_row
from children.models import Child, Erasure, RecordAccess
from core.errors import Conflict, NotAllowed, Refused
from episodes.models import Episode
from episodes.services import record_return
from reports.counting import Filters, Period, committee_report
from returns.services import record_return_interview
from tests.factories import ChildFactory, LegalStatusFactory, UserFactory
from tests.kit import report, utc

TODAY = dt.date(2026, 11, 30)
CIRCUMSTANCES = "Seen near Quayside Lane with an older man"
DISCLOSURE = "Disclosed-b77e"


@pytest.fixture
def records_officer(world):
    group = Group.objects.create(name="Information governance")
    group.permissions.add(Permission.objects.get(codename="review_retention"))
    officer = UserFactory(username="rita", first_name="Rita", last_name="Records")
    officer.groups.add(group)
    return officer


@pytest.fixture
def old_records(world):
    """Four records of the council: two past retention, two within it."""
    # Looked after, born 1950: kept until the 75th birthday, 1 January 2025. Past.
    old_in_care = ChildFactory(
        given_name="Oswin",
        family_name="Oldcastle",
        date_of_birth=dt.date(1950, 1, 1),
        responsible_authority=world.council,
        upn="A123456789012",
    )
    LegalStatusFactory(
        child=old_in_care,
        status="looked_after",
        start_date=dt.date(1965, 1, 1),
        end_date=dt.date(1968, 1, 1),
    )
    # Looked after, born 1960: kept until 2035. Within.
    LegalStatusFactory(
        child=ChildFactory(
            given_name="Young",
            family_name="Incare",
            date_of_birth=dt.date(1960, 1, 1),
            responsible_authority=world.council,
        ),
        status="looked_after",
        start_date=dt.date(1975, 1, 1),
        end_date=dt.date(1978, 1, 1),
    )
    # Missing episodes only, born 1998, last episode in 2016: the 25th birthday (June 2023)
    # and 6 years after the last activity (2022) have both passed.
    missing_only = ChildFactory(
        given_name="Marlow",
        family_name="Quenby",
        date_of_birth=dt.date(1998, 6, 1),
        responsible_authority=world.council,
    )
    episode = report(
        world,
        child=missing_only,
        by=world.missing_coordinator,
        last_seen_at=utc(2016, 3, 10, 20),
        circumstances=CIRCUMSTANCES,
    )
    record_return(
        acting_user=world.missing_coordinator, episode=episode, returned_at=utc(2016, 3, 12, 9)
    )
    record_return_interview(
        acting_user=world.missing_coordinator,
        child=missing_only,
        episodes=[Episode.objects.get(pk=episode.pk)],
        offered_at=utc(2016, 3, 12, 12),
        outcome="held",
        held_at=utc(2016, 3, 13, 15),
        disclosures=DISCLOSURE,
    )
    # Missing episodes only, born 2001, episode in 2025: 6 years after it is 2031. Within.
    recent = ChildFactory(
        given_name="Recent",
        family_name="Episode",
        date_of_birth=dt.date(2001, 1, 1),
        responsible_authority=world.council,
    )
    later = report(
        world, child=recent, by=world.missing_coordinator, last_seen_at=utc(2025, 5, 1, 20)
    )
    record_return(
        acting_user=world.missing_coordinator, episode=later, returned_at=utc(2025, 5, 2, 9)
    )
    return {"old_in_care": old_in_care, "missing_only": missing_only, "recent": recent}


def test_each_kind_has_its_rule_and_date(world, old_records):
    rows = {name: retention_row(child) for name, child in old_records.items()}
    assert (rows["old_in_care"].rule.kind, rows["old_in_care"].retention_until) == (
        "looked_after",
        dt.date(2025, 1, 1),
    )
    assert (rows["missing_only"].rule.kind, rows["missing_only"].retention_until) == (
        "other",
        dt.date(2023, 6, 1),
    )
    # 6 years after the last activity is later than the 25th birthday here.
    assert (rows["recent"].last_activity, rows["recent"].retention_until) == (
        dt.date(2025, 5, 2),
        dt.date(2031, 5, 2),
    )


def test_the_rules_are_configurable(world, old_records, settings):
    settings.RETENTION_JSON = '{"other": {"until_birthday": 30}}'
    assert retention_row(old_records["missing_only"]).retention_until == dt.date(2028, 6, 1)


def test_the_records_officer_sees_the_records_past_retention_and_only_them(
    world, old_records, records_officer
):
    rows = records_past_retention(records_officer, today=TODAY)
    assert [row.child for row in rows] == [old_records["missing_only"], old_records["old_in_care"]]
    # One day before the 75th birthday, the record in care is still kept.
    rows = records_past_retention(records_officer, today=dt.date(2024, 12, 31))
    assert [row.child for row in rows] == [old_records["missing_only"]]


def test_only_the_records_officer_may_open_the_page(world, old_records, records_officer):
    url = reverse("casework:retention")
    admin = UserFactory(username="admin", is_staff=True, is_superuser=True)
    for name, user in world.personas().items() | {"admin": admin}.items():
        client = Client()
        if user.is_authenticated:
            client.force_login(user)
        response = client.get(url)
        assert response.status_code in (302, 403), (name, response.status_code)
        if user.is_authenticated:
            assert response.status_code == 403, name
    client = Client()
    client.force_login(records_officer)
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert f"Erase record {old_records['missing_only'].pk}" in html
    assert f"Erase record {old_records['recent'].pk}" not in html
    # The review lists records by reference, not by name; and it is an access event.
    assert "Quenby" not in html
    assert RecordAccess.objects.filter(
        user=records_officer, child=old_records["missing_only"]
    ).exists()
    # The officer is shown the page in the navigation; a social worker is not.
    assert 'href="/retention/"' in client.get("/").content.decode()
    social = Client()
    social.force_login(world.social_worker)
    assert 'href="/retention/"' not in social.get("/").content.decode()


def _numbers(world, period: Period) -> dict:
    children = Child.objects.filter(responsible_authority=world.council)
    return dataclasses.asdict(committee_report(children, Filters(period=period)))


def test_erasure_removes_identity_and_free_text_keeps_every_count_and_is_recorded(
    world, old_records, records_officer
):
    child = old_records["missing_only"]
    periods = [
        Period(dt.date(2015, 1, 1), dt.date(2016, 12, 31)),
        Period(dt.date(2025, 1, 1), dt.date(2025, 12, 31)),
    ]
    before = [_numbers(world, period) for period in periods]
    assert before[0]["episodes_in_period"] == 1 and before[0]["children_in_period"] == 1

    erasure = erase_child_record(
        acting_user=records_officer, child=child, reason="Review RR-2026-11", today=TODAY
    )

    assert [_numbers(world, period) for period in periods] == before
    child.refresh_from_db()
    assert (child.given_name, child.family_name, child.upn) == ("Erased", f"record {child.pk}", "")
    assert child.date_of_birth == dt.date(1998, 6, 1) and child.erased_at is not None
    episode = Episode.objects.get(child=child)
    assert (episode.circumstances, episode.category) == ("", "missing")
    assert episode.last_seen_at == utc(2016, 3, 10, 20)
    # The history of every record holds the name and the free text no more.
    all_history = " ".join(str(e.pgh_data) for e in pghistory.models.Events.objects.all())
    assert (
        "Quenby" not in all_history
        and DISCLOSURE not in all_history
        and CIRCUMSTANCES not in all_history
    )
    # The other records are untouched.
    assert "Oldcastle" in all_history
    # Recorded: who, which, when, why, under which rule, how much.
    assert Erasure.objects.get() == erasure
    assert (erasure.erased_by, erasure.child, erasure.record_kind, erasure.reason) == (
        records_officer,
        child,
        "other",
        "Review RR-2026-11",
    )
    assert erasure.counts["episodes.Episode"] == 1
    assert erasure.counts["returns.ReturnInterview"] == 1
    assert erasure.counts["children.Child history"] >= 1
    # Gone from the list of records to review.
    assert child not in [row.child for row in records_past_retention(records_officer, today=TODAY)]


def test_erasure_is_refused_within_retention_twice_without_reason_and_to_others(
    world, old_records, records_officer
):
    with pytest.raises(Conflict, match="kept until 2 May 2031"):
        erase_child_record(
            acting_user=records_officer, child=old_records["recent"], reason="x", today=TODAY
        )
    with pytest.raises(Refused):
        erase_child_record(
            acting_user=records_officer, child=old_records["old_in_care"], reason=" ", today=TODAY
        )
    for user in (world.missing_coordinator, world.team_manager, world.police_liaison):
        with pytest.raises(NotAllowed):
            erase_child_record(
                acting_user=user, child=old_records["old_in_care"], reason="x", today=TODAY
            )
    erase_child_record(
        acting_user=records_officer, child=old_records["old_in_care"], reason="x", today=TODAY
    )
    with pytest.raises(Conflict, match="erased already"):
        erase_child_record(
            acting_user=records_officer, child=old_records["old_in_care"], reason="x", today=TODAY
        )
    assert Erasure.objects.count() == 1
    assert Child.objects.get(pk=old_records["recent"].pk).family_name == "Episode"


def test_the_page_erases_with_a_reason_and_refuses_without(world, old_records, records_officer):
    client = Client()
    client.force_login(records_officer)
    url = reverse("casework:retention")
    child = old_records["old_in_care"]
    refused = client.post(url, {"child": child.pk, "reason": ""}, follow=True)
    assert "was not erased" in refused.content.decode()
    assert not Erasure.objects.exists()
    assert client.post(url, {"child": "not-a-number", "reason": "x"}).status_code == 404
    done = client.post(url, {"child": child.pk, "reason": "Review RR-1"}, follow=True)
    assert f"Record {child.pk} erased" in done.content.decode()
    assert Erasure.objects.get().child == child


def test_the_erasure_log_is_read_only_in_the_admin(world, old_records, records_officer):
    erasure = erase_child_record(
        acting_user=records_officer, child=old_records["old_in_care"], reason="RR-2", today=TODAY
    )
    admin = Client()
    admin.force_login(UserFactory(username="admin", is_staff=True, is_superuser=True))
    page = admin.get(f"/admin/children/erasure/{erasure.pk}/change/")
    assert page.status_code == 200 and "RR-2" in page.content.decode()
    assert "Oldcastle" not in page.content.decode()
    deleted = admin.post(f"/admin/children/erasure/{erasure.pk}/delete/", {"post": "yes"})
    assert deleted.status_code == 403
    assert Erasure.objects.filter(pk=erasure.pk).exists()
