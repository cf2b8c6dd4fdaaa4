"""Every persona finishes their day (issue 11): one browser walk per persona, from home,
through the navigation their role is shown, to the work their day is made of, with axe
checking each page they work on. What each walk must not meet matters as much: a link
to a page that would refuse them.

The live server runs in another thread, so time is not frozen: times are relative to now.
"""

from __future__ import annotations

import datetime as dt
import re

from django.utils import timezone
from playwright.sync_api import expect

from episodes.models import SafeAndWellCheck
from panels.models import PanelAction, StrategyMeeting
from panels.services import add_panel_case, schedule_panel_meeting
from returns.models import ReturnInterview
from risk.models import MashReferral, MashTriage, RiskAssessment
from risk.services import record_risk_assessment
from tests.factories import AllocationFactory, ChildFactory, LegalStatusFactory, UserFactory
from tests.risk.support import fill_date, report_at, returned_at

HOUR = dt.timedelta(hours=1)


def nav(page, label: str) -> None:
    page.get_by_role("navigation", name="Menu").get_by_role("link", name=label).click()


def nav_labels(page) -> list[str]:
    return page.get_by_role("navigation", name="Menu").get_by_role("link").all_inner_texts()


def success(page, text: str) -> None:
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(text)


def test_the_social_workers_day(page, e2e_world, signed_in, axe_check):
    """Alice hears Jamie has not come home: she reports it, records the return."""
    world = e2e_world
    signed_in(page, world.social_worker)
    assert "Escalations" not in nav_labels(page) and "MASH triage" not in nav_labels(page)
    page.locator("#my-children").get_by_role("link", name="Jamie Fictional").click()
    axe_check(page)
    page.get_by_role("link", name="Report an episode").click()
    now = timezone.now()
    last_seen = timezone.localtime(now - 3 * HOUR)
    page.locator("#id_last_seen_day").fill(str(last_seen.day))
    page.locator("#id_last_seen_month").fill(str(last_seen.month))
    page.locator("#id_last_seen_year").fill(str(last_seen.year))
    page.locator("#id_last_seen_time").fill(f"{last_seen:%H:%M}")
    page.locator("#id_last_seen_location").fill("Northwick Academy")
    page.locator("input[name=missing_from][value=home]").check()
    page.locator("input[name=category][value=missing]").check()
    page.locator("input[name=reported_to_police][value=no]").check()
    page.get_by_role("button", name="Report episode").click()
    success(page, "Missing episode reported for Jamie Fictional")
    axe_check(page)
    page.get_by_role("link", name="Record the return").click()
    returned = timezone.localtime(now - HOUR)
    page.locator("#id_returned_day").fill(str(returned.day))
    page.locator("#id_returned_month").fill(str(returned.month))
    page.locator("#id_returned_year").fill(str(returned.year))
    page.locator("#id_returned_time").fill(f"{returned:%H:%M}")
    page.get_by_label("Where were they found, or where did they return to?").fill("Home")
    page.get_by_label("Returned of their own accord").check()
    page.get_by_role("button", name="Record return").click()
    success(page, "Return recorded")
    # Printed for the file: no navigation or buttons, the marking on the page.
    button = page.get_by_role("link", name="Reclassify")
    expect(button).to_be_visible()
    expect(page.locator(".hw-print-marking")).to_be_hidden()
    page.emulate_media(media="print")
    expect(page.get_by_role("navigation", name="Menu")).to_be_hidden()
    expect(button).to_be_hidden()
    expect(page.locator(".hw-print-marking")).to_contain_text("OFFICIAL-SENSITIVE")
    expect(page.locator(".hw-print-marking")).to_contain_text("Printed by Alice Tester")
    page.emulate_media(media="screen")
    # The day ends at home: the return interview is now among her deadlines' pages.
    nav(page, "Home")
    expect(page.get_by_role("heading", name="Your deadlines")).to_be_visible()
    axe_check(page)


