"""MASH triage pages: the queue, ordered by assessment due; the triage (RAG rating) form;
the missing child risk assessment form that follows it (decision 0012)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from agencies.models import Role
from core.errors import Conflict, NotAllowed
from protocol.models import Deadline
from risk.models import MashReferral, MashTriage, RiskAssessment
from risk.services import (
    amend_risk_assessment,
    close_mash_referral,
    record_mash_triage,
    record_risk_assessment,
)
from tests.factories import MembershipFactory, UserFactory
from tests.risk.support import (
    NOW,
    allocated_child,
    assert_redirects_to_sign_in,
    constant_queries,
    report,
    returned_episode,
    signed_in,
)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def assess_url(referral) -> str:
    return reverse("risk:assess", args=[referral.child_id]) + f"?referral={referral.pk}"


def triage_url(referral) -> str:
    return reverse("risk:triage", args=[referral.pk])


def triaged(world, referral, *, rag: str = "amber", level: int = 2):
    return record_mash_triage(
        acting_user=world.mash_triage, referral=referral, rag=rag, threshold_level=level
    )


def test_the_queue_lists_open_referrals_soonest_assessment_first_with_time_left(client, world):
    later = report(world, last_seen_hours_ago=3, reported_hours_ago=2)  # due in 70 hours
    sooner_child = allocated_child(world, given_name="Robin", family_name="Sooner")
    report(world, sooner_child, last_seen_hours_ago=60, reported_hours_ago=50)  # due in 22 hours
    response = signed_in(client, world.mash_triage).get(reverse("risk:index"))
    assert response.status_code == 200
    rows = [referral.child.given_name for referral in response.context["referrals"]]
    assert rows == ["Robin", "Jamie"]
    html = response.content.decode()
    assert "due in 22 hours" in html
    assert "due in 2 days" in html
    assert later.mash_referrals.get().status == "open"


def test_a_triaged_referral_leaves_the_queue(client, world):
    episode = report(world)
    referral = episode.mash_referrals.get()
    signed_in(client, world.mash_triage).post(
        triage_url(referral), {"rag": "amber", "threshold_level": "2"}
    )
    referral.refresh_from_db()
    assert referral.status == "triaged"
    response = client.get(reverse("risk:index"))
    assert list(response.context["referrals"]) == []
    assert [r.pk for r in response.context["rated"]] == [referral.pk]


def test_the_triage_sets_the_clock_and_the_assessment_meets_it(client, world):
    episode = report(world)  # reported 4 hours ago
    referral = episode.mash_referrals.get()
    client = signed_in(client, world.mash_triage)
    response = client.post(
        triage_url(referral),
        {"rag": "red", "threshold_level": "4", "reason": "Seen with older men."},
    )
    assert response.status_code == 302
    triage = MashTriage.objects.get(child=world.child)
    assert (triage.rag, triage.threshold_level, triage.triaged_by) == ("red", 4, world.mash_triage)
    ledger = Deadline.objects.get(episode=episode, rule="risk_assessment")
    assert (ledger.status, ledger.due_at) == ("open", episode.reported_at + dt.timedelta(hours=4))
    assert not RiskAssessment.objects.exists(), "the triage is not the assessment"
    page = client.get(assess_url(referral))
    assert page.context["form"]["rag"].value() == "red", "the assessment starts from the triage"
    response = client.post(
        assess_url(referral),
        {
            "rag": "red",
            "threshold_level": "4",
            "indicators": ["cse", "missing_with_others"],
            "rationale": "Partners: seen with older men at the car wash.",
            "plan": "Police to visit the car wash.",
        },
    )
    assert response.status_code == 302
    assessment = RiskAssessment.objects.get(child=world.child)
    assert (assessment.rag, assessment.threshold_level) == ("red", 4)
    assert assessment.indicators == ["cse", "missing_with_others"]
    assert assessment.plan == "Police to visit the car wash."
    assert assessment.referral == referral and assessment.episode == episode
    assert Deadline.objects.get(episode=episode, rule="risk_assessment").status == "met"


def test_the_triage_page_shows_police_grading_as_context(client, world):
    referral = report(world, police_risk="high").mash_referrals.get()
    response = signed_in(client, world.mash_triage).get(triage_url(referral))
    html = response.content.decode()
    assert "Police's APP risk grading: <strong>High</strong>" in html
    assert "not the rating" in html


def test_three_episodes_in_six_months_refuses_a_level_below_3_as_a_field_error(client, world):
    returned_episode(world, last_seen_hours_ago=24 * 60, returned_hours_ago=24 * 59)
    returned_episode(world, last_seen_hours_ago=24 * 30, returned_hours_ago=24 * 29)
    episode = report(world)
    referral = episode.mash_referrals.get()
    client = signed_in(client, world.mash_triage)
    page = client.get(triage_url(referral))
    assert "must be 3 or above" in page.content.decode()
    response = client.post(triage_url(referral), {"rag": "amber", "threshold_level": "2"})
    assert response.status_code == 200
    assert (
        "must be 3 or above (Haringey protocol 14.5)"
        in response.context["form"].errors["threshold_level"][0]
    )
    html = response.content.decode()
    assert "govuk-error-summary" in html and 'href="#id_threshold_level_0"' in html
    assert not MashTriage.objects.exists()
    assert MashReferral.objects.get(pk=referral.pk).status == "open"


def test_two_episodes_in_six_months_allow_level_2(client, world):
    returned_episode(world, last_seen_hours_ago=24 * 30, returned_hours_ago=24 * 29)
    referral = report(world).mash_referrals.get()
    response = signed_in(client, world.mash_triage).post(
        triage_url(referral), {"rag": "green", "threshold_level": "2"}
    )
    assert response.status_code == 302
    assert MashTriage.objects.get().threshold_level == 2


def test_a_missing_rating_is_a_govuk_error_and_changes_nothing(client, world):
    referral = report(world).mash_referrals.get()
    response = signed_in(client, world.mash_triage).post(
        triage_url(referral), {"threshold_level": "9"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["rag"] == ["Choose Red, Amber or Green"]
    assert "threshold_level" in response.context["form"].errors
    assert not MashTriage.objects.exists()


def test_a_referral_already_triaged_is_refused_with_a_message(client, world):
    referral = report(world).mash_referrals.get()
    client = signed_in(client, world.mash_triage)
    client.post(triage_url(referral), {"rag": "green", "threshold_level": "1"})
    response = client.post(
        triage_url(referral), {"rag": "red", "threshold_level": "4", "reason": "New concerns."}
    )
    assert response.status_code == 200
    assert "already been triaged" in response.content.decode()
    assert MashTriage.objects.get().rag == "green"


def test_an_assessment_against_an_untriaged_referral_is_refused_with_a_message(client, world):
    referral = report(world).mash_referrals.get()
    response = signed_in(client, world.social_worker).post(
        assess_url(referral), {"rag": "green", "threshold_level": "1"}
    )
    assert response.status_code == 200
    assert "MASH triages the referral before" in response.content.decode()
    assert not RiskAssessment.objects.exists()


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("mash_triage", 200),
        ("missing_coordinator", 200),
        ("social_worker", 403),
        ("team_manager", 403),
        ("other_social_worker", 404),
        ("police_liaison", 404),
        ("other_police_liaison", 404),
        ("return_officer", 404),
        ("outsider", 404),
    ],
)
def test_only_mash_and_the_missing_coordinator_triage(client, world, persona, expected):
    referral = report(world).mash_referrals.get()
    user = world.personas()[persona]
    response = signed_in(client, user).get(triage_url(referral))
    assert response.status_code == expected
    if expected != 200:
        posted = client.post(triage_url(referral), {"rag": "green", "threshold_level": "1"})
        assert posted.status_code == expected
        assert not MashTriage.objects.exists()


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("mash_triage", 200),
        ("social_worker", 200),
        ("team_manager", 200),
        ("missing_coordinator", 200),
        ("other_social_worker", 404),
        ("other_police_liaison", 404),
        ("outsider", 404),
    ],
)
def test_the_rating_page_is_404_for_a_child_the_persona_may_not_see(
    client, world, persona, expected
):
    referral = report(world).mash_referrals.get()
    user = world.personas()[persona]
    response = signed_in(client, user).get(assess_url(referral))
    assert response.status_code == expected
    if expected == 404:
        assert (
            client.post(assess_url(referral), {"rag": "red", "threshold_level": "4"}).status_code
            == 404
        )
        assert not RiskAssessment.objects.exists()


def test_a_police_officer_who_sees_the_child_may_not_rate_it(client, world):
    referral = report(world, police_force=world.force).mash_referrals.get()
    client = signed_in(client, world.police_liaison)
    assert client.get(assess_url(referral)).status_code == 403
    assert client.get(triage_url(referral)).status_code == 403


def test_a_referral_of_another_child_is_404(client, world):
    other = allocated_child(world)
    referral = report(world, other).mash_referrals.get()
    url = reverse("risk:assess", args=[world.child.pk]) + f"?referral={referral.pk}"
    assert signed_in(client, world.social_worker).get(url).status_code == 404


def test_the_queue_shows_only_children_the_persona_may_see(client, world):
    report(world)
    for persona, sees in [
        ("mash_triage", True),
        ("social_worker", True),
        ("other_social_worker", False),
        ("other_police_liaison", False),
    ]:
        client.force_login(world.personas()[persona])
        response = client.get(reverse("risk:index"))
        assert response.status_code == 200
        assert bool(response.context["referrals"]) is sees, persona


@pytest.mark.parametrize("name", ["risk:index"])
def test_anonymous_is_sent_to_sign_in(client, world, name):
    assert_redirects_to_sign_in(client.get(reverse(name)))
    referral = report(world).mash_referrals.get()
    assert_redirects_to_sign_in(client.get(assess_url(referral)))
    assert_redirects_to_sign_in(client.get(triage_url(referral)))


def test_the_queue_runs_a_constant_number_of_queries(client, world):
    report(world)

    def more():
        for _ in range(5):
            report(world, allocated_child(world))

    signed_in(client, world.mash_triage)
    constant_queries(client, reverse("risk:index"), more)
    assert len(client.get(reverse("risk:index")).context["referrals"]) == 6


def test_the_rating_page_runs_a_constant_number_of_queries(client, world):
    referral = report(world).mash_referrals.get()
    signed_in(client, world.mash_triage)

    def more():
        returned_episode(world, allocated_child(world))
        returned_episode(world, allocated_child(world))

    constant_queries(client, assess_url(referral), more)
    constant_queries(client, triage_url(referral), more)


# Issue 11: MASH keeps sight of what it rated, a Red rating says why, Green is checked.


def test_a_red_triage_without_a_reason_is_a_field_error_and_nothing_is_recorded(client, world):
    referral = report(world).mash_referrals.get()
    response = signed_in(client, world.mash_triage).post(
        triage_url(referral), {"rag": "red", "threshold_level": "4"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["reason"] == ["Say why the referral is triaged Red"]
    assert not MashTriage.objects.exists()


def test_a_red_assessment_without_an_analysis_is_a_field_error(client, world):
    referral = report(world).mash_referrals.get()
    triaged(world, referral)
    response = signed_in(client, world.mash_triage).post(
        assess_url(referral), {"rag": "red", "threshold_level": "4"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["rationale"] == ["Say why the child is rated Red"]
    assert not RiskAssessment.objects.exists()


def test_a_green_triage_at_level_4_asks_for_confirmation(client, world):
    referral = report(world).mash_referrals.get()
    client = signed_in(client, world.mash_triage)
    data = {"rag": "green", "threshold_level": "4"}
    response = client.post(triage_url(referral), data)
    assert response.status_code == 200
    assert "confirm_green" in response.context["form"].errors
    assert not MashTriage.objects.exists()
    response = client.post(triage_url(referral), {**data, "confirm_green": "on"})
    assert response.status_code == 302
    assert MashTriage.objects.get().rag == "green"


@pytest.mark.parametrize(
    ("level", "indicators", "asks"),
    [("4", [], True), ("2", ["cse"], True), ("3", [], False)],
)
def test_green_at_level_4_or_with_indicators_asks_for_confirmation(
    client, world, level, indicators, asks
):
    referral = report(world).mash_referrals.get()
    triaged(world, referral, rag="green", level=3)
    client = signed_in(client, world.mash_triage)
    data = {"rag": "green", "threshold_level": level, "indicators": indicators}
    response = client.post(assess_url(referral), data)
    if asks:
        assert response.status_code == 200
        assert "confirm_green" in response.context["form"].errors
        assert 'name="confirm_green"' in response.content.decode()
        assert not RiskAssessment.objects.exists()
        response = client.post(assess_url(referral), {**data, "confirm_green": "on"})
    assert response.status_code == 302
    assert RiskAssessment.objects.get().rag == "green"


def test_mash_keeps_sight_corrects_its_triage_amends_its_assessment_and_closes(client, world):
    episode = report(world)
    referral = episode.mash_referrals.get()
    client = signed_in(client, world.mash_triage)
    client.post(triage_url(referral), {"rag": "amber", "threshold_level": "2"})
    record = reverse("casework:child_record", args=[world.child.pk])
    assert client.get(record).status_code == 200
    index = client.get(reverse("risk:index"))
    assert [r.pk for r in index.context["rated"]] == [referral.pk]
    triage = MashTriage.objects.get()
    correct_url = reverse("risk:correct_triage", args=[triage.pk])
    assert correct_url in index.content.decode()
    assert client.get(correct_url).context["form"]["rag"].value() == "amber"
    response = client.post(
        correct_url, {"rag": "red", "threshold_level": "3", "reason": "Found with older men."}
    )
    assert response.status_code == 302
    triage.refresh_from_db()
    assert (triage.rag, triage.threshold_level) == ("red", 3)
    ledger = Deadline.objects.get(episode=episode, rule="risk_assessment")
    assert ledger.due_at == episode.reported_at + dt.timedelta(hours=4), "the clock moved"
    client.post(assess_url(referral), {"rag": "red", "threshold_level": "3", "rationale": "Why."})
    assessment = RiskAssessment.objects.get()
    amend_url = reverse("risk:amend", args=[assessment.pk])
    assert amend_url in client.get(reverse("risk:index")).content.decode()
    response = client.post(
        amend_url, {"rag": "amber", "threshold_level": "3", "rationale": "Calmer now."}
    )
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert (assessment.rag, assessment.rationale) == ("amber", "Calmer now.")
    response = client.post(reverse("risk:close", args=[referral.pk]))
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == "closed" and referral.closed_at is not None
    assert client.get(record).status_code == 404
    assert client.get(amend_url).status_code == 404
    assert client.get(correct_url).status_code == 404


def test_only_the_triager_may_correct_a_triage_and_others_are_not_shown_the_link(client, world):
    referral = report(world).mash_referrals.get()
    signed_in(client, world.mash_triage).post(
        triage_url(referral), {"rag": "amber", "threshold_level": "2"}
    )
    triage = MashTriage.objects.get()
    client.logout()
    colleague = UserFactory(username="mash_two")
    MembershipFactory(user=colleague, team=world.mash_team, role=Role.MASH_TRIAGE)
    client = signed_in(client, colleague)
    index = client.get(reverse("risk:index"))
    assert [r.pk for r in index.context["rated"]] == [referral.pk]
    correct_url = reverse("risk:correct_triage", args=[triage.pk])
    assert correct_url not in index.content.decode()
    assert client.get(correct_url).status_code == 403


def test_a_referral_awaiting_triage_cannot_be_closed(client, world):
    referral = report(world).mash_referrals.get()
    response = signed_in(client, world.mash_triage).post(
        reverse("risk:close", args=[referral.pk]), follow=True
    )
    assert "Triage the referral before closing it." in response.content.decode()
    referral.refresh_from_db()
    assert referral.status == "open"


def test_an_assessment_cannot_be_amended_once_its_referral_is_closed(world):
    referral = report(world).mash_referrals.get()
    triaged(world, referral)
    assessment = record_risk_assessment(
        acting_user=world.social_worker,
        child=world.child,
        rag="amber",
        threshold_level=2,
        referral=referral,
    )
    close_mash_referral(acting_user=world.mash_triage, referral=referral)
    with pytest.raises(Conflict, match="closed"):
        amend_risk_assessment(
            acting_user=world.social_worker, assessment=assessment, rag="green", threshold_level=1
        )
    # MASH, whose sight of the child ended with the referral, may not act on it at all.
    with pytest.raises(NotAllowed):
        amend_risk_assessment(
            acting_user=world.mash_triage, assessment=assessment, rag="green", threshold_level=1
        )
    assessment.refresh_from_db()
    assert assessment.rag == "amber"
