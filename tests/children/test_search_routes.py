"""Finding a child by name (children.selectors.find_children) tests the stored folded names
(`Child.*_folded`), which PostgreSQL keeps on every write, and starts either from the
names (a reader of a large part of the country) or from the children the reader may see
(everyone else). Both routes must find exactly the visible matches; `visible_children_of`
must be `visible_children` of those authorities, whichever way it reads them."""

from __future__ import annotations

import pytest
from django.db import connection

from children import selectors
from children.models import Child
from children.selectors import find_children, visible_children, visible_children_of
from children.services import update_child
from episodes.models import Episode
from tests.factories import AllocationFactory, ChildFactory, PlacementFactory
from tests.reports.support import add_episode, london

FROM_THE_NAMES = "= ANY(ARRAY("


def names(user, query: str) -> list[int]:
    return sorted(find_children(user, query).values_list("pk", flat=True))


def test_a_renamed_child_is_found_by_the_new_name_folded_and_not_by_the_old(world):
    update_child(acting_user=world.social_worker, child=world.child, family_name="Ångström")
    world.child.refresh_from_db()
    assert world.child.family_name_folded == "angstrom"
    assert names(world.social_worker, "ANGSTROM") == [world.child.pk]
    assert names(world.social_worker, "angström") == [world.child.pk]
    assert names(world.social_worker, "Fictionel") == []  # the old name no longer matches


def test_the_folded_names_are_not_part_of_the_childs_history(world):
    update_child(acting_user=world.social_worker, child=world.child, family_name="Renamed")
    event = world.child.events.order_by("-pgh_id").first()
    assert event.family_name == "Renamed"
    assert not hasattr(event, "family_name_folded")


@pytest.fixture
def namesakes(world):
    """Four children called Namesake: the council's (allocated), the council's hosted
    elsewhere, the other council's reported to the force, and the other council's
    placed in the council (hosted, missing now)."""
    ours = ChildFactory(responsible_authority=world.council, family_name="Namesake")
    AllocationFactory(child=ours, team=world.team, worker=world.social_worker)
    theirs = ChildFactory(responsible_authority=world.other_council, family_name="Namesake")
    reported = ChildFactory(responsible_authority=world.other_council, family_name="Namesake")
    Episode.objects.filter(
        pk=add_episode(reported, london(2026, 3, 1, 12), reported_by=world.social_worker).pk
    ).update(police_force=world.force)
    hosted = ChildFactory(responsible_authority=world.other_council, family_name="Namesakes")
    PlacementFactory(
        child=hosted, host_authority=world.council, placing_authority=world.other_council
    )
    add_episode(hosted, london(2026, 3, 2, 12), reported_by=world.social_worker)
    return {"ours": ours, "theirs": theirs, "reported": reported, "hosted": hosted}


@pytest.mark.parametrize("persona", ["social_worker", "missing_coordinator", "police_liaison"])
@pytest.mark.parametrize("share", ["most of the country", "a small part of it"])
def test_both_routes_find_exactly_the_visible_namesakes(world, namesakes, persona, share):
    user = getattr(world, persona)
    selectors._shares.clear()
    if share == "a small part of it":
        # The planner's estimate of the table, as a national ANALYZE would set it, written
        # in the test's transaction; the council then holds under WALK_SHARE of it.
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE pg_class SET reltuples = 1000000 WHERE oid = 'children_child'::regclass"
            )
    found = find_children(user, "Namesake")
    expected = sorted(
        visible_children(user)
        .filter(family_name__startswith="Namesake")
        .values_list("pk", flat=True)
    )
    assert sorted(found.values_list("pk", flat=True)) == expected
    # The route taken: from the reader's children, except a reader of most of the country.
    from_the_names = persona == "missing_coordinator" and share == "most of the country"
    assert (FROM_THE_NAMES not in str(found.query)) == from_the_names
    selectors._shares.clear()
    if persona == "social_worker":
        assert expected == [namesakes["ours"].pk]
    if persona == "police_liaison":
        assert expected == [namesakes["reported"].pk]
    if persona == "missing_coordinator":
        assert expected == sorted([namesakes["ours"].pk, namesakes["hosted"].pk])


def test_visible_children_of_the_readers_own_authority_is_every_child_of_it(world, namesakes):
    mine = visible_children_of(world.missing_coordinator, [world.council.pk])
    assert "IN (SELECT" not in str(mine.query)  # no visibility query: they read it whole
    assert sorted(mine.values_list("pk", flat=True)) == sorted(
        Child.objects.filter(responsible_authority=world.council).values_list("pk", flat=True)
    )


@pytest.mark.parametrize("persona", ["missing_coordinator", "team_manager", "police_liaison"])
def test_visible_children_of_another_authority_is_only_what_the_reader_may_see(
    world, namesakes, persona
):
    user = getattr(world, persona)
    other = visible_children_of(user, [world.other_council.pk])
    assert sorted(other.values_list("pk", flat=True)) == sorted(
        visible_children(user)
        .filter(responsible_authority=world.other_council)
        .values_list("pk", flat=True)
    )
    assert namesakes["theirs"] not in other
    if persona == "missing_coordinator":
        assert list(other) == [namesakes["hosted"]]  # hosted here, missing now


def test_no_one_signed_out_sees_any_authoritys_children(world, namesakes):
    from django.contrib.auth.models import AnonymousUser

    assert list(visible_children_of(AnonymousUser(), [world.council.pk])) == []
    assert list(find_children(AnonymousUser(), "Namesake")) == []
