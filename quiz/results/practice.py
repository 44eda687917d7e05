"""Practice after the contest (contest-operations.md, Practice rounds): an official
round's questions turned into a practice round in one step, and a student's practice
history. Practice rounds rank nobody; their attempts are scored and shown."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from quiz.attempts.models import Attempt, AttemptStatus
from quiz.audit.services import record
from quiz.bank.models import Question
from quiz.clock import now
from quiz.errors import Conflict
from quiz.results import services
from quiz.rounds.models import Review, Round
from quiz.rounds.services import blueprint_pool, create_round, get_round, round_data_of

#: A practice round lets each student try again this many times.
PRACTICE_ATTEMPTS = 100
PREFIX = {"vi": "Luyện tập — ", "en": "Practice — ", "fr": "Entraînement — "}


def practice_from(
    session: Session,
    round_id: int,
    opens_at: datetime,
    closes_at: datetime,
    *,
    actor_id: int | None,
) -> Round:
    """A practice round with the official round's blueprint and time limit, open from
    ``opens_at`` to ``closes_at``: many attempts, the answers shown once each is
    final, in no standing."""
    source = get_round(session, round_id)
    if services.state_of(source) is not services.ResultsState.OFFICIAL:
        raise Conflict(
            _l("Only an official round's questions are turned into a practice round."),
            code="not_official",
        )
    data = replace(
        round_data_of(source),
        title={loc: PREFIX.get(loc, "") + text for loc, text in source.title.items()},
        opens_at=opens_at,
        closes_at=closes_at,
        max_attempts=PRACTICE_ATTEMPTS,
        review=Review.IMMEDIATELY.value,
        leaderboard_freeze_at=None,
        prediction_text=None,
        prediction_counts=None,
        ranked=False,
    )
    practice = create_round(session, data, actor_id=actor_id)
    released = release(session, practice)
    record(
        session,
        actor_id,
        "results.practice_from",
        f"round:{practice.id}",
        source=f"round:{source.id}",
        released=released,
    )
    return practice


def release(session: Session, practice: Round) -> int:
    """Every question the practice round may draw becomes public (it shows their answers
    at once): the study page lists them. Returns how many were released now."""
    keys = [key for keys, _count in blueprint_pool(session, practice).lines for key in keys]
    released = 0
    for start in range(0, len(keys), 1000):
        released += session.execute(
            update(Question)
            .where(Question.key.in_(keys[start : start + 1000]), Question.released_at.is_(None))
            .values(released_at=now())
        ).rowcount
    return released


def history(session: Session, student_id: int) -> list[tuple[Round, Attempt]]:
    """The student's finalized attempts at practice rounds, the newest first."""
    rows = session.execute(
        select(Round, Attempt)
        .join(Attempt, Attempt.round_id == Round.id)
        .where(
            Round.ranked.is_(False),
            Attempt.student_id == student_id,
            Attempt.status != AttemptStatus.IN_PROGRESS.value,
        )
        .order_by(Attempt.submitted_at.desc(), Attempt.id.desc())
    )
    return [(round_, attempt) for round_, attempt in rows]
