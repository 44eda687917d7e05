"""Keeping standings: the one place that updates them when an attempt is finalized.

Each update touches one student and one university, in the finalizing
transaction, with a fixed number of small queries whatever the number of
attempts. University aggregates change by difference under a row lock
(``aggregates``), so two students of the same university finishing at once
cannot overwrite each other's contribution, and a large university costs no
more than a small one.
"""

from __future__ import annotations

import functools
import logging
from collections import Counter
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, event, func, insert, select, update
from sqlalchemy.orm import Session

from quiz.accounts.models import User
from quiz.attempts.models import SCORE_UNIT, Attempt, AttemptStatus
from quiz.audit.services import record
from quiz.clock import now
from quiz.db import dialect_insert
from quiz.rounds.models import AttemptPolicy, Round
from quiz.rounds.services import PREDICTION_FULL_MARKS, last_save_instant
from quiz.standings import aggregates
from quiz.standings.aggregates import verification_required
from quiz.standings.models import (
    LIVE,
    NO_PREDICTION,
    OVERALL,
    PUBLIC,
    VIEWS,
    OverallStanding,
    RoundStanding,
    ScoreLevel,
)

#: Where a session keeps its histogram changes until it commits (see ``move_level``).
PENDING_LEVELS = "quiz.score_levels"
logger = logging.getLogger(__name__)
DEFAULT_MIN_PARTICIPANTS = 10


def round_scope(round_id: int) -> str:
    return f"round:{round_id}"


def prediction_error(attempt: Attempt, round_: Round) -> int:
    """|prediction - true value| when the round's true value is known; no prediction is worst."""
    if not round_.prediction_text or round_.prediction_value is None:
        return 0
    if attempt.prediction is None:
        return NO_PREDICTION
    return abs(attempt.prediction - round_.prediction_value)


def rank_key(attempt: Attempt, round_: Round) -> tuple:
    """The per-round ordering key (smaller is better): the contest's tie-break ladder."""
    return (
        -(attempt.score_units or 0),
        prediction_error(attempt, round_),
        attempt.duration_ms or 0,
        attempt.submitted_at or attempt.deadline,
    )


def counted_attempt(attempts: list[Attempt], round_: Round) -> Attempt | None:
    """The finalized attempt that counts: the best one, or the last one (by number).
    A disqualified attempt never counts."""
    final = [
        a
        for a in attempts
        if a.status != AttemptStatus.IN_PROGRESS.value and a.disqualified_at is None
    ]
    if not final:
        return None
    if round_.attempt_policy == AttemptPolicy.LAST.value:
        return max(final, key=lambda a: a.number)
    return min(final, key=lambda a: rank_key(a, round_))


def public_cutoff(round_: Round) -> datetime | None:
    """The instant public boards are frozen at, until organisers publish; None if not frozen."""
    if round_.leaderboard_freeze_at is None or round_.results_published_at is not None:
        return None
    return round_.leaderboard_freeze_at


def ended_at(attempt: Attempt) -> datetime:
    """When an attempt ended: its submission, or its deadline when it expired."""
    return attempt.submitted_at or attempt.deadline


def record_attempt(session: Session, attempt: Attempt) -> None:
    """Bring every standing affected by this (just finalized) attempt up to date."""
    round_ = session.get(Round, attempt.round_id)
    student = session.get(User, attempt.student_id)
    assert round_ is not None and student is not None and student.university_id is not None
    if not round_.ranked:
        return  # a practice round appears in no standing
    refresh_student_round(session, round_, student)
    apply_level_changes(session)


def refresh_student_round(session: Session, round_: Round, student: User) -> None:
    """Recompute one student's standing in one round, overall, and their university's,
    in the live view and in the public one (which ignores attempts after a freeze)."""
    attempts = list(
        session.scalars(
            select(Attempt).where(Attempt.round_id == round_.id, Attempt.student_id == student.id)
        )
    )
    cutoff = public_cutoff(round_)
    for view in VIEWS:
        visible = attempts
        if view == PUBLIC and cutoff is not None:
            visible = [a for a in attempts if ended_at(a) <= cutoff]
        moved = _store_round_entry(session, view, round_, student, counted_attempt(visible, round_))
        if moved is not None:
            move_overall(session, view, student, *moved)


