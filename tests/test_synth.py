"""``quiz synth`` fills a database with a realistic contest, standings included."""

from __future__ import annotations

from sqlalchemy import func, select

from quiz.attempts.models import Attempt, AttemptItem
from quiz.operations.analysis import analyse
from quiz.rounds.models import Round
from quiz.standings import boards


def test_synth_makes_students_attempts_and_standings(runner, db_session, make_university):
    for _ in range(3):
        make_university()
    result = runner.invoke(["synth", "--universities", "3", "--students", "60", "--rounds", "2"])
    assert result.exit_code == 0, result.output
    assert "60 students, 2 rounds, 120 attempts" in result.output
    assert db_session.scalar(select(func.count(Attempt.id))) == 120
    entries, total = boards.overall_board(db_session, limit=5)
    assert total == 60 and entries[0].rank == 1
    scores = {e.score_units for e in boards.overall_board(db_session, limit=60)[0]}
    assert len(scores) > 5  # a spread of results, not one score for everyone


def test_synth_answers_give_the_last_round_an_item_analysis(runner, db_session, make_university):
    for _ in range(3):
        make_university()
    args = ["synth", "--universities", "3", "--students", "40", "--rounds", "2", "--answers"]
    result = runner.invoke(args)
    assert result.exit_code == 0, result.output
    last = db_session.scalar(select(Round).order_by(Round.opens_at.desc()).limit(1))
    analysed = analyse(db_session, last.id)
    assert analysed.attempts == 40
    # Each attempt's items add up to the score it carries.
    for attempt in db_session.scalars(select(Attempt).where(Attempt.round_id == last.id)):
        items = db_session.scalars(
            select(AttemptItem.score_units).where(AttemptItem.attempt_id == attempt.id)
        ).all()
        assert len(items) == 20 and sum(items) == attempt.score_units
    first = db_session.scalar(select(Round).order_by(Round.opens_at).limit(1))
    assert analyse(db_session, first.id).questions == []
