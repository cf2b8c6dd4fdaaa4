"""The OpenAPI schema: checked in, and the live API conforms to it (schemathesis)."""

from __future__ import annotations

from pathlib import Path

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiYamlRenderer
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)

from api.services import create_api_key
from core.actors import ENGINE
from tests.api.conftest import closed_episode, open_episode

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "docs" / "openapi.yaml"
REGENERATE = ".venv/bin/python manage.py spectacular --file docs/openapi.yaml --validate"


def test_the_checked_in_schema_matches_the_code():
    generated = OpenApiYamlRenderer().render(
        SchemaGenerator().get_schema(request=None, public=True), renderer_context={}
    )
    assert generated.decode() == SCHEMA_FILE.read_text(), (
        f"docs/openapi.yaml has drifted: run {REGENERATE}"
    )


def test_every_operation_documents_its_problem_responses_and_examples():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            for code in ("400", "401", "429"):
                assert "application/problem+json" in responses[code]["content"], (
                    path,
                    method,
                    code,
                )
            if method in ("post", "patch"):
                assert {"403", "409"} <= set(responses), (path, method)
                if "requestBody" not in operation:
                    # An action named wholly by its URL (end an allocation, revoke a grant,
                    # confirm a police match, mark a meeting's action done).
                    assert method == "post" and path.endswith(
                        ("/end/", "/revoke/", "/confirm-match/", "/done/")
                    ), path
                else:
                    assert any(
                        "examples" in body for body in operation["requestBody"]["content"].values()
                    ), (path, method)
            if method == "patch" or (method == "post" and "{id}" in path):
                # A change of an existing record: If-Match required, 428 without, 412 stale.
                assert {"412", "428"} <= set(responses), (path, method)
                assert any(
                    parameter["name"] == "If-Match" and parameter["required"]
                    for parameter in operation.get("parameters", [])
                ), (path, method)
            success = next(code for code in ("200", "201") if code in responses)
            assert "examples" in responses[success]["content"]["application/json"], (path, method)


@pytest.fixture
def fuzzing(world, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"api_key": "100000/min"},
    }
    # Django's test Client does this for its requests: the WSGI app called in-process must
    # not close the connection that holds the test's transaction.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    # Something to find: world.child with a closed and an open episode and their deadlines.
    closed_episode(world)
    open_episode(world)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def authorization(world) -> str:
    _api_key, key = create_api_key(acting_user=ENGINE, user=world.social_worker)
    return f"Api-Key {key}"


def _load_schema():
    from missing.wsgi import application

    return schemathesis.openapi.from_wsgi("/api/schema/", application)


fuzzed = _load_schema()


@fuzzed.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_the_api_never_fails_and_always_answers_as_documented(case, fuzzing, authorization):
    """Valid and invalid input alike: no 5xx, every status, content type, header and body as
    documented, no operation that answers without a key, 405 for methods not offered."""
    case.call_and_validate(
        headers={"Authorization": authorization},
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_headers_conformance,
            response_schema_conformance,
            ignored_auth,
            unsupported_method,
        ],
    )
