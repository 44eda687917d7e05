"""Provisional results, appeals, official results (contest-operations.md, Results)."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from sqlalchemy import func, select

from quiz.accounts.models import Role
from quiz.attempts.models import Attempt
from quiz.audit.models import AuditEntry
from quiz.clock import now
from quiz.operations.regrading import RegradeData, regrade
from quiz.results.models import Appeal
from quiz.rounds.models import Round
from quiz.standings import boards
from tests.conftest import log_in
from tests.operations.test_regrading import KEYS, after_close, closed_round, score_of

EN = {"Accept-Language": "en"}
ALL_RIGHT = {k: "a" for k in KEYS}


def setup(db_session, make_user, students=2):
    users = [make_user() for _ in range(students)]
    answers = [{**ALL_RIGHT, KEYS[0]: "b"}] + [ALL_RIGHT] * (students - 1)
    round_ = closed_round(db_session, users, answers, now())
    return round_, users


NEUTRALISE = RegradeData(KEYS[0], "neutralise", "Hai cách hiểu.")


def neutralise(session, round_):
    regrade(session, round_.id, NEUTRALISE, dry_run=False, actor_id=None)


def attempt_of(db_session, user, round_):
    return db_session.scalar(
        select(Attempt).where(Attempt.student_id == user.id, Attempt.round_id == round_.id)
    )


def position_of(app, client, attempt_id, key):
    body = client.get(f"/api/v1/attempts/{attempt_id}").json
    return next(i["position"] for i in body["items"] if i["question_id"] == key)


def appeals_count(db_session):
    return db_session.scalar(select(func.count()).select_from(Appeal))


def test_a_student_appeals_a_question_and_reads_the_organisers_answer(app, db_session, make_user):
    round_, (student, _other) = setup(db_session, make_user)
    organiser = log_in(app, make_user(Role.ORGANISER))
    client = log_in(app, student)
    attempt = attempt_of(db_session, student, round_)
    with after_close(round_) as clock:
        page = client.get(f"/attempts/{attempt.id}/result", headers=EN).get_data(as_text=True)
        assert 'data-results="provisional"' in page and "Appeals" not in page
        response = organiser.post(
            f"/organiser/rounds/{round_.id}/appeals/window", data={"hours": "72"}
        )
        assert response.status_code == 302
        clock.shift(timedelta(seconds=2))  # the result page may show a round read 1 s ago
        page = client.get(f"/attempts/{attempt.id}/result", headers=EN).get_data(as_text=True)
        assert "you may appeal it once" in page
        position = position_of(app, client, attempt.id, KEYS[0])
        form = client.get(f"/attempts/{attempt.id}/appeals/{position}", headers=EN)
        text = form.get_data(as_text=True)
        assert "correct answer" in text and "your answer" in text  # the key and the answer
        response = client.post(
            f"/attempts/{attempt.id}/appeals/{position}",
            data={"text": "Phương án b cũng đúng theo Điều 7."},
        )
        assert response.status_code == 302
        queue = organiser.get(f"/organiser/rounds/{round_.id}/appeals", headers=EN)
        text = queue.get_data(as_text=True)
        assert f'data-question="{KEYS[0]}"' in text and "1 waiting" in text
        appeal = db_session.scalar(select(Appeal))
        response = organiser.post(
            f"/organiser/rounds/{round_.id}/appeals/{appeal.question_id}/answer",
            data={
                f"q{appeal.question_id}-appeals": str(appeal.id),
                f"q{appeal.question_id}-decision": "reject",
                f"q{appeal.question_id}-reason": "Điều 7 không nói vậy.",
            },
        )
        assert response.status_code == 302
        page = client.get(f"/attempts/{attempt.id}/result", headers=EN).get_data(as_text=True)
    assert 'data-appeal="rejected"' in page and "Điều 7 không nói vậy." in page
    entry = db_session.scalar(
        select(AuditEntry).where(AuditEntry.action == "results.appeals_answered")
    )
    assert entry.details["decision"] == "reject" and entry.details["appeals"] == [appeal.id]


def test_appeals_outside_the_window_twice_on_anothers_attempt_or_too_long_are_refused(
    app, db_session, make_user
):
    round_, (student, other) = setup(db_session, make_user)
    organiser = log_in(app, make_user(Role.ORGANISER))
    client = log_in(app, student)
    attempt = attempt_of(db_session, student, round_)
    theirs = attempt_of(db_session, other, round_)
    url = f"/api/v1/attempts/{attempt.id}/appeals"
    body = {"position": 1, "text": "Câu này có hai đáp án."}
    with time_machine.travel(round_.closes_at - timedelta(minutes=1)):
        assert client.post(url, json=body).json["error"]["code"] == "appeals_closed"
    with after_close(round_) as clock:
        assert client.post(url, json=body).status_code == 409  # not opened yet
        window = organiser.post(f"/api/v1/rounds/{round_.id}/appeal-window", json={"hours": 1})
        assert window.status_code == 200 and window.json["appeals_open"] is True
        refused = [
            client.post(f"/api/v1/attempts/{theirs.id}/appeals", json=body),
            client.post(url, json={"position": 1, "text": "x" * 2001}),
            client.post(url, json={"position": 1, "text": "   "}),
            client.post(url, json={"position": 99, "text": "?"}),
        ]
        assert [r.status_code for r in refused] == [404, 422, 422, 404]
        assert appeals_count(db_session) == 0
        first = client.post(url, json=body)
        assert first.status_code == 201 and first.json["status"] == "open"
        again = client.post(url, json=body)
        assert again.status_code == 409 and again.json["error"]["code"] == "appeal_exists"
        clock.shift(timedelta(hours=1, seconds=1))
        late = client.post(url, json={"position": 2, "text": "Muộn."})
        assert late.status_code == 409
    assert appeals_count(db_session) == 1


def test_an_appeal_is_accepted_only_with_a_regrade_and_the_score_follows_it(
    app, db_session, make_user
):
    round_, (student, _other) = setup(db_session, make_user)
    organiser = log_in(app, make_user(Role.ORGANISER))
    client = log_in(app, student)
    attempt = attempt_of(db_session, student, round_)
    with after_close(round_):
        organiser.post(f"/api/v1/rounds/{round_.id}/appeal-window", json={})
        position = position_of(app, client, attempt.id, KEYS[0])
        filed = client.post(
            f"/api/v1/attempts/{attempt.id}/appeals", json={"position": position, "text": "b?"}
        ).json
        answer = {"appeals": [filed["id"]], "decision": "accept", "reason": "Đúng vậy."}
        url = f"/api/v1/rounds/{round_.id}/appeals/answer"
        refused = organiser.post(url, json=answer)
        assert refused.status_code == 409 and refused.json["error"]["code"] == "no_regrade"
        assert score_of(db_session, student, round_) == (3, 4)
        neutralise(db_session, round_)
        accepted = organiser.post(url, json=answer)
        assert accepted.status_code == 200
        assert accepted.json["appeals"][0]["status"] == "accepted"
        assert accepted.json["appeals"][0]["regrade"] == "neutralise"
        again = organiser.post(url, json={**answer, "decision": "reject"})
        assert again.status_code == 409  # already answered
        mine = client.get(f"/api/v1/rounds/{round_.id}/appeals").json["appeals"]
    assert [a["answer"] for a in mine] == ["Đúng vậy."]
    assert score_of(db_session, student, round_) == (4, 4)


def test_official_is_refused_with_open_appeals_then_made_and_every_page_says_so(
    app, db_session, make_user
):
    round_, users = setup(db_session, make_user, students=3)
    organiser = log_in(app, make_user(Role.ORGANISER))
    with after_close(round_):
        assert (
            organiser.post(f"/api/v1/rounds/{round_.id}/appeal-window", json={}).status_code == 200
        )
        ids = []
        for user in users[:2]:
            attempt = attempt_of(db_session, user, round_)
            ids.append(
                log_in(app, user)
                .post(f"/api/v1/attempts/{attempt.id}/appeals", json={"position": 1, "text": "?"})
                .json["id"]
            )
        organiser.post(f"/api/v1/rounds/{round_.id}/appeal-window", json={"hours": 0})
        refused = organiser.post(f"/api/v1/rounds/{round_.id}/official", headers=EN)
        assert (
            refused.status_code == 409
            and "2 appeals are still open" in refused.json["error"]["message"]
        )
        page = organiser.post(f"/organiser/rounds/{round_.id}/official", headers=EN)
        assert page.status_code == 409 and "2 appeals are still open" in page.get_data(as_text=True)
        assert db_session.get(Round, round_.id).official_at is None
        organiser.post(
            f"/api/v1/rounds/{round_.id}/appeals/answer",
            json={"appeals": ids, "decision": "reject", "reason": "Đáp án đúng."},
        )
        made = organiser.post(f"/api/v1/rounds/{round_.id}/official")
        assert made.status_code == 200 and made.json["state"] == "official"
        board = app.test_client().get(f"/leaderboards/students?round={round_.id}", headers=EN)
        result = log_in(app, users[0]).get(
            f"/attempts/{attempt_of(db_session, users[0], round_).id}/result", headers=EN
        )
        api_results = app.test_client().get(f"/api/v1/rounds/{round_.id}/results").json
    kept = db_session.get(Round, round_.id)
    db_session.refresh(kept)
    assert kept.official_at is not None and kept.results_published_at is not None
    for text in (board.get_data(as_text=True), result.get_data(as_text=True)):
        assert 'data-results="official"' in text and "Official results" in text
    assert api_results["state"] == "official" and api_results["official_at"]


def test_changing_official_results_needs_them_reopened_with_a_reason(app, db_session, make_user):
    round_, (student, other) = setup(db_session, make_user)
    organiser = log_in(app, make_user(Role.ORGANISER))
    change = NEUTRALISE
    with after_close(round_):
        organiser.post(f"/api/v1/rounds/{round_.id}/official")
        dry = regrade(db_session, round_.id, change, dry_run=True, actor_id=None)
        assert dry.scores_up == 1  # a dry run may look first
        applied = organiser.post(
            f"/api/v1/rounds/{round_.id}/regrade",
            json={
                "question_id": KEYS[0],
                "action": "neutralise",
                "reason": "Hai cách hiểu.",
                "dry_run": False,
            },
        )
        assert applied.status_code == 409 and applied.json["error"]["code"] == "round_official"
        assert score_of(db_session, student, round_) == (3, 4)
        no_reason = organiser.post(f"/api/v1/rounds/{round_.id}/reopen", json={"reason": " "})
        assert no_reason.status_code == 422
        reopened = organiser.post(
            f"/api/v1/rounds/{round_.id}/reopen", json={"reason": "Câu 1 có hai đáp án."}
        )
        assert reopened.status_code == 200 and reopened.json["state"] == "provisional"
        neutralise(db_session, round_)
    assert score_of(db_session, student, round_) == (4, 4)
    reasons = db_session.scalars(
        select(AuditEntry.details).where(AuditEntry.action == "results.reopen")
    ).all()
    assert [d["reason"] for d in reasons] == ["Câu 1 có hai đáp án."]


def test_the_appeal_page_shows_no_key_before_appeals_open(app, db_session, make_user):
    round_, (student, _other) = setup(db_session, make_user)
    client = log_in(app, student)
    attempt = attempt_of(db_session, student, round_)
    with time_machine.travel(round_.closes_at - timedelta(minutes=5)):
        page = client.get(f"/attempts/{attempt.id}/appeals/1", headers=EN)
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Appeals are not open for this round." in text
    assert "correct answer" not in text and "Phương án" not in text


def test_coordinators_see_their_own_students_appeals_only(app, db_session, make_user):
    round_, (student, other) = setup(db_session, make_user)
    organiser = log_in(app, make_user(Role.ORGANISER))
    coordinator = make_user(Role.COORDINATOR, university=student.university)
    with after_close(round_):
        organiser.post(f"/api/v1/rounds/{round_.id}/appeal-window", json={})
        for user, text in ((student, "Của trường tôi."), (other, "Của trường khác.")):
            attempt = attempt_of(db_session, user, round_)
            log_in(app, user).post(
                f"/api/v1/attempts/{attempt.id}/appeals", json={"position": 1, "text": text}
            )
        watcher = log_in(app, coordinator)
        page = watcher.get("/coordinator/appeals", headers=EN).get_data(as_text=True)
        listed = watcher.get(f"/api/v1/rounds/{round_.id}/appeals").json["appeals"]
    assert "Của trường tôi." in page and "Của trường khác." not in page
    assert [a["text"] for a in listed] == ["Của trường tôi."]


def test_a_practice_round_has_no_results_to_appeal(app, db_session, make_user, make_round):
    practice = make_round(ranked=False)
    organiser = log_in(app, make_user(Role.ORGANISER))
    with time_machine.travel(practice.closes_at + timedelta(minutes=5)):
        response = organiser.post(f"/api/v1/rounds/{practice.id}/appeal-window", json={})
        results = organiser.get(f"/api/v1/rounds/{practice.id}/results").json
    assert response.status_code == 409 and response.json["error"]["code"] == "practice_round"
    assert results["state"] is None


def test_the_platform_counts_full_marks_as_the_true_value_until_an_organiser_enters_one(
    app, db_session, make_user
):
    first, second, third = (make_user() for _ in range(3))
    # ``first`` finishes first, so without a true value they rank ahead of ``second``.
    round_ = closed_round(
        db_session,
        [first, second, third],
        [ALL_RIGHT, ALL_RIGHT, {**ALL_RIGHT, KEYS[0]: "b"}],
        now(),
        predictions=[5, 2, 2],
        prediction_text={"vi": "Bao nhiêu bài làm đạt điểm tối đa?"},
        prediction_counts="full_marks",
    )
    organiser = log_in(app, make_user(Role.ORGANISER))

    def order():
        entries, _total = boards.round_board(db_session, round_.id)
        return [(e.student_id, e.rank) for e in entries]

    assert order()[:2] == [(first.id, 1), (second.id, 2)]
    with after_close(round_):
        organiser.post(f"/api/v1/rounds/{round_.id}/appeal-window", json={})
        db_session.refresh(round_)
        assert round_.prediction_value == 2  # two entries with full marks
        assert order()[:2] == [(second.id, 1), (first.id, 2)]  # |2-2| beats |5-2|
        # A regrade gives the third student full marks: the counted value follows.
        neutralise(db_session, round_)
        db_session.refresh(round_)
        assert round_.prediction_value == 3
        # An organiser's value wins, and the platform no longer replaces it.
        organiser.post(f"/organiser/rounds/{round_.id}/prediction", data={"value": "5"})
        organiser.post(f"/api/v1/rounds/{round_.id}/appeal-window", json={"hours": 0})
        organiser.post(f"/api/v1/rounds/{round_.id}/official")
        db_session.refresh(round_)
    assert round_.prediction_value == 5 and round_.prediction_entered
    assert order()[0] == (first.id, 1)
    actions = db_session.scalars(
        select(AuditEntry.action)
        .where(AuditEntry.action.like("rounds.prediction%"))
        .order_by(AuditEntry.id)
    ).all()
    assert actions == [
        "rounds.prediction_counted",
        "rounds.prediction_counted",
        "rounds.prediction_value",
    ]
