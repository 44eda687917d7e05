"""Limits that keep one account or one address from flooding the attempt endpoints."""

from __future__ import annotations

from quiz.api import attempts as attempt_api
from tests.conftest import log_in


def test_answer_bodies_are_size_limited(student_client, make_round):
    round_ = make_round()
    aid = student_client.post(f"/api/v1/rounds/{round_.id}/attempts").json["id"]
    huge = {"choices": ["a"], "padding": "x" * 10_000}
    response = student_client.put(f"/api/v1/attempts/{aid}/answers/1", json=huge)
    assert response.status_code == 413
    assert response.json["error"]["code"] == "too_large"


def test_saves_are_limited_per_account(student_client, make_round):
    assert attempt_api.SAVES_PER_ACCOUNT == "300 per minute"
    round_ = make_round()
    aid = student_client.post(f"/api/v1/rounds/{round_.id}/attempts").json["id"]
    url = f"/api/v1/attempts/{aid}/answers/1"
    statuses = [student_client.put(url, json={"choices": ["a"]}).status_code for _ in range(301)]
    assert statuses[:300] == [200] * 300
    assert statuses[300] == 429


def test_a_classroom_behind_one_address_is_not_limited_by_its_neighbours(
    app, make_user, make_round
):
    round_ = make_round()
    for _ in range(40):
        client = log_in(app, make_user())
        response = client.post(
            f"/api/v1/rounds/{round_.id}/attempts", environ_base={"REMOTE_ADDR": "203.0.113.50"}
        )
        assert response.status_code == 201
