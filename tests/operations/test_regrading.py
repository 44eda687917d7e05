"""Regrading one question of a round (contest-operations.md, Regrading)."""

from __future__ import annotations

import re
import threading
from datetime import timedelta

import time_machine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from quiz.accounts.models import Role, User
from quiz.attempts import services as attempts
from quiz.attempts.models import SCORE_UNIT, Attempt, Regrade
from quiz.audit.models import AuditEntry
from quiz.bank.schema import OptionData, QuestionData, TopicData
from quiz.bank.services import import_bank
from quiz.clock import now
from quiz.errors import Conflict
from quiz.operations.regrading import RegradeData, regrade
from quiz.rounds.services import BlueprintLine, RoundData, create_round
from quiz.standings.models import OverallStanding, RoundStanding
from quiz.standings.rebuild import rebuild
from quiz.universities.models import University
from tests.conftest import log_in
from tests.standings.test_property import histograms, university_rows

KEYS = [f"rg-easy-single-{n:02d}" for n in range(1, 5)]


def question(key, correct="a", points=1):
    return QuestionData(
        id=key,
        difficulty="easy",
        kind="single",
        points=points,
        text={"vi": f"Câu hỏi {key}?", "en": f"Question {key}?"},
        options=[
            OptionData(o, {"vi": f"Phương án {o}", "en": f"Option {o}"}, o == correct)
            for o in "abcd"
        ],
        explanation={"vi": "Giải thích.", "en": "Because."},
        source="Test source",
    )


def bank(session, corrections=None):
    corrections = corrections or {}
    import_bank(
        session,
        [TopicData("rg", {"vi": "rg"}, [question(k, *corrections.get(k, ())) for k in KEYS])],
    )


def closed_round(
    session, users, answers, moment, max_attempts=1, durations=None, predictions=None, **fields
):
    """A round of the 4 questions, closed; ``answers[i][key]`` is what user i chose (a
    user listed twice takes a second attempt), in ``durations[i]`` seconds (7 s each),
    predicting ``predictions[i]``; ``fields`` are more of the round's values."""
    bank(session)
    round_ = create_round(
        session,
        RoundData(
            title={"vi": "Vòng chấm lại"},
            opens_at=moment - timedelta(minutes=1),
            closes_at=moment + timedelta(hours=1),
            time_limit_seconds=600,
            blueprint=[BlueprintLine(4, "rg", "easy")],
            max_attempts=max_attempts,
            **fields,
        ),
        actor_id=None,
    )
    with time_machine.travel(moment, tick=False) as clock:
        for index, (user, chosen) in enumerate(zip(users, answers, strict=True)):
            started = attempts.start(session, round_, user)
            sheet = attempts.sheet(session, started.attempt_id, user)
            for item in sheet.items:
                choice = chosen.get(item.version.key)
                if choice:
                    attempts.save_answer(session, started.attempt_id, user, item.position, [choice])
            clock.shift(timedelta(seconds=durations[index] if durations else 7))
            attempts.submit(
                session, started.attempt_id, user, predictions[index] if predictions else None
            )
    return round_


def after_close(round_):
    return time_machine.travel(round_.closes_at + timedelta(seconds=round_.grace_seconds + 1))


def standing_rows(session):
    return (
        sorted(
            (r.view, r.round_id, r.student_id, r.score_units, r.duration_ms)
            for r in session.scalars(select(RoundStanding))
        ),
        sorted(
            (r.view, r.student_id, r.total_units, r.duration_ms)
            for r in session.scalars(select(OverallStanding))
        ),
        university_rows(session),
        histograms(session)[0],
    )


def score_of(session, user, round_):
    attempt = session.scalar(
        select(Attempt).where(Attempt.student_id == user.id, Attempt.round_id == round_.id)
    )
    session.refresh(attempt)
    return attempt.score_units / SCORE_UNIT, attempt.max_score


