"""Kept standings, a full rebuild and the plain reference agree on every board.

Hypothesis generates contests: universities, students, rounds with either
attempt policy and with or without a known prediction, attempts submitted or
expired in any order, regrades, and many ties.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from quiz.accounts.models import Role, User
from quiz.attempts.models import Attempt
from quiz.rounds.models import Round
from quiz.standings import aggregates, boards, services, university_boards
from quiz.standings.models import OverallStanding, RoundStanding, ScoreLevel, UniversityStanding
from quiz.standings.rebuild import rebuild
from quiz.universities.models import University
from tests.standings import reference as ref

T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
METHODS = university_boards.METHODS

attempt_strategy = st.fixed_dictionaries(
    {
        "round": st.integers(0, 2),
        "student": st.integers(0, 6),
        "score": st.sampled_from([0, 420, 840, 1680, 2520]),
        "duration": st.sampled_from([60_000, 90_000, 120_000]),
        "ended": st.integers(0, 3),
        "prediction": st.one_of(st.none(), st.integers(0, 6)),
        "expired": st.booleans(),
    }
)
contest_strategy = st.fixed_dictionaries(
    {
        "universities": st.integers(1, 3),
        "students": st.lists(st.integers(0, 2), min_size=1, max_size=7),
        "rounds": st.lists(
            st.tuples(
                st.sampled_from(["best", "last"]),
                st.booleans(),
                st.one_of(st.none(), st.integers(0, 6)),
            ),
            min_size=1,
            max_size=3,
        ),
        "attempts": st.lists(attempt_strategy, max_size=18),
        "regrades": st.lists(
            st.tuples(st.integers(0, 17), st.sampled_from([0, 840, 2520])), max_size=4
        ),
    }
)


def build(session, contest):
    universities = []
    for n in range(contest["universities"]):
        university = University(code=f"PU{n}", name_vi=f"Trường {n}", name_en=f"U {n}")
        session.add(university)
        universities.append(university)
    session.flush()
    students = []
    for n, u in enumerate(contest["students"]):
        university = universities[u % len(universities)]
        student = User(
            email=f"p{n}@example.org",
            full_name=f"Sinh Viên {n}",
            display_name=f"SV{n}",
            role=Role.STUDENT.value,
            university_id=university.id,
        )
        session.add(student)
        students.append(student)
    rounds = []
    for n, (policy, has_prediction, value) in enumerate(contest["rounds"]):
        round_ = Round(
            title={"vi": f"V{n}"},
            opens_at=T0,
            closes_at=T0 + timedelta(days=1),
            time_limit_seconds=600,
            blueprint=[{"count": 1}],
            max_attempts=20,
            attempt_policy=policy,
            prediction_text={"vi": "?"} if has_prediction else None,
            prediction_value=value,
        )
        session.add(round_)
        rounds.append(round_)
    session.flush()
    return universities, students, rounds


def run_contest(session, contest):
    universities, students, rounds = build(session, contest)
    made: list[Attempt] = []
    numbers: dict[tuple[int, int], int] = {}
    for spec in contest["attempts"]:
        round_ = rounds[spec["round"] % len(rounds)]
        student = students[spec["student"] % len(students)]
        number = numbers.get((round_.id, student.id), 0) + 1
        numbers[(round_.id, student.id)] = number
        ended = T0 + timedelta(minutes=spec["ended"])
        attempt = Attempt(
            round_id=round_.id,
            student_id=student.id,
            number=number,
            seed=1,
            status="expired" if spec["expired"] else "submitted",
            started_at=ended - timedelta(milliseconds=spec["duration"]),
            deadline=ended,
            save_until=ended,
            submitted_at=None if spec["expired"] else ended,
            finalized_at=ended,
            score_units=spec["score"],
            max_score=3,
            duration_ms=spec["duration"],
            prediction=spec["prediction"],
        )
        session.add(attempt)
        session.flush()
        services.record_attempt(session, attempt)
        made.append(attempt)
    for index, score in contest["regrades"]:
        if made:
            attempt = made[index % len(made)]
            attempt.score_units = score
            session.flush()
            services.record_attempt(session, attempt)
    return universities, students, rounds, made


def snapshot(session, students, rounds):
    """Every board in full; every page of two and every "my position" must agree with it."""
    result = {}
    for round_ in rounds:
        entries, total = boards.round_board(session, round_.id, limit=500)
        board = [(e.rank, e.student_id) for e in entries]
        result[("round", round_.id)] = board
        assert total == len(board)
        paged = []
        for offset in range(0, total + 2, 2):
            page, page_total = boards.round_board(session, round_.id, limit=2, offset=offset)
            assert page_total == total
            paged += [(e.rank, e.student_id) for e in page]
        assert paged == board
        rank_of = {student: rank for rank, student in board}
        for student in students:
            assert boards.round_position(session, round_.id, student.id) == rank_of.get(student.id)
        for method in METHODS:
            entries, _ = university_boards.university_board(session, method, round_.id, limit=500)
            result[(method, round_.id)] = [(e.rank, e.university_id) for e in entries]
    entries, total = boards.overall_board(session, limit=500)
    board = [(e.rank, e.student_id) for e in entries]
    result[("overall", None)] = board
    assert total == len(board)
    paged = []
    for offset in range(0, total + 2, 2):
        paged += [
            (e.rank, e.student_id) for e in boards.overall_board(session, limit=2, offset=offset)[0]
        ]
    assert paged == board
    rank_of = {student: rank for rank, student in board}
    for student in students:
        assert boards.overall_position(session, student.id) == rank_of.get(student.id)
    for method in METHODS:
        entries, _ = university_boards.university_board(session, method, None, limit=500)
        result[(method, None)] = [(e.rank, e.university_id) for e in entries]
    return result


def histograms(session):
    """The kept score levels, and the same counted from the standings."""
    kept = sorted(
        (level.view, level.scope, level.score_units, level.entries)
        for level in session.scalars(select(ScoreLevel))
    )
    counted = Counter(
        (entry.view, f"round:{entry.round_id}", entry.score_units)
        for entry in session.scalars(select(RoundStanding))
    )
    counted.update(
        (entry.view, "overall", entry.total_units)
        for entry in session.scalars(select(OverallStanding))
    )
    return kept, sorted((*key, entries) for key, entries in counted.items())


def university_rows(session):
    """Each university's kept aggregates (a row may stay at zero participants)."""
    return sorted(
        (row.view, row.scope, row.university_id, row.participants, row.total_units, row.top_n_units)
        for row in session.scalars(select(UniversityStanding))
        if row.participants
    )


