"""Recomputing many students of one round at once (a regrade): what
``services.refresh_student_round`` does for one student, with a fixed number of
statements per thousand students instead of per student.

The same rules, in the same order of locks: the round's entries of the students
(read locked), their overall entries (locked in student order, then written from the
locked values plus the change, so that a student finishing another round at the
same moment adds to what this leaves), then the boards' histograms and the
universities' aggregates by difference (``entry_moved``, written last, sorted).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.orm import Session

from quiz.accounts.models import User
from quiz.attempts.models import Attempt
from quiz.rounds.models import Round
from quiz.standings.models import OVERALL, PUBLIC, VIEWS, OverallStanding, RoundStanding
from quiz.standings.services import (
    apply_level_changes,
    counted_attempt,
    ended_at,
    entry_moved,
    move_overall,
    prediction_error,
    public_cutoff,
    round_scope,
)

CHUNK = 1000

_UPDATE_ENTRY = (
    update(RoundStanding.__table__)
    .where(RoundStanding.id == bindparam("the_entry"))
    .values(
        attempt_id=bindparam("attempt_id"),
        score_units=bindparam("score_units"),
        prediction_error=bindparam("prediction_error"),
        duration_ms=bindparam("duration_ms"),
        ended_at=bindparam("ended_at"),
        university_id=bindparam("university_id"),
    )
)
_UPDATE_OVERALL = (
    update(OverallStanding.__table__)
    .where(
        OverallStanding.view == bindparam("the_view"),
        OverallStanding.student_id == bindparam("the_student"),
    )
    .values(
        total_units=bindparam("total"),
        duration_ms=bindparam("duration"),
        rounds=bindparam("rounds_now"),
        university_id=bindparam("university"),
    )
)


def refresh_students(session: Session, round_: Round, student_ids: set[int]) -> None:
    """Every standing of these students in ``round_``, overall and their universities'."""
    if not round_.ranked or not student_ids:
        return
    ordered = sorted(student_ids)
    for first in range(0, len(ordered), CHUNK):
        _refresh_chunk(session, round_, ordered[first : first + CHUNK])
    apply_level_changes(session)


def _refresh_chunk(session: Session, round_: Round, ids: list[int]) -> None:
    students = {u.id: u for u in session.scalars(select(User).where(User.id.in_(ids)))}
    attempts: dict[int, list[Attempt]] = defaultdict(list)
    for attempt in session.scalars(
        select(Attempt).where(Attempt.round_id == round_.id, Attempt.student_id.in_(ids))
    ):
        attempts[attempt.student_id].append(attempt)
    cutoff = public_cutoff(round_)
    for view in VIEWS:
        counted = {}
        for student_id in ids:
            visible = attempts[student_id]
            if view == PUBLIC and cutoff is not None:
                visible = [a for a in visible if ended_at(a) <= cutoff]
            counted[student_id] = counted_attempt(visible, round_)
        moves = _store_entries(session, view, round_, students, counted)
        _move_overalls(session, view, students, moves)


def _values(counted: Attempt, round_: Round, student: User) -> dict[str, Any]:
    return {
        "university_id": student.university_id,
        "attempt_id": counted.id,
        "score_units": counted.score_units or 0,
        "prediction_error": prediction_error(counted, round_),
        "duration_ms": counted.duration_ms or 0,
        "ended_at": ended_at(counted),
    }


def _store_entries(
    session: Session,
    view: str,
    round_: Round,
    students: dict[int, User],
    counted: dict[int, Attempt | None],
) -> dict[int, tuple[int, int, int]]:
    """Write the students' entries on the round's board; what each changed in their
    totals (score, duration, rounds)."""
    connection = session.connection()
    old = {
        row.student_id: row
        for row in connection.execute(
            select(
                RoundStanding.id,
                RoundStanding.student_id,
                RoundStanding.score_units,
                RoundStanding.duration_ms,
            )
            .where(
                RoundStanding.view == view,
                RoundStanding.round_id == round_.id,
                RoundStanding.student_id.in_(list(counted)),
            )
            .order_by(RoundStanding.id)
            .with_for_update()
        )
    }
    scope = round_scope(round_.id)
    new_rows, changed_rows, gone = [], [], []
    moves: dict[int, tuple[int, int, int]] = {}
    for student_id, attempt in counted.items():
        student, before = students[student_id], old.get(student_id)
        if attempt is None:
            if before is not None:
                gone.append(before.id)
                entry_moved(session, view, scope, student, before.score_units, None)
                moves[student_id] = (-before.score_units, -before.duration_ms, -1)
            continue
        values = _values(attempt, round_, student)
        if before is None:
            new_rows.append({"view": view, "round_id": round_.id, "student_id": student_id})
            new_rows[-1].update(values)
            entry_moved(session, view, scope, student, None, values["score_units"])
            moves[student_id] = (values["score_units"], values["duration_ms"], 1)
            continue
        changed_rows.append({"the_entry": before.id, **values})
        entry_moved(session, view, scope, student, before.score_units, values["score_units"])
        score = values["score_units"] - before.score_units
        duration = values["duration_ms"] - before.duration_ms
        if score or duration:
            moves[student_id] = (score, duration, 0)
    if gone:
        connection.execute(delete(RoundStanding.__table__).where(RoundStanding.id.in_(gone)))
    if new_rows:
        connection.execute(insert(RoundStanding.__table__), new_rows)
    if changed_rows:
        connection.execute(_UPDATE_ENTRY, changed_rows)
    return moves


def _move_overalls(
    session: Session, view: str, students: dict[int, User], moves: dict[int, tuple[int, int, int]]
) -> None:
    """Change the students' overall entries by what their round entries changed."""
    if not moves:
        return
    connection = session.connection()
    rows = {
        row.student_id: row
        for row in connection.execute(
            select(
                OverallStanding.student_id,
                OverallStanding.total_units,
                OverallStanding.duration_ms,
                OverallStanding.rounds,
            )
            .where(OverallStanding.view == view, OverallStanding.student_id.in_(list(moves)))
            .order_by(OverallStanding.student_id)
            .with_for_update()
        )
    }
    changed, gone = [], []
    for student_id, (score, duration, rounds) in moves.items():
        student, row = students[student_id], rows.get(student_id)
        if row is None:
            # No overall entry yet (rare here): the one-student upsert makes it.
            move_overall(session, view, student, score, duration, rounds)
            continue
        total, left = row.total_units + score, row.rounds + rounds
        if left <= 0:
            gone.append(student_id)
            entry_moved(session, view, OVERALL, student, row.total_units, None)
            continue
        changed.append(
            {
                "the_view": view,
                "the_student": student_id,
                "total": total,
                "duration": row.duration_ms + duration,
                "rounds_now": left,
                "university": student.university_id,
            }
        )
        entry_moved(session, view, OVERALL, student, row.total_units, total)
    if gone:
        connection.execute(
            delete(OverallStanding.__table__).where(
                OverallStanding.view == view, OverallStanding.student_id.in_(gone)
            )
        )
    if changed:
        connection.execute(_UPDATE_OVERALL, changed)
