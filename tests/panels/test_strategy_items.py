"""Strategy meetings record what HAR 18.4 lists, as structured items; a parent or carer
attends without an agency; the strategy review clock (HAR 18.3) runs until a meeting
records the concern resolved, whether or not the child is back (decision 0012)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from core.errors import Conflict, NotAllowed, Refused
from episodes.services import record_return
from panels.models import StrategyItem, StrategyMeeting
from panels.services import add_strategy_item, complete_strategy_item, record_strategy_meeting
from protocol.models import Deadline
from tests.factories import LegalStatusFactory
from tests.kit import report, utc

NOW = utc(2026, 6, 10, 12, 0)
DAY = dt.timedelta(days=1)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def _meeting(world, *, at=NOW - DAY, **more) -> StrategyMeeting:
    return record_strategy_meeting(
        acting_user=world.team_manager, child=world.child, held_at=at, **more
    )


def test_an_action_needs_an_owner_and_a_due_date(world):
    meeting = _meeting(world)
    for missing, field in [({"owner_name": ""}, "owner_name"), ({"due_on": None}, "due_on")]:
        item = {
            "kind": "locate",
            "decision": "Check the car wash.",
            "owner_name": "PC Evans",
            "due_on": NOW.date(),
            **missing,
        }
        with pytest.raises(Refused) as refused:
            add_strategy_item(acting_user=world.team_manager, meeting=meeting, **item)
        assert refused.value.field == field
    assert not StrategyItem.objects.exists()


def test_a_communication_agreement_is_not_an_action_and_needs_no_owner(world):
    meeting = _meeting(world)
    item = add_strategy_item(
        acting_user=world.team_manager,
        meeting=meeting,
        kind="communication",
        decision="Police update the mother daily; Southmere told by e-mail.",
    )
    assert not item.is_action


def test_the_missing_persons_desk_needs_parental_consent_only_for_a_child_not_looked_after(
    world,
):
    meeting = _meeting(world)
    desk = {
        "kind": "missing_persons_desk",
        "decision": "Alert the desk.",
        "owner_name": "PC Evans",
        "due_on": NOW.date(),
    }
    with pytest.raises(Refused) as refused:
        add_strategy_item(acting_user=world.team_manager, meeting=meeting, **desk)
    assert refused.value.field == "parental_consent"
    given = add_strategy_item(
        acting_user=world.team_manager, meeting=meeting, parental_consent="given", **desk
    )
    assert given.parental_consent == "given"
    LegalStatusFactory(child=world.child, status="looked_after", start_date=dt.date(2020, 1, 1))
    looked_after = add_strategy_item(acting_user=world.team_manager, meeting=meeting, **desk)
    assert looked_after.parental_consent == "not_needed"


def test_photo_publication_consent_belongs_to_the_media_strategy(world):
    meeting = _meeting(world)
    with pytest.raises(Refused):
        add_strategy_item(
            acting_user=world.team_manager,
            meeting=meeting,
            kind="communication",
            decision="Agreed.",
            photo_publication_consent=True,
        )
    media = add_strategy_item(
        acting_user=world.team_manager,
        meeting=meeting,
        kind="media_strategy",
        decision="No media; the council does not consent to publishing the photograph.",
        photo_publication_consent=False,
    )
    assert media.photo_publication_consent is False


def test_an_action_is_done_once_and_not_before_the_meeting(world):
    meeting = _meeting(world)
    alert = add_strategy_item(
        acting_user=world.team_manager,
        meeting=meeting,
        kind="health_alert",
        decision="Raise a missing child health alert: asthma.",
        owner_name="Named nurse",
        due_on=NOW.date(),
    )
    with pytest.raises(Refused):
        complete_strategy_item(acting_user=world.team_manager, item=alert, done_at=NOW - 2 * DAY)
    done = complete_strategy_item(acting_user=world.team_manager, item=alert)
    assert done.done_at == NOW
    with pytest.raises(Conflict):
        complete_strategy_item(acting_user=world.team_manager, item=alert)


def test_only_those_who_record_meetings_add_items(world):
    meeting = _meeting(world)
    with pytest.raises(NotAllowed):
        add_strategy_item(
            acting_user=world.mash_triage, meeting=meeting, kind="communication", decision="x"
        )


def test_a_parent_attends_without_an_agency_but_not_without_saying_who(world):
    meeting = _meeting(world, attendees=[{"name": "Pat Fictional", "role": "Mother"}])
    assert meeting.attendees.get().agency is None
    with pytest.raises(Refused):
        _meeting(world, attendees=[{"name": "Someone"}])


def test_the_review_clock_runs_after_the_return_until_a_meeting_records_the_concern_resolved(
    world, frozen
):
    frozen.move_to(NOW - 60 * DAY)
    episode = report(world, last_seen_at=NOW - 60 * DAY)
    frozen.move_to(NOW - 59 * DAY)
    first = _meeting(world, at=NOW - 59 * DAY, episode=episode)
    frozen.move_to(NOW - 50 * DAY)
    record_return(acting_user=world.social_worker, episode=episode, returned_at=NOW - 50 * DAY)
    review = Deadline.objects.get(rule="strategy_review")
    assert (review.status, review.due_at) == ("open", first.held_at + 42 * DAY)
    frozen.move_to(NOW)
    with pytest.raises(Refused):
        _meeting(world, at=NOW - DAY, concern_resolved=True)
    resolved = _meeting(
        world, at=NOW - DAY, concern_resolved=True, concern_resolved_reason="Settled at home."
    )
    reviews = list(Deadline.objects.filter(rule="strategy_review").order_by("opens_at"))
    assert [(r.strategy_meeting_id, r.status) for r in reviews] == [(resolved.pk, "met")]
