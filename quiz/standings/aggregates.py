"""A university's aggregates (participants, total, sum of the N best), kept by difference.

When one student's score in a scope moves from ``before`` to ``after`` (None:
no entry), the participants and the total change by a difference, whatever the
size of the university. The sum of the N best changes only when one of the two
values reaches the N-th best score, which the row keeps (``top_n_floor``); then,
and only then, the N best are read again (an index scan of N entries).

The row is shared by every student of the university, often thousands finishing
within the same minutes: the changes wait in the session and are written last,
in sorted order, so that its lock is held only until the commit that follows
(``apply``, called by ``services.apply_level_changes``).
"""

from __future__ import annotations

import functools
import logging
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import bindparam, case, func, null, select, update
from sqlalchemy.orm import Session

from quiz.accounts.models import User
from quiz.db import dialect_insert
from quiz.standings.models import OVERALL, OverallStanding, RoundStanding, UniversityStanding

DEFAULT_TOP_N = 30
#: Where a session keeps its university changes until it commits.
PENDING = "quiz.university_aggregates"
#: A pending change that needs the aggregates counted afresh (see ``recount``).
RECOUNT = "recount"
logger = logging.getLogger(__name__)

Key = tuple[str, str, int]  # view, scope, university


def top_n() -> int:
    """N of the ``top_n_mean`` method (``QUIZ_TOP_N``, default 30)."""
    if has_app_context():
        return int(current_app.config.get("TOP_N", DEFAULT_TOP_N))
    return DEFAULT_TOP_N


def verification_required() -> bool:
    """Whether only students confirmed by a coordinator count for their university."""
    return has_app_context() and bool(current_app.config.get("REQUIRE_VERIFICATION"))


def counts_for_university(student: User) -> bool:
    """Whether the student's scores count in their university's aggregates."""
    return not verification_required() or student.verification == "confirmed"


def changed(session: Session, key: Key, before: int | None, after: int | None) -> None:
    """Note that one student of the university moved from ``before`` to ``after``."""
    if before == after:
        return
    pending: dict[Key, Any] = session.info.setdefault(PENDING, {})
    moves = pending.setdefault(key, [])
    if moves != RECOUNT:
        moves.append((before, after))


def recount(session: Session, key: Key) -> None:
    """Note that the university's aggregates must be counted afresh from its standings
    (one of its students became counted, or stopped being counted)."""
    session.info.setdefault(PENDING, {})[key] = RECOUNT


def discard(session: Session) -> None:
    session.info.pop(PENDING, None)


def apply(session: Session) -> None:
    """Write the session's pending university changes, in sorted order."""
    pending: dict[Key, Any] | None = session.info.pop(PENDING, None)
    for key, moves in sorted((pending or {}).items()):
        if moves == RECOUNT or not _apply_moves(session, key, moves):
            recount_university(session, *key)


@functools.cache
def _moves_statement(dialect: str) -> Any:
    """The upsert that applies a university's differences (built once per dialect)."""
    row = UniversityStanding
    joined, added, n = bindparam("joined"), bindparam("added"), bindparam("n")
    # Up to N participants, the N best are all of them. In SET, a column names the
    # row's value before this statement.
    few = row.participants + joined <= n
    insert = dialect_insert(dialect)
    return (
        insert(row)
        .values(
            view=bindparam("view"),
            scope=bindparam("scope"),
            university_id=bindparam("university_id"),
            participants=joined,
            total_units=added,
            top_n_units=bindparam("new_top"),
            top_n_floor=None,
        )
        .on_conflict_do_update(
            index_elements=["view", "scope", "university_id"],
            set_={
                "participants": row.participants + joined,
                "total_units": row.total_units + added,
                "top_n_units": case((few, row.total_units + added), else_=row.top_n_units),
                "top_n_floor": case((few, null()), else_=row.top_n_floor),
            },
        )
        .returning(row.id, row.participants, row.top_n_floor)
    )


