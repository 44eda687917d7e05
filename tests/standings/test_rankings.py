"""Each tie-break step, "1224" ranks, unranked universities, and fixed query counts."""

from __future__ import annotations

from datetime import timedelta
from fractions import Fraction

import pytest
from sqlalchemy import event

from quiz.attempts.models import Attempt
from quiz.standings import boards, services, university_boards
from tests.standings.test_property import T0, build


@pytest.fixture
def contest(db_session):
    """``contest([0, 0, 1], [("best", True, 5)])``: (universities, students, rounds)."""

    def make(students, rounds, universities=2):
        return build(
            db_session, {"universities": universities, "students": students, "rounds": rounds}
        )

    return make


def finish(
    db_session,
    round_,
    student,
    score,
    duration=60_000,
    minute=0,
    prediction=None,
    number=1,
    expired=False,
):
    ended = T0 + timedelta(minutes=minute)
    attempt = Attempt(
        round_id=round_.id,
        student_id=student.id,
        number=number,
        seed=1,
        status="expired" if expired else "submitted",
        started_at=ended - timedelta(milliseconds=duration),
        deadline=ended,
        save_until=ended,
        submitted_at=None if expired else ended,
        finalized_at=ended,
        score_units=score,
        max_score=3,
        duration_ms=duration,
        prediction=prediction,
    )
    db_session.add(attempt)
    db_session.flush()
    services.record_attempt(db_session, attempt)
    return attempt


def order(db_session, round_):
    entries, _ = boards.round_board(db_session, round_.id)
    return [(e.rank, e.student_id) for e in entries]


def test_score_comes_first(db_session, contest):
    _, (a, b), (r,) = contest([0, 0], [("best", False, None)])
    finish(db_session, r, a, 840, duration=90_000)
    finish(db_session, r, b, 1680, duration=120_000)
    assert order(db_session, r) == [(1, b.id), (2, a.id)]


def test_prediction_error_breaks_equal_scores_and_no_prediction_is_worst(db_session, contest):
    _, (a, b, c), (r,) = contest([0, 0, 1], [("best", True, 10)])
    finish(db_session, r, a, 840, prediction=14, duration=30_000)
    finish(db_session, r, b, 840, prediction=9, duration=90_000)
    finish(db_session, r, c, 840, prediction=None, duration=10_000)
    assert order(db_session, r) == [(1, b.id), (2, a.id), (3, c.id)]


def test_prediction_counts_only_once_the_true_value_is_known(db_session, contest):
    _, (a, b), (r,) = contest([0, 0], [("best", True, None)])
    finish(db_session, r, a, 840, prediction=1, duration=90_000)
    finish(db_session, r, b, 840, prediction=500, duration=30_000)
    assert order(db_session, r) == [(1, b.id), (2, a.id)]


def test_duration_then_submission_time(db_session, contest):
    _, (a, b, c), (r,) = contest([0, 0, 0], [("best", False, None)])
    finish(db_session, r, a, 840, duration=60_000, minute=5)
    finish(db_session, r, b, 840, duration=60_000, minute=2)
    finish(db_session, r, c, 840, duration=30_000, minute=9)
    assert order(db_session, r) == [(1, c.id), (2, b.id), (3, a.id)]


def test_entries_equal_on_every_key_share_a_rank_and_the_next_rank_skips(db_session, contest):
    _, (a, b, c, d), (r,) = contest([0, 0, 1, 1], [("best", False, None)])
    finish(db_session, r, a, 2520)
    finish(db_session, r, b, 840)
    finish(db_session, r, c, 840)
    finish(db_session, r, d, 0)
    assert [rank for rank, _ in order(db_session, r)] == [1, 2, 2, 4]
    page, total = boards.round_board(db_session, r.id, limit=2, offset=2)
    assert [e.rank for e in page] == [2, 4] and total == 4
    # The same on the overall board: a page that starts inside a tie shows the shared rank.
    page, total = boards.overall_board(db_session, limit=2, offset=2)
    assert [(e.rank, e.student_id) for e in page] == [(2, c.id), (4, d.id)] and total == 4
    assert boards.overall_position(db_session, c.id) == 2


def test_best_attempt_counts_by_the_whole_ladder_and_last_attempt_by_number(db_session, contest):
    _, (a,), (best, last) = contest([0], [("best", True, 10), ("last", False, None)])
    finish(db_session, best, a, 840, prediction=30, number=1)
    finish(db_session, best, a, 840, prediction=10, number=2)
    entries, _ = boards.round_board(db_session, best.id)
    assert len(entries) == 1
    finish(db_session, last, a, 2520, number=1)
    finish(db_session, last, a, 0, number=2)
    assert boards.round_board(db_session, last.id)[0][0].score_units == 0
    assert boards.round_position(db_session, best.id, a.id) == 1


