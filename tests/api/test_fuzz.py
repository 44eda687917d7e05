"""Schemathesis drives every API operation from its OpenAPI document, as four people.

Generated requests (valid ones and broken ones) go to the app as a visitor, a
student, a coordinator and an organiser: no answer may be a 5xx, and every
answer must be one the document declares (status, content type, body shape).
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    positive_data_acceptance,
    response_schema_conformance,
    status_code_conformance,
)

from quiz.accounts.models import Role
from quiz.accounts.tokens import issue_token
from quiz.api.openapi import document

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def people(db_session, make_user, make_round):
    """A bearer header for each kind of person (none for the visitor), and a round."""
    make_round()
    headers = {"visitor": {}}
    for role in (Role.STUDENT, Role.COORDINATOR, Role.ORGANISER):
        token, _expires = issue_token(db_session, make_user(role))
        headers[role.value] = {"Authorization": f"Bearer {token}"}
    return headers


#: Werkzeug's test transport does not undo compression (tested in tests/main).
PLAIN = {"Accept-Encoding": "identity"}

#: The document the API serves, read from the code that builds it: the pytest
#: plugin parametrizes at collection, before any app exists; calls go to the test's app.
schema = schemathesis.openapi.from_dict(document())


@schema.parametrize()
@settings(
    max_examples=12,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_the_api_answers_every_person_as_its_document_says(case, app, people):
    # A read whose parameters the document allows is never refused as malformed (the
    # document declares the bounds the API enforces). Bodies carry rules JSON Schema
    # cannot say (a known university, a window that ends after it starts): 422 stays.
    checks = CHECKS + ([positive_data_acceptance] if case.method == "GET" else [])
    for headers in people.values():
        case.call_and_validate(
            app=app, headers={**(case.headers or {}), **headers, **PLAIN}, checks=checks
        )


def test_the_document_tried_is_the_one_served(client):
    assert client.get("/api/v1/openapi.json").json == document()
