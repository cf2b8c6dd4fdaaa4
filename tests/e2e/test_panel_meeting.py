"""Issue 12: a panel meeting end to end in a real browser. A police officer refers a
child to the MACE panel; the referral is on the next meeting's agenda; the Missing
Co-ordinator records attendance, the discussion (meeting the panel_referral deadline),
links a place already recorded and adds a safety plan action; the action is carried
forward to the next meeting, and marked done there."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from playwright.sync_api import expect

from contextual.services import link_episode_place, record_place
from panels.models import PanelAction, PanelCase, PanelMeeting
from panels.services import add_panel_member, schedule_panel_meeting, set_up_panel
from protocol.models import Deadline
from risk.services import record_risk_assessment
from tests.factories import AllocationFactory, ChildFactory
from tests.risk.support import fill_date, report_at

HOUR = dt.timedelta(hours=1)


def test_a_police_referral_discussed_planned_carried_forward_and_done(
    page, e2e_world, signed_in, axe_check, url
):
    world = e2e_world
    now = timezone.now()
    rita = ChildFactory(given_name="Rita", family_name="Red", responsible_authority=world.council)
    AllocationFactory(
        child=rita, team=world.team, worker=world.social_worker, started_at=now - 400 * 24 * HOUR
    )
    episode = report_at(
        world.social_worker,
        rita,
        last_seen_at=now - 5 * HOUR,
        reported_at=now - 4 * HOUR,
        police_force=world.force,
    )
    record_risk_assessment(
        acting_user=world.mash_triage,
        child=rita,
        rag="red",
        threshold_level=4,
        episode=episode,
        rationale="Seen getting into cars outside the car wash.",
    )
    car_wash = record_place(
        acting_user=world.missing_coordinator,
        authority=world.council,
        name="Northwick Hand Car Wash",
        kind="car_wash",
        postcode="N17 6AB",
    )
    link_episode_place(
        acting_user=world.social_worker, episode=episode, place=car_wash, role="last_seen"
    )
    mace = set_up_panel(
        acting_user=world.missing_coordinator,
        authority=world.council,
        kind="mace",
        cadence="monthly",
    )
    member = add_panel_member(
        acting_user=world.missing_coordinator,
        panel=mace,
        name="DS Morgan Vale",
        agency=world.force,
        role="Exploitation lead",
    )
    first = schedule_panel_meeting(
        acting_user=world.missing_coordinator,
        authority=world.council,
        kind="mace",
        meets_at=now + HOUR,
    )
    deadline = Deadline.objects.get(child=rita, rule="panel_referral")
    assert deadline.status == "open"

    # The police officer refers Rita from her record.
    signed_in(page, world.police_liaison)
    page.goto(url("casework:child_record", rita.pk))
    page.get_by_role("link", name="Refer to a panel").click()
    axe_check(page)
    page.get_by_label("Multi-Agency Child Exploitation panel (MACE)").check()
    page.get_by_label("Child criminal exploitation (CCE) and county lines").check()
    page.get_by_label("Why refer to the panel").fill(
        "Stopped twice in cars with older males near the car wash."
    )
    page.get_by_role("button", name="Refer").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Rita Red has been referred to the Multi-Agency Child Exploitation panel (MACE)"
    )
    deadline.refresh_from_db()
    assert deadline.status == "open", "a referral alone does not meet the deadline"
    page.context.clear_cookies()

    # The Missing Co-ordinator runs the meeting.
    signed_in(page, world.missing_coordinator)
    page.goto(url("panels:index"))
    page.locator("#panels-upcoming").get_by_role("link").first.click()
    case = page.get_by_test_id("agenda-case")
    expect(case).to_have_count(1)
    expect(case).to_contain_text("Rita Red")
    expect(case.get_by_test_id("referral")).to_contain_text("Northwick Police")
    axe_check(page)

    page.get_by_role("group", name="DS Morgan Vale (Northwick Police)").get_by_label(
        "Attended"
    ).check()
    page.get_by_role("button", name="Save attendance").click()
    expect(page.get_by_test_id("attendance")).to_contain_text(
        "DS Morgan Vale (Northwick Police): attended"
    )

    case = page.get_by_test_id("agenda-case")
    case.get_by_label("What the panel discussed and decided").fill(
        "Police to serve a disruption notice on the car wash; school to share attendance."
    )
    case.get_by_role("button", name="Save discussion").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Discussion of Rita Red recorded"
    )
    deadline.refresh_from_db()
    assert deadline.status == "met", "the panel_referral deadline is met by the discussion"

    case = page.get_by_test_id("agenda-case")
    case.get_by_text("Link intelligence for Rita Red").click()
    case.get_by_label("Record to link").select_option(
        label=f"Place: {car_wash} (last seen, {timezone.localtime(episode.last_seen_at):%d %B %Y})"
    )
    case.get_by_role("button", name="Link").click()
    expect(page.get_by_test_id("intelligence")).to_contain_text("Northwick Hand Car Wash")

    case = page.get_by_test_id("agenda-case")
    case.get_by_text("Add an action for Rita Red").click()
    case.get_by_label("Action").fill("Disruption notice to the car wash")
    case.get_by_label("Owner").select_option(label="Northwick Police")
    fill_date(case, "Due date", timezone.localdate(now) + dt.timedelta(days=7))
    case.get_by_role("button", name="Add action").click()
    expect(page.get_by_test_id("agenda-case")).to_contain_text("Disruption notice to the car wash")
    axe_check(page)

    # The next meeting, a month on: Rita's open action is carried forward.
    page.get_by_role("button", name="Schedule the next meeting").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Next meeting scheduled"
    )
    second = PanelMeeting.objects.exclude(pk=first.pk).get()
    assert timezone.localtime(second.meets_at).day == timezone.localtime(first.meets_at).day or (
        timezone.localtime(first.meets_at).day > 28
    )
    case = page.get_by_test_id("agenda-case")
    expect(case).to_contain_text("Rita Red")
    expect(case).to_contain_text("Safety plan actions carried forward")
    expect(case).to_contain_text("Carried from the panel of")
    axe_check(page)
    case.get_by_role("button", name="Mark done").click()
    expect(page.get_by_test_id("agenda-case").locator(".govuk-tag--green")).to_have_text("Done")
    assert PanelAction.objects.filter(done_at__isnull=True).count() == 0
    assert PanelCase.objects.filter(meeting=second, child=rita).exists()
    assert member.attendance.get().status == "attended"
