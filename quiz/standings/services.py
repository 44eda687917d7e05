"""Keeping standings: the one place that updates them when an attempt is finalized.

Each update touches one student and one university, in the finalizing
transaction, with a fixed number of small queries whatever the number of
attempts. University aggregates are recomputed under a row lock, so two
students of the same university finishing at once cannot overwrite each
other's contribution.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import delete, event, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from quiz.accounts.models import User
from quiz.attempts.models import SCORE_UNIT, Attempt, AttemptStatus
from quiz.audit.services import record
from quiz.clock import now
from quiz.rounds.models import AttemptPolicy, Round
from quiz.standings.models import (
    LIVE,
    NO_PREDICTION,
    OVERALL,
    PUBLIC,
    VIEWS,
    OverallStanding,
    RoundStanding,
    ScoreLevel,
    UniversityStanding,
)

DEFAULT_TOP_N = 30
#: Where a session keeps its histogram changes until it commits (see ``move_level``).
PENDING_LEVELS = "quiz.score_levels"
#: And the universities whose aggregates it must recompute (see ``university_changed``).
PENDING_UNIVERSITIES = "quiz.university_aggregates"
logger = logging.getLogger(__name__)
DEFAULT_MIN_PARTICIPANTS = 10


def top_n() -> int:
    """N of the ``top_n_mean`` method (``QUIZ_TOP_N``, default 30)."""
    if has_app_context():
        return int(current_app.config.get("TOP_N", DEFAULT_TOP_N))
    return DEFAULT_TOP_N


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
    """The finalized attempt that counts: the best one, or the last one (by number)."""
    final = [a for a in attempts if a.status != AttemptStatus.IN_PROGRESS.value]
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
        _store_round_entry(session, view, round_, student, counted_attempt(visible, round_))
        refresh_student_overall(session, view, student)
        university_changed(session, view, round_scope(round_.id), student.university_id)
        university_changed(session, view, OVERALL, student.university_id)


def _store_round_entry(
    session: Session, view: str, round_: Round, student: User, counted: Attempt | None
) -> None:
    # Locked and read afresh: the score it leaves is the one committed.
    entry = session.scalar(
        select(RoundStanding)
        .where(
            RoundStanding.view == view,
            RoundStanding.round_id == round_.id,
            RoundStanding.student_id == student.id,
        )
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    before = entry.score_units if entry is not None else None
    if counted is None:
        if entry is not None:
            session.delete(entry)
            session.flush()
            move_level(session, view, round_scope(round_.id), before, None)
        return
    if entry is None:
        entry = RoundStanding(view=view, round_id=round_.id, student_id=student.id)
        session.add(entry)
    entry.university_id = student.university_id
    entry.attempt_id = counted.id
    entry.score_units = counted.score_units or 0
    entry.prediction_error = prediction_error(counted, round_)
    entry.duration_ms = counted.duration_ms or 0
    entry.ended_at = ended_at(counted)
    session.flush()
    move_level(session, view, round_scope(round_.id), before, entry.score_units)


def _upsert_insert(session: Session) -> Any:
    """The dialect's INSERT, which has ON CONFLICT clauses (PostgreSQL or SQLite)."""
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