_ENTRY = (
    select(RoundStanding.id, RoundStanding.score_units, RoundStanding.duration_ms)
    .where(
        RoundStanding.view == bindparam("view"),
        RoundStanding.round_id == bindparam("round_id"),
        RoundStanding.student_id == bindparam("student_id"),
    )
    .with_for_update()
)
_NEW_ENTRY = insert(RoundStanding.__table__)
_CHANGED_ENTRY = update(RoundStanding.__table__).where(RoundStanding.id == bindparam("the_entry"))


def _store_round_entry(
    session: Session, view: str, round_: Round, student: User, counted: Attempt | None
) -> tuple[int, int, int] | None:
    """Write the student's entry on the round's board; what it changed in their totals
    (score, duration, rounds), or None when nothing changed."""
    connection = session.connection()
    # Locked and read afresh: the score it leaves is the one committed.
    old = connection.execute(
        _ENTRY, {"view": view, "round_id": round_.id, "student_id": student.id}
    ).first()
    scope = round_scope(round_.id)
    if counted is None:
        if old is None:
            return None
        connection.execute(delete(RoundStanding.__table__).where(RoundStanding.id == old.id))
        entry_moved(session, view, scope, student, old.score_units, None)
        return -old.score_units, -old.duration_ms, -1
    values = {
        "university_id": student.university_id,
        "attempt_id": counted.id,
        "score_units": counted.score_units or 0,
        "prediction_error": prediction_error(counted, round_),
        "duration_ms": counted.duration_ms or 0,
        "ended_at": ended_at(counted),
    }
    if old is None:
        keys = {"view": view, "round_id": round_.id, "student_id": student.id}
        connection.execute(_NEW_ENTRY, {**keys, **values})
        entry_moved(session, view, scope, student, None, values["score_units"])
        return values["score_units"], values["duration_ms"], 1
    connection.execute(_CHANGED_ENTRY, {**values, "the_entry": old.id})
    entry_moved(session, view, scope, student, old.score_units, values["score_units"])
    return values["score_units"] - old.score_units, values["duration_ms"] - old.duration_ms, 0


@functools.cache
def _overall_statement(dialect: str) -> Any:
    """The upsert that changes a student's overall entry (built once per dialect)."""
    table = OverallStanding
    score, duration, rounds = bindparam("score"), bindparam("duration"), bindparam("rounds")
    insert = dialect_insert(dialect)
    return (
        insert(table)
        .values(
            view=bindparam("view"),
            student_id=bindparam("student_id"),
            university_id=bindparam("university_id"),
            total_units=score,
            duration_ms=duration,
            rounds=rounds,
        )
        .on_conflict_do_update(
            index_elements=["view", "student_id"],
            set_={
                "university_id": bindparam("university_id"),
                "total_units": table.total_units + score,
                "duration_ms": table.duration_ms + duration,
                "rounds": table.rounds + rounds,
            },
        )
        .returning(table.total_units, table.rounds)
    )


def move_overall(
    session: Session, view: str, student: User, score: int, duration: int, rounds: int
) -> None:
    """Change the student's overall entry by what their round entry changed.

    One statement creates or changes the row and locks it, so two rounds of one
    student finalized at once add up rather than overwrite each other.
    """
    connection = session.connection()
    row = connection.execute(
        _overall_statement(connection.dialect.name),
        {
            "view": view,
            "student_id": student.id,
            "university_id": student.university_id,
            "score": score,
            "duration": duration,
            "rounds": rounds,
        },
    ).one()
    before = row.total_units - score if row.rounds - rounds > 0 else None
    if row.rounds <= 0:
        table = OverallStanding
        connection.execute(
            delete(table.__table__).where(table.view == view, table.student_id == student.id)
        )
        if row.rounds < 0 or row.total_units:
            logger.warning("overall standing of %s drifted; rebuild the standings", student.id)
        entry_moved(session, view, OVERALL, student, before, None)
        return
    entry_moved(session, view, OVERALL, student, before, row.total_units)


