"""The oversight lists: live, scoped to the reader, each on both sides of its boundary."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from reports.oversight import (
    approaching_eighteen,
    looked_after_missing_this_week,
    missing_now,
    repeat_episodes,
    vulnerable_adolescents,
)
from reports.selectors import report_children, report_scope
from risk.models import RiskAssessment
from tests.factories import ChildFactory, LegalStatusFactory
from tests.reports.support import add_episode, london

NOW = london(2026, 6, 10, 12)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def children_for(user):
    return report_children(user, report_scope(user))


def test_children_missing_now_longest_first(world):
    sw = world.social_worker
    later = ChildFactory(given_name="Later", responsible_authority=world.council)
    add_episode(world.child, london(2026, 6, 1, 12), None, reported_by=sw)
    add_episode(later, london(2026, 6, 9, 12), None, reported_by=sw)
    returned = ChildFactory(given_name="Back", responsible_authority=world.council)
    add_episode(returned, london(2026, 6, 1, 12), london(2026, 6, 2, 12), reported_by=sw)
    listed = missing_now(children_for(world.missing_coordinator), NOW)
    assert [row[0] for row in listed.rows] == ["Jamie Fictional", "Later Example"]
    assert listed.rows[0][5] == "9 days 0 hours"


def test_three_episodes_in_90_days_counts_from_the_date_90_days_before_inclusive(world):
    sw = world.social_worker
    # 90 days before 10 June 2026 is 12 March 2026.
    for day in (london(2026, 3, 12, 0, 0), london(2026, 4, 1, 12), london(2026, 5, 1, 12)):
        add_episode(world.child, day, day + dt.timedelta(hours=2), reported_by=sw)
    other = ChildFactory(given_name="Outside", responsible_authority=world.council)
    for day in (london(2026, 3, 11, 23, 59), london(2026, 4, 1, 12), london(2026, 5, 1, 12)):
        add_episode(other, day, day + dt.timedelta(minutes=1), reported_by=sw)
    listed = repeat_episodes(children_for(world.missing_coordinator), NOW)
    assert [row[0] for row in listed.rows] == ["Jamie Fictional"]


def test_approaching_eighteen_is_aged_17_with_an_episode_in_the_last_year(world):
    sw = world.social_worker
    seventeen = ChildFactory(
        given_name="Seventeen",
        date_of_birth=dt.date(2009, 6, 10),
        responsible_authority=world.council,
    )
    sixteen = ChildFactory(
        given_name="Sixteen",
        date_of_birth=dt.date(2009, 6, 11),
        responsible_authority=world.council,
    )
    for child in (seventeen, sixteen):
        add_episode(child, london(2026, 1, 5, 12), london(2026, 1, 5, 14), reported_by=sw)
    listed = approaching_eighteen(children_for(world.missing_coordinator), NOW)
    assert [row[0] for row in listed.rows] == ["Seventeen Example"]


def test_looked_after_children_missing_in_the_last_seven_days(world):
    sw = world.social_worker
    LegalStatusFactory(child=world.child, status="looked_after")
    add_episode(world.child, london(2026, 6, 3, 12), london(2026, 6, 4, 0, 0), reported_by=sw)
    not_looked_after = ChildFactory(given_name="Home", responsible_authority=world.council)
    add_episode(not_looked_after, london(2026, 6, 8, 12), None, reported_by=sw)
    earlier = ChildFactory(given_name="Earlier", responsible_authority=world.council)
    LegalStatusFactory(child=earlier, status="looked_after")
    add_episode(earlier, london(2026, 6, 2, 12), london(2026, 6, 3, 23, 59), reported_by=sw)
    listed = looked_after_missing_this_week(children_for(world.missing_coordinator), NOW)
    assert [row[0] for row in listed.rows] == ["Jamie Fictional"], (
        "returned on 4 June: within 7 days"
    )


def test_vulnerable_adolescents_have_exploitation_concerns_or_a_panel_referral(world):
    sw = world.social_worker
    episode = add_episode(
        world.child, london(2026, 5, 1, 12), london(2026, 5, 1, 14), reported_by=sw
    )
    RiskAssessment.objects.create(
        child=world.child,
        episode=episode,
        rag="red",
        threshold_level=3,
        indicators=["cce_county_lines"],
        assessed_at=london(2026, 5, 1, 15),
        assessed_by=sw,
    )
    quiet = ChildFactory(given_name="Quiet", responsible_authority=world.council)
    add_episode(quiet, london(2026, 5, 1, 12), london(2026, 5, 1, 14), reported_by=sw)
    listed = vulnerable_adolescents(children_for(world.missing_coordinator), NOW)
    assert [row[0] for row in listed.rows] == ["Jamie Fictional"]
    assert "county lines" in listed.rows[0][3]


def test_a_team_manager_lists_only_their_teams_children(world):
    other = ChildFactory(given_name="Robin", responsible_authority=world.council)
    add_episode(other, london(2026, 6, 1, 12), None, reported_by=world.social_worker)
    add_episode(world.child, london(2026, 6, 2, 12), None, reported_by=world.social_worker)
    listed = missing_now(children_for(world.team_manager), NOW)
    assert [row[0] for row in listed.rows] == ["Jamie Fictional"]


def test_a_lists_rows_are_escaped_markup_with_each_name_linking_to_the_record():
    from django.urls import reverse

    from reports.oversight import OversightList

    listed = OversightList(
        "missing_now",
        "Children missing now",
        "Daily tracking",
        ["Child", "Category"],
        [["Zoë <b>O'Neil</b> & co", "Missing"], ["Sam", 3]],
        [41, 987654],
    )
    assert listed.body_html == (
        '<tr class="govuk-table__row"><th scope="row" class="govuk-table__header">'
        f'<a class="govuk-link" href="{reverse("casework:child_record", args=[41])}">'
        "Zoë &lt;b&gt;O&#x27;Neil&lt;/b&gt; &amp; co</a></th>"
        '<td class="govuk-table__cell">Missing</td></tr>'
        '<tr class="govuk-table__row"><th scope="row" class="govuk-table__header">'
        f'<a class="govuk-link" href="{reverse("casework:child_record", args=[987654])}">'
        'Sam</a></th><td class="govuk-table__cell">3</td></tr>'
    )
