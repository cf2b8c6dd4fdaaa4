"""Idempotency under concurrency: two simultaneous retries never both run."""

from __future__ import annotations

import datetime as dt
import json
import threading

import pytest
import time_machine
from django.db import connection

from api.idempotency import ABANDONED_AFTER, fingerprint
from api.models import IdempotencyRecord
from risk.models import RiskAssessment
from tests.api.conftest import NOW


class _Request:
    def __init__(self, path, data):
        self.method, self.path, self.data = "POST", path, data


def _assessment(world) -> dict:
    return {"child": world.child.pk, "rag": "amber", "threshold_level": 3}


@pytest.mark.django_db(transaction=True)
def test_simultaneous_retries_with_one_key_record_one_assessment(world, client_for):
    """Risk assessments have no uniqueness of their own: only the key stops a duplicate."""
    body = _assessment(world)
    clients = [client_for(world.social_worker) for _ in range(2)]
    start = threading.Barrier(2)
    responses = []

    def post(client):
        try:
            start.wait()
            responses.append(
                client.post(
                    "/api/v1/risk-assessments/", body, format="json", HTTP_IDEMPOTENCY_KEY="same"
                )
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    statuses = sorted(response.status_code for response in responses)
    # The second either waited for the first and got its response replayed, or arrived
    # while it ran and was told to retry; never a second assessment.
    assert statuses in ([201, 201], [201, 409]), statuses
    assert RiskAssessment.objects.filter(child=world.child).count() == 1


def _claimed(world, path, body, at):
    with time_machine.travel(at, tick=False):
        return IdempotencyRecord.objects.create(
            user=world.social_worker, key="stuck", fingerprint=fingerprint(_Request(path, body))
        )


def test_a_key_claimed_just_under_ten_minutes_ago_is_still_in_progress(world, client_for):
    body = _assessment(world)
    _claimed(
        world, "/api/v1/risk-assessments/", body, NOW - ABANDONED_AFTER + dt.timedelta(seconds=1)
    )
    response = client_for(world.social_worker).post(
        "/api/v1/risk-assessments/", body, format="json", HTTP_IDEMPOTENCY_KEY="stuck"
    )
    assert response.status_code == 409
    assert RiskAssessment.objects.count() == 0


def test_a_key_claimed_ten_minutes_ago_and_never_answered_is_taken_over(world, client_for):
    """Its request died (and its transaction with it), so the retry runs, once."""
    body = _assessment(world)
    _claimed(world, "/api/v1/risk-assessments/", body, NOW - ABANDONED_AFTER)
    client = client_for(world.social_worker)
    response = client.post(
        "/api/v1/risk-assessments/", body, format="json", HTTP_IDEMPOTENCY_KEY="stuck"
    )
    assert response.status_code == 201, response.content
    again = client.post(
        "/api/v1/risk-assessments/", body, format="json", HTTP_IDEMPOTENCY_KEY="stuck"
    )
    assert again.json() == response.json()
    assert RiskAssessment.objects.count() == 1


@pytest.fixture
def storing_responses_fails():
    """The database refuses to store a response (a disk full, a killed connection): a
    trigger on the idempotency table, installed for this test only."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            CREATE FUNCTION test_refuse_completion() RETURNS trigger AS $$
            BEGIN RAISE EXCEPTION 'storing the response failed'; END $$ LANGUAGE plpgsql;
            CREATE TRIGGER test_refuse_completion BEFORE UPDATE ON api_idempotencyrecord
            FOR EACH ROW WHEN (NEW.response_status IS NOT NULL)
            EXECUTE FUNCTION test_refuse_completion();
            """
        )
    yield
    with connection.cursor() as cursor:
        cursor.execute(
            "DROP TRIGGER test_refuse_completion ON api_idempotencyrecord;"
            "DROP FUNCTION test_refuse_completion();"
        )


@pytest.mark.django_db(transaction=True)
def test_the_work_and_its_stored_response_commit_together(world, client_for, request):
    """A response that cannot be stored undoes the work and frees the key: the retry runs
    the work once, and there is never work done whose response a retry cannot replay."""
    client = client_for(world.social_worker)
    client.raise_request_exception = False
    request.getfixturevalue("storing_responses_fails")
    failed = client.post(
        "/api/v1/risk-assessments/", _assessment(world), format="json", HTTP_IDEMPOTENCY_KEY="k1"
    )
    assert failed.status_code == 500
    assert RiskAssessment.objects.filter(child=world.child).count() == 0, "work rolled back"
    assert not IdempotencyRecord.objects.filter(key="k1").exists(), "key freed for the retry"
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE api_idempotencyrecord DISABLE TRIGGER test_refuse_completion")
    retried = client.post(
        "/api/v1/risk-assessments/", _assessment(world), format="json", HTTP_IDEMPOTENCY_KEY="k1"
    )
    assert retried.status_code == 201
    assert RiskAssessment.objects.filter(child=world.child).count() == 1
    assert IdempotencyRecord.objects.get(key="k1").response_status == 201


def test_a_refusal_quoting_a_nul_is_kept_for_retries_without_a_server_error(world, client_for):
    """PostgreSQL's jsonb refuses U+0000: a 400 that quotes the client's input back (an
    unknown choice with a NUL in it, as schemathesis sent) is kept for the retry with
    U+FFFD in its place, never a 500."""
    client = client_for(world.social_worker)
    body = {**_assessment(world), "indicators": ["cse\x00"]}
    first = client.post(
        "/api/v1/risk-assessments/", body, format="json", HTTP_IDEMPOTENCY_KEY="nul"
    )
    assert first.status_code == 400, first.content
    assert first.json()["errors"]["indicators.0"] == ['"cse\x00" is not a valid choice.']
    record = IdempotencyRecord.objects.get(key="nul")
    assert record.response_status == 400
    kept = json.dumps(record.response_body, ensure_ascii=False)
    assert "cse\ufffd" in kept and "\\u0000" not in kept
    again = client.post(
        "/api/v1/risk-assessments/", body, format="json", HTTP_IDEMPOTENCY_KEY="nul"
    )
    assert again.status_code == 400
    assert not RiskAssessment.objects.filter(child=world.child).exists()