def test_a_dry_run_shows_what_neutralising_would_change_and_changes_nothing(db_session, make_user):
    users = [make_user() for _ in range(3)]
    moment = now()
    all_right = {k: "a" for k in KEYS}
    answers = [{**all_right, KEYS[1]: "b"}, {**all_right, KEYS[0]: "b"}, {}]
    round_ = closed_round(db_session, users, answers, moment)
    kept = standing_rows(db_session)
    audits = db_session.scalar(select(func.count()).select_from(AuditEntry))
    with after_close(round_):
        outcome = regrade(
            db_session,
            round_.id,
            RegradeData(KEYS[0], "neutralise", "Đáp án có hai cách hiểu."),
            dry_run=True,
            actor_id=None,
        )
    assert (outcome.attempts_affected, outcome.scores_up, outcome.scores_down) == (3, 2, 0)
    assert not outcome.applied
    assert [e.student_id for e in outcome.top_before][0] == users[0].id
    assert {e.student_id: e.rank for e in outcome.top_after}[users[1].id] == 1
    assert outcome.rank_changes == 2  # the first two change places (ties go to the earlier)
    assert standing_rows(db_session) == kept
    assert score_of(db_session, users[1], round_) == (3, 4)
    assert db_session.scalar(select(func.count()).select_from(Regrade)) == 0
    assert db_session.scalar(select(func.count()).select_from(AuditEntry)) == audits


def test_each_action_applied_equals_a_rebuild_and_scores_as_stated(db_session, make_user):
    users = [make_user() for _ in range(3)]
    moment = now()
    answers = [{k: "a" for k in KEYS}, {**{k: "a" for k in KEYS}, KEYS[0]: "b"}, {KEYS[1]: "a"}]
    round_ = closed_round(db_session, users, answers, moment)
    bank(db_session, {KEYS[0]: ("b",)})  # version 2: the key was b all along
    with after_close(round_):
        regrade(
            db_session,
            round_.id,
            RegradeData(KEYS[0], "rekey", "Sai đáp án.", 2),
            dry_run=False,
            actor_id=None,
        )
        assert score_of(db_session, users[0], round_) == (3, 4)
        assert score_of(db_session, users[1], round_) == (4, 4)
        regrade(
            db_session,
            round_.id,
            RegradeData(KEYS[1], "drop", "Câu hỏi lỗi."),
            dry_run=False,
            actor_id=None,
        )
        regrade(
            db_session,
            round_.id,
            RegradeData(KEYS[1], "drop", "Câu hỏi lỗi."),
            dry_run=False,
            actor_id=None,
        )  # twice: one result
        assert score_of(db_session, users[1], round_) == (3, 3)
        assert score_of(db_session, users[2], round_) == (0, 3)
        regrade(
            db_session,
            round_.id,
            RegradeData(KEYS[2], "neutralise", "Hai đáp án đúng."),
            dry_run=False,
            actor_id=None,
        )
        assert score_of(db_session, users[2], round_) == (1, 3)
    kept = standing_rows(db_session)
    rebuild(db_session)
    assert standing_rows(db_session) == kept


def test_regrading_waits_for_the_last_save_instant_and_refusals_write_nothing(
    db_session, make_user
):
    users = [make_user()]
    moment = now()
    round_ = closed_round(db_session, users, [{k: "a" for k in KEYS}], moment)
    with time_machine.travel(moment + timedelta(minutes=30)):
        try:
            regrade(
                db_session,
                round_.id,
                RegradeData(KEYS[0], "drop", "x"),
                dry_run=False,
                actor_id=None,
            )
        except Exception as error:  # noqa: BLE001 - the kind is asserted below
            assert getattr(error, "code", None) == "round_running"
        else:
            raise AssertionError("regraded a running round")
    cases = [
        (RegradeData("no-such-question", "drop", "x"), "question_id"),
        (RegradeData(KEYS[0], "explode", "x"), "action"),
        (RegradeData(KEYS[0], "drop", "   "), "reason"),
        (RegradeData(KEYS[0], "rekey", "x", 9), "version"),
    ]
    with after_close(round_):
        for data, field in cases:
            try:
                regrade(db_session, round_.id, data, dry_run=False, actor_id=None)
            except Exception as error:  # noqa: BLE001
                assert field in error.errors, (data, error.errors)
            else:
                raise AssertionError(data)
    assert db_session.scalar(select(func.count()).select_from(Regrade)) == 0
    assert score_of(db_session, users[0], round_) == (4, 4)


