"""Attempt rules: starting, drawing, saving answers, submitting, expiring, scoring.

The server's clock (:func:`quiz.clock.now`) is the only clock. Races are
settled by the database, never by locks in this process, so the rules hold
with several workers and several servers:

- starts: a unique (round, student, number) and a unique in-progress attempt
  per (round, student); the loser of a race returns the winner's attempt;
- saves lock the attempt row, and finalizing changes the status with a
  guarded UPDATE that waits for that lock, so a save racing the deadline is
  either stored before scoring (and counted) or refused (and not stored);
- finalizing happens once: ``UPDATE ... WHERE status = 'in_progress'``.
"""

from __future__ import annotations

import math
import random
import secrets
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from quiz.accounts.models import Role, User
from quiz.attempts import drawing
from quiz.attempts.models import Attempt, AttemptItem, AttemptStatus
from quiz.attempts.scoring import item_units
from quiz.bank.models import Question, QuestionVersion
from quiz.clock import now
from quiz.errors import Conflict, Forbidden, InvalidInput, NotFound
from quiz.rounds.models import Review, Round, RoundStatus
from quiz.rounds.services import BlueprintLine, active_keys
from quiz.standings import services as standings

#: Predictions are stored as 32-bit integers.
MAX_PREDICTION = 2**31 - 2


def _round_of(session: Session, attempt: Attempt) -> Round:
    round_ = session.get(Round, attempt.round_id)
    assert round_ is not None
    return round_


def in_progress(session: Session, round_: Round, student: User) -> Attempt | None:
    return session.scalar(
        select(Attempt).where(
            Attempt.round_id == round_.id,
            Attempt.student_id == student.id,
            Attempt.status == AttemptStatus.IN_PROGRESS.value,
        )
    )


def attempts_of(session: Session, round_: Round, student: User) -> list[Attempt]:
    """The student's attempts at ``round_``, first one first (expired ones finalized)."""
    attempts = list(
        session.scalars(
            select(Attempt)
            .where(Attempt.round_id == round_.id, Attempt.student_id == student.id)
            .order_by(Attempt.number)
        )
    )
    for attempt in attempts:
        finalize_if_expired(session, attempt, round_)
    return attempts


def draw_items(session: Session, round_: Round, seed: int) -> list[AttemptItem]:
    """The attempt's questions: drawn, shuffled, option order shuffled, versions pinned."""
    rng = random.Random(seed)
    lines = [
        BlueprintLine(int(x["count"]), x.get("topic"), x.get("difficulty"))
        for x in round_.blueprint
    ]
    keys = drawing.draw([(active_keys(session, line), line.count) for line in lines], rng)
    rng.shuffle(keys)
    questions = {q.key: q for q in session.scalars(select(Question).where(Question.key.in_(keys)))}
    items = []
    for position, key in enumerate(keys, start=1):
        version = questions[key].current_version
        assert version is not None
        order = [o["id"] for o in version.options]
        rng.shuffle(order)
        items.append(
            AttemptItem(
                position=position,
                question_version_id=version.id,
                option_order=order,
                choices=[],
                version=version,
            )
        )
    return items