def entry_moved(
    session: Session, view: str, scope: str, student: User, before: int | None, after: int | None
) -> None:
    """One student's entry on a board moved from ``before`` to ``after`` (None: no entry):
    the board's histogram and the student's university follow."""
    move_level(session, view, scope, before, after)
    if aggregates.counts_for_university(student):
        aggregates.changed(session, (view, scope, student.university_id), before, after)


def move_level(
    session: Session, view: str, scope: str, before: int | None, after: int | None
) -> None:
    """Move one entry of a board's histogram from score ``before`` to ``after``
    (None: no entry).

    The change waits in the session until the caller's work is done
    (``apply_level_changes``: at the end of ``record_attempt`` and
    ``refresh_round``, before any commit, or when a board is read in the same
    transaction): the histogram's rows are shared by every student of a board,
    so they are locked last, briefly, and in one order (sorted), so that two
    transactions never wait for each other in opposite orders.
    """
    if before == after:
        return
    pending = session.info.setdefault(PENDING_LEVELS, Counter())
    if before is not None:
        pending[(view, scope, before)] -= 1
    if after is not None:
        pending[(view, scope, after)] += 1


def apply_level_changes(session: Session) -> None:
    """Write the session's pending university aggregates, then its histogram
    changes, each in sorted order."""
    aggregates.apply(session)
    pending: Counter | None = session.info.pop(PENDING_LEVELS, None)
    if not pending:
        return
    for (view, scope, score), delta in sorted(pending.items()):
        if delta > 0:
            _add_to_level(session, view, scope, score, delta)
        elif delta < 0 and not _remove_from_level(session, view, scope, score, -delta):
            logger.warning("score level %s %s %s drifted; recounting", view, scope, score)
            _recount_levels(session, view, scope)


@functools.cache
def _add_statement(dialect: str) -> Any:
    insert = dialect_insert(dialect)
    count = bindparam("count")
    return (
        insert(ScoreLevel)
        .values(
            view=bindparam("the_view"),
            scope=bindparam("the_scope"),
            score_units=bindparam("the_score"),
            entries=count,
        )
        .on_conflict_do_update(
            index_elements=["view", "scope", "score_units"],
            set_={"entries": ScoreLevel.entries + count},
        )
    )


def _add_to_level(session: Session, view: str, scope: str, score: int, count: int) -> None:
    connection = session.connection()
    connection.execute(
        _add_statement(connection.dialect.name),
        {"the_view": view, "the_scope": scope, "the_score": score, "count": count},
    )


def _remove_from_level(session: Session, view: str, scope: str, score: int, count: int) -> bool:
    """Take ``count`` entries off a level (dropping it when empty); False if it had fewer."""
    key = (ScoreLevel.view == view, ScoreLevel.scope == scope, ScoreLevel.score_units == score)
    changed = session.execute(
        update(ScoreLevel)
        .where(*key, ScoreLevel.entries >= count)
        .values(entries=ScoreLevel.entries - count)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        delete(ScoreLevel)
        .where(*key, ScoreLevel.entries <= 0)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(changed, "rowcount", 0))


def _recount_levels(session: Session, view: str, scope: str) -> None:
    """Rebuild one board's histogram from its standings (a repair; never expected)."""
    session.execute(delete(ScoreLevel).where(ScoreLevel.view == view, ScoreLevel.scope == scope))
    if scope == OVERALL:
        score, where = OverallStanding.total_units, [OverallStanding.view == view]
    else:
        round_id = int(scope.split(":", 1)[1])
        score = RoundStanding.score_units
        where = [RoundStanding.view == view, RoundStanding.round_id == round_id]
    for units, entries in session.execute(
        select(score, func.count()).where(*where).group_by(score)
    ):
        session.add(ScoreLevel(view=view, scope=scope, score_units=units, entries=entries))
    session.flush()