def test_through_the_api_with_the_student_reading_the_note(app, db_session, make_user):
    organiser, student = make_user(Role.ORGANISER), make_user()
    moment = now()
    round_ = closed_round(db_session, [student], [{KEYS[0]: "b"}], moment)
    client = log_in(app, organiser)
    body = {"question_id": KEYS[0], "action": "neutralise", "reason": "Đề in sai.", "dry_run": True}
    with after_close(round_):
        dry = client.post(f"/api/v1/rounds/{round_.id}/regrade", json=body).json
        assert dry["applied"] is False and dry["scores_up"] == 1
        assert dry["top_before"][0]["score"] == 0 and dry["top_after"][0]["score"] == 1
        done = client.post(f"/api/v1/rounds/{round_.id}/regrade", json={**body, "dry_run": False})
        assert done.json["applied"] is True
        attempt = db_session.scalar(select(Attempt.id).where(Attempt.student_id == student.id))
        page = (
            log_in(app, student)
            .get(f"/attempts/{attempt}/result", headers={"Accept-Language": "en"})
            .get_data(as_text=True)
        )
    assert f"Question {KEYS[0]} was regraded" in page and "from 0.00" in page
    assert "to 1.00" in page and "Đề in sai." in page
    entry = db_session.scalar(select(AuditEntry).where(AuditEntry.action == "operations.regrade"))
    assert entry.details["question"] == KEYS[0] and entry.details["reason"] == "Đề in sai."


def test_the_organisers_page_shows_the_dry_run_side_by_side_then_applies(
    app, db_session, make_user
):
    organiser, student = make_user(Role.ORGANISER), make_user()
    moment = now()
    round_ = closed_round(db_session, [student], [{KEYS[0]: "b"}], moment)
    client = log_in(app, organiser)
    form = {"question_id": KEYS[0], "action": "drop", "version": "", "reason": "Lỗi đề"}
    with after_close(round_):
        page = client.post(
            f"/organiser/rounds/{round_.id}/regrade", data=form, headers={"Accept-Language": "en"}
        )
        text = page.get_data(as_text=True)
        assert page.status_code == 200 and "Before" in text and "After" in text
        assert "Nothing is changed until you confirm." in text
        assert db_session.scalar(select(func.count()).select_from(Regrade)) == 0
        done = client.post(f"/organiser/rounds/{round_.id}/regrade", data={**form, "confirm": "1"})
        assert done.status_code == 302
    assert score_of(db_session, student, round_) == (0, 3)


regrade_steps = st.lists(
    st.tuples(
        st.integers(0, 3),
        st.sampled_from(["rekey", "neutralise", "drop"]),
        st.sampled_from([1, 2]),
    ),
    min_size=1,
    max_size=4,
)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    answers=st.lists(
        st.fixed_dictionaries({k: st.sampled_from(["a", "b", "c", None]) for k in KEYS}),
        min_size=1,
        max_size=5,
    ),
    steps=regrade_steps,
)
def test_any_sequence_of_regrades_keeps_standings_equal_to_a_rebuild(
    app, db_session, make_user, answers, steps
):
    nested = db_session.begin_nested()
    try:
        users = [make_user() for _ in answers]
        moment = now()
        # Later students are faster: ties on score are not settled in account order.
        durations = [60 - 7 * n for n in range(len(users))]
        round_ = closed_round(db_session, users, answers, moment, durations=durations)
        bank(db_session, {k: ("b", 2) for k in KEYS})  # version 2 of each: key b, 2 points
        in_force = {}
        with after_close(round_):
            for index, action, version in steps:
                key = KEYS[index]
                data = RegradeData(key, action, "step", version if action == "rekey" else None)
                # The dry run (ranked in memory: one attempt each) foretells the applied one.
                dry = regrade(db_session, round_.id, data, dry_run=True, actor_id=None)
                done = regrade(db_session, round_.id, data, dry_run=False, actor_id=None)
                assert dry.top_after == done.top_after
                assert (dry.rank_changes, dry.scores_up, dry.scores_down) == (
                    done.rank_changes,
                    done.scores_up,
                    done.scores_down,
                )
                in_force[key] = (action, version)
        for user, chosen in zip(users, answers, strict=True):
            expected_score = expected_max = 0
            for key in KEYS:
                # Without a regrade, the version served (1 point, key a) scores it.
                action, version = in_force.get(key, ("rekey", 1))
                correct, points = ("b", 2) if version == 2 else ("a", 1)
                if action == "neutralise":
                    expected_max += 1
                    expected_score += 1
                elif action == "rekey":
                    expected_max += points
                    expected_score += points if chosen[key] == correct else 0
            assert score_of(db_session, user, round_) == (expected_score, expected_max)
        kept = standing_rows(db_session)
        rebuild(db_session)
        assert standing_rows(db_session) == kept
    finally:
        nested.rollback()


