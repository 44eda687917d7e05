"""Time given back after an incident (contest-operations.md, Incidents)."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from sqlalchemy import func, select

from quiz.attempts.models import Attempt, AttemptNote
from quiz.audit.models import AuditEntry
from quiz.clock import now
from tests.conftest import log_in


def incident(client, round_, **body):
    body.setdefault("reason", "Máy chủ mất kết nối 10 phút lúc 20:05.")
    return client.post(
        f"/api/v1/rounds/{round_.id}/incidents", json=body, headers={"Accept-Language": "en"}
    )


def start(client, round_):
    response = client.post(f"/api/v1/rounds/{round_.id}/attempts")
    assert response.status_code in (200, 201), response.json
    return response.json


def first_option(attempt):
    return [attempt["items"][0]["options"][0]["id"]]


def test_every_running_attempt_gets_the_minutes_and_finished_ones_do_not(
    app, organiser_client, make_user, make_round, db_session
):
    round_ = make_round(time_limit_seconds=600)
    running, finished = make_user(), make_user()
    with time_machine.travel(now(), tick=False) as clock:
        a = start(log_in(app, running), round_)
        done_client = log_in(app, finished)
        b = start(done_client, round_)
        done_client.post(f"/api/v1/attempts/{b['id']}/submit")
        clock.shift(timedelta(seconds=60))
        response = incident(organiser_client, round_, minutes=10)
        assert response.json == {"attempts": 1, "applied": True}
        read = log_in(app, running).get(f"/api/v1/attempts/{a['id']}").json
        assert read["remaining_seconds"] == 540 + 600
        assert read["excused_ms"] == 600_000
        assert read["notes"][0]["kind"] == "incident"
    assert db_session.get(Attempt, b["id"]).excused_ms == 0


def test_the_excused_minutes_are_left_out_of_the_duration_that_breaks_ties(
    app, organiser_client, student, make_round, db_session
):
    round_ = make_round(time_limit_seconds=600)
    client = log_in(app, student)
    with time_machine.travel(now(), tick=False) as clock:
        attempt = start(client, round_)
        clock.shift(timedelta(minutes=2))
        incident(organiser_client, round_, minutes=5)
        clock.shift(timedelta(minutes=9))  # 11 minutes after the start: past the old deadline
        saved = client.put(
            f"/api/v1/attempts/{attempt['id']}/answers/1", json={"choices": first_option(attempt)}
        )
        assert saved.status_code == 200
        submitted = client.post(f"/api/v1/attempts/{attempt['id']}/submit").json
    assert submitted["status"] == "submitted"
    assert submitted["duration_ms"] == 6 * 60_000


def test_time_given_back_runs_past_the_closing_time_and_holds_back_the_review(
    app, organiser_client, student, make_round
):
    moment = now()
    round_ = make_round(time_limit_seconds=600, closes_at=moment + timedelta(minutes=5))
    with time_machine.travel(moment, tick=False) as clock:
        # Logged in at the instant the clock stands at: a login from later would not hold.
        client = log_in(app, student)
        attempt = start(client, round_)
        incident(organiser_client, round_, minutes=10)
        clock.shift(timedelta(minutes=12))  # the round closed 7 minutes ago
        saved = client.put(
            f"/api/v1/attempts/{attempt['id']}/answers/1", json={"choices": first_option(attempt)}
        )
        assert saved.status_code == 200
        client.post(f"/api/v1/attempts/{attempt['id']}/submit")
        assert client.get(f"/attempts/{attempt['id']}/review").status_code == 403
        clock.shift(timedelta(minutes=4))
        assert client.get(f"/attempts/{attempt['id']}/review").status_code == 200


def test_only_one_university_or_attempts_started_before_an_instant(
    app, organiser_client, make_user, make_university, make_round
):
    round_ = make_round(time_limit_seconds=1800)
    campus = make_university()
    here, there, later = make_user(university=campus), make_user(), make_user(university=campus)
    moment = now()
    with time_machine.travel(moment, tick=False) as clock:
        start(log_in(app, here), round_)
        start(log_in(app, there), round_)
        clock.shift(timedelta(minutes=5))
        start(log_in(app, later), round_)
        assert incident(
            organiser_client, round_, minutes=3, university_code=campus.code, dry_run=True
        ).json == {"attempts": 2, "applied": False}
        cutoff = (moment + timedelta(minutes=1)).isoformat()
        assert (
            incident(
                organiser_client,
                round_,
                minutes=3,
                university_code=campus.code,
                started_before=cutoff,
            ).json["attempts"]
            == 1
        )


def test_a_dry_run_and_every_refusal_change_nothing(
    app, organiser_client, student, make_round, db_session
):
    round_ = make_round()
    attempt = start(log_in(app, student), round_)
    deadline = db_session.get(Attempt, attempt["id"]).deadline
    audits = db_session.scalar(select(func.count()).select_from(AuditEntry))
    assert incident(organiser_client, round_, minutes=5, dry_run=True).json["attempts"] == 1
    for body, says in (
        ({"minutes": 0}, "minutes"),
        ({"minutes": 241}, "minutes"),
        ({"minutes": 5, "reason": " "}, "Give the reason"),
        ({"minutes": 5, "university_code": "NOPE"}, "Unknown university"),
        ({"minutes": 5, "started_before": "0001-01-01T00:00:00Z"}, "started_before"),
    ):
        response = incident(organiser_client, round_, **body)
        assert response.status_code == 422, body
        assert says in response.json["error"]["message"], (body, response.json)
    db_session.expire_all()
    assert db_session.get(Attempt, attempt["id"]).deadline == deadline
    assert db_session.scalar(select(func.count()).select_from(AttemptNote)) == 0
    assert db_session.scalar(select(func.count()).select_from(AuditEntry)) == audits


def test_the_student_reads_the_note_on_their_result(app, organiser_client, student, make_round):
    round_ = make_round(time_limit_seconds=600)
    client = log_in(app, student)
    attempt = start(client, round_)
    incident(organiser_client, round_, minutes=7, reason="Sự cố mạng ở Cần Thơ.")
    client.post(f"/api/v1/attempts/{attempt['id']}/submit")
    page = client.get(f"/attempts/{attempt['id']}/result", headers={"Accept-Language": "en"})
    text = page.get_data(as_text=True)
    assert "7 minutes were added to your time after an incident." in text
    assert "Sự cố mạng ở Cần Thơ." in text


def test_the_organiser_sees_the_count_before_confirming(
    app, organiser_client, student, make_round, db_session
):
    round_ = make_round()
    attempt = start(log_in(app, student), round_)
    form = {"minutes": "5", "reason": "Mất điện", "university_code": "", "started_before": ""}
    preview = organiser_client.post(
        f"/organiser/rounds/{round_.id}/incidents", data=form, headers={"Accept-Language": "en"}
    )
    assert preview.status_code == 200
    assert "This gives 5 minutes to 1 attempt running now." in preview.get_data(as_text=True)
    assert db_session.get(Attempt, attempt["id"]).excused_ms == 0
    done = organiser_client.post(
        f"/organiser/rounds/{round_.id}/incidents", data={**form, "confirm": "1"}
    )
    assert done.status_code == 302
    db_session.expire_all()
    assert db_session.get(Attempt, attempt["id"]).excused_ms == 300_000
