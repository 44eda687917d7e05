"""Overrides for one student or one university (contest-operations.md, Overrides)."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from sqlalchemy import func, select

from quiz.accounts.models import Role
from quiz.attempts.models import Attempt, Paper
from quiz.audit.models import AuditEntry
from quiz.clock import now
from quiz.rounds.models import RoundOverride
from tests.conftest import log_in


def override(client, round_, **body):
    body.setdefault("reason", "Thí sinh khuyết tật thị giác: thêm giờ theo quy chế.")
    return client.post(
        f"/api/v1/rounds/{round_.id}/overrides", json=body, headers={"Accept-Language": "en"}
    )


def start(client, round_):
    response = client.post(f"/api/v1/rounds/{round_.id}/attempts")
    assert response.status_code in (200, 201), response.json
    return response.json


def count(db_session, model):
    return db_session.scalar(select(func.count()).select_from(model))


def test_extra_time_for_one_student_only(app, organiser_client, make_user, make_round):
    round_ = make_round(time_limit_seconds=600)
    helped, other = make_user(), make_user()
    with time_machine.travel(now(), tick=False):
        response = override(organiser_client, round_, email=helped.email, extra_seconds=900)
        assert response.status_code == 201, response.json
        assert start(log_in(app, helped), round_)["remaining_seconds"] == 1500
        assert start(log_in(app, other), round_)["remaining_seconds"] == 600


def test_the_student_sees_their_override_and_its_reason_on_the_round_page(
    app, organiser_client, student, make_round
):
    round_ = make_round(time_limit_seconds=600, max_attempts=1)
    override(
        organiser_client,
        round_,
        email=student.email,
        extra_seconds=300,
        extra_attempts=1,
        reason="Mất điện ở cơ sở Thủ Đức.",
    )
    page = log_in(app, student).get(f"/rounds/{round_.id}", headers={"Accept-Language": "en"})
    text = page.get_data(as_text=True)
    assert "The organisers changed this round's terms for you." in text
    assert "5 extra minutes" in text and "1 extra attempt" in text
    assert "Mất điện ở cơ sở Thủ Đức." in text
    assert "You have 15 minutes" in text and "You may take this round 2 times." in text


def test_an_attempt_in_progress_gets_the_new_deadline_at_once(
    app, organiser_client, student, make_round, db_session
):
    round_ = make_round(time_limit_seconds=600)
    client = log_in(app, student)
    with time_machine.travel(now(), tick=False) as clock:
        attempt = start(client, round_)
        clock.shift(timedelta(seconds=100))
        response = override(organiser_client, round_, email=student.email, extra_seconds=600)
        assert response.json["attempts_moved"] == 1
        read = client.get(f"/api/v1/attempts/{attempt['id']}").json
        assert read["remaining_seconds"] == 1100
        assert [note["kind"] for note in read["notes"]] == ["override"]
        clock.shift(timedelta(seconds=1000))
        saved = client.put(
            f"/api/v1/attempts/{attempt['id']}/answers/1",
            json={"choices": [read["items"][0]["options"][0]["id"]]},
        )
        assert saved.status_code == 200


def test_a_university_override_reaches_its_students_and_a_students_own_wins(
    app, organiser_client, make_user, make_university, make_round
):
    round_ = make_round(time_limit_seconds=600)
    campus = make_university()
    first, second = make_user(university=campus), make_user(university=campus)
    elsewhere = make_user()
    with time_machine.travel(now(), tick=False):
        assert (
            override(
                organiser_client,
                round_,
                university_code=campus.code,
                extra_seconds=1200,
                reason="Campus without power for 20 minutes.",
            ).status_code
            == 201
        )
        assert (
            override(organiser_client, round_, email=second.email, extra_seconds=60).status_code
            == 201
        )
        assert start(log_in(app, first), round_)["remaining_seconds"] == 1800
        assert start(log_in(app, second), round_)["remaining_seconds"] == 660
        assert start(log_in(app, elsewhere), round_)["remaining_seconds"] == 600


def test_a_personal_window_lets_one_student_take_a_closed_round_and_caps_the_deadline(
    app, organiser_client, make_user, make_round
):
    moment = now()
    round_ = make_round(time_limit_seconds=3600, review="never")
    clash, other = make_user(), make_user()
    own_opens, own_closes = moment + timedelta(hours=3), moment + timedelta(hours=3, minutes=30)
    response = override(
        organiser_client,
        round_,
        email=clash.email,
        opens_at=own_opens.isoformat(),
        closes_at=own_closes.isoformat(),
        reason="Trùng lịch thi học kỳ.",
    )
    assert response.status_code == 201, response.json
    with time_machine.travel(moment + timedelta(minutes=5), tick=False):
        early = log_in(app, clash).post(f"/api/v1/rounds/{round_.id}/attempts")
        assert early.status_code == 409  # the round is open, but not their own window
    with time_machine.travel(moment + timedelta(hours=3, minutes=10), tick=False):
        assert start(log_in(app, clash), round_)["remaining_seconds"] == 20 * 60
        refused = log_in(app, other).post(f"/api/v1/rounds/{round_.id}/attempts")
        assert refused.status_code == 409 and refused.json["error"]["code"] == "round_not_open"


def test_extra_attempts_add_to_the_rounds_allowance(app, organiser_client, student, make_round):
    round_ = make_round(max_attempts=1)
    client = log_in(app, student)
    first = start(client, round_)
    client.post(f"/api/v1/attempts/{first['id']}/submit")
    assert client.post(f"/api/v1/rounds/{round_.id}/attempts").status_code == 409
    override(organiser_client, round_, email=student.email, extra_attempts=1)
    assert client.post(f"/api/v1/rounds/{round_.id}/attempts").status_code == 201


def test_a_student_with_an_override_and_a_paper_drawn_ahead_gets_their_own_terms(
    app, runner, organiser_client, student, make_round, db_session
):
    moment = now()
    round_ = make_round(
        opens_at=moment + timedelta(minutes=30),
        closes_at=moment + timedelta(hours=2),
        time_limit_seconds=600,
    )
    assert runner.invoke(["papers", "prepare", "--round", str(round_.id)]).exit_code == 0
    override(organiser_client, round_, email=student.email, extra_seconds=120)
    with time_machine.travel(moment + timedelta(minutes=31), tick=False):
        assert start(log_in(app, student), round_)["remaining_seconds"] == 720
    paper = db_session.scalar(select(Paper).where(Paper.student_id == student.id))
    assert paper.used_at is not None  # the paper drawn ahead was still the one used


def test_a_personal_window_after_the_round_holds_back_everyones_review(
    app, organiser_client, make_user, make_round
):
    moment = now()
    round_ = make_round(time_limit_seconds=60, closes_at=moment + timedelta(hours=1))
    early, late = make_user(), make_user()
    override(
        organiser_client,
        round_,
        email=late.email,
        opens_at=(moment + timedelta(hours=2)).isoformat(),
        closes_at=(moment + timedelta(hours=3)).isoformat(),
    )
    client = log_in(app, early)
    attempt = start(client, round_)
    client.post(f"/api/v1/attempts/{attempt['id']}/submit")
    with time_machine.travel(moment + timedelta(hours=1, minutes=5), tick=False):
        assert client.get(f"/attempts/{attempt['id']}/review").status_code == 403
        assert "correct" not in client.get(f"/api/v1/attempts/{attempt['id']}").json["items"][0]
    with time_machine.travel(moment + timedelta(hours=3, minutes=1), tick=False):
        assert client.get(f"/attempts/{attempt['id']}/review").status_code == 200


def test_refusals_write_nothing(
    app, organiser_client, student, make_university, make_round, db_session
):
    round_ = make_round(time_limit_seconds=600)
    campus = make_university()
    audits = count(db_session, AuditEntry)
    cases = [
        ({"email": student.email, "extra_seconds": 60, "reason": "  "}, "Give the reason"),
        (
            {"email": student.email, "university_code": campus.code, "extra_seconds": 60},
            "either a student's e-mail address or a university code",
        ),
        ({"email": "nobody@example.edu.vn", "extra_seconds": 60}, "No student has this"),
        ({"university_code": "NOPE", "extra_seconds": 60}, "Unknown university"),
        ({"email": student.email}, "An override gives extra time"),
        ({"email": student.email, "extra_seconds": -5}, "extra_seconds"),
        ({"email": student.email, "extra_seconds": 60, "reason": "x" * 501}, "reason"),
        (
            {"email": student.email, "opens_at": now().isoformat()},
            "both its opening and closing time",
        ),
    ]
    for body, says in cases:
        response = override(organiser_client, round_, **body)
        assert response.status_code == 422, (body, response.json)
        assert says in response.json["error"]["message"], (body, response.json)
    assert count(db_session, RoundOverride) == 0
    assert count(db_session, AuditEntry) == audits


def test_an_override_that_would_shorten_a_started_attempt_is_refused(
    app, organiser_client, student, make_round, db_session
):
    moment = now()
    round_ = make_round(time_limit_seconds=1800)
    with time_machine.travel(moment, tick=False):
        attempt = start(log_in(app, student), round_)
        response = override(
            organiser_client,
            round_,
            email=student.email,
            opens_at=(moment - timedelta(minutes=10)).isoformat(),
            closes_at=(moment + timedelta(minutes=5)).isoformat(),
        )
    assert response.status_code == 409
    assert response.json["error"]["code"] == "would_shorten"
    assert count(db_session, RoundOverride) == 0
    kept = db_session.get(Attempt, attempt["id"])
    db_session.refresh(kept)
    assert kept.deadline - kept.started_at == timedelta(seconds=1800)


def test_no_override_once_the_answers_may_be_shown(organiser_client, student, make_round):
    moment = now()
    round_ = make_round(closes_at=moment + timedelta(minutes=10), review="after_close")
    with time_machine.travel(moment + timedelta(minutes=11), tick=False):
        response = override(organiser_client, round_, email=student.email, extra_attempts=1)
    assert response.status_code == 409 and response.json["error"]["code"] == "answers_shown"


def test_an_override_is_audited_with_its_reason_and_what_it_replaced(
    organiser_client, student, make_round, db_session, organiser
):
    round_ = make_round()
    override(organiser_client, round_, email=student.email, extra_seconds=60, reason="first")
    override(organiser_client, round_, email=student.email, extra_seconds=120, reason="second")
    entry = db_session.scalars(
        select(AuditEntry)
        .where(AuditEntry.action == "operations.override")
        .order_by(AuditEntry.id.desc())
    ).first()
    assert entry.actor_id == organiser.id and entry.target == f"round:{round_.id}"
    assert entry.details["reason"] == "second"
    assert entry.details["before"]["extra_seconds"] == 60
    assert entry.details["after"]["extra_seconds"] == 120
    assert count(db_session, RoundOverride) == 1


def test_only_organisers_may_set_overrides(app, student_client, make_user, make_round):
    round_ = make_round()
    coordinator = make_user(Role.COORDINATOR)
    for client in (student_client, log_in(app, coordinator)):
        assert (
            override(client, round_, email="x@example.edu.vn", extra_seconds=60).status_code == 403
        )


def test_the_organisers_page_sets_lists_and_removes_an_override(
    organiser_client, student, make_round, db_session
):
    round_ = make_round()
    page = organiser_client.get(f"/organiser/rounds/{round_.id}/operations")
    assert page.status_code == 200
    missing = organiser_client.post(
        f"/organiser/rounds/{round_.id}/overrides",
        data={"email": student.email, "extra_minutes": "10", "reason": ""},
        headers={"Accept-Language": "en"},
    )
    assert missing.status_code == 422 and count(db_session, RoundOverride) == 0
    saved = organiser_client.post(
        f"/organiser/rounds/{round_.id}/overrides",
        data={"email": student.email, "extra_minutes": "10", "reason": "Khuyết tật vận động"},
    )
    assert saved.status_code == 302
    listed = organiser_client.get(
        f"/organiser/rounds/{round_.id}/operations", headers={"Accept-Language": "en"}
    ).get_data(as_text=True)
    assert student.email in listed and "10 extra minutes" in listed
    found = db_session.scalar(select(RoundOverride))
    organiser_client.post(
        f"/organiser/rounds/{round_.id}/overrides/{found.id}/remove", data={"reason": "nhầm"}
    )
    assert count(db_session, RoundOverride) == 0