def expected(universities, students, rounds, made):
    attempts = [
        ref.A(
            a.round_id,
            a.student_id,
            a.number,
            a.score_units,
            a.duration_ms,
            a.submitted_at or a.deadline,
            a.prediction,
        )
        for a in made
    ]
    plain_rounds = [
        ref.R(r.id, r.attempt_policy, bool(r.prediction_text), r.prediction_value) for r in rounds
    ]
    university_of = {s.id: s.university_id for s in students}
    names = {u.id: u.name_vi for u in universities}
    n, minimum = aggregates.top_n(), university_boards.min_participants()
    result = {}
    for round_ in plain_rounds:
        result[("round", round_.id)] = ref.round_board(attempts, round_)
        scores = {s: a.score for s, a in ref.counted(attempts, round_).items()}
        for method in METHODS:
            result[(method, round_.id)] = ref.university_board(
                method, scores, university_of, names, n, minimum
            )
    result[("overall", None)] = ref.overall_board(attempts, plain_rounds)
    scores = {s: total for s, (total, _) in ref.totals(attempts, plain_rounds).items()}
    for method in METHODS:
        result[(method, None)] = ref.university_board(
            method, scores, university_of, names, n, minimum
        )
    return result


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(contest=contest_strategy)
def test_kept_rebuilt_and_reference_standings_agree(app, db_session, contest):
    app.config.update(TOP_N=2, MIN_PARTICIPANTS=2)
    nested = db_session.begin_nested()
    try:
        with app.app_context():
            assert aggregates.top_n() == 2
            universities, students, rounds, made = run_contest(db_session, contest)
            kept = snapshot(db_session, students, rounds)
            kept_levels, counted_levels = histograms(db_session)
            assert kept_levels == counted_levels
            kept_universities = university_rows(db_session)
            rebuild(db_session)
            rebuilt = snapshot(db_session, students, rounds)
            assert kept == rebuilt
            assert kept_universities == university_rows(db_session)
            assert histograms(db_session)[0] == kept_levels
            assert kept == expected(universities, students, rounds, made)
    finally:
        nested.rollback()
        app.config.update(TOP_N=30, MIN_PARTICIPANTS=10)