def test_the_mash_triage_day(page, e2e_world, signed_in, axe_check):
    """Dana triages a referral Red (with its reason), corrects the triage, records the
    risk assessment the triage set the clock for, and closes the referral."""
    world = e2e_world
    now = timezone.now()
    episode = report_at(
        world.social_worker, world.child, last_seen_at=now - 3 * HOUR, reported_at=now - 2 * HOUR
    )
    signed_in(page, world.mash_triage)
    nav(page, "MASH triage")
    queue = page.get_by_test_id("triage-queue")
    queue.get_by_role("link", name="Triage").click()
    page.get_by_label("Red", exact=True).check()
    page.get_by_label("Level 4: statutory (child protection)").check()
    page.get_by_role("button", name="Save triage").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Say why the referral is triaged Red"
    )
    axe_check(page)
    page.get_by_label("Reason for this rating").fill("Seen getting into a car with older men.")
    page.get_by_role("button", name="Save triage").click()
    success(page, "Triage recorded for Jamie Fictional")
    rated = page.get_by_test_id("rated-referrals")
    expect(rated).to_contain_text("Jamie Fictional")
    axe_check(page)
    rated.get_by_role("link", name="Correct triage").click()
    page.get_by_label("Amber", exact=True).check()
    page.get_by_label("Reason for this rating").fill(
        "Police found him at a friend's; no older men."
    )
    page.get_by_role("button", name="Save triage").click()
    success(page, "Triage corrected")
    assert MashTriage.objects.get(episode=episode).rag == "amber"
    page.get_by_test_id("rated-referrals").get_by_role("link", name="Record assessment").click()
    page.get_by_label("Analysis", exact=True).fill("School and police checks: safe with a friend.")
    page.get_by_role("button", name="Save assessment").click()
    success(page, "Risk assessment recorded for Jamie Fictional")
    assert RiskAssessment.objects.get(episode=episode).rag == "amber"
    page.get_by_test_id("rated-referrals").get_by_role("button", name="Close referral").click()
    success(page, "Referral for Jamie Fictional closed")
    assert MashReferral.objects.get(episode=episode).status == "closed"


def test_the_team_managers_day(page, e2e_world, signed_in, axe_check):
    """Bob works his escalation queue: a strategy meeting is due for a missing child."""
    world = e2e_world
    now = timezone.now()
    LegalStatusFactory(child=world.child, status="looked_after")
    report_at(
        world.social_worker, world.child, last_seen_at=now - 45 * HOUR, reported_at=now - 44 * HOUR
    )
    signed_in(page, world.team_manager)
    nav(page, "Escalations")
    queue = page.get_by_test_id("escalation-queue")
    expect(queue).to_contain_text("Jamie Fictional")
    axe_check(page)
    queue.get_by_role("link", name="Record meeting").first.click()
    fill_date(page, "When the meeting was held", now - HOUR)
    page.get_by_label("Attendee 1: name").fill("Bob Tester")
    page.get_by_label("Attendee 1: agency").select_option(label="Borough of Northwick")
    page.get_by_label("Decisions").fill("Police to search known addresses.")
    axe_check(page)
    page.get_by_role("button", name="Save meeting").click()
    success(page, "recorded for Jamie Fictional")
    assert StrategyMeeting.objects.filter(child=world.child).exists()
    nav(page, "Meetings")
    expect(page.locator("#strategy-meetings")).to_contain_text("Jamie Fictional")


def test_the_missing_coordinators_day(page, e2e_world, signed_in, axe_check):
    """Grace schedules the exploitation panel and puts a child rated Red on its agenda."""
    world = e2e_world
    now = timezone.now()
    rita = ChildFactory(given_name="Rita", family_name="Red", responsible_authority=world.council)
    AllocationFactory(
        child=rita, team=world.team, worker=world.social_worker, started_at=now - 400 * 24 * HOUR
    )
    episode = returned_at(
        world.social_worker, rita, last_seen_at=now - 40 * HOUR, returned=now - 30 * HOUR
    )
    record_risk_assessment(
        acting_user=world.social_worker, child=rita, rag="red", threshold_level=4,
        episode=episode, rationale="Found in a trap house.",
    )  # fmt: skip
    signed_in(page, world.missing_coordinator)
    nav(page, "Meetings")
    page.get_by_role("link", name="Schedule a panel meeting").click()
    page.get_by_label("Multi-Agency Child Exploitation panel (MACE)").check()
    fill_date(page, "When the panel meets", now + 48 * HOUR)
    page.get_by_role("button", name="Schedule meeting").click()
    candidates = page.get_by_test_id("agenda-candidates")
    candidates.locator("tbody tr").filter(has_text="Rita Red").get_by_role(
        "button", name="Add to agenda"
    ).click()
    expect(page.get_by_test_id("agenda-case")).to_contain_text("Rita Red")
    axe_check(page)


def test_the_return_officers_day(page, e2e_world, signed_in, axe_check):
    """Ivan offers a return interview to a child back home."""
    world = e2e_world
    now = timezone.now()
    returned_at(
        world.social_worker, world.child, last_seen_at=now - 30 * HOUR, returned=now - 10 * HOUR
    )
    signed_in(page, world.return_officer)
    assert nav_labels(page) == [
        "Home",
        "Children",
        "Return interviews",
        "Notifications",
        "Protocol",
    ]
    nav(page, "Return interviews")
    page.get_by_test_id("awaiting-interview").get_by_role("link", name="Record interview").click()
    fill_date(page, "When the interview was offered", now - HOUR)
    axe_check(page)
    page.get_by_role("button", name="Save interview").click()
    success(page, "Return interview recorded")
    assert ReturnInterview.objects.filter(child=world.child).exists()
    # The child's record is open to him, and shows him no link he may not follow.
    page.get_by_role("link", name="Jamie Fictional").first.click()
    expect(page.get_by_role("link", name="Record risk assessment")).to_have_count(0)
    axe_check(page)


