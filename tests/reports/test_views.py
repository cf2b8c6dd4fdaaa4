"""The reports pages: who may read them, what each reader counts, bad filters, exports."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from reports.models import ReportExport
from tests.factories import AllocationFactory, ChildFactory, MembershipFactory
from tests.reports.support import add_episode, london

NOW = dt.datetime(2026, 6, 10, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def episodes(world):
    """One episode of the team's child, one of a child of another team, one elsewhere."""
    other_child = ChildFactory(given_name="Robin", responsible_authority=world.council)
    AllocationFactory(child=other_child, team=world.other_team, started_at=london(2020, 1, 1))
    elsewhere = ChildFactory(given_name="Kit", responsible_authority=world.other_council)
    add_episode(
        world.child, london(2026, 5, 2, 12), london(2026, 5, 2, 20), reported_by=world.social_worker
    )
    add_episode(other_child, london(2026, 5, 3, 12), None, reported_by=world.social_worker)
    add_episode(
        elsewhere, london(2026, 5, 4, 12), london(2026, 5, 4, 13), reported_by=world.social_worker
    )
    return other_child


def total_episodes(response) -> str:
    html = response.content.decode()
    start = html.index('data-testid="table-episodes_by_month"')
    total_row = html.index(">Total<", start)
    cells = html[total_row:].split('govuk-table__cell--numeric">')
    return cells[5].split("<")[0]


@pytest.mark.parametrize(
    "persona", ["police_liaison", "social_worker", "mash_triage", "return_officer", "outsider"]
)
def test_only_managers_read_reports(client, world, persona):
    client.force_login(getattr(world, persona))
    assert client.get(reverse("reports:index")).status_code == 403
    assert client.get(reverse("reports:oversight")).status_code == 403


def test_an_anonymous_reader_is_sent_to_sign_in(client, world):
    response = client.get(reverse("reports:index"))
    assert response.status_code == 302 and response["Location"].startswith("/sign-in/")


def test_the_missing_coordinator_counts_the_whole_authority(client, world, episodes):
    client.force_login(world.missing_coordinator)
    response = client.get(reverse("reports:index"))
    assert response.status_code == 200
    assert total_episodes(response) == "2", "both of Northwick's episodes, not Southmere's"
    assert 'role="img"' in response.content.decode()


def test_a_team_manager_counts_only_their_own_teams(client, world, episodes):
    client.force_login(world.team_manager)
    response = client.get(reverse("reports:index"))
    assert total_episodes(response) == "1", "the team's child only"
    other_team = client.get(reverse("reports:index"), {"team": world.other_team.pk})
    assert other_team.status_code == 200 and "Select a valid choice" in other_team.content.decode()


def test_a_team_manager_sees_only_their_teams_children_in_the_oversight_lists(
    client, world, episodes
):
    client.force_login(world.team_manager)
    html = client.get(reverse("reports:oversight")).content.decode()
    assert "Robin" not in html
    client.force_login(world.missing_coordinator)
    html = client.get(reverse("reports:oversight")).content.decode()
    assert "Robin Example" in html, "missing now, for the authority-wide reader"
    assert reverse("casework:child_record", args=[episodes.pk]) in html


def test_the_reports_link_is_shown_only_to_readers(client, world):
    client.force_login(world.social_worker)
    assert reverse("reports:index") not in client.get(reverse("home")).content.decode()
    client.force_login(world.team_manager)
    assert reverse("reports:index") in client.get(reverse("home")).content.decode()


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"from_date": "2026-13-01"}, "From must be a real date"),
        ({"from_date": "2026-05-01", "to_date": "2026-04-01"}, "same as or after its start"),
        ({"from_date": "2010-01-01", "to_date": "2026-04-01"}, "at most six years"),
        ({"age_bands": "0-9, 5-12"}, "must not overlap"),
        ({"authority": "not-a-number"}, "Select a valid choice"),
        ({"legal_status": "pirate"}, "Select a valid choice"),
    ],
)
def test_bad_filters_show_an_error_and_no_numbers(client, world, query, message):
    client.force_login(world.missing_coordinator)
    response = client.get(reverse("reports:index"), query)
    html = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in html and message in html
    assert 'data-testid="table-episodes_by_month"' not in html