@event.listens_for(Session, "before_commit")
def _write_levels_before_commit(session: Session) -> None:
    apply_level_changes(session)


@event.listens_for(Session, "after_soft_rollback")
def _forget_levels_on_rollback(session: Session, previous_transaction: Any) -> None:
    if not previous_transaction.nested:
        discard_pending(session)


def discard_pending(session: Session) -> None:
    """Forget the session's pending histogram and university changes."""
    session.info.pop(PENDING_LEVELS, None)
    aggregates.discard(session)


def student_counting_changed(session: Session, student: User) -> None:
    """The student now counts for their university, or no longer does (a coordinator's
    confirmation, where only confirmed students count): every aggregate of the
    university they appear in is counted afresh."""
    if not verification_required():
        return
    scopes = [OVERALL] + [
        round_scope(round_id)
        for round_id in session.scalars(
            select(RoundStanding.round_id).where(RoundStanding.student_id == student.id).distinct()
        )
    ]
    for view in VIEWS:
        for scope in scopes:
            aggregates.recount(session, (view, scope, student.university_id))
    apply_level_changes(session)


def refresh_round(session: Session, round_: Round) -> None:
    """Recompute every student of ``round_`` (after a freeze is lifted, or a true value
    set), in batches of students (``quiz.standings.batch``, which imports this module)."""
    from quiz.standings import batch

    if not round_.ranked:
        return
    students = session.scalars(
        select(Attempt.student_id).where(Attempt.round_id == round_.id).distinct()
    )
    batch.refresh_students(session, round_, set(students))


def publish_results(session: Session, round_: Round, *, actor_id: int | None) -> None:
    """End the public freeze of ``round_``: public boards show the final standings."""
    round_.results_published_at = now()
    session.flush()
    refresh_round(session, round_)
    record(session, actor_id, "rounds.publish", f"round:{round_.id}")


def set_prediction_value(
    session: Session, round_: Round, value: int, *, actor_id: int | None
) -> None:
    """Enter the prediction question's true value; ties are then broken by it."""
    round_.prediction_value = value
    round_.prediction_entered = True
    session.flush()
    refresh_round(session, round_)
    record(session, actor_id, "rounds.prediction_value", f"round:{round_.id}", value=value)


def count_prediction(session: Session, round_: Round, *, actor_id: int | None = None) -> bool:
    """The prediction's true value counted by the platform (contest-operations.md): for
    a ranked round whose question asks how many entries score full marks, once its last
    save instant has passed and unless an organiser entered a value, the counted entries
    with full marks; the round's rankings follow it. True when the value changed.

    Called at each step of the results (the appeal window, official results) and after
    each change of scores (a regrade, a disqualification)."""
    if (
        not round_.ranked
        or not round_.prediction_text
        or round_.prediction_counts != PREDICTION_FULL_MARKS
        or round_.prediction_entered
        or now() <= last_save_instant(round_)
    ):
        return False
    value = full_marks_count(session, round_)
    if value == round_.prediction_value:
        return False
    round_.prediction_value = value
    session.flush()
    refresh_round(session, round_)
    record(session, actor_id, "rounds.prediction_counted", f"round:{round_.id}", value=value)
    return True


def full_marks_count(session: Session, round_: Round) -> int:
    """How many counted entries of the round scored full marks (a countable prediction)."""
    return (
        session.scalar(
            select(func.count())
            .select_from(RoundStanding)
            .join(Attempt, Attempt.id == RoundStanding.attempt_id)
            .where(
                RoundStanding.view == LIVE,
                RoundStanding.round_id == round_.id,
                RoundStanding.score_units == Attempt.max_score * SCORE_UNIT,
            )
        )
        or 0
    )
