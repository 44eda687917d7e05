"""Practice after the contest: an official round's questions as a practice round."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select

from quiz.accounts.models import Role
from quiz.attempts import services as attempts
from quiz.audit.models import AuditEntry
from quiz.bank.models import Question
from quiz.clock import now
from quiz.results import practice
from quiz.results import services as results
from quiz.rounds.forms import LOCAL_FORMAT, to_local
from quiz.rounds.models import Round
from quiz.standings.models import RoundStanding
from tests.conftest import log_in
from tests.operations.test_regrading import KEYS, after_close, closed_round

EN = {"Accept-Language": "en"}


def window(app, start):
    """The practice form's fields, as the organiser types them in the contest's zone."""
    with app.app_context():
        return {
            "opens_at": to_local(start).strftime(LOCAL_FORMAT),
            "closes_at": to_local(start + timedelta(days=30)).strftime(LOCAL_FORMAT),
        }


def rounds_count(db_session):
    return db_session.scalar(select(func.count()).select_from(Round))


def test_an_official_round_becomes_a_practice_round_in_one_step(app, db_session, make_user):
    student = make_user()
    round_ = closed_round(db_session, [student], [{k: "a" for k in KEYS}], now())
    organiser = log_in(app, make_user(Role.ORGANISER))
    with after_close(round_) as clock:
        refused = organiser.post(f"/organiser/rounds/{round_.id}/practice", data=window(app, now()))
        assert refused.status_code == 409 and rounds_count(db_session) == 1  # provisional
        organiser.post(f"/api/v1/rounds/{round_.id}/official")
        backwards = {**window(app, now()), "closes_at": window(app, now())["opens_at"]}
        bad = organiser.post(f"/organiser/rounds/{round_.id}/practice", data=backwards)
        assert bad.status_code == 422 and rounds_count(db_session) == 1
        made = organiser.post(f"/organiser/rounds/{round_.id}/practice", data=window(app, now()))
        assert made.status_code == 302
        practice = db_session.scalar(select(Round).where(Round.ranked.is_(False)))
        assert practice.blueprint == round_.blueprint
        assert practice.time_limit_seconds == round_.time_limit_seconds
        assert (practice.review, practice.max_attempts) == ("immediately", 100)
        assert practice.title["vi"] == "Luyện tập — " + round_.title["vi"]
        clock.shift(timedelta(minutes=1))
        for _ in range(2):  # as often as they like, the answers shown at once
            started = attempts.start(db_session, practice, student)
            attempts.submit(db_session, started.attempt_id, student, None)
        history = log_in(app, student).get("/practice", headers=EN).get_data(as_text=True)
        review = log_in(app, student).get(f"/attempts/{started.attempt_id}/review")
    assert history.count("data-attempt=") == 2 and "Luyện tập — " in history
    assert review.status_code == 200
    kept = db_session.scalar(
        select(func.count()).select_from(RoundStanding).where(RoundStanding.round_id == practice.id)
    )
    assert kept == 0  # in no standing
    source = db_session.scalar(
        select(AuditEntry.details).where(AuditEntry.action == "results.practice_from")
    )
    assert source == {"source": f"round:{round_.id}", "released": len(KEYS)}


def test_the_study_page_lists_the_questions_a_practice_round_made_public(
    app, db_session, make_user, make_bank
):
    student = make_user()
    round_ = closed_round(db_session, [student], [{k: "a" for k in KEYS}], now())
    other = make_bank(topic="basics", easy=2)  # never in a round: stays private
    visitor = app.test_client()
    before = visitor.get("/study", headers=EN).get_data(as_text=True)
    assert "data-question=" not in before and "No question has been released yet" in before
    with after_close(round_):
        results.make_official(db_session, round_.id, actor_id=None)
        practice.practice_from(
            db_session, round_.id, now(), now() + timedelta(days=1), actor_id=None
        )
    db_session.commit()
    page = visitor.get("/study?topic=rg", headers=EN).get_data(as_text=True)
    assert sorted(re.findall(r'data-question="([^"]+)"', page)) == sorted(KEYS)
    assert all(key not in page for key in other)
    assert "correct answer" in page and "Because." in page and "Source: Test source" in page
    assert visitor.get("/study?topic=basics").status_code == 404  # nothing released there
    retired = db_session.scalar(select(Question).where(Question.key == KEYS[0]))
    retired.status = "retired"
    db_session.commit()
    again = visitor.get("/study?topic=rg").get_data(as_text=True)
    assert KEYS[0] not in again and KEYS[1] in again
