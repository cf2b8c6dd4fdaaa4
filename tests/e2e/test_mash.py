"""MASH triage in a real browser: the queue, the triage (RAG rating, with police's grading
as context), the mash_threshold rule, then the missing child risk assessment."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from playwright.sync_api import expect

from children.templatetags.timewords import time_left_in_words as time_left_words
from protocol.models import Deadline
from risk.models import MashReferral, MashTriage, RiskAssessment
from risk.services import close_mash_referral, record_mash_triage, record_risk_assessment
from tests.factories import AllocationFactory, ChildFactory
from tests.risk.support import report_at, returned_at

HOUR = dt.timedelta(hours=1)


def test_mash_triage_rates_the_soonest_referral_and_enforces_the_threshold(
    page, e2e_world, signed_in, axe_check, url
):
    world = e2e_world
    now = timezone.now()
    # Jamie: two earlier episodes in six months, and a third reported 49.5 hours ago (due soonest).
    for days in (60, 30):
        earlier = returned_at(
            world.social_worker,
            world.child,
            last_seen_at=now - days * 24 * HOUR,
            returned=now - (days - 1) * 24 * HOUR,
        )
        record_mash_triage(
            acting_user=world.mash_triage,
            referral=MashReferral.objects.get(episode=earlier),
            rag="green",
            threshold_level=1,
        )
        record_risk_assessment(
            acting_user=world.mash_triage,
            child=world.child,
            rag="green",
            threshold_level=1,
            episode=earlier,
        )
        close_mash_referral(
            acting_user=world.mash_triage, referral=MashReferral.objects.get(episode=earlier)
        )
    report_at(
        world.social_worker,
        world.child,
        last_seen_at=now - 51 * HOUR,
        reported_at=now - 49.5 * HOUR,
        police_risk="medium",
    )
    robin = ChildFactory(
        given_name="Robin", family_name="Later", responsible_authority=world.council
    )
    AllocationFactory(
        child=robin, team=world.team, worker=world.social_worker, started_at=now - 400 * 24 * HOUR
    )
    report_at(world.social_worker, robin, last_seen_at=now - 2 * HOUR, reported_at=now - HOUR)

    signed_in(page, world.mash_triage)
    page.get_by_role("link", name="MASH triage").first.click()
    expect(page.get_by_role("heading", name="MASH triage")).to_be_visible()
    rows = page.get_by_test_id("triage-queue").locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("Jamie Fictional")
    due_at = Deadline.objects.get(child=world.child, rule="risk_assessment", status="open").due_at
    expect(rows.nth(0)).to_contain_text(time_left_words(due_at))
    assert time_left_words(due_at).startswith("due in 2")
    expect(rows.nth(1)).to_contain_text("Robin Later")
    axe_check(page)

    expect(rows.nth(0)).to_contain_text("Medium")  # police's grading, as context

    rows.nth(0).get_by_role("link", name="Triage").click()
    expect(page.get_by_role("heading", name="Triage the referral")).to_be_visible()
    expect(page.get_by_test_id("police-grading")).to_contain_text("Medium")
    expect(page.get_by_test_id("police-grading")).to_contain_text("not the rating")
    page.get_by_label("Amber").check()
    page.get_by_label("Level 2: early help").check()
    page.get_by_role("button", name="Save triage").click()

    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("must be 3 or above (Haringey protocol 14.5)")
    expect(page.locator("#id_threshold_level_error")).to_contain_text("must be 3 or above")
    assert page.title().startswith("Error: ")
    axe_check(page)
    summary.get_by_role("link").first.click()
    expect(page.locator("#id_threshold_level_0")).to_be_focused()

    page.get_by_label("Level 3: targeted support (child in need)").check()
    page.get_by_label("Reason for this rating").fill("Third episode in six months.")
    page.get_by_role("button", name="Save triage").click()

    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Triage recorded for Jamie Fictional"
    )
    expect(page.get_by_test_id("triage-queue").locator("tbody tr")).to_have_count(1)
    triage = MashTriage.objects.get(child=world.child, reason__startswith="Third")
    assert (triage.rag, triage.threshold_level, triage.police_risk_seen) == ("amber", 3, "medium")
    # Amber: the assessment is due 24 hours after the report, 49.5 hours ago: overdue.
    due_at = Deadline.objects.get(child=world.child, rule="risk_assessment", status="open").due_at
    assert due_at == triage.episode.reported_at + 24 * HOUR
    triaged = page.get_by_test_id("rated-referrals").locator("tbody tr")
    expect(triaged.nth(0)).to_contain_text("Jamie Fictional")
    expect(triaged.nth(0)).to_contain_text(time_left_words(due_at))
    axe_check(page)

    triaged.nth(0).get_by_role("link", name="Record assessment").click()
    expect(
        page.get_by_role("heading", name="Record the missing child risk assessment")
    ).to_be_visible()
    expect(page.get_by_test_id("triage-summary")).to_contain_text("Amber")
    page.get_by_label("Child sexual exploitation (CSE)").check()
    page.get_by_label("Going missing with other children").check()
    page.get_by_label("Analysis", exact=True).fill("Seen with older youths at the car wash.")
    page.get_by_label("Plan", exact=True).fill("Police to check the car wash; daily contact.")
    page.get_by_role("button", name="Save assessment").click()

    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Risk assessment recorded for Jamie Fictional"
    )
    assessment = RiskAssessment.objects.get(child=world.child, rationale__startswith="Seen")
    assert (assessment.rag, assessment.threshold_level) == ("amber", 3), "from the triage"
    assert assessment.indicators == ["cse", "missing_with_others"]
    assert assessment.plan.startswith("Police to check")
    assert (
        Deadline.objects.get(
            child=world.child, rule="risk_assessment", episode=triage.episode
        ).status
        == "met"
    )