def test_two_organisers_regrading_one_question_at_once_give_one_result(app, committed):
    moment = now()
    with committed() as session:
        users = [
            User(
                email=f"race{n}@example.edu.vn",
                full_name=f"Race {n}",
                display_name="R",
                role="student",
                password_hash="",
                university=University(code=f"RACE{n}", name_vi="T", name_en="T"),
            )
            for n in range(4)
        ]
        session.add_all(users)
        session.flush()
        with app.test_request_context():
            round_ = closed_round(session, users, [{KEYS[0]: "b"}, {KEYS[0]: "a"}, {}, {}], moment)
        session.commit()
        round_id, user_ids = round_.id, [u.id for u in users]
        closes = round_.closes_at + timedelta(seconds=round_.grace_seconds + 1)
    barrier = threading.Barrier(2)
    errors = []

    def organiser():
        with app.test_request_context(method="POST"), committed() as session:
            barrier.wait()
            try:
                regrade(
                    session,
                    round_id,
                    RegradeData(KEYS[0], "neutralise", "race"),
                    dry_run=False,
                    actor_id=None,
                )
                session.commit()
            except Conflict as error:
                session.rollback()
                errors.append(error.code)

    with time_machine.travel(closes, tick=False):
        threads = [threading.Thread(target=organiser) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    with committed() as session:
        scores = [
            session.scalar(select(Attempt.score_units).where(Attempt.student_id == user_id))
            for user_id in user_ids
        ]
        assert scores == [SCORE_UNIT] * 4, (scores, errors)
        kept = standing_rows(session)
        rebuild(session)
        assert standing_rows(session) == kept
        session.rollback()


def test_after_a_rekey_the_review_shows_the_corrected_key(app, db_session, make_user):
    student = make_user()
    moment = now()
    round_ = closed_round(db_session, [student], [{KEYS[0]: "b"}], moment)
    bank(db_session, {KEYS[0]: ("b",)})
    client = log_in(app, student)
    attempt = db_session.scalar(select(Attempt.id).where(Attempt.student_id == student.id))
    with after_close(round_):
        regrade(
            db_session,
            round_.id,
            RegradeData(KEYS[0], "rekey", "Sai đáp án."),
            dry_run=False,
            actor_id=None,
        )
        body = client.get(f"/api/v1/attempts/{attempt}").json
        item = next(i for i in body["items"] if i["question_id"] == KEYS[0])
        assert item["correct"] == ["b"]
        page = client.get(
            f"/attempts/{attempt}/review", headers={"Accept-Language": "en"}
        ).get_data(as_text=True)
    assert "Regraded: scored against a corrected version." in page
    section = page.split('data-regrade="rekey"')[1].split("</section>")[0]
    right = re.findall(
        r'<li class="right[^"]*">\s*<span class="mark"[^>]*>[^<]*</span>\s*'
        r"<span>([^<]+?)\s*<strong>",
        section,
    )
    assert right == ["Option b"]


def test_with_several_attempts_each_the_dry_run_foretells_what_applying_does(db_session, make_user):
    first, second = make_user(), make_user()
    moment = now()
    right = {k: "a" for k in KEYS}
    # The first student's best attempt misses KEYS[0]; their other attempt misses two others.
    answers = [{**right, KEYS[0]: "b"}, {**right, KEYS[1]: "b", KEYS[2]: "b"}, right]
    round_ = closed_round(db_session, [first, first, second], answers, moment, max_attempts=2)
    bank(db_session, {KEYS[0]: ("b",)})
    data = RegradeData(KEYS[0], "rekey", "Sai đáp án.", 2)
    with after_close(round_):
        dry = regrade(db_session, round_.id, data, dry_run=True, actor_id=None)
        assert db_session.scalar(select(func.count()).select_from(Regrade)) == 0
        done = regrade(db_session, round_.id, data, dry_run=False, actor_id=None)
    assert dry.top_after == done.top_after and dry.rank_changes == done.rank_changes
    assert [e.student_id for e in done.top_after] == [first.id, second.id]
    kept = standing_rows(db_session)
    rebuild(db_session)
    assert standing_rows(db_session) == kept
