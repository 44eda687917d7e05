"""Every timing rule of contest-rules.md, with the server's clock under test control."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from sqlalchemy import select

from quiz.attempts.models import Attempt
from quiz.clock import now
from quiz.rounds.services import BlueprintLine
from tests.conftest import log_in


def start(client, round_):
    response = client.post(f"/api/v1/rounds/{round_.id}/attempts")
    assert response.status_code in (200, 201), response.json
    return response


def save(client, attempt, position=1, choices=("a",)):
    return client.put(
        f"/api/v1/attempts/{attempt['id']}/answers/{position}", json={"choices": list(choices)}
    )


def test_deadline_is_start_plus_time_limit(student_client, make_round):
    round_ = make_round(time_limit_seconds=600)
    with time_machine.travel(now(), tick=False) as clock:
        attempt = start(student_client, round_).json
        assert attempt["remaining_seconds"] == 600
        clock.shift(timedelta(seconds=100))
        assert (
            student_client.get(f"/api/v1/attempts/{attempt['id']}").json["remaining_seconds"] == 500
        )


def test_closing_time_cuts_an_attempt_short(student_client, make_round):
    moment = now()
    round_ = make_round(time_limit_seconds=3600, closes_at=moment + timedelta(minutes=5))
    with time_machine.travel(moment, tick=False):
        attempt = start(student_client, round_).json
    assert attempt["remaining_seconds"] == 300
    assert attempt["deadline"] == round_.closes_at.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_no_start_before_opening_or_after_closing(student_client, make_round):
    moment = now()
    round_ = make_round(opens_at=moment + timedelta(hours=1), closes_at=moment + timedelta(hours=2))
    response = student_client.post(f"/api/v1/rounds/{round_.id}/attempts")
    assert response.status_code == 409 and response.json["error"]["code"] == "round_not_open"
    with time_machine.travel(moment + timedelta(hours=2), tick=False):
        response = student_client.post(f"/api/v1/rounds/{round_.id}/attempts")
    assert response.status_code == 409


def test_a_save_one_second_inside_the_grace_counts(student_client, make_round, db_session):
    round_ = make_round(time_limit_seconds=60, grace_seconds=10)
    with time_machine.travel(now(), tick=False) as clock:
        attempt = start(student_client, round_).json
        clock.shift(timedelta(seconds=60 + 9))
        response = save(student_client, attempt)
        assert response.status_code == 200
        assert response.json["remaining_seconds"] == 0
        clock.shift(timedelta(seconds=2))  # now past deadline + grace
        final = student_client.get(f"/api/v1/attempts/{attempt['id']}").json
    assert final["status"] == "expired"
    assert final["items"][0]["choices"] == ["a"]


def test_a_save_one_second_outside_the_grace_is_refused_and_not_stored(student_client, make_round):
    round_ = make_round(time_limit_seconds=60, grace_seconds=10)
    with time_machine.travel(now(), tick=False) as clock:
        attempt = start(student_client, round_).json
        clock.shift(timedelta(seconds=60 + 11))
        response = save(student_client, attempt)
        assert response.status_code == 409
        assert response.json["error"]["code"] == "deadline_passed"
        final = student_client.get(f"/api/v1/attempts/{attempt['id']}").json
    assert final["items"][0]["choices"] == []


def test_expiry_is_finalized_lazily_on_next_access(student_client, make_round, db_session):
    round_ = make_round(time_limit_seconds=60, grace_seconds=10)
    with time_machine.travel(now(), tick=False) as clock:
        attempt = start(student_client, round_).json
        first = attempt["items"][0]
        right = "a"
        assert save(student_client, attempt, 1, [right]).status_code == 200
        clock.shift(timedelta(seconds=75))
        final = student_client.get(f"/api/v1/attempts/{attempt['id']}").json
    assert final["status"] == "expired"
    assert final["score"] == 1.0 and first["question_id"]
    assert final["duration_ms"] == 60_000  # an expired attempt lasts until its deadline


def test_expiry_is_finalized_by_the_command(runner, student, make_round, db_session, app):
    round_ = make_round(time_limit_seconds=60, grace_seconds=10)
    client = log_in(app, student)
    with time_machine.travel(now(), tick=False) as clock:
        attempt = start(client, round_).json
        clock.shift(timedelta(seconds=71))
        result = runner.invoke(["attempts", "close-expired"])
    assert result.exit_code == 0, result.output
    assert "1 attempt" in result.output
    row = db_session.scalar(
        select(Attempt).where(Attempt.id == attempt["id"]).execution_options(populate_existing=True)
    )
    assert row.status == "expired" and row.duration_ms == 60_000 and row.score_units == 0


def test_the_command_leaves_attempts_within_their_grace(
    runner, student, make_round, app, db_session
):
    round_ = make_round(time_limit_seconds=60, grace_seconds=10)
    client = log_in(app, student)
    with time_machine.travel(now(), tick=False) as clock:
        attempt = start(client, round_).json
        clock.shift(timedelta(seconds=69))
        result = runner.invoke(["attempts", "close-expired"])
    assert "0 attempt" in result.output
    assert db_session.get(Attempt, attempt["id"]).status == "in_progress"


def test_duration_of_a_submitted_attempt_and_idempotent_submit(student_client, make_round):
    round_ = make_round(time_limit_seconds=600)
    with time_machine.travel(now(), tick=False) as clock:
        attempt = start(student_client, round_).json
        clock.shift(timedelta(seconds=42, milliseconds=500))
        first = student_client.post(f"/api/v1/attempts/{attempt['id']}/submit", json={})
        clock.shift(timedelta(seconds=5))
        second = student_client.post(f"/api/v1/attempts/{attempt['id']}/submit", json={})
    assert first.status_code == 200 and first.json["status"] == "submitted"
    assert first.json["duration_ms"] == 42_500
    assert second.json == first.json


def test_submitting_after_deadline_and_grace_expires_instead(student_client, make_round):
    round_ = make_round(time_limit_seconds=60, grace_seconds=10)
    with time_machine.travel(now(), tick=False) as clock:
        attempt = start(student_client, round_).json
        clock.shift(timedelta(seconds=80))
        response = student_client.post(f"/api/v1/attempts/{attempt['id']}/submit", json={})
    assert response.json["status"] == "expired" and response.json["duration_ms"] == 60_000


def test_saves_after_submission_are_refused(student_client, make_round):
    round_ = make_round()
    attempt = start(student_client, round_).json
    student_client.post(f"/api/v1/attempts/{attempt['id']}/submit", json={})
    response = save(student_client, attempt)
    assert response.status_code == 409
    assert response.json["error"]["code"] == "attempt_finalized"


def test_starting_again_returns_the_attempt_in_progress(student_client, make_round):
    round_ = make_round()
    first = start(student_client, round_)
    second = start(student_client, round_)
    assert first.status_code == 201 and second.status_code == 200
    assert first.json["id"] == second.json["id"]


def test_max_attempts_and_a_second_attempt_when_allowed(student_client, make_round):
    single = make_round()
    attempt = start(student_client, single).json
    student_client.post(f"/api/v1/attempts/{attempt['id']}/submit", json={})
    response = student_client.post(f"/api/v1/rounds/{single.id}/attempts")
    assert response.status_code == 409 and response.json["error"]["code"] == "no_attempts_left"
    double = make_round(max_attempts=2, blueprint=single_blueprint())
    first = start(student_client, double).json
    student_client.post(f"/api/v1/attempts/{first['id']}/submit", json={})
    second = start(student_client, double)
    assert second.status_code == 201 and second.json["id"] != first["id"]


def single_blueprint():
    return [BlueprintLine(4, "basics", "easy")]