def start(session: Session, round_: Round, student: User) -> tuple[Attempt, bool]:
    """Start an attempt, or return the one in progress; True when a new one was made.

    Raises Forbidden for non-students and Conflict when the round is not open
    or no attempt is left.
    """
    if not student.has_role(Role.STUDENT):
        raise Forbidden(_l("Only students take rounds."))
    moment = now()
    current = in_progress(session, round_, student)
    if current is not None and not finalize_if_expired(session, current, round_):
        return current, False
    status = round_.status_at(moment)
    if status is not RoundStatus.OPEN:
        message = (
            _l("This round has not opened yet.")
            if status is RoundStatus.UPCOMING
            else _l("This round is closed.")
        )
        raise Conflict(message, code="round_not_open")
    used = (
        session.scalar(
            select(func.count(Attempt.id)).where(
                Attempt.round_id == round_.id, Attempt.student_id == student.id
            )
        )
        or 0
    )
    if used >= round_.max_attempts:
        # A racing start may have just committed the attempt in progress: return it.
        winner = in_progress(session, round_, student)
        if winner is not None:
            return winner, False
        raise Conflict(_l("You have no attempts left in this round."), code="no_attempts_left")
    seed = secrets.randbits(31)
    try:
        items = draw_items(session, round_, seed)
    except ValueError:
        # Retiring questions is refused while a round needs them; this is the last guard.
        raise Conflict(
            _l("This round cannot start right now. Please tell the organisers."),
            code="round_unfillable",
        ) from None
    attempt = Attempt(
        round_id=round_.id,
        student_id=student.id,
        number=used + 1,
        seed=seed,
        status=AttemptStatus.IN_PROGRESS.value,
        started_at=moment,
        deadline=min(moment + timedelta(seconds=round_.time_limit_seconds), round_.closes_at),
        max_score=sum(item.version.points for item in items),
        items=items,
    )
    try:
        with session.begin_nested():
            session.add(attempt)
            session.flush()
    except IntegrityError:
        # Another request of the same student won the race: use its attempt.
        winner = in_progress(session, round_, student)
        if winner is None:
            raise Conflict(
                _l("You have no attempts left in this round."), code="no_attempts_left"
            ) from None
        return winner, False
    return attempt, True


def get_attempt(session: Session, attempt_id: int, user: User) -> Attempt:
    """The attempt, for its student or an organiser (404 for anyone else); expired ones
    are finalized on the way (lazily)."""
    attempt = session.get(Attempt, attempt_id)
    if attempt is None or not (attempt.student_id == user.id or user.has_role(Role.ORGANISER)):
        raise NotFound(_l("This attempt does not exist."), code="not_found")
    finalize_if_expired(session, attempt, _round_of(session, attempt))
    return attempt


def late_limit(attempt: Attempt, round_: Round) -> datetime:
    """The last instant a save counts: deadline + grace."""
    return attempt.deadline + timedelta(seconds=round_.grace_seconds)


def remaining_seconds(attempt: Attempt, moment: datetime | None = None) -> int:
    """Whole seconds left before the deadline (never negative)."""
    left = (attempt.deadline - (moment or now())).total_seconds()
    return max(0, math.ceil(left))


def save_answer(
    session: Session, attempt_id: int, student: User, position: int, choices: list[str]
) -> tuple[AttemptItem, Attempt]:
    """Store the answer at ``position`` (the last save counts; ``[]`` clears it).

    Raises NotFound (not the student's attempt, no such position), Conflict
    (finalized, or past deadline + grace: nothing stored) or InvalidInput
    (an option the item does not have).
    """
    moment = now()
    # The row lock makes a finalization that races this save wait for it.
    attempt = session.scalar(select(Attempt).where(Attempt.id == attempt_id).with_for_update())
    if attempt is None or attempt.student_id != student.id:
        raise NotFound(_l("This attempt does not exist."))
    round_ = _round_of(session, attempt)
    if attempt.status != AttemptStatus.IN_PROGRESS.value:
        raise Conflict(
            _l("This attempt is already finished: answers can no longer change."),
            code="attempt_finalized",
        )
    if moment > late_limit(attempt, round_):
        raise Conflict(
            _l("The time is up: this answer arrived too late and was not saved."),
            code="deadline_passed",
        )
    item = session.scalar(
        select(AttemptItem).where(
            AttemptItem.attempt_id == attempt.id, AttemptItem.position == position
        )
    )
    if item is None:
        raise NotFound(_l("This question is not part of the attempt."))
    unique = list(dict.fromkeys(choices))
    if any(choice not in item.option_order for choice in unique):
        raise InvalidInput({"choices": _l("This question has no such option.")})
    if item.version.kind != "multiple" and len(unique) > 1:
        raise InvalidInput({"choices": _l("This question takes a single answer.")})
    item.choices = unique
    item.saved_at = moment
    attempt.last_position = position
    session.flush()
    return item, attempt


def finalize_if_expired(session: Session, attempt: Attempt, round_: Round) -> bool:
    """Finalize an unsubmitted attempt past deadline + grace; True if it is final now."""
    if attempt.status != AttemptStatus.IN_PROGRESS.value:
        return True
    if now() <= late_limit(attempt, round_):
        return False
    finalize(session, attempt, round_, AttemptStatus.EXPIRED, submitted_at=None)
    return True