def test_the_panel_members_day(page, e2e_world, signed_in, axe_check):
    """Jo reads the agenda of the panel she sits on, with its children, and adds an action."""
    world = e2e_world
    now = timezone.now()
    report_at(
        world.social_worker, world.child, last_seen_at=now - 3 * HOUR, reported_at=now - 2 * HOUR
    )
    panel = schedule_panel_meeting(
        acting_user=world.missing_coordinator, authority=world.council, meets_at=now + 24 * HOUR
    )
    add_panel_case(
        acting_user=world.missing_coordinator,
        meeting=panel,
        child=world.child,
        reason="Missing now",
    )
    signed_in(page, world.panel_member)
    nav(page, "Meetings")
    page.locator("#panels-upcoming").get_by_role("link").first.click()
    case = page.get_by_test_id("agenda-case")
    expect(case).to_contain_text("Jamie Fictional")
    axe_check(page)
    case.get_by_text("Add an action for Jamie Fictional").click()
    case.get_by_label("Action").fill("School to share attendance daily.")
    case.get_by_label("Owner").select_option(label="Borough of Northwick")
    fill_date(case, "Due date", timezone.localdate(now) + dt.timedelta(days=7))
    case.get_by_role("button", name="Add action").click()
    success(page, "Action added for Jamie Fictional")
    assert PanelAction.objects.filter(case__child=world.child).exists()
    case.get_by_role("link", name="Jamie Fictional").click()
    expect(page.get_by_role("heading", name="Jamie Fictional")).to_be_visible()
    axe_check(page)


def test_the_senior_managers_day(page, e2e_world, signed_in, axe_check):
    """Harriet reviews the escalations and a child's record; she rates no risk, and is
    shown no link to do so."""
    world = e2e_world
    now = timezone.now()
    LegalStatusFactory(child=world.child, status="looked_after")
    report_at(
        world.social_worker, world.child, last_seen_at=now - 30 * HOUR, reported_at=now - 29 * HOUR
    )
    signed_in(page, world.senior_manager)
    assert "MASH triage" not in nav_labels(page)
    nav(page, "Escalations")
    queue = page.get_by_test_id("escalation-queue")
    expect(queue).to_contain_text("Jamie Fictional")
    expect(queue.get_by_role("link", name="Record risk assessment")).to_have_count(0)
    axe_check(page)
    queue.get_by_role("link", name="Jamie Fictional").first.click()
    expect(page.get_by_role("link", name="Record risk assessment")).to_have_count(0)
    axe_check(page)
    nav(page, "Meetings")
    expect(page.get_by_role("heading", name="Meetings", exact=True)).to_be_visible()


def test_the_police_liaison_officers_day_in_the_browser(page, e2e_world, signed_in, axe_check):
    """Evan finds a child his force reported, back home, and records the safe and well check."""
    world = e2e_world
    now = timezone.now()
    episode = report_at(
        world.social_worker, world.child, last_seen_at=now - 30 * HOUR,
        reported_at=now - 29 * HOUR, police_force=world.force,
    )  # fmt: skip
    from episodes.services import record_return

    record_return(acting_user=world.social_worker, episode=episode, returned_at=now - 2 * HOUR)
    signed_in(page, world.police_liaison)
    assert nav_labels(page) == ["Home", "Children", "Notifications", "Protocol"]
    nav(page, "Children")
    page.get_by_label("Search by name, date of birth or police reference").fill("Jamie")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="Jamie Fictional").click()
    expect(page.get_by_role("link", name="Record risk assessment")).to_have_count(0)
    axe_check(page)
    page.get_by_role("link", name="Record safe and well check").first.click()
    checked = timezone.localtime(now - HOUR)
    page.locator("#id_checked_day").fill(str(checked.day))
    page.locator("#id_checked_month").fill(str(checked.month))
    page.locator("#id_checked_year").fill(str(checked.year))
    page.locator("#id_checked_time").fill(f"{checked:%H:%M}")
    page.get_by_label("Officer who carried out the check (optional)").fill("PC Evans")
    page.get_by_role("button", name="Record check").click()
    success(page, "Safe and well check recorded.")
    assert SafeAndWellCheck.objects.filter(episode=episode).exists()
    axe_check(page)


def test_the_administrators_day(page, e2e_world, signed_in, axe_check):
    """The administrator reaches Django's admin from the navigation and comes back."""
    admin = UserFactory(
        username="root", first_name="Ada", last_name="Admin", is_staff=True, is_superuser=True
    )
    signed_in(page, admin)
    nav(page, "Administration")
    expect(page).to_have_url(re.compile(r"/admin/$"))
    page.get_by_role("link", name="Users").first.click()
    expect(page.locator("#result_list")).to_contain_text("alice")
    page.goto(page.url.split("/admin/")[0] + "/")
    expect(page.get_by_role("heading", name="Welcome, Ada Admin")).to_be_visible()
    axe_check(page)
