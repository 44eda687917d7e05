"""Races settled by the database, with real threads and separate connections.

Each thread has its own session and transaction, as separate workers or
servers would. The data is committed for real and removed afterwards.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import delete, func, select

from quiz.accounts.models import Role, User
from quiz.attempts import services
from quiz.attempts.models import Attempt, AttemptItem
from quiz.audit.models import AuditEntry
from quiz.bank.models import Question, QuestionVersion, Topic
from quiz.bank.schema import OptionData, QuestionData, TopicData
from quiz.bank.services import import_bank
from quiz.clock import now
from quiz.errors import Conflict
from quiz.rounds.models import Round
from quiz.rounds.services import BlueprintLine, RoundData, create_round
from quiz.standings.models import (
    OverallStanding,
    RoundStanding,
    ScoreLevel,
    UniversityStanding,
)
from quiz.universities.models import University

RACERS = 20


@pytest.fixture
def committed(app):
    """A real session factory (no test transaction); everything is deleted afterwards."""
    factory = app.extensions["quiz_db"].sessionmaker
    yield factory
    with factory() as session:
        for model in (
            RoundStanding,
            OverallStanding,
            UniversityStanding,
            ScoreLevel,
            AttemptItem,
            Attempt,
            Round,
            AuditEntry,
        ):
            session.execute(delete(model))
        session.execute(Question.__table__.update().values(current_version_id=None))
        for model in (QuestionVersion, Question, Topic, User, University):
            session.execute(delete(model))
        session.commit()


def setup_round(factory, **fields: Any) -> tuple[int, int]:
    with factory() as session:
        university = University(code="RACE", name_vi="Trường Đua", name_en="Race U")
        session.add(university)
        session.flush()
        student = User(
            email="racer@example.edu.vn",
            full_name="Nguyễn Đua",
            display_name="Đua N.",
            role=Role.STUDENT.value,
            university_id=university.id,
        )
        session.add(student)
        questions = [
            QuestionData(
                id=f"race-{n}",
                difficulty="easy",
                kind="single",
                text={"vi": f"Câu {n}?"},
                options=[OptionData("a", {"vi": "A"}, True), OptionData("b", {"vi": "B"})],
            )
            for n in range(6)
        ]
        import_bank(session, [TopicData("race", {"vi": "Đua"}, questions)])
        moment = now()
        values: dict[str, Any] = {
            "title": {"vi": "Vòng đua"},
            "opens_at": moment - timedelta(minutes=1),
            "closes_at": moment + timedelta(hours=1),
            "time_limit_seconds": 600,
            "blueprint": [BlueprintLine(3, "race", None)],
        }
        values.update(fields)
        round_ = create_round(session, RoundData(**values), actor_id=None)
        session.commit()
        return round_.id, student.id


def race(
    app, factory, round_id: int, student_id: int, work: Callable[[Any, Round, User, int], Any]
) -> list[Any]:
    """Run ``work`` in RACERS threads released together; return results or exceptions."""
    barrier = threading.Barrier(RACERS)
    results: list[Any] = [None] * RACERS

    def runner(index: int) -> None:
        # Released together before any query: on SQLite a write transaction takes the
        # database lock at its first statement, so waiting inside one would deadlock.
        barrier.wait()
        with app.app_context(), factory() as session:
            try:
                round_, student = session.get(Round, round_id), session.get(User, student_id)
                results[index] = work(session, round_, student, index)
                session.commit()
            except Exception as error:  # noqa: BLE001 - reported to the test
                session.rollback()
                results[index] = error

    threads = [threading.Thread(target=runner, args=(i,)) for i in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def failures(results: list[Any]) -> list[Exception]:
    return [r for r in results if isinstance(r, Exception)]


def test_twenty_racing_starts_give_one_attempt(app, committed):
    round_id, student_id = setup_round(committed)

    def start(session, round_, student, _index):
        return services.start(session, round_, student).attempt_id

    results = race(app, committed, round_id, student_id, start)
    assert not failures(results), results
    assert len(set(results)) == 1
    with committed() as session:
        assert session.scalar(select(func.count(Attempt.id))) == 1


def start_one(app, factory, round_id: int, student_id: int) -> Attempt:
    with app.app_context(), factory() as session:
        student = session.get(User, student_id)
        started = services.start(session, session.get(Round, round_id), student)
        attempt = services.sheet(session, started.attempt_id, student)
        session.commit()
        return attempt


def test_twenty_racing_submits_give_one_result(app, committed):
    round_id, student_id = setup_round(committed)
    attempt = start_one(app, committed, round_id, student_id)

    def submit(session, _round, student, _index):
        done = services.submit(session, attempt.id, student, None)
        return (done.status, done.submitted_at, done.score_units, done.duration_ms)

    results = race(app, committed, round_id, student_id, submit)
    assert not failures(results), results
    assert len(set(results)) == 1 and results[0][0] == "submitted"


def test_racing_starts_cannot_exceed_max_attempts(app, committed):
    round_id, student_id = setup_round(committed, max_attempts=3)

    def start_and_submit(session, round_, student, _index):
        started = services.start(session, round_, student)
        services.submit(session, started.attempt_id, student, None)
        return started.number

    for _ in range(3):
        race(app, committed, round_id, student_id, start_and_submit)
    with committed() as session:
        numbers = session.scalars(select(Attempt.number).where(Attempt.round_id == round_id))
        assert sorted(numbers) == [1, 2, 3]


def test_a_save_racing_the_finalization_is_counted_or_refused(app, committed):
    """Never stored and ignored: every answer stored is in the score."""
    round_id, student_id = setup_round(committed)
    attempt = start_one(app, committed, round_id, student_id)
    positions = [item.position for item in attempt.items]

    def save_or_submit(session, _round, student, index):
        if index % 5 == 4:
            return services.submit(session, attempt.id, student, None).status
        try:
            services.save_answer(
                session, attempt.id, student, positions[index % len(positions)], ["a"]
            )
        except Conflict:
            return "refused"
        return "saved"

    results = race(app, committed, round_id, student_id, save_or_submit)
    assert not failures(results), results
    with committed() as session:
        items = list(
            session.scalars(select(AttemptItem).where(AttemptItem.attempt_id == attempt.id))
        )
        for item in items:
            assert item.score_units == (840 if item.choices == ["a"] else 0)
        final = session.get(Attempt, attempt.id)
        assert final.score_units == sum(item.score_units for item in items)


def test_one_students_rounds_finishing_together_keep_the_boards_histograms_exact(app, committed):
    """Two rounds of one student finalized at the same instant, each in its own
    transaction: the overall total and the boards' score levels stay exact."""
    from tests.standings.test_property import histograms

    first_id, student_id = setup_round(committed)
    with committed() as session:
        second = create_round(
            session,
            RoundData(
                title={"vi": "Vòng hai"},
                opens_at=now() - timedelta(minutes=1),
                closes_at=now() + timedelta(hours=1),
                time_limit_seconds=600,
                blueprint=[BlueprintLine(3, "race", None)],
            ),
            actor_id=None,
        )
        session.commit()
        second_id = second.id
    attempts = [start_one(app, committed, rid, student_id) for rid in (first_id, second_id)]

    def submit(session, _round, student, index):
        if index < len(attempts):
            return services.submit(session, attempts[index].id, student, None).status
        return None

    results = race(app, committed, first_id, student_id, submit)
    assert not failures(results), results
    with committed() as session:
        kept, counted = histograms(session)
        assert kept == counted
        totals = session.scalars(select(OverallStanding.rounds)).all()
        assert totals == [2, 2]  # live and public
