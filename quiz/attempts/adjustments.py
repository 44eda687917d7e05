"""Attempts in progress changed by an organiser's decision, and the notes their
students read (contest-operations.md, Overrides and Incidents).

- Under a new override an attempt in progress gets its new deadline at once,
  never an earlier one: an override that would shorten a started attempt is
  refused as a whole.
- After an incident every attempt still running (of one university, or started
  before an instant, when asked) gets N minutes more, also past the round's
  closing time; ``excused_ms`` keeps those minutes out of its duration.

Each change is a guarded UPDATE by primary key (``status = 'in_progress'``): an
attempt finalized meanwhile is left as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, exists, func, insert, select, update
from sqlalchemy.orm import Session

from quiz.accounts.models import User
from quiz.attempts.models import Attempt, AttemptNote, AttemptStatus, Regrade
from quiz.bank import cache
from quiz.bank.cache import VersionView
from quiz.bank.models import Question
from quiz.clock import now
from quiz.db import UTCDateTime
from quiz.errors import Conflict
from quiz.rounds.models import Round, RoundOverride
from quiz.rounds.overrides import extend_until, terms_of, values_of

_MOVE = (
    update(Attempt.__table__)
    .where(
        Attempt.id == bindparam("the_attempt"),
        Attempt.status == AttemptStatus.IN_PROGRESS.value,
    )
    .values(
        deadline=bindparam("new_deadline", type_=UTCDateTime()),
        save_until=bindparam("new_save_until", type_=UTCDateTime()),
        excused_ms=Attempt.excused_ms + bindparam("more_excused"),
    )
)


@dataclass(frozen=True)
class Running:
    """An attempt in progress, as a decision about it needs it."""

    id: int
    student_id: int
    started_at: datetime
    deadline: datetime
    excused_ms: int


def _running(session: Session, round_id: int, *rules: Any) -> list[Running]:
    rows = session.execute(
        select(
            Attempt.id, Attempt.student_id, Attempt.started_at, Attempt.deadline, Attempt.excused_ms
        )
        .where(
            Attempt.round_id == round_id,
            Attempt.status == AttemptStatus.IN_PROGRESS.value,
            Attempt.save_until >= now(),
            *rules,
        )
        .order_by(Attempt.id)
    ).all()
    return [Running(*row) for row in rows]


def _under(override: RoundOverride) -> list[Any]:
    """Which attempts an override touches: its student's, or those of its university's
    students who have no override of their own (theirs wins)."""
    if override.student_id is not None:
        return [Attempt.student_id == override.student_id]
    own = exists().where(
        RoundOverride.round_id == override.round_id,
        RoundOverride.student_id == Attempt.student_id,
    )
    of_university = select(User.id).where(User.university_id == override.university_id)
    return [Attempt.student_id.in_(of_university), ~own]


def apply_override(session: Session, round_: Round, override: RoundOverride) -> int:
    """Give the attempts in progress under ``override`` their new deadline; the number
    moved. Raises Conflict, changing nothing, when one would end earlier than now set."""
    terms = terms_of(round_, override)
    moves = []
    shorter = 0
    for attempt in _running(session, round_.id, *_under(override)):
        # Time given back after an incident stays given back.
        new = terms.deadline(attempt.started_at) + timedelta(milliseconds=attempt.excused_ms)
        if new < attempt.deadline:
            shorter += 1
        elif new > attempt.deadline:
            moves.append((attempt, new))
    if shorter:
        raise Conflict(
            _l(
                "This would shorten %(n)d attempt(s) already started; an override can only "
                "give more time.",
                n=shorter,
            ),
            code="would_shorten",
        )
    grace = timedelta(seconds=round_.grace_seconds)
    _move(session, [(attempt.id, new, new + grace, 0) for attempt, new in moves])
    if moves:
        extend_until(round_, max(new for _attempt, new in moves))
    add_notes(
        session,
        [attempt.id for attempt, _new in moves],
        "override",
        override.reason,
        values_of(override),
    )
    return len(moves)


def extend_running(
    session: Session,
    round_: Round,
    minutes: int,
    reason: str,
    *,
    university_id: int | None = None,
    started_before: datetime | None = None,
    dry_run: bool = False,
) -> int:
    """Give ``minutes`` back to every attempt still running (of ``university_id``,
    started before ``started_before``); the number of attempts it touches (touched
    only when not ``dry_run``)."""
    rules: list[Any] = []
    if university_id is not None:
        rules.append(
            Attempt.student_id.in_(select(User.id).where(User.university_id == university_id))
        )
    if started_before is not None:
        rules.append(Attempt.started_at < started_before)
    running = _running(session, round_.id, *rules)
    if dry_run or not running:
        return len(running)
    more = timedelta(minutes=minutes)
    grace = timedelta(seconds=round_.grace_seconds)
    ms = minutes * 60_000
    _move(session, [(a.id, a.deadline + more, a.deadline + more + grace, ms) for a in running])
    extend_until(round_, max(attempt.deadline for attempt in running) + more)
    add_notes(session, [a.id for a in running], "incident", reason, {"minutes": minutes})
    return len(running)


def _move(session: Session, moves: list[tuple[int, datetime, datetime, int]]) -> None:
    if moves:
        session.connection().execute(
            _MOVE,
            [
                {
                    "the_attempt": attempt_id,
                    "new_deadline": deadline,
                    "new_save_until": save_until,
                    "more_excused": excused,
                }
                for attempt_id, deadline, save_until, excused in moves
            ],
        )


def add_notes(
    session: Session, attempt_ids: list[int], kind: str, reason: str, details: dict[str, Any]
) -> None:
    """One note per attempt, in one executemany INSERT."""
    if attempt_ids:
        moment = now()
        session.execute(
            insert(AttemptNote),
            [
                {"attempt_id": i, "kind": kind, "reason": reason, "details": details, "at": moment}
                for i in attempt_ids
            ],
        )


def add_notes_each(
    session: Session, kind: str, reason: str, details: dict[int, dict[str, Any]]
) -> None:
    """One note per attempt with its own figures (``details`` by attempt id)."""
    if details:
        moment = now()
        session.execute(
            insert(AttemptNote),
            [
                {"attempt_id": i, "kind": kind, "reason": reason, "details": d, "at": moment}
                for i, d in details.items()
            ],
        )


def notes_of(session: Session, attempt_id: int) -> list[AttemptNote]:
    """The notes of one attempt, the oldest first."""
    return list(
        session.scalars(
            select(AttemptNote).where(AttemptNote.attempt_id == attempt_id).order_by(AttemptNote.id)
        )
    )


def running_count(session: Session, round_id: int) -> int:
    """How many attempts of the round are still running (before their last save instant)."""
    return int(
        session.scalar(
            select(func.count()).where(
                Attempt.round_id == round_id,
                Attempt.status == AttemptStatus.IN_PROGRESS.value,
                Attempt.save_until >= now(),
            )
        )
        or 0
    )


def regrades_of(session: Session, round_id: int) -> dict[str, tuple[str, VersionView | None]]:
    """The regrades in force on a round, by question id: the action and, for a rekey,
    the version the answers are scored against (a review shows its key)."""
    rows = session.execute(
        select(Question.key, Regrade.action, Regrade.version_id)
        .join(Question, Question.id == Regrade.question_id)
        .where(Regrade.round_id == round_id)
    ).all()
    views = cache.versions(session, [row.version_id for row in rows if row.version_id])
    return {
        row.key: (row.action, views.get(row.version_id) if row.version_id else None) for row in rows
    }
