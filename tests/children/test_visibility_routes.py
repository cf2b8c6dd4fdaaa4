"""`child_visibility_of_rows` reads a whole-authority reader's rows by one of two routes,
chosen by the share of all children their authorities hold (decision 0021, addendum):
from the authority's children when it is a small part of the country, in page order when
it is most of it. Both must give exactly the same rows, and neither another authority's."""

from __future__ import annotations

import pytest
from django.db import connection

from children import selectors
from children.models import Child
from episodes.models import Episode
from episodes.selectors import episode_visibility
from tests.factories import ChildFactory
from tests.reports.support import add_episode, london

FROM_CHILDREN = '"episodes_episode"."child_id" = ANY(ARRAY('
WALKED = '"episodes_episode"."child_id" IN (SELECT'


@pytest.fixture
def national(world):
    """Northwick a small part of the country (Southmere 400 more children); Northwick's
    episodes the oldest rows, as the national dataset's first authority's are."""
    ours = [world.child, *(ChildFactory(responsible_authority=world.council) for _ in range(2))]
    for day, child in enumerate(ours, start=1):
        add_episode(child, london(2026, 3, day, 12), reported_by=world.social_worker)
    Child.objects.bulk_create(
        Child(
            given_name=f"Synthetic{n}",
            family_name="Example",
            date_of_birth=london(2011, 5, 17).date(),
            responsible_authority=world.other_council,
        )
        for n in range(400)
    )
    for child in Child.objects.filter(responsible_authority=world.other_council)[:20]:
        add_episode(child, london(2026, 4, 1, 12), reported_by=world.social_worker)
    # The planner's estimate of the table, as ANALYZE would set it; written in the test's
    # transaction (an ANALYZE would outlive it and change other tests' routes).
    set_estimate("(SELECT count(*) FROM children_child)")
    selectors._shares.clear()
    yield ours
    selectors._shares.clear()


def set_estimate(value: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE pg_class SET reltuples = {value} WHERE oid = 'children_child'::regclass"
        )


def visible(user) -> tuple[str, list[int]]:
    episodes = Episode.objects.filter(episode_visibility(user)).order_by("-pk")
    return str(episodes.query), list(episodes.values_list("pk", flat=True))


def test_a_small_authority_reads_from_its_children_the_rows_the_walk_reads(
    world, national, monkeypatch
):
    share = selectors.authority_share([world.council.pk])
    assert 0 < share < selectors.WALK_SHARE, share
    sql, from_children = visible(world.missing_coordinator)
    assert FROM_CHILDREN in sql and WALKED not in sql, sql

    monkeypatch.setattr(selectors, "WALK_SHARE", 0.0)
    sql, walked = visible(world.missing_coordinator)
    assert WALKED in sql and FROM_CHILDREN not in sql, sql

    assert from_children == walked
    ours = set(Episode.objects.filter(child__in=national).values_list("pk", flat=True))
    theirs = set(
        Episode.objects.filter(child__responsible_authority=world.other_council).values_list(
            "pk", flat=True
        )
    )
    assert len(ours) == 3 and len(theirs) == 20
    assert ours <= set(from_children) and not theirs & set(from_children)


def test_an_authority_the_planner_has_no_estimate_for_walks_in_page_order(world):
    set_estimate("-1")  # never analysed
    selectors._shares.clear()
    assert selectors.authority_share([world.council.pk]) == 1.0
    sql, _rows = visible(world.missing_coordinator)
    assert WALKED in sql and FROM_CHILDREN not in sql, sql
    selectors._shares.clear()


@pytest.mark.parametrize(
    ("per_child", "route"),
    [
        (20, WALKED),  # exactly WALK_SHARE (1 in 20): walked
        (20.01, FROM_CHILDREN),  # a hair under it: from the authority's children
    ],
)
def test_the_routes_part_at_exactly_the_walk_share(world, per_child, route):
    ours = Child.objects.filter(responsible_authority=world.council).count()
    set_estimate(str(ours * per_child))
    selectors._shares.clear()
    share = selectors.authority_share([world.council.pk])
    assert (share >= selectors.WALK_SHARE) == (route == WALKED), share
    sql, _rows = visible(world.missing_coordinator)
    assert route in sql, sql
    selectors._shares.clear()
