"""The protocol page says what the engine does, with each rule's source paragraph, from
the same settings (issue 12: the MASH triage clock, the strategy review until the concern
is resolved, and the HERTS criteria when they are in force)."""

from __future__ import annotations

from django.urls import reverse

from protocol.catalogue import describe_rules


def _rule(rule: str, settings=None):
    return next(r for r in describe_rules(settings) if r.rule == rule)


def test_the_risk_assessment_rule_names_the_triage_and_its_source_paragraphs():
    described = _rule("risk_assessment")
    assert "MASH triages" in described.trigger
    assert "Reported + 4 hours if MASH triaged it Red" in described.due
    assert "never the rating" in described.due
    assert described.source.startswith("Haringey protocol 14.1")


def test_the_strategy_review_rule_runs_until_the_concern_is_resolved():
    described = _rule("strategy_review")
    assert "concern is resolved" in described.due
    assert described.source == "Haringey protocol 18.3"


def test_the_page_shows_the_herts_criteria_only_when_they_are_in_force(client, world, settings):
    client.force_login(world.social_worker)
    page = client.get(reverse("protocol:index")).content.decode()
    assert "MASH triage, then the risk assessment" in page
    assert "Haringey protocol 14.1" in page
    assert "Strategy reviews until the concern is resolved" in page
    assert "Return interview criteria" not in page
    settings.PROTOCOL = {"return_interview_scope": "criteria"}
    page = client.get(reverse("protocol:index")).content.decode()
    assert "Return interview criteria" in page
    assert "missing on two or more occasions (any history)" in page
    assert "Criteria for Visiting Children and Young People" in page
