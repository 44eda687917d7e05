"""Integrity signals and decisions (contest-operations.md, Integrity signals)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from quiz.accounts.models import Role
from quiz.attempts import services as attempts
from quiz.attempts.models import Attempt
from quiz.audit.models import AuditEntry
from quiz.bank.schema import OptionData, QuestionData, TopicData
from quiz.bank.services import import_bank
from quiz.clock import now
from quiz.errors import Conflict, InvalidInput
from quiz.operations import integrity
from quiz.operations.models import IntegritySignal
from quiz.rounds.services import BlueprintLine, RoundData, create_round
from quiz.standings.models import OverallStanding, RoundStanding
from quiz.standings.rebuild import rebuild
from tests.conftest import log_in
from tests.operations.test_regrading import after_close, standing_rows

KEYS = [f"ig-easy-single-{n:02d}" for n in range(1, 13)]
RIGHT = dict.fromkeys(KEYS, "a")


def question(key):
    return QuestionData(
        id=key,
        difficulty="easy",
        kind="single",
        points=1,
        text={"vi": f"Câu {key}?"},
        options=[OptionData(o, {"vi": o.upper()}, o == "a") for o in "abcd"],
        explanation={"vi": "Giải thích."},
        source="Test source",
    )


def run_round(session, users, answers, *, durations=None, gaps=None, addresses=None):
    """A 12-question round everyone takes, then closed: user i chooses ``answers[i]``,
    starts ``gaps[i]`` seconds after the one before (0) from ``addresses[i]`` and takes
    ``durations[i]`` seconds (300)."""
    import_bank(session, [TopicData("ig", {"vi": "ig"}, [question(k) for k in KEYS])])
    moment = now()
    round_ = create_round(
        session,
        RoundData(
            title={"vi": "Vòng kiểm tra"},
            opens_at=moment - timedelta(minutes=1),
            closes_at=moment + timedelta(hours=3),
            time_limit_seconds=3600,
            blueprint=[BlueprintLine(12, "ig", "easy")],
        ),
        actor_id=None,
    )
    n = len(users)
    durations, gaps = durations or [300] * n, gaps or [0] * n
    addresses = addresses or [None] * n
    with time_machine.travel(moment, tick=False) as clock:
        for i, (user, chosen) in enumerate(zip(users, answers, strict=True)):
            clock.shift(timedelta(seconds=gaps[i]))
            started = attempts.start(session, round_, user, addresses[i])
            sheet = attempts.sheet(session, started.attempt_id, user)
            for item in sheet.items:
                if chosen.get(item.version.key):
                    attempts.save_answer(
                        session, started.attempt_id, user, item.position, [chosen[item.version.key]]
                    )
            clock.shift(timedelta(seconds=durations[i]))
            attempts.submit(session, started.attempt_id, user, None)
            clock.shift(timedelta(seconds=-durations[i]))
    return round_


def attempt_of(session, user, round_):
    return session.scalar(
        select(Attempt).where(Attempt.student_id == user.id, Attempt.round_id == round_.id)
    )


def wrong_on(count):
    return {**RIGHT, **{k: "b" for k in KEYS[:count]}}


def test_fast_flags_a_quick_top_score_and_not_a_quick_low_one(db_session, make_user):
    users = [make_user() for _ in range(10)]
    answers = [wrong_on(3)] * 8 + [RIGHT, {}]
    round_ = run_round(db_session, users, answers, durations=[600] * 8 + [100, 60], gaps=[200] * 10)
    found = integrity.find(db_session, round_.id)
    assert [(f.kind, f.attempt_ids) for f in found] == [
        ("fast", [attempt_of(db_session, users[8], round_).id])
    ]
    assert found[0].evidence["median_ms"] == 600_000
    assert found[0].evidence["duration_ms"] == 100_000


def test_twins_need_shared_identical_answers_close_together_with_a_wrong_one(db_session, make_user):
    users = [make_user() for _ in range(8)]
    copied = wrong_on(2)
    answers = [copied, copied, copied, RIGHT, RIGHT, wrong_on(5), {}, {}]
    # 0 and 1 submit 40 s apart; 2 copies them 400 s later; 3 and 4 are both all right;
    # 6 and 7 answered nothing (blank answers are not identical ones).
    gaps = [0, 40, 400, 0, 10, 1000, 0, 5]
    round_ = run_round(db_session, users, answers, gaps=gaps)
    found = [f for f in integrity.find(db_session, round_.id) if f.kind == "twins"]
    pair = sorted(attempt_of(db_session, u, round_).id for u in users[:2])
    assert [f.attempt_ids for f in found] == [pair]
    assert found[0].evidence == {
        "shared": 12,
        "identical": 12,
        "identical_wrong": 2,
        "seconds_apart": 40,
    }


def test_twins_allow_one_answer_in_ten_to_differ_and_not_two(db_session, make_user):
    users = [make_user() for _ in range(4)]
    # 11 of 12 identical (91.7 %): a signal. 10 of 12 (83 %): none.
    one_off = {**wrong_on(2), KEYS[11]: "c"}
    two_off = {**wrong_on(2), KEYS[10]: "c", KEYS[11]: "c"}
    answers = [wrong_on(2), one_off, wrong_on(2), two_off]
    round_ = run_round(db_session, users, answers, gaps=[0, 30, 1000, 30])
    found = [f for f in integrity.find(db_session, round_.id) if f.kind == "twins"]
    assert [f.evidence["identical"] for f in found] == [11]


def test_a_crowd_is_counted_by_accounts_with_its_university_mix(
    app, db_session, make_user, make_university
):
    app.config["CROWD_THRESHOLD"] = 3
    try:
        home, other = make_university(), make_university()
        users = [make_user(university=home) for _ in range(3)] + [make_user(university=other)]
        addresses = ["203.0.113.7"] * 3 + ["198.51.100.2"]
        round_ = run_round(db_session, users, [RIGHT] * 4, addresses=addresses, gaps=[5] * 4)
        with app.app_context():
            found = [f for f in integrity.find(db_session, round_.id) if f.kind == "crowd"]
        assert len(found) == 1 and found[0].subject == "203.0.113.7"
        assert found[0].evidence["accounts"] == 3
        assert found[0].evidence["universities"] == [[home.code, 3]]
    finally:
        app.config["CROWD_THRESHOLD"] = 20


def test_a_start_keeps_the_address_it_came_from(app, make_user, make_round, db_session):
    round_ = make_round()
    user = make_user()
    client = log_in(app, user)
    page = client.post(f"/rounds/{round_.id}/start", environ_base={"REMOTE_ADDR": "192.0.2.44"})
    assert page.status_code == 302
    api = log_in(app, make_user()).post(
        f"/api/v1/rounds/{round_.id}/attempts", environ_base={"REMOTE_ADDR": "192.0.2.45"}
    )
    assert api.status_code == 201
    addresses = set(db_session.scalars(select(Attempt.start_address)))
    assert addresses == {"192.0.2.44", "192.0.2.45"}


def twins_round(db_session, make_user, make_university):
    """Two copying students (one per university) and four honest ones."""
    home, other = make_university(), make_university()
    users = [make_user(university=home), make_user(university=other)]
    users += [make_user(university=home) for _ in range(4)]
    answers = [wrong_on(1), wrong_on(1)] + [wrong_on(n) for n in (2, 3, 4, 5)]
    round_ = run_round(db_session, users, answers, gaps=[0, 20, 500, 500, 500, 500])
    return round_, users


def test_disqualifying_takes_the_attempt_out_of_every_standing_as_a_rebuild_would(
    app, db_session, make_user, make_university
):
    round_, users = twins_round(db_session, make_user, make_university)
    copier = users[1]
    organiser = make_user(Role.ORGANISER)
    with after_close(round_):
        assert integrity.scan(db_session, round_.id, actor_id=organiser.id)["twins"] == 1
        signal = db_session.scalar(select(IntegritySignal))
        board = {r.student_id for r in db_session.scalars(select(RoundStanding))}
        assert copier.id in board
        client = log_in(app, organiser)
        response = client.post(
            f"/api/v1/rounds/{round_.id}/signals/{signal.id}/decision",
            json={
                "decision": "disqualify",
                "attempts": [attempt_of(db_session, copier, round_).id],
                "reason": "Bài làm chép của bạn cùng phòng.",
            },
        )
        assert response.status_code == 200, response.json
        assert response.json["status"] == "disqualified"
    db_session.expire_all()
    kept = standing_rows(db_session)
    assert copier.id not in {r.student_id for r in db_session.scalars(select(RoundStanding))}
    assert copier.id not in {r.student_id for r in db_session.scalars(select(OverallStanding))}
    rebuild(db_session)
    assert standing_rows(db_session) == kept
    audit = db_session.scalar(
        select(AuditEntry).where(AuditEntry.action == "integrity.disqualified")
    )
    assert audit.details["reason"] == "Bài làm chép của bạn cùng phòng."

    attempt = attempt_of(db_session, copier, round_)
    student = log_in(app, copier)
    read = student.get(f"/api/v1/attempts/{attempt.id}", headers={"Accept-Language": "en"}).json
    assert read["notes"][-1]["kind"] == "decision"
    assert "Bài làm chép của bạn cùng phòng." in read["notes"][-1]["text"]
    page = student.get(f"/attempts/{attempt.id}/result", headers={"Accept-Language": "en"})
    text = page.get_data(as_text=True)
    assert "This attempt was disqualified by the organisers" in text
    assert "Bài làm chép của bạn cùng phòng." in text


def test_refusals_write_nothing_and_a_rescan_keeps_decisions(
    app, db_session, make_user, make_university
):
    round_, users = twins_round(db_session, make_user, make_university)
    organiser = make_user(Role.ORGANISER)
    client = log_in(app, organiser)
    url = f"/api/v1/rounds/{round_.id}/signals"
    with after_close(round_):
        assert client.post(f"{url}/scan").json == {"fast": 0, "twins": 1, "crowd": 0}
        listed = client.get(url, headers={"Accept-Language": "en"}).json["signals"]
        signal_id = listed[0]["id"]
        assert "answered identically" in listed[0]["summary"]
        before = standing_rows(db_session)
        decide = f"{url}/{signal_id}/decision"
        stranger = attempt_of(db_session, users[3], round_).id
        cases = [
            ({"decision": "disqualify", "attempts": [], "reason": "x"}, 422, "Tick the"),
            ({"decision": "disqualify", "attempts": [stranger], "reason": "x"}, 422, "among"),
            ({"decision": "clear", "reason": "   "}, 422, "Give the reason"),
            ({"decision": "clear", "reason": "x" * 501}, 422, "reason"),
            ({"decision": "maybe", "reason": "x"}, 422, "decision"),
        ]
        for body, status, says in cases:
            response = client.post(decide, json=body, headers={"Accept-Language": "en"})
            assert response.status_code == status, (body, response.json)
            if says:
                assert says in response.json["error"]["message"], response.json
        disqualified = select(func.count()).where(Attempt.disqualified_at.is_not(None))
        assert db_session.scalar(disqualified) == 0
        assert (
            client.post(decide, json={"decision": "clear", "reason": "Cùng học nhóm."}).json[
                "status"
            ]
            == "cleared"
        )
        again = client.post(decide, json={"decision": "clear", "reason": "Lần nữa"})
        assert again.status_code == 409
        assert client.post(f"{url}/scan").json["twins"] == 0  # cleared stays cleared
    assert standing_rows(db_session) == before
    assert db_session.scalar(select(IntegritySignal.status)) == "cleared"


def test_the_service_refuses_a_decided_signal(db_session, make_user, make_university):
    round_, users = twins_round(db_session, make_user, make_university)
    integrity.scan(db_session, round_.id, actor_id=None)
    signal = db_session.scalar(select(IntegritySignal))
    integrity.decide(
        db_session, round_.id, signal.id, decision="clear", attempts=[], reason="ok", actor_id=None
    )
    with pytest.raises(Conflict):
        integrity.decide(
            db_session,
            round_.id,
            signal.id,
            decision="disqualify",
            attempts=signal.attempt_ids,
            reason="no",
            actor_id=None,
        )
    with pytest.raises(InvalidInput):
        integrity.decide(
            db_session,
            round_.id,
            signal.id,
            decision="clear",
            attempts=[],
            reason="",
            actor_id=None,
        )


def test_the_queue_page_shows_the_evidence_and_takes_a_decision(
    app, db_session, make_user, make_university
):
    round_, users = twins_round(db_session, make_user, make_university)
    organiser = make_user(Role.ORGANISER)
    client = log_in(app, organiser)
    english = {"Accept-Language": "en"}
    base = f"/organiser/rounds/{round_.id}/integrity"
    with after_close(round_):
        assert client.post(f"{base}/scan").status_code == 302
        page = client.get(base, headers=english).get_data(as_text=True)
        assert "Nearly identical answers" in page and "answered identically" in page
        assert users[1].email in page
        signal = db_session.scalar(select(IntegritySignal))
        prefix = f"s{signal.id}-"
        empty = client.post(
            f"{base}/{signal.id}",
            data={f"{prefix}decision": "disqualify", f"{prefix}reason": "Chép bài"},
            headers=english,
        )
        assert empty.status_code == 422
        assert "Tick the attempts to disqualify." in empty.get_data(as_text=True)
        copier = attempt_of(db_session, users[1], round_).id
        done = client.post(
            f"{base}/{signal.id}",
            data={
                f"{prefix}decision": "disqualify",
                f"{prefix}attempts": str(copier),
                f"{prefix}reason": "Chép bài",
            },
        )
        assert done.status_code == 302
        detail = client.get(f"/organiser/rounds/{round_.id}", headers=english)
        assert "Integrity signals" in detail.get_data(as_text=True)
    db_session.expire_all()
    assert db_session.get(Attempt, copier).disqualified_at is not None
