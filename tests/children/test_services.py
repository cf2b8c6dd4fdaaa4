"""Adding a child: who may, and what is refused."""

from __future__ import annotations

import datetime as dt

import pytest

from children.models import Child
from children.services import create_child
from core.errors import NotAllowed, Refused


def _add(world, user, **overrides):
    arguments = {
        "acting_user": user,
        "given_name": "Robin",
        "family_name": "Madeup",
        "date_of_birth": dt.date(2012, 3, 4),
        "responsible_authority": world.council,
    }
    arguments.update(overrides)
    return create_child(**arguments)


def test_a_social_worker_adds_a_child_allocated_to_their_team(world):
    child = _add(world, world.social_worker, team=world.team, worker=world.social_worker)
    assert child.allocations.get().worker == world.social_worker


@pytest.mark.parametrize("persona", ["police_liaison", "return_officer", "outsider"])
def test_people_outside_childrens_social_care_may_not_add_a_child(world, persona):
    with pytest.raises(NotAllowed):
        _add(world, world.personas()[persona])
    assert not Child.objects.filter(family_name="Madeup").exists()


def test_a_date_of_birth_in_the_future_is_refused(world):
    with pytest.raises(Refused, match="future"):
        _add(world, world.social_worker, date_of_birth=dt.date(2999, 1, 1))


def test_the_25_year_limit_has_a_date_on_29_february(world):
    import time_machine

    with time_machine.travel(dt.datetime(2028, 2, 29, 12, 0, tzinfo=dt.UTC), tick=False):
        child = _add(world, world.social_worker, date_of_birth=dt.date(2003, 2, 28))
        assert child.date_of_birth == dt.date(2003, 2, 28)
        with pytest.raises(Refused, match="more than 25 years"):
            _add(world, world.social_worker, date_of_birth=dt.date(2003, 2, 27))
