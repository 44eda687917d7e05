"""Schemathesis drives every API operation from its OpenAPI document, as four people.

Generated requests (valid ones and broken ones) go to the app as a visitor, a
student, a coordinator and an organiser: no answer may be a 5xx, and every
answer must be one the document declares (status, content type, body shape).
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from quiz.accounts.models import Role
from quiz.accounts.tokens import issue_token

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


def test_the_api_answers_every_person_as_its_document_says(app, people):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(
                max_examples=12,
                deadline=None,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            def answers_as_documented(case):
                for headers in people.values():
                    case.call_and_validate(
                        headers={**(case.headers or {}), **headers}, checks=CHECKS
                    )

            answers_as_documented()
