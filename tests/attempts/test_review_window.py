"""Correct answers wait for the round's last save instant; practice rounds count nowhere."""

from __future__ import annotations

from datetime import timedelta

import time_machine

from quiz.clock import now
from tests.conftest import log_in


def finish(client, round_):
    attempt = client.post(f"/api/v1/rounds/{round_.id}/attempts").json
    client.put(f"/api/v1/attempts/{attempt['id']}/answers/1", json={"choices": ["a"]})
    client.post(f"/api/v1/attempts/{attempt['id']}/submit", json={})
    return attempt["id"]


def test_answers_stay_hidden_while_anyone_may_still_save(app, make_round, make_user):
    with time_machine.travel(now(), tick=False) as clock:
        round_ = make_round(
            opens_at=now() - timedelta(minutes=1),
            closes_at=now() + timedelta(minutes=10),
            grace_seconds=30,
        )
        done, working = log_in(app, make_user()), log_in(app, make_user())
        aid = finish(done, round_)
        theirs = working.post(f"/api/v1/rounds/{round_.id}/attempts").json["id"]
        clock.move_to(round_.closes_at + timedelta(seconds=1))
        # A friend's save still counts for 29 seconds: no answer key anywhere yet.
        item = done.get(f"/api/v1/attempts/{aid}").json["items"][0]
        assert "correct" not in item and "explanation" not in item
        assert done.get(f"/attempts/{aid}/review").status_code == 403
        saved = working.put(f"/api/v1/attempts/{theirs}/answers/1", json={"choices": ["b"]})
        assert saved.status_code == 200
        clock.move_to(round_.closes_at + timedelta(seconds=31))
        assert (
            working.put(f"/api/v1/attempts/{theirs}/answers/1", json={"choices": ["a"]}).status_code
            == 409
        )
        assert "correct" in done.get(f"/api/v1/attempts/{aid}").json["items"][0]
        assert done.get(f"/attempts/{aid}/review").status_code == 200


def test_a_ranked_round_cannot_show_answers_as_soon_as_a_student_finishes(
    organiser, make_bank, app
):
    make_bank(topic="law", easy=3)
    body = {
        "title": "Vòng 1",
        "opens_at": (now() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "closes_at": (now() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "time_limit_seconds": 600,
        "blueprint": [{"topic": "law", "count": 3}],
        "review": "immediately",
    }
    client = log_in(app, organiser)
    refused = client.post("/api/v1/rounds", json=body, headers={"Accept-Language": "en"})
    assert refused.status_code == 422
    assert "students who finish could pass them" in refused.json["error"]["message"]
    practice = client.post("/api/v1/rounds", json={**body, "ranked": False, "max_attempts": 100})
    assert practice.status_code == 201 and practice.json["ranked"] is False


def test_a_practice_round_is_scored_shown_and_in_no_standing(app, make_round, make_user):
    round_ = make_round(ranked=False, review="immediately", max_attempts=5)
    student = make_user()
    client = log_in(app, student)
    aid = finish(client, round_)
    mine = client.get(f"/api/v1/attempts/{aid}").json
    assert mine["score"] == 1.0 and "correct" in mine["items"][0]  # shown at once
    assert client.get(f"/api/v1/rounds/{round_.id}/leaderboard").status_code == 404
    overall = client.get("/api/v1/leaderboard/students").json
    assert overall["total"] == 0
    universities = client.get("/api/v1/leaderboard/universities").json
    assert all(entry["participants"] == 0 for entry in universities["entries"])
    assert "Luyện tập" in client.get("/rounds").text
