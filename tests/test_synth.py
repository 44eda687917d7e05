"""``quiz synth`` fills a database with a realistic contest, standings included."""

from __future__ import annotations

from sqlalchemy import func, select

from quiz.attempts.models import Attempt
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
