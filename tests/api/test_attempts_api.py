"""The attempt and round endpoints match spec/api.md field for field."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from openapi_spec_validator import validate

from quiz.api.base import iso
from quiz.api.openapi import flask_rule_to_path
from quiz.clock import now
from tests.conftest import PASSWORD, log_in

ATTEMPT_FIELDS = {
    "id",
    "round_id",
    "status",
    "started_at",
    "deadline",
    "remaining_seconds",
    "items",
    "excused_ms",
    "notes",
    "score",
    "max_score",
    "duration_ms",
}
ITEM_FIELDS = {"position", "question_id", "kind", "points", "text", "options", "choices"}
ROUND_FIELDS = {
    "id",
    "title",
    "opens_at",
    "closes_at",
    "time_limit_seconds",
    "question_count",
    "max_attempts",
    "status",
}


def test_attempt_object_has_exactly_the_specified_fields(student_client, make_round):
    round_ = make_round()
    response = student_client.post(
        f"/api/v1/rounds/{round_.id}/attempts", headers={"Accept-Language": "en"}
    )
    assert response.status_code == 201
    body = response.json
    assert set(body) == ATTEMPT_FIELDS
    assert body["status"] == "in_progress" and body["score"] is None
    assert body["duration_ms"] is None and body["max_score"] == 4
    assert body["started_at"].endswith("Z") and body["deadline"].endswith("Z")
    item = body["items"][0]
    assert set(item) == ITEM_FIELDS
    assert item["text"].startswith("Question ") and item["kind"] == "single"
    assert [set(o) for o in item["options"]] == [{"id", "text"}] * 4
    assert item["choices"] == []


def test_round_list_and_creation(organiser, make_bank, app, client):
    make_bank(topic="law", easy=5)
    body = {
        "title": {"vi": "Vòng 1", "en": "Round 1"},
        "opens_at": iso(now() + timedelta(days=1)),
        "closes_at": iso(now() + timedelta(days=7)),
        "time_limit_seconds": 900,
        "blueprint": [
            {"topic": "law", "difficulty": "easy", "count": 3},
            {"topic": None, "difficulty": None, "count": 1},
        ],
        "prediction": {"text": "How many entries will score full marks?"},
    }
    response = log_in(app, organiser).post("/api/v1/rounds", json=body)
    assert response.status_code == 201, response.json
    created = response.json
    assert created["question_count"] == 4 and created["grace_seconds"] == 10
    assert created["max_attempts"] == 1 and created["attempt_policy"] == "best"
    assert created["review"] == "after_close" and created["status"] == "upcoming"
    listing = client.get("/api/v1/rounds", headers={"Accept-Language": "en"}).json
    assert listing["total"] == 1
    assert set(listing["rounds"][0]) == ROUND_FIELDS
    assert listing["rounds"][0]["title"] == "Round 1"


def test_a_blueprint_the_bank_cannot_fill_is_422_naming_the_line(organiser, make_bank, app):
    make_bank(topic="law", easy=2)
    body = {
        "title": "Vòng",
        "opens_at": iso(now() + timedelta(days=1)),
        "closes_at": iso(now() + timedelta(days=2)),
        "time_limit_seconds": 600,
        "blueprint": [{"topic": "law", "count": 2}, {"difficulty": "easy", "count": 1}],
    }
    response = log_in(app, organiser).post(
        "/api/v1/rounds", json=body, headers={"Accept-Language": "en"}
    )
    assert response.status_code == 422
    assert response.json["error"]["message"].startswith("Line 2:")


def test_only_organisers_create_rounds(student_client, client):
    body = {"title": "x"}
    assert student_client.post("/api/v1/rounds", json=body).status_code == 403
    assert client.post("/api/v1/rounds", json=body).status_code == 401


def test_choices_for_options_the_item_lacks_are_422_and_change_nothing(student_client, make_round):
    round_ = make_round()
    attempt = student_client.post(f"/api/v1/rounds/{round_.id}/attempts").json
    url = f"/api/v1/attempts/{attempt['id']}/answers/1"
    student_client.put(url, json={"choices": ["a"]})
    for bad in (["z"], ["a", "b"], [1], "a"):
        response = student_client.put(url, json={"choices": bad})
        assert response.status_code == 422, bad
    assert (
        student_client.put(
            f"/api/v1/attempts/{attempt['id']}/answers/99", json={"choices": ["a"]}
        ).status_code
        == 404
    )
    item = student_client.get(f"/api/v1/attempts/{attempt['id']}").json["items"][0]
    assert item["choices"] == ["a"]


def test_another_students_attempt_is_404(app, make_user, make_round, student_client):
    round_ = make_round()
    attempt = student_client.post(f"/api/v1/rounds/{round_.id}/attempts").json
    other = log_in(app, make_user())
    assert other.get(f"/api/v1/attempts/{attempt['id']}").status_code == 404
    assert (
        other.put(
            f"/api/v1/attempts/{attempt['id']}/answers/1", json={"choices": ["a"]}
        ).status_code
        == 404
    )
    assert other.post(f"/api/v1/attempts/{attempt['id']}/submit", json={}).status_code == 404


def test_coordinators_and_organisers_cannot_take_rounds(
    coordinator_client, organiser_client, make_round
):
    round_ = make_round()
    assert coordinator_client.post(f"/api/v1/rounds/{round_.id}/attempts").status_code == 403
    assert organiser_client.post(f"/api/v1/rounds/{round_.id}/attempts").status_code == 403


def test_a_token_holder_takes_a_round_through_the_api(client, student, make_round):
    round_ = make_round()
    token = client.post(
        "/api/v1/auth/token", json={"email": student.email, "password": PASSWORD}
    ).json["token"]
    headers = {"Authorization": f"Bearer {token}"}
    attempt = client.post(f"/api/v1/rounds/{round_.id}/attempts", headers=headers).json
    saved = client.put(
        f"/api/v1/attempts/{attempt['id']}/answers/1", json={"choices": ["a"]}, headers=headers
    )
    assert saved.status_code == 200 and set(saved.json) == {"saved_at", "remaining_seconds"}
    result = client.post(f"/api/v1/attempts/{attempt['id']}/submit", headers=headers)
    assert result.status_code == 200
    assert set(result.json) == {"status", "score", "max_score", "duration_ms"}


def reveal_keys(client, attempt_id):
    item = client.get(f"/api/v1/attempts/{attempt_id}").json["items"][0]
    return {"correct", "explanation"} & set(item)


def test_review_after_close_reveals_answers_only_after_the_last_save_instant(
    student_client, make_round
):
    round_ = make_round()
    attempt = student_client.post(f"/api/v1/rounds/{round_.id}/attempts").json
    student_client.post(f"/api/v1/attempts/{attempt['id']}/submit", json={})
    assert reveal_keys(student_client, attempt["id"]) == set()
    last = round_.closes_at + timedelta(seconds=round_.grace_seconds)
    with time_machine.travel(last, tick=False):
        assert reveal_keys(student_client, attempt["id"]) == set()
    with time_machine.travel(last + timedelta(seconds=1)):
        assert reveal_keys(student_client, attempt["id"]) == {"correct", "explanation"}


def test_review_immediately_and_never(student_client, make_round, make_bank):
    now_round = make_round(review="immediately", ranked=False)  # a practice round
    attempt = student_client.post(f"/api/v1/rounds/{now_round.id}/attempts").json
    assert reveal_keys(student_client, attempt["id"]) == set()
    student_client.post(f"/api/v1/attempts/{attempt['id']}/submit", json={})
    assert reveal_keys(student_client, attempt["id"]) == {"correct", "explanation"}
    never = make_round(review="never")
    attempt = student_client.post(f"/api/v1/rounds/{never.id}/attempts").json
    student_client.post(f"/api/v1/attempts/{attempt['id']}/submit", json={})
    with time_machine.travel(never.closes_at + timedelta(days=6)):  # within the login
        assert reveal_keys(student_client, attempt["id"]) == set()


def test_openapi_document_is_valid_and_covers_every_route(app, client):
    document = client.get("/api/v1/openapi.json").json
    validate(document)
    routes = {
        (flask_rule_to_path(rule.rule), method.lower())
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    documented = {(path, method) for path, ops in document["paths"].items() for method in ops}
    assert routes == documented