def _lock_row(session: Session, key: Key, joined: int, added: int) -> Any:
    """Create the university's row or change it by the differences, and lock it: what
    follows sees the standings committed by whoever held the lock before.
    The row as changed: id, participants, top_n_floor."""
    view, scope, university_id = key
    n = top_n()
    connection = session.connection()
    return connection.execute(
        _moves_statement(connection.dialect.name),
        {
            "view": view,
            "scope": scope,
            "university_id": university_id,
            "joined": joined,
            "added": added,
            "n": n,
            "new_top": added if joined <= n else 0,
        },
    ).one()


def _apply_moves(session: Session, key: Key, moves: list[tuple[int | None, int | None]]) -> bool:
    """Apply the differences; False when the row has drifted (a recount is needed)."""
    joined = sum((after is not None) - (before is not None) for before, after in moves)
    added = sum((after or 0) - (before or 0) for before, after in moves)
    n = top_n()
    changed_row = _lock_row(session, key, joined, added)
    if changed_row.participants < 0:
        logger.warning("university aggregates %s drifted; recounting", key)
        return False
    if changed_row.participants <= n:
        return True
    floor = changed_row.top_n_floor
    if floor is not None and all(
        value is None or value < floor for move in moves for value in move
    ):
        return True  # every value below the N-th best: the N best are the same
    _write_top_n(session, changed_row.id, key)
    return True


def _scores(overall: bool, verified: bool) -> Any:
    """The scores that count for a university in a scope, as a SELECT of ``value``
    (parameters: see ``_parameters``)."""
    table = OverallStanding if overall else RoundStanding
    score = OverallStanding.total_units if overall else RoundStanding.score_units
    conditions = [
        table.view == bindparam("the_view"),
        table.university_id == bindparam("the_university"),
    ]
    if not overall:
        conditions.append(RoundStanding.round_id == bindparam("the_round"))
    base = select(score.label("value")).where(*conditions)
    if verified:
        base = base.join(User, User.id == table.student_id).where(User.verification == "confirmed")
    return base, score


def _parameters(key: Key) -> dict[str, Any]:
    view, scope, university_id = key
    values: dict[str, Any] = {"the_view": view, "the_university": university_id}
    if scope != OVERALL:
        values["the_round"] = int(scope.split(":", 1)[1])
    return values


@functools.cache
def _top_n_statement(overall: bool, verified: bool) -> Any:
    base, score = _scores(overall, verified)
    n = bindparam("n")
    best = base.order_by(score.desc()).limit(n).subquery()
    return (
        update(UniversityStanding)
        .where(UniversityStanding.id == bindparam("the_row"))
        .values(
            top_n_units=select(func.coalesce(func.sum(best.c.value), 0)).scalar_subquery(),
            top_n_floor=select(
                case((func.count() >= n, func.min(best.c.value)), else_=null())
            ).scalar_subquery(),
        )
    )


def _write_top_n(session: Session, row_id: int, key: Key) -> None:
    """Read the N best scores of the university again (an index scan of N entries)."""
    statement = _top_n_statement(key[1] == OVERALL, verification_required())
    session.connection().execute(statement, {**_parameters(key), "the_row": row_id, "n": top_n()})


def recount_university(session: Session, view: str, scope: str, university_id: int) -> None:
    """Count the university's aggregates in ``scope`` afresh from its students' standings.

    A repair, or the change of who counts; a contest's finish takes ``_apply_moves``.
    """
    key = (view, scope, university_id)
    row_id = _lock_row(session, key, 0, 0).id
    base, _score = _scores(scope == OVERALL, verification_required())
    counted = base.subquery()
    participants, total = session.execute(
        select(func.count(), func.coalesce(func.sum(counted.c.value), 0)).select_from(counted),
        _parameters(key),
    ).one()
    session.execute(
        update(UniversityStanding)
        .where(UniversityStanding.id == row_id)
        .values(participants=int(participants), total_units=int(total))
    )
    _write_top_n(session, row_id, key)