def test_overall_orders_by_total_then_summed_duration(db_session, contest):
    _, (a, b), (r1, r2) = contest([0, 1], [("best", False, None), ("best", False, None)])
    finish(db_session, r1, a, 840, duration=50_000)
    finish(db_session, r2, a, 840, duration=50_000)
    finish(db_session, r1, b, 1680, duration=150_000)
    entries, _ = boards.overall_board(db_session)
    assert [(e.rank, e.student_id) for e in entries] == [(1, a.id), (2, b.id)]
    assert entries[0].score_units == entries[1].score_units == 1680


def test_university_without_participants_is_unranked_after_the_ranked(db_session, contest):
    universities, (a,), (r,) = contest([0], [("best", False, None)], universities=3)
    finish(db_session, r, a, 840)
    for method in university_boards.METHODS:
        entries, total = university_boards.university_board(db_session, method, r.id)
        ranks = [e.rank for e in entries]
        assert total == 3
        if method == "mean":  # one participant is below the minimum of 10
            assert ranks == [None, None, None]
            assert entries[0].participants == 1
        else:
            assert ranks == [1, None, None]


def test_mean_ranks_only_universities_with_enough_participants(app, db_session, contest):
    app.config["MIN_PARTICIPANTS"] = 2
    with app.app_context():
        _, (a, b, c), (r,) = contest([0, 0, 1], [("best", False, None)])
        finish(db_session, r, a, 840)
        finish(db_session, r, b, 840)
        finish(db_session, r, c, 2520)
        entries, _ = university_boards.university_board(db_session, "mean", r.id)
        assert [(e.rank, e.participants) for e in entries] == [(1, 2), (None, 1)]
        assert university_boards.value_text(entries[0].value) == "1.00"
    app.config["MIN_PARTICIPANTS"] = 10


def test_top_n_mean_counts_missing_students_as_zero(app, db_session, contest):
    _, (a,), (r,) = contest([0], [("best", False, None)])
    finish(db_session, r, a, 2520)
    entries, _ = university_boards.university_board(db_session, "top_n_mean", r.id)
    assert university_boards.value_text(entries[0].value) == "0.10"  # 3 points / 30


def count_queries(db_session, read):
    statements = []

    def remember(*_args):
        statements.append(1)

    engine = db_session.get_bind().engine
    event.listen(engine, "before_cursor_execute", remember)
    try:
        read()
    finally:
        event.remove(engine, "before_cursor_execute", remember)
    return len(statements)


def test_board_reads_issue_a_fixed_number_of_queries(db_session, contest):
    _, students, (r,) = contest(list(range(6)) * 2, [("best", False, None)])
    for number, student in enumerate(students):
        finish(db_session, r, student, 840, minute=number)
    few = [count_queries(db_session, read) for read in readers(db_session, r, students[0])]
    for number, student in enumerate(students):
        for attempt in range(2, 6):
            finish(db_session, r, student, 840 * (attempt % 3), number=attempt, minute=number)
    many = [count_queries(db_session, read) for read in readers(db_session, r, students[0])]
    assert few == many
    assert max(many) <= 4


def readers(db_session, round_, student):
    return [
        lambda: boards.round_board(db_session, round_.id, limit=5, offset=3),
        lambda: boards.overall_board(db_session, limit=5),
        lambda: boards.round_position(db_session, round_.id, student.id),
        lambda: university_boards.university_board(db_session, "top_n_mean", round_.id),
        lambda: university_boards.university_board(db_session, "mean", None),
    ]


def test_the_rebuild_command_agrees_with_the_kept_standings(runner, db_session, contest):
    _, students, (r1, r2) = contest([0, 1, 1, 0], [("best", True, 3), ("last", False, None)])
    for number, student in enumerate(students):
        finish(db_session, r1, student, 840 * (number % 3), prediction=number, minute=number)
        finish(db_session, r2, student, 840, duration=30_000 + number, minute=number)
    before = (
        boards.round_board(db_session, r1.id)[0],
        boards.overall_board(db_session)[0],
        university_boards.university_board(db_session, "total")[0],
    )
    result = runner.invoke(["leaderboard", "rebuild"])
    assert result.exit_code == 0 and "8 round standing" in result.output
    after = (
        boards.round_board(db_session, r1.id)[0],
        boards.overall_board(db_session)[0],
        university_boards.university_board(db_session, "total")[0],
    )
    assert before == after


def test_university_order_stays_exact_where_floats_cannot_tell_values_apart():
    # 1 and 1 + 1e-17 are the same float: the exact check must put the larger first.
    tiny_more = Fraction(10**17 + 1, 10**17)
    scored = [(Fraction(1), "A", "a", 1), (tiny_more, "B", "b", 2), (Fraction(1), "C", "c", 3)]
    university_boards._sort_exactly(scored)
    assert [item[3] for item in scored] == [2, 1, 3]
