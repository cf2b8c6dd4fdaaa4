"""EpisodeSerializer writes its output directly (the list endpoint's hot path): the result
must be exactly what DRF's generic field-by-field path gives, for every kind of episode."""

from __future__ import annotations

import datetime as dt

import pytest
from rest_framework import serializers

from api.serializers import EpisodeCreateSerializer, EpisodeSerializer
from casework.services import report_episode
from core.actors import ENGINE
from episodes.services import mark_entered_in_error, record_return
from tests.api.conftest import NOW
from tests.factories import ChildFactory


def drf_generic(episode) -> dict:
    return serializers.ModelSerializer.to_representation(EpisodeSerializer(), episode)


@pytest.fixture
def episodes(world):
    """Open and closed; winter (GMT, "Z") and summer (BST, +01:00) times; blank and set
    police fields; absent; entered in error."""
    winter = report_episode(
        acting_user=world.social_worker,
        child=world.child,
        category="missing",
        last_seen_at=dt.datetime(2026, 1, 10, 21, 30, 15, 123456, tzinfo=dt.UTC),
        reported_at=dt.datetime(2026, 1, 10, 22, 0, tzinfo=dt.UTC),
    )
    winter = record_return(
        acting_user=world.social_worker,
        episode=winter,
        returned_at=dt.datetime(2026, 1, 11, 9, 0, tzinfo=dt.UTC),
    )
    summer_child = ChildFactory(
        responsible_authority=world.council, date_of_birth=dt.date(2010, 1, 1)
    )
    from children.services import allocate_child

    allocate_child(acting_user=ENGINE, child=summer_child, team=world.team)
    absent = report_episode(
        acting_user=world.social_worker,
        child=summer_child,
        category="absent",
        last_seen_at=NOW - dt.timedelta(hours=3),
        police_force=world.force,
        police_reference="NP-9",
        police_risk="high",
        last_seen_location="Northwick bus station",
        circumstances="Did not return from college.",
    )
    in_error = report_episode(
        acting_user=world.social_worker,
        child=world.child,
        category="missing",
        last_seen_at=NOW - dt.timedelta(hours=2),
    )
    in_error = mark_entered_in_error(
        acting_user=world.team_manager, episode=in_error, reason="Duplicate report."
    )
    open_ = report_episode(
        acting_user=world.social_worker,
        child=world.child,
        category="missing",
        last_seen_at=NOW - dt.timedelta(hours=1),
    )
    return [winter, absent, in_error, open_]


def test_the_direct_output_equals_drfs_generic_output_for_every_kind_of_episode(episodes):
    from episodes.models import Episode

    for episode in Episode.objects.filter(pk__in=[e.pk for e in episodes]):
        assert EpisodeSerializer(episode).data == drf_generic(episode)
        assert list(EpisodeSerializer(episode).data) == list(drf_generic(episode)), "key order"


def test_the_representation_shows_london_time_and_z_for_gmt(episodes):
    winter, absent, in_error, open_ = (EpisodeSerializer(e).data for e in episodes)

    assert winter["last_seen_at"] == "2026-01-10T21:30:15.123456Z"
    assert winter["status"] == "closed"
    assert absent["last_seen_at"] == "2026-03-30T10:00:00+01:00"
    assert (absent["police_risk"], absent["returned_at"]) == ("high", None)
    assert (in_error["entered_in_error"], in_error["status"]) == (True, "closed")
    assert open_["status"] == "open"


def test_the_direct_path_serves_exactly_the_readable_fields(world):
    """A field added to Meta.fields without the direct path falls back to DRF's own."""
    assert EpisodeSerializer()._fast_path_applies
    assert EpisodeCreateSerializer()._fast_path_applies, "child_details is write-only"

    class WithMore(EpisodeSerializer):
        extra = serializers.CharField(source="police_reference", read_only=True)

        class Meta(EpisodeSerializer.Meta):
            fields = [*EpisodeSerializer.Meta.fields, "extra"]

    assert not WithMore()._fast_path_applies
