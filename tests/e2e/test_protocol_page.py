"""Browser journey: the protocol page, read from the same settings the engine uses."""

from __future__ import annotations

from playwright.sync_api import expect

from protocol.models import Rule


def test_the_protocol_page_lists_every_rule_with_its_configured_numbers(
    page, e2e_world, signed_in, axe_check, url, settings
):
    # A local authority with a 48-hour return interview window changes configuration only.
    settings.PROTOCOL = {"return_interview_hours": 48}
    signed_in(page, e2e_world.social_worker)
    page.get_by_role("link", name="Protocol").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("The missing children protocol")
    rows = page.locator("#protocol-rules tbody tr")
    expect(rows).to_have_count(len(Rule.choices))
    interview = page.locator("#rule-return_interview")
    expect(interview).to_contain_text("Returned + 48 hours")
    expect(interview).to_contain_text("Return interview officer")
    expect(interview).to_contain_text("Haringey protocol 22.2")
    expect(page.locator("#rule-risk_assessment")).to_contain_text(
        "Reported + 4 hours if MASH triaged it Red, 24 hours if Amber, 72 hours if Green"
    )
    expect(page.locator("#rule-police_report_check")).to_contain_text("Recorded + 1 hour")
    told = page.locator("#protocol-who-is-told")
    expect(told).to_contain_text("The Missing Co-ordinators of the host and of the placing")
    expect(told).to_contain_text("Haringey protocol 15.2, 17.2 to 17.4")
    axe_check(page)


def test_the_protocol_page_is_for_signed_in_people_only(client, world):
    from django.urls import reverse

    response = client.get(reverse("protocol:index"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    for persona, user in world.personas().items():
        if persona == "anonymous":
            continue
        client.force_login(user)
        assert client.get(reverse("protocol:index")).status_code == 200, persona


def test_every_rule_of_the_engine_is_on_the_protocol_page():
    from protocol.catalogue import describe_rules
    from protocol.rules import RULES

    assert [row.rule for row in describe_rules()] == list(RULES)
