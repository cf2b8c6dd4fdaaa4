"""Operators' commands: protocol_sweep (with --now for drills) and protocol_check."""

from __future__ import annotations

import io

import pytest
import time_machine
from django.core.management import CommandError, call_command

from protocol.models import Deadline, Status
from tests.protocol.sweep_support import HOUR, T0, own_cache, report, returned

__all__ = ["own_cache"]

pytestmark = pytest.mark.usefixtures("own_cache")


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.fixture
def episode(world):
    with time_machine.travel(T0, tick=False) as clock:
        episode = report(world, last_seen_at=T0, reported_to_police_at=T0)
        clock.move_to(T0 + 2 * HOUR)
        return returned(world, episode, returned_at=T0 + 2 * HOUR)


def test_protocol_sweep_with_now_sweeps_at_that_time_and_says_what_it_did(world, episode):
    # The safe and well check is due at T0 + 26 h (11:00 UTC + 24 h); 12:00 BST is 11:00 UTC.
    output = run("protocol_sweep", "--now", "2026-06-10T12:00:00+01:00")
    check = Deadline.objects.get(episode=episode, rule="safe_and_well_check")
    assert check.status == Status.BREACHED
    assert "1 breached" in output
    assert "notifications written" in output


def test_protocol_sweep_one_second_earlier_breaches_nothing(world, episode):
    output = run("protocol_sweep", "--now", "2026-06-10T11:59:59+01:00")
    assert "0 breached" in output
    assert Deadline.objects.get(episode=episode, rule="safe_and_well_check").status == Status.OPEN


def test_protocol_sweep_refuses_a_naive_or_malformed_time(world, episode):
    with pytest.raises(CommandError, match="offset"):
        run("protocol_sweep", "--now", "2026-06-10T12:00:00")
    with pytest.raises(CommandError, match="ISO 8601"):
        run("protocol_sweep", "--now", "next Tuesday")
    assert not Deadline.objects.filter(status=Status.BREACHED).exists()


def test_protocol_sweep_refuses_now_in_production(world, episode, settings):
    settings.IS_PRODUCTION = True
    with pytest.raises(CommandError, match="refused in production"):
        run("protocol_sweep", "--now", "2026-06-10T12:00:00+01:00")
    assert not Deadline.objects.filter(status=Status.BREACHED).exists()


def test_protocol_sweep_without_now_sweeps_at_the_real_time(world, episode):
    with time_machine.travel(T0 + 30 * HOUR, tick=False):
        output = run("protocol_sweep")
    assert "Swept at 2026-06-10T15:00:00+00:00" in output
    assert (
        Deadline.objects.get(episode=episode, rule="safe_and_well_check").status == Status.BREACHED
    )


def test_protocol_check_prints_the_ledger_in_london_time_with_reasons(world, episode):
    with time_machine.travel(T0 + 3 * HOUR, tick=False):
        output = run("protocol_check", str(world.child.pk))
    assert "return_interview" in output
    # Returned 11:00 UTC = 12:00 BST on 9 June; interview due 72 hours later.
    assert "due 12 Jun 2026 12:00 BST" in output
    assert "independent return interview" in output
    assert "The ledger matches what the rules compute now." in output


def test_protocol_check_shows_what_the_rules_compute_when_the_ledger_differs(
    world, episode, settings
):
    settings.PROTOCOL = {"return_interview_hours": 48}
    with time_machine.travel(T0 + 3 * HOUR, tick=False):
        output = run("protocol_check", str(world.child.pk))
    assert "differently from the ledger" in output
    assert "return_interview [return_interview:episode:" in output
    assert "due 11 Jun 2026 12:00 BST" in output


def test_protocol_check_of_an_unknown_child_is_a_clear_error(db):
    with pytest.raises(CommandError, match="No child with id 999999"):
        run("protocol_check", "999999")
