"""Every endpoint and method x every persona: nobody reads or writes what they may not.

world.child is allocated to alice's team; its episodes were reported to world.force
(pc_evans' force), a MASH referral is open and a return interview is due. So alice, bob,
dana (MASH), pc_evans, grace (Missing Co-ordinator) and ivan (return interview officer of
the authority, while an interview is due) see the child; charlie (another team), pc_frost
(another force) and olly (no role) do not, and for them the child's records do not exist
(404, or "No child with id" in a body). Seeing is not doing: a visible record the persona
may not change is 403. The anonymous user
is 401 everywhere. A refused write changes nothing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable

import pytest
from django.db import transaction

from children.models import Child
from episodes.models import Episode, Reclassification, SafeAndWellCheck
from panels.models import StrategyMeeting
from protocol.models import Deadline
from returns.models import ReturnInterview
from risk.models import RiskAssessment
from risk.services import record_risk_assessment
from tests.api.conftest import NOW, RECORD_PATH, closed_episode, open_episode

SEES = {
    "social_worker",
    "team_manager",
    "mash_triage",
    "police_liaison",
    "missing_coordinator",
    "return_officer",
}
BLIND = {"other_social_worker", "other_police_liaison", "outsider"}
EVERYONE = SEES | BLIND | {"anonymous"}


def expect(default_visible: int, default_blind: int, **overrides: int) -> dict[str, int]:
    table = dict.fromkeys(SEES, default_visible) | dict.fromkeys(BLIND, default_blind)
    table["anonymous"] = 401
    table.update(overrides)
    assert set(table) == EVERYONE
    return table


@dataclasses.dataclass
class Operation:
    name: str
    method: str
    path: Callable  # (world, state) -> str
    expected: dict[str, int]
    body: Callable | None = None  # (world, state) -> dict
    needs_open: bool = False
    counts: Callable | None = None  # () -> int: must not change on a refusal
    listed: Callable | None = None  # (world, state) -> id expected in a visible list


def _episode_body(world, state):
    return {
        "child": world.child.pk,
        "category": "missing",
        "last_seen_at": "2026-03-30T10:00:00+01:00",
    }


OPERATIONS = [
    Operation(
        "list children",
        "get",
        lambda w, s: "/api/v1/children/",
        expect(200, 200),
        listed=lambda w, s: w.child.pk,
    ),
    Operation(
        "retrieve child", "get", lambda w, s: f"/api/v1/children/{w.child.pk}/", expect(200, 404)
    ),
    Operation(
        "create child",
        "post",
        lambda w, s: "/api/v1/children/",
        # Council social workers, team managers and co-ordinators only (api.permissions).
        expect(
            201,
            403,
            mash_triage=403,
            police_liaison=403,
            return_officer=403,
            other_social_worker=201,
        ),
        body=lambda w, s: {
            "given_name": "Robin",
            "family_name": "Madeup",
            "date_of_birth": "2012-02-02",
        },
        counts=lambda: Child.objects.count(),
    ),
    Operation(
        "list episodes",
        "get",
        lambda w, s: "/api/v1/episodes/",
        expect(200, 200),
        listed=lambda w, s: s["closed"].pk,
    ),
    Operation(
        "retrieve episode",
        "get",
        lambda w, s: f"/api/v1/episodes/{s['closed'].pk}/",
        expect(200, 404),
    ),
    Operation(
        "report episode",
        "post",
        lambda w, s: "/api/v1/episodes/",
        # The child in the body is invisible to the blind: "No child with id", a 400.
        expect(201, 400, return_officer=403),
        body=_episode_body,
        counts=lambda: Episode.objects.count(),
    ),
    Operation(
        "correct episode",
        "patch",
        lambda w, s: f"/api/v1/episodes/{s['open'].pk}/",
        expect(200, 404, mash_triage=403, return_officer=403),
        body=lambda w, s: {"police_reference": "NP-9"},
        needs_open=True,
        counts=lambda: Episode.objects.filter(police_reference="NP-9").count(),
    ),
    Operation(
        "record return",
        "post",
        lambda w, s: f"/api/v1/episodes/{s['open'].pk}/return/",
        expect(200, 404, mash_triage=403, return_officer=403),
        body=lambda w, s: {"returned_at": "2026-03-30T12:30:00+01:00"},
        needs_open=True,
        counts=lambda: Episode.objects.filter(returned_at__isnull=False).count(),
    ),
    Operation(
        "safe and well check",
        "post",
        lambda w, s: f"/api/v1/episodes/{s['closed'].pk}/safe-and-well-check/",
        expect(201, 404, mash_triage=403, return_officer=403),
        body=lambda w, s: {"checked_at": "2026-03-30T09:00:00+01:00"},
        counts=lambda: SafeAndWellCheck.objects.count(),
    ),
    Operation(
        "reclassify",
        "post",
        lambda w, s: f"/api/v1/episodes/{s['open'].pk}/reclassify/",
        expect(200, 404, mash_triage=403, police_liaison=403, return_officer=403),
        body=lambda w, s: {"category": "absent", "reason": "Whereabouts known to friends."},
        needs_open=True,
        counts=lambda: Reclassification.objects.count(),
    ),
    Operation(
        "list risk assessments",
        "get",
        lambda w, s: "/api/v1/risk-assessments/",
        expect(200, 200),
        listed=lambda w, s: s["assessment"].pk,
    ),
    Operation(
        "record risk assessment",
        "post",
        lambda w, s: "/api/v1/risk-assessments/",
        expect(201, 400, police_liaison=403, return_officer=403),
        body=lambda w, s: {"child": w.child.pk, "rag": "amber", "threshold_level": 3},
        counts=lambda: RiskAssessment.objects.count(),
    ),
    Operation(
        "list return interviews",
        "get",
        lambda w, s: "/api/v1/return-interviews/",
        expect(200, 200),
        listed=lambda w, s: s["interview"].pk,
    ),
    Operation(
        "record return interview",
        "post",
        lambda w, s: "/api/v1/return-interviews/",
        expect(201, 400, mash_triage=403, police_liaison=403),
        body=lambda w, s: {
            "child": w.child.pk,
            "episodes": [s["closed"].pk],
            "offered_at": "2026-03-29T10:00:00+01:00",
        },
        counts=lambda: ReturnInterview.objects.count(),
    ),
    Operation(
        "list strategy meetings",
        "get",
        lambda w, s: "/api/v1/strategy-meetings/",
        expect(200, 200),
        listed=lambda w, s: s["meeting"].pk,
    ),
    Operation(
        "record strategy meeting",
        "post",
        lambda w, s: "/api/v1/strategy-meetings/",
        expect(201, 400, mash_triage=403, police_liaison=403, return_officer=403),
        body=lambda w, s: {
            "child": w.child.pk,
            "held_at": "2026-03-30T09:00:00+01:00",
            "attendees": [{"agency": w.force.pk, "name": "PC Tester"}],
        },
        counts=lambda: StrategyMeeting.objects.count(),
    ),
    Operation(
        "list deadlines",
        "get",
        lambda w, s: "/api/v1/deadlines/",
        expect(200, 200),
        listed=lambda w, s: s["deadline"].pk,
    ),
]


def _state(world, needs_open: bool) -> dict:
    from panels.services import record_strategy_meeting
    from returns.services import record_return_interview

    closed = closed_episode(world)
    state = {"closed": closed, "open": open_episode(world) if needs_open else None}
    state["assessment"] = record_risk_assessment(
        acting_user=world.social_worker,
        child=world.child,
        rag="green",
        threshold_level=2,
        episode=closed,
    )
    state["interview"] = record_return_interview(
        acting_user=world.social_worker,
        child=world.child,
        episodes=[closed],
        offered_at=NOW - dt.timedelta(days=1),
    )
    state["meeting"] = record_strategy_meeting(
        acting_user=world.social_worker, child=world.child, held_at=NOW - dt.timedelta(hours=1)
    )
    # Re-open a MASH referral so MASH triage sees the child (the assessment triaged the first).
    from risk.services import open_mash_referral

    open_mash_referral(
        acting_user=world.social_worker, child=world.child, episode=None, received_at=NOW
    )
    state["deadline"] = Deadline.objects.filter(child=world.child).first()
    assert state["deadline"] is not None, "the scene should have created deadlines"
    return state


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda operation: operation.name)
def test_permission_matrix(world, client_for, operation: Operation):
    state = _state(world, operation.needs_open)
    personas = world.personas()
    assert set(personas) == EVERYONE
    mismatches = []
    for name, user in personas.items():
        # Each persona acts on the same starting state: their changes are rolled back.
        with transaction.atomic():
            client = client_for(user)
            before = operation.counts() if operation.counts else None
            path = operation.path(world, state)
            body = operation.body(world, state) if operation.body else None
            headers = {}
            record = RECORD_PATH.match(path)
            if operation.method == "patch" or (operation.method == "post" and record):
                # If-Match is required on a change of an existing record: the tag this
                # persona's own read gives (a record they cannot read gets a made-up one).
                assert record is not None
                read = client.get(record.group(0))
                headers["HTTP_IF_MATCH"] = read["ETag"] if read.status_code == 200 else '"x"'
            response = getattr(client, operation.method)(path, body, format="json", **headers)
            expected = operation.expected[name]
            if response.status_code != expected:
                mismatches.append(
                    f"{name}: {response.status_code} (expected {expected}) {response.content[:200]!r}"
                )
            elif expected >= 400:
                if response["Content-Type"] != "application/problem+json":
                    mismatches.append(f"{name}: error without problem+json")
                if operation.counts and operation.counts() != before:
                    mismatches.append(f"{name}: refused, but something changed")
            elif operation.counts and operation.counts() == before:
                mismatches.append(f"{name}: accepted, but nothing changed")
            if operation.listed and response.status_code == 200:
                ids = {item["id"] for item in response.json()["results"]}
                if (operation.listed(world, state) in ids) != (name in SEES):
                    mismatches.append(f"{name}: list shows {sorted(ids)}")
            transaction.set_rollback(True)
    assert not mismatches, f"{operation.name}:\n" + "\n".join(mismatches)


def test_a_blind_reference_reads_exactly_like_a_missing_one(world, scene, client_for):
    """pc_frost cannot tell an existing child he may not see from an id that does not exist."""
    client = client_for(world.other_police_liaison)
    body = {"category": "missing", "last_seen_at": "2026-03-30T10:00:00+01:00"}
    hidden = client.post("/api/v1/episodes/", {**body, "child": world.child.pk}, format="json")
    missing_id = Child.objects.order_by("-pk").first().pk + 1000
    absent = client.post("/api/v1/episodes/", {**body, "child": missing_id}, format="json")
    assert hidden.status_code == absent.status_code == 400
    assert hidden.json()["errors"]["child"] == [f"No child with id {world.child.pk}."]
    assert absent.json()["errors"]["child"] == [f"No child with id {missing_id}."]
    assert client.get(f"/api/v1/children/{world.child.pk}/").status_code == 404
    assert client.get(f"/api/v1/children/{missing_id}/").status_code == 404