def submit(session: Session, attempt_id: int, student: User, prediction: int | None) -> Attempt:
    """Finalize the attempt as submitted (idempotent: a second submit changes nothing).

    Past deadline + grace it is finalized as expired instead, with the answers
    saved in time.
    """
    attempt = session.get(Attempt, attempt_id)
    if attempt is None or attempt.student_id != student.id:
        raise NotFound(_l("This attempt does not exist."))
    round_ = _round_of(session, attempt)
    if finalize_if_expired(session, attempt, round_):
        return attempt
    if prediction is not None and (
        not round_.prediction_text or not 0 <= prediction <= MAX_PREDICTION
    ):
        raise InvalidInput(
            {
                "prediction": _l(
                    "The prediction must be a whole number of at "
                    "least 0, and only where the round asks for one."
                )
            }
        )
    finalize(
        session, attempt, round_, AttemptStatus.SUBMITTED, submitted_at=now(), prediction=prediction
    )
    return attempt


def finalize(
    session: Session,
    attempt: Attempt,
    round_: Round,
    status: AttemptStatus,
    submitted_at: datetime | None,
    prediction: int | None = None,
) -> None:
    """Score and close the attempt, once: the guarded UPDATE lets one finalizer win.

    Every way an attempt ends (submission, expiry) goes through here.
    """
    moment = now()
    won = session.execute(
        update(Attempt)
        .where(Attempt.id == attempt.id, Attempt.status == AttemptStatus.IN_PROGRESS.value)
        .values(
            status=status.value,
            submitted_at=submitted_at,
            finalized_at=moment,
            prediction=prediction,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if won:
        # Read the answers after winning: a racing save has committed or been refused.
        items = session.scalars(
            select(AttemptItem)
            .where(AttemptItem.attempt_id == attempt.id)
            .execution_options(populate_existing=True)
        ).all()
        total = 0
        for item in items:
            item.score_units = item_units(
                item.version.kind,
                item.version.points,
                item.version.correct_ids(),
                item.choices,
                round_.multiple_choice_policy,
            )
            total += item.score_units
        end = min(submitted_at or attempt.deadline, attempt.deadline)
        session.execute(
            update(Attempt)
            .where(Attempt.id == attempt.id)
            .values(
                score_units=total,
                duration_ms=int((end - attempt.started_at) / timedelta(milliseconds=1)),
            )
            .execution_options(synchronize_session=False)
        )
        session.flush()
        session.refresh(attempt)
        standings.record_attempt(session, attempt)
        return
    session.refresh(attempt)


def expired_attempt_ids(session: Session) -> list[int]:
    """Attempts still in progress past their deadline (maybe within the grace)."""
    return list(
        session.scalars(
            select(Attempt.id).where(
                Attempt.status == AttemptStatus.IN_PROGRESS.value, Attempt.deadline < now()
            )
        )
    )


def close_expired(session: Session, attempt_id: int) -> bool:
    """Finalize one attempt if it is past deadline + grace; True if it was closed now.

    The periodic command gives each attempt its own transaction, as a student's
    submission has: a batch would hold many students' standings at once.
    """
    attempt = session.get(Attempt, attempt_id)
    if attempt is None or attempt.status != AttemptStatus.IN_PROGRESS.value:
        return False
    return finalize_if_expired(session, attempt, _round_of(session, attempt))


def question_keys(session: Session, attempt: Attempt) -> dict[int, str]:
    """The bank id of each item's question, by version id, in one query."""
    ids = [item.question_version_id for item in attempt.items]
    rows = session.execute(
        select(QuestionVersion.id, Question.key)
        .join(Question, Question.id == QuestionVersion.question_id)
        .where(QuestionVersion.id.in_(ids))
    )
    return {version_id: key for version_id, key in rows}


def review_allowed(attempt: Attempt, round_: Round, moment: datetime | None = None) -> bool:
    """Whether the student may now see correct answers and explanations."""
    if attempt.status == AttemptStatus.IN_PROGRESS.value or round_.review == Review.NEVER.value:
        return False
    if round_.review == Review.IMMEDIATELY.value:
        return True
    return (moment or now()) >= round_.closes_at