def test_small_numbers_are_hidden_when_asked(client, world, episodes):
    client.force_login(world.missing_coordinator)
    html = client.get(reverse("reports:index"), {"suppress": "on"}).content.decode()
    assert "fewer than 6" in html


def test_another_authority_is_forbidden(client, world, episodes):
    client.force_login(world.missing_coordinator)
    response = client.get(reverse("reports:index"), {"authority": world.other_council.pk})
    assert "Select a valid choice" in response.content.decode()


def test_an_export_is_recorded_and_only_its_requester_may_download_it(
    client, world, episodes, settings
):
    from reports.exports import build_export

    client.force_login(world.missing_coordinator)
    response = client.post(
        reverse("reports:export_create") + "?from_date=2026-05-01&to_date=2026-05-31",
        {"kind": "committee", "format": "csv"},
    )
    export = ReportExport.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "reports:export", args=[export.pk]
    )
    assert (export.requested_by, export.format, export.parameters["from"]) == (
        world.missing_coordinator,
        "csv",
        "2026-05-01",
    )
    build_export(export.pk)
    export.refresh_from_db()
    assert export.status == "ready" and export.rows and export.rows > 0
    download = reverse("reports:export_download", args=[export.pk])
    assert client.get(download).status_code == 200
    client.force_login(MembershipFactory(team=world.missing_team, role="missing_coordinator").user)
    assert client.get(download).status_code == 403, "another co-ordinator of the same authority"
    assert client.get(reverse("reports:export", args=[export.pk])).status_code == 404


def test_a_download_expires_after_24_hours(client, world, episodes):
    from reports.exports import build_export

    client.force_login(world.missing_coordinator)
    client.post(reverse("reports:export_create"), {"kind": "committee", "format": "xlsx"})
    export = ReportExport.objects.get()
    build_export(export.pk)
    download = reverse("reports:export_download", args=[export.pk])
    with time_machine.travel(NOW + dt.timedelta(hours=24) - dt.timedelta(seconds=1), tick=False):
        client.force_login(world.missing_coordinator)  # a fresh session: sessions time out
        assert client.get(download).status_code == 200
    with time_machine.travel(NOW + dt.timedelta(hours=24), tick=False):
        client.force_login(world.missing_coordinator)
        assert client.get(download).status_code == 410


def test_police_cannot_export(client, world):
    client.force_login(world.police_liaison)
    response = client.post(reverse("reports:export_create"), {"kind": "committee", "format": "csv"})
    assert response.status_code == 403
    assert not ReportExport.objects.exists()


def test_a_bad_export_format_is_refused_without_a_record(client, world):
    client.force_login(world.missing_coordinator)
    response = client.post(
        reverse("reports:export_create"), {"kind": "committee", "format": "docx"}
    )
    assert response.status_code == 400
    assert not ReportExport.objects.exists()


def test_a_table_is_drawn_as_govuk_markup_with_every_text_escaped():
    from reports.tables import Table, table_html

    table = Table(
        key="by_team",
        caption="Deadlines <by team>",
        headers=["Team", "Met", "Breached"],
        rows=[["Duty & Assessment <A>", 3, 1]],
    )
    html = str(table_html(table, [["Duty & Assessment <A>", "3", "fewer than 6"]]))
    assert html == (
        '<div class="reports-table-wrapper"><table class="govuk-table" data-testid="table-by_team">'
        '<caption class="govuk-table__caption govuk-table__caption--s">Deadlines &lt;by team&gt;</caption>'
        '<thead class="govuk-table__head"><tr class="govuk-table__row">'
        '<th scope="col" class="govuk-table__header">Team</th>'
        '<th scope="col" class="govuk-table__header govuk-table__header--numeric">Met</th>'
        '<th scope="col" class="govuk-table__header govuk-table__header--numeric">Breached</th>'
        '</tr></thead><tbody class="govuk-table__body"><tr class="govuk-table__row">'
        '<th scope="row" class="govuk-table__header">Duty &amp; Assessment &lt;A&gt;</th>'
        '<td class="govuk-table__cell govuk-table__cell--numeric">3</td>'
        '<td class="govuk-table__cell govuk-table__cell--numeric">fewer than 6</td>'
        "</tr></tbody></table></div>"
    )
