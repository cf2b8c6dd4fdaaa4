"""Issue 14: correcting a MASH triage and amending a risk assessment carry the version of
the record the form was drawn at. Only their maker may change them, so the two loads are
the maker's two tabs (or a colleague's desk left open): the first saves, the second is
refused with who changed it and when, and nothing of it is saved."""

from __future__ import annotations

import re

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from core.forms import VERSION_FIELD
from risk.models import MashTriage, RiskAssessment
from risk.services import record_mash_triage, record_risk_assessment
from tests.risk.support import NOW, report

REFUSED = "changed this record at 13:00; your changes were not saved."  # NOW is 12:00 UTC


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def form_data(page) -> dict[str, str]:
    """The version the page drew (the other fields are given by each post, as in
    tests/risk/test_views.py)."""
    version = page.context["form"][VERSION_FIELD].value()
    assert version, "the form carries the version it was drawn at"
    return {VERSION_FIELD: version}


def _tabs(user, client) -> tuple[Client, Client]:
    other = Client()
    client.force_login(user)
    other.force_login(user)
    return client, other


def test_a_stale_triage_correction_is_refused_and_changes_nothing(world, client):
    referral = report(world).mash_referrals.get()
    triage = record_mash_triage(
        acting_user=world.mash_triage, referral=referral, rag="amber", threshold_level=2
    )
    url = reverse("risk:correct_triage", args=[triage.pk])
    first, second = _tabs(world.mash_triage, client)
    first_form, second_form = form_data(first.get(url)), form_data(second.get(url))

    saved = first.post(
        url, {**first_form, "rag": "red", "threshold_level": "3", "reason": "Found with men."}
    )
    assert saved.status_code == 302, saved.content.decode()[:800]

    stale = second.post(url, {**second_form, "rag": "amber", "threshold_level": "1"})
    assert stale.status_code == 200
    assert f"{world.mash_triage.get_full_name()} {REFUSED}" in stale.content.decode()
    triage.refresh_from_db()
    assert (triage.rag, triage.threshold_level) == ("red", 3), "nothing saved"
    assert MashTriage.objects.count() == 1

    fresh = second.post(url, {**form_data(stale), "rag": "amber", "threshold_level": "3"})
    assert fresh.status_code == 302, fresh.content.decode()[:800]
    triage.refresh_from_db()
    assert triage.rag == "amber"


def test_a_stale_risk_assessment_amendment_is_refused_and_changes_nothing(world, client):
    referral = report(world).mash_referrals.get()
    record_mash_triage(
        acting_user=world.mash_triage, referral=referral, rag="amber", threshold_level=2
    )
    assessment = record_risk_assessment(
        acting_user=world.mash_triage,
        child=world.child,
        referral=referral,
        rag="amber",
        threshold_level=2,
        rationale="First view.",
    )
    url = reverse("risk:amend", args=[assessment.pk])
    first, second = _tabs(world.mash_triage, client)
    first_form, second_form = form_data(first.get(url)), form_data(second.get(url))

    saved = first.post(
        url, {**first_form, "rag": "amber", "threshold_level": "2", "rationale": "Calmer now."}
    )
    assert saved.status_code == 302, saved.content.decode()[:800]

    stale = second.post(
        url,
        {**second_form, "rag": "amber", "threshold_level": "2", "rationale": "Worse than thought."},
    )
    assert stale.status_code == 200
    # An assessment has no updated_at: the time is the history trail's (the database's clock).
    assert re.search(
        rf"{world.mash_triage.get_full_name()} changed this record at \d\d:\d\d; your changes "
        "were not saved.",
        stale.content.decode(),
    )
    assert RiskAssessment.objects.get(pk=assessment.pk).rationale == "Calmer now."

    fresh = second.post(
        url,
        {
            **form_data(stale),
            "rag": "red",
            "threshold_level": "2",
            "rationale": "Worse than thought.",
        },
    )
    assert fresh.status_code == 302, fresh.content.decode()[:800]
    assert RiskAssessment.objects.get(pk=assessment.pk).rationale == "Worse than thought."