def refresh_student_overall(session: Session, view: str, student: User) -> None:
    # The row is created if missing (``rounds`` 0: no entry yet) and locked before
    # the sums are read: two rounds of one student finalized at once neither both
    # insert it nor both start from the same old total.
    insert = _upsert_insert(session)
    session.execute(
        insert(OverallStanding)
        .values(
            view=view,
            student_id=student.id,
            university_id=student.university_id,
            total_units=0,
            duration_ms=0,
            rounds=0,
        )
        .on_conflict_do_nothing(index_elements=["view", "student_id"])
    )
    entry = session.scalar(
        select(OverallStanding)
        .where(OverallStanding.view == view, OverallStanding.student_id == student.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    assert entry is not None
    before = entry.total_units if entry.rounds else None
    total, duration, rounds = session.execute(
        select(
            func.coalesce(func.sum(RoundStanding.score_units), 0),
            func.coalesce(func.sum(RoundStanding.duration_ms), 0),
            func.count(RoundStanding.id),
        ).where(RoundStanding.view == view, RoundStanding.student_id == student.id)
    ).one()
    if rounds == 0:
        session.delete(entry)
        session.flush()
        move_level(session, view, OVERALL, before, None)
        return
    entry.university_id = student.university_id
    entry.total_units, entry.duration_ms, entry.rounds = int(total), int(duration), int(rounds)
    session.flush()
    move_level(session, view, OVERALL, before, entry.total_units)


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


def university_changed(session: Session, view: str, scope: str, university_id: int) -> None:
    """Note that a university's aggregates in ``scope`` must be recomputed.

    Like the histogram, that row is shared by every student of the university
    (thousands, at a large one, finishing within the same minutes): it is
    recomputed once per transaction, last, in sorted order, so that its lock is
    held only until the commit that follows (``apply_level_changes``).
    """
    session.info.setdefault(PENDING_UNIVERSITIES, set()).add((view, scope, university_id))


def apply_level_changes(session: Session) -> None:
    """Write the session's pending university aggregates, then its histogram
    changes, each in sorted order."""
    universities: set | None = session.info.pop(PENDING_UNIVERSITIES, None)
    for view, scope, university_id in sorted(universities or ()):
        refresh_university(session, view, scope, university_id)
    pending: Counter | None = session.info.pop(PENDING_LEVELS, None)
    if not pending:
        return
    for (view, scope, score), delta in sorted(pending.items()):
        if delta > 0:
            _add_to_level(session, view, scope, score, delta)
        elif delta < 0 and not _remove_from_level(session, view, scope, score, -delta):
            logger.warning("score level %s %s %s drifted; recounting", view, scope, score)
            _recount_levels(session, view, scope)


def _add_to_level(session: Session, view: str, scope: str, score: int, count: int) -> None:
    insert = _upsert_insert(session)
    statement = insert(ScoreLevel).values(view=view, scope=scope, score_units=score, entries=count)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["view", "scope", "score_units"],
            set_={"entries": ScoreLevel.entries + count},
        )
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
    session.info.pop(PENDING_UNIVERSITIES, None)


def verification_required() -> bool:
    """Whether only students confirmed by a coordinator count for their university."""
    return has_app_context() and bool(current_app.config.get("REQUIRE_VERIFICATION"))


def refresh_university(session: Session, view: str, scope: str, university_id: int) -> None:
    """Recompute the university's aggregates in ``scope`` from its students' standings.

    Three statements: the row is created if missing and locked by one upsert,
    its students' standings are read afresh once the lock is held (a new
    statement sees what the transaction it waited for committed), and the
    aggregates are written.
    """
    insert = _upsert_insert(session)
    row_id = session.scalar(
        insert(UniversityStanding)
        .values(
            view=view,
            scope=scope,
            university_id=university_id,
            participants=0,
            total_units=0,
            top_n_units=0,
        )
        .on_conflict_do_update(
            index_elements=["view", "scope", "university_id"],
            set_={"participants": UniversityStanding.participants},
        )
        .returning(UniversityStanding.id)
    )
    table = OverallStanding if scope == OVERALL else RoundStanding
    score = OverallStanding.total_units if scope == OVERALL else RoundStanding.score_units
    conditions = [table.view == view, table.university_id == university_id]
    if scope != OVERALL:
        conditions.append(RoundStanding.round_id == int(scope.split(":", 1)[1]))
    base = select(score.label("value")).where(*conditions)
    if verification_required():
        base = base.join(User, User.id == table.student_id).where(User.verification == "confirmed")
    counted = base.subquery()
    best = base.order_by(score.desc()).limit(top_n()).subquery()
    participants, total, top = session.execute(
        select(
            select(func.count()).select_from(counted).scalar_subquery(),
            select(func.coalesce(func.sum(counted.c.value), 0)).scalar_subquery(),
            select(func.coalesce(func.sum(best.c.value), 0)).scalar_subquery(),
        )
    ).one()
    session.execute(
        update(UniversityStanding)
        .where(UniversityStanding.id == row_id)
        .values(participants=int(participants), total_units=int(total), top_n_units=int(top))
    )


def refresh_round(session: Session, round_: Round) -> None:
    """Recompute every student of ``round_`` (after a freeze is lifted, or a true value set)."""
    if not round_.ranked:
        return
    students = session.scalars(
        select(User).where(
            User.id.in_(select(Attempt.student_id).where(Attempt.round_id == round_.id).distinct())
        )
    )
    for student in list(students):
        refresh_student_round(session, round_, student)
    apply_level_changes(session)


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
    session.flush()
    refresh_round(session, round_)
    record(session, actor_id, "rounds.prediction_value", f"round:{round_.id}", value=value)


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
