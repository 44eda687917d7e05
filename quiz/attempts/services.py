"""Attempt rules: starting, saving answers, submitting, expiring, scoring.

The server's clock (:func:`quiz.clock.now`) is the only clock. Races are
settled by the database, never by locks in this process, so the rules hold
with several workers and several servers:

- starts: a unique (round, student, number) and a unique in-progress attempt
  per (round, student); the loser of a race returns the winner's attempt;
- a save is one guarded UPDATE of the item that states every rule (the
  student's own attempt, in progress, not past ``save_until``, an option the
  item has, one choice unless the question takes several) and takes a share
  lock on the attempt row; finalizing changes the status with a guarded
  UPDATE that waits for those locks, so a save racing the deadline is either
  stored before scoring (and counted) or refused (and not stored);
- finalizing happens once: ``UPDATE ... WHERE status = 'in_progress'``.

The paths a whole contest takes at once are plain statements: a start turns
the paper drawn ahead for the student (:mod:`quiz.attempts.papers`) into the
attempt with two INSERT ... SELECT and one DELETE (without a paper the set is
drawn there and then); a save is the one UPDATE above; reading an attempt is
two small queries, with the question versions read from the process's cache
(:mod:`quiz.bank.cache`).
"""

from __future__ import annotations

import functools
import math
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    String,
    bindparam,
    cast,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from quiz import monitor
from quiz.accounts.models import Role
from quiz.accounts.principal import Person
from quiz.attempts.models import Attempt, AttemptItem, AttemptStatus, Paper, PaperItem
from quiz.attempts.scoring import item_units
from quiz.bank import cache
from quiz.bank.cache import VersionView
from quiz.bank.models import Question, QuestionVersion, Topic
from quiz.clock import now
from quiz.db import UTCDateTime
from quiz.errors import Conflict, Forbidden, InvalidInput, NotFound
from quiz.rounds.models import Review, Round, RoundOverride, RoundStatus
from quiz.rounds.overrides import Terms, terms_for, terms_of
from quiz.rounds.services import (
    DrawnQuestion,
    RoundView,
    blueprint_pool,
    draw_questions,
    last_save_instant,
    round_view,
)
from quiz.standings import services as standings

#: Predictions are stored as 32-bit integers.
MAX_PREDICTION = 2**31 - 2
#: What an option id may look like (the bank's rule): never a quote or a LIKE wildcard
#: other than ``_``, which the guarded save escapes.
OPTION_ID = re.compile(r"^[A-Za-z0-9_-]{1,16}$")
MAX_CHOICES = 8


class Started(NamedTuple):
    attempt_id: int
    number: int
    #: False when the attempt was already in progress (or a racing start made it).
    created: bool
    #: The key of the paper it was made from: it opens the copy sealed in the browser.
    key: bytes | None = None
    #: The new attempt's deadline (when made from a paper).
    deadline: datetime | None = None


@dataclass
class SheetItem:
    """One question of an attempt as the student sees it."""

    position: int
    version: VersionView
    #: Option ids in the order shown to this student.
    option_order: list[str]
    choices: list[str]
    saved_at: datetime | None
    score_units: int | None


@dataclass
class Sheet:
    """An attempt as its pages and the API show it: plain rows, cached versions."""

    id: int
    round_id: int
    student_id: int
    number: int
    status: str
    started_at: datetime
    deadline: datetime
    save_until: datetime
    submitted_at: datetime | None
    score_units: int | None
    max_score: int
    duration_ms: int | None
    excused_ms: int
    prediction: int | None
    disqualified_at: datetime | None
    items: list[SheetItem]
    #: Only on a paper not yet started (``papers.paper_sheet``): the key sealing it.
    key: bytes | None = None

    @property
    def resume_position(self) -> int:
        """Where to resume on another device: the question answered last (else the first)."""
        saved = [item for item in self.items if item.saved_at is not None]
        if not saved:
            return 1
        return max(saved, key=lambda item: item.saved_at or self.started_at).position


_SHEET_COLUMNS = (
    Attempt.id,
    Attempt.round_id,
    Attempt.student_id,
    Attempt.number,
    Attempt.status,
    Attempt.started_at,
    Attempt.deadline,
    Attempt.save_until,
    Attempt.submitted_at,
    Attempt.score_units,
    Attempt.max_score,
    Attempt.duration_ms,
    Attempt.excused_ms,
    Attempt.prediction,
    Attempt.disqualified_at,
)


_SHEET = select(*_SHEET_COLUMNS).where(Attempt.id == bindparam("attempt_id"))
_SHEET_ITEMS = (
    select(
        AttemptItem.position,
        AttemptItem.question_version_id,
        AttemptItem.option_order,
        AttemptItem.choices,
        AttemptItem.saved_at,
        AttemptItem.score_units,
    )
    .where(AttemptItem.attempt_id == bindparam("attempt_id"))
    .order_by(AttemptItem.position)
)


def _round_of(session: Session, attempt: Attempt | Sheet) -> Round:
    round_ = session.get(Round, attempt.round_id)
    assert round_ is not None
    return round_


def in_progress(session: Session, round_: Round, student: Person) -> Attempt | None:
    return session.scalar(
        select(Attempt).where(
            Attempt.round_id == round_.id,
            Attempt.student_id == student.id,
            Attempt.status == AttemptStatus.IN_PROGRESS.value,
        )
    )


def attempts_of(session: Session, round_: Round, student: Person) -> list[Attempt]:
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


def start(
    session: Session, round_: Round | RoundView, student: Person, address: str | None = None
) -> Started:
    """Start an attempt, or return the one in progress (``address``: where the start
    came from, kept for the ``crowd`` integrity signal).

    Raises Forbidden for non-students and Conflict when the round is not open
    or no attempt is left. The student's paper drawn ahead becomes the attempt
    when there is one at the round's current revision (its key is returned, to
    open the copy sealed in the student's browser); otherwise the set is drawn
    now. The round may be a view up to a second old: every value the start
    takes from it is checked against the round's row by the statement itself.
    """
    if not student.has_role(Role.STUDENT):
        raise Forbidden(_l("Only students take rounds."))
    moment = now()
    try:
        times = _times(round_, terms_of(round_, None), moment, address)
        started = _start_from_paper(session, round_, student, times)
    except IntegrityError:
        # An attempt in progress, or the paper's number taken: the careful way below.
        session.rollback()
        started = None
    if started is None:
        view = round_view(session, round_.id)
        started = _start_carefully(session, view, student, moment, address)
    else:
        _note_first_start(session, round_, moment)
    if started.created:
        monitor.count("starts")
    return started


def _times(
    round_: Round | RoundView, terms: Terms, moment: datetime, address: str | None
) -> dict[str, Any]:
    deadline = terms.deadline(moment)
    return {
        "address": address[:45] if address else None,
        "started_at": moment,
        "deadline": deadline,
        "save_until": deadline + timedelta(seconds=round_.grace_seconds),
        "revision": round_.paper_revision,
        "time_limit": round_.time_limit_seconds,
        "grace": round_.grace_seconds,
        "closes_at": round_.closes_at,
    }


def _start_carefully(
    session: Session, round_: RoundView, student: Person, moment: datetime, address: str | None
) -> Started:
    """The start with every case told apart: in progress, expired, closed, used up;
    by the student's own terms when an override gives them some."""
    terms = terms_for(session, round_, student.id, student.university_id)
    mine = (
        session.connection().execute(_MINE, {"round_id": round_.id, "student_id": student.id}).all()
    )
    current = next((a for a in mine if a.status == AttemptStatus.IN_PROGRESS.value), None)
    if current is not None:
        if moment <= current.save_until:
            return Started(current.id, current.number, False)
        attempt = session.get(Attempt, current.id)
        assert attempt is not None
        finalize_if_expired(session, attempt, _round_of(session, attempt))
    status = terms.status_at(moment)
    if status is not RoundStatus.OPEN:
        message = (
            _l("This round has not opened yet.")
            if status is RoundStatus.UPCOMING
            else _l("This round is closed.")
        )
        raise Conflict(message, code="round_not_open")
    if len(mine) >= terms.max_attempts:
        raise Conflict(_l("You have no attempts left in this round."), code="no_attempts_left")
    number = len(mine) + 1
    times = _times(round_, terms, moment, address)
    personal = terms.override is not None
    try:
        started = _start_from_paper(
            session, round_, student, times, number=number, personal=personal
        )
        if started is None:
            # A paper drawn for another attempt number is of no use any more.
            session.connection().execute(
                _PAPER_USED, {"the_round": round_.id, "the_student": student.id, "moment": moment}
            )
            started = Started(
                _start_with_new_draw(session, round_, student, number, times), number, True
            )
    except IntegrityError:
        # A racing start of the same student won (unique in-progress attempt or
        # number): nothing of this request is worth keeping, so start afresh.
        session.rollback()
        winner = in_progress(session, round_, student)
        if winner is None:
            raise Conflict(
                _l("You have no attempts left in this round."), code="no_attempts_left"
            ) from None
        return Started(winner.id, winner.number, False)
    _note_first_start(session, round_, moment)
    return started


def _note_first_start(session: Session, round_: Round | RoundView, moment: datetime) -> None:
    """Keep on the round when its first student started (its settings are fixed then)."""
    if round_.first_started_at is None:
        session.connection().execute(_FIRST_START, {"round_id": round_.id, "moment": moment})


_MINE = select(Attempt.id, Attempt.number, Attempt.status, Attempt.save_until).where(
    Attempt.round_id == bindparam("round_id"), Attempt.student_id == bindparam("student_id")
)
_FIRST_START = (
    update(Round.__table__)
    .where(Round.id == bindparam("round_id"), Round.first_started_at.is_(None))
    .values(first_started_at=bindparam("moment", type_=UTCDateTime()))
)
_THE_PAPER = (
    Paper.round_id == bindparam("the_round"),
    Paper.student_id == bindparam("the_student"),
    Paper.used_at.is_(None),
)


@functools.cache
def _attempt_from_paper(numbered: bool, personal: bool = False) -> Any:
    """The attempt made from the student's paper: the paper at the round's revision
    (and for the attempt number asked, when ``numbered``), the round's row still
    what the deadline was computed from, and the round open to a student without an
    override. ``personal``: the student's own terms were read afresh and checked by
    the caller (an override's window and attempts are theirs, not the round's)."""
    rules = [
        *_THE_PAPER,
        Round.paper_revision == bindparam("revision"),
        Round.time_limit_seconds == bindparam("time_limit"),
        Round.grace_seconds == bindparam("grace"),
    ]
    if not personal:
        rules += [
            Round.closes_at == bindparam("closes_at", type_=UTCDateTime()),
            Round.opens_at <= bindparam("started_at", type_=UTCDateTime()),
            Round.closes_at > bindparam("started_at", type_=UTCDateTime()),
            Paper.number <= Round.max_attempts,
            # A student with an override (theirs or their university's) starts the careful
            # way, by their own terms: two index probes, nothing read for anyone else.
            ~exists().where(
                RoundOverride.round_id == Paper.round_id,
                or_(
                    RoundOverride.student_id == Paper.student_id,
                    RoundOverride.university_id == bindparam("the_university"),
                ),
            ),
        ]
    if numbered:
        rules.append(Paper.number == bindparam("number"))
    made = select(
        Paper.round_id,
        Paper.student_id,
        Paper.number,
        literal(AttemptStatus.IN_PROGRESS.value),
        Paper.seed,
        Paper.max_score,
        literal(1),
        bindparam("started_at", type_=UTCDateTime()),
        bindparam("deadline", type_=UTCDateTime()),
        bindparam("save_until", type_=UTCDateTime()),
        bindparam("address", type_=String()),
    ).join(Round, (Round.id == Paper.round_id) & (Round.paper_revision == Paper.revision))
    columns = ["round_id", "student_id", "number", "status", "seed", "max_score"]
    columns += ["last_position", "started_at", "deadline", "save_until", "start_address"]
    return (
        insert(Attempt)
        .from_select(columns, made.where(*rules))
        .returning(Attempt.id, Attempt.number)
    )


_ITEMS_FROM_PAPER = insert(AttemptItem).from_select(
    ["attempt_id", "position", "question_version_id", "option_order", "choices"],
    select(
        bindparam("attempt_id"),
        PaperItem.position,
        PaperItem.question_version_id,
        PaperItem.option_order,
        cast(literal("[]"), JSON),
    )
    .join(Paper, Paper.id == PaperItem.paper_id)
    .where(*_THE_PAPER),
)
_PAPER_USED = (
    update(Paper.__table__)
    .where(*_THE_PAPER)
    .values(used_at=bindparam("moment", type_=UTCDateTime()))
)
_PAPER_TAKEN = _PAPER_USED.returning(Paper.key)


def _start_from_paper(
    session: Session,
    round_: Round | RoundView,
    student: Person,
    times: dict[str, Any],
    *,
    number: int | None = None,
    personal: bool = False,
) -> Started | None:
    """Turn the student's paper into the attempt (for attempt ``number`` when given);
    None when there is no usable paper."""
    connection = session.connection()
    which = {"the_round": round_.id, "the_student": student.id}
    values = {**which, **times, "the_university": student.university_id}
    if number is not None:
        values["number"] = number
    made = connection.execute(_attempt_from_paper(number is not None, personal), values).first()
    if made is None:
        return None
    connection.execute(_ITEMS_FROM_PAPER, {**which, "attempt_id": made.id})
    key = connection.execute(_PAPER_TAKEN, {**which, "moment": times["started_at"]}).scalar()
    return Started(int(made.id), int(made.number), True, key, times["deadline"])


def _start_with_new_draw(
    session: Session,
    round_: Round | RoundView,
    student: Person,
    number: int,
    times: dict[str, Any],
) -> int:
    seed = secrets.randbits(31)
    try:
        full = round_ if isinstance(round_, Round) else session.get(Round, round_.id)
        assert full is not None
        drawn = draw_questions(session, blueprint_pool(session, full), seed)
    except ValueError:
        # Retiring questions is refused while a round needs them; this is the last guard.
        raise Conflict(
            _l("This round cannot start right now. Please tell the organisers."),
            code="round_unfillable",
        ) from None
    connection = session.connection()
    attempt_id = connection.execute(
        insert(Attempt)
        .values(
            round_id=round_.id,
            student_id=student.id,
            number=number,
            status=AttemptStatus.IN_PROGRESS.value,
            seed=seed,
            max_score=sum(question.version.points for question in drawn),
            last_position=1,
            started_at=times["started_at"],
            deadline=times["deadline"],
            save_until=times["save_until"],
            start_address=times["address"],
        )
        .returning(Attempt.id)
    ).scalar_one()
    connection.execute(insert(AttemptItem), _item_rows(attempt_id, drawn))
    return int(attempt_id)


def _item_rows(attempt_id: int, drawn: list[DrawnQuestion]) -> list[dict[str, Any]]:
    return [
        {
            "attempt_id": attempt_id,
            "position": question.position,
            "question_version_id": question.version.id,
            "option_order": question.option_order,
            "choices": [],
        }
        for question in drawn
    ]


def sheet(session: Session, attempt_id: int, person: Person) -> Sheet:
    """The attempt, for its student or an organiser (NotFound for anyone else).

    An attempt past its last save instant is finalized on the way (lazily).
    """
    connection = session.connection()
    which = {"attempt_id": attempt_id}
    row = connection.execute(_SHEET, which).first()
    if row is None or not (row.student_id == person.id or person.has_role(Role.ORGANISER)):
        raise NotFound(_l("This attempt does not exist."), code="not_found")
    if row.status == AttemptStatus.IN_PROGRESS.value and now() > row.save_until:
        attempt = session.get(Attempt, attempt_id)
        assert attempt is not None
        finalize_if_expired(session, attempt, _round_of(session, attempt))
        row = session.connection().execute(_SHEET, which).one()
    items = session.connection().execute(_SHEET_ITEMS, which).all()
    views = cache.versions(session, [item.question_version_id for item in items])
    return Sheet(
        *row,
        items=[
            SheetItem(
                item.position,
                views[item.question_version_id],
                list(item.option_order),
                list(item.choices or []),
                item.saved_at,
                item.score_units,
            )
            for item in items
        ],
    )


def get_attempt(session: Session, attempt_id: int, user: Person) -> Attempt:
    """The attempt as a model, for its student or an organiser (404 for anyone else);
    expired ones are finalized on the way (lazily)."""
    attempt = session.get(Attempt, attempt_id)
    if attempt is None or not (attempt.student_id == user.id or user.has_role(Role.ORGANISER)):
        raise NotFound(_l("This attempt does not exist."), code="not_found")
    finalize_if_expired(session, attempt, _round_of(session, attempt))
    return attempt


def late_limit(attempt: Attempt | Sheet) -> datetime:
    """The last instant a save counts: deadline + grace."""
    return attempt.save_until


def remaining_seconds(deadline: datetime, moment: datetime | None = None) -> int:
    """Whole seconds left before ``deadline`` (never negative)."""
    left = (deadline - (moment or now())).total_seconds()
    return max(0, math.ceil(left))


_ATTEMPTS = Attempt.__table__
_ITEMS = AttemptItem.__table__
_VERSIONS = QuestionVersion.__table__


@functools.cache
def _guarded_save(choices: int) -> Any:
    """The save's one statement for ``choices`` options chosen (built once per count).

    It states every rule: the student's own attempt, in progress, not past its
    ``save_until``; the item at that position; each choice one of the item's
    options (an id never holds a quote: ``"a"`` is found in the JSON list of
    ids, wildcards escaped); several only for a multiple-answer question. The
    attempt row gets a shared lock: saves of one attempt go on side by side, and
    finalizing (an UPDATE of that row) waits for them.
    """
    open_attempt = (
        select(_ATTEMPTS.c.id)
        .where(
            _ATTEMPTS.c.id == bindparam("the_attempt"),
            _ATTEMPTS.c.student_id == bindparam("the_student"),
            _ATTEMPTS.c.status == AttemptStatus.IN_PROGRESS.value,
            _ATTEMPTS.c.save_until >= bindparam("now", type_=UTCDateTime()),
        )
        .with_for_update(read=True)
    )
    ids = cast(_ITEMS.c.option_order, String)
    rules = [
        _ITEMS.c.attempt_id == bindparam("the_attempt"),
        _ITEMS.c.position == bindparam("the_position"),
        exists(open_attempt),
        *(ids.like(bindparam(f"option_{n}"), escape="/") for n in range(choices)),
    ]
    if choices > 1:
        rules.append(
            exists().where(
                _VERSIONS.c.id == _ITEMS.c.question_version_id, _VERSIONS.c.kind == "multiple"
            )
        )
    deadline = select(_ATTEMPTS.c.deadline).where(_ATTEMPTS.c.id == bindparam("the_attempt"))
    return (
        update(_ITEMS)
        .where(*rules)
        .values(
            choices=bindparam("new_choices", type_=JSON()),
            saved_at=bindparam("now", type_=UTCDateTime()),
        )
        .returning(deadline.scalar_subquery())
    )


def save_answer(
    session: Session, attempt_id: int, student: Person, position: int, choices: list[str]
) -> tuple[datetime, datetime]:
    """Store the answer at ``position`` (the last save counts; ``[]`` clears it).

    Returns when it was saved and the attempt's deadline. Raises NotFound (not
    the student's attempt, no such position), Conflict (finalized, or past
    deadline + grace) or InvalidInput (an option the item does not have, or
    several for a single-answer question); nothing is stored then.
    """
    moment = now()
    unique = list(dict.fromkeys(choices))
    if len(unique) > MAX_CHOICES or not all(OPTION_ID.match(c) for c in unique):
        raise InvalidInput({"choices": _l("This question has no such option.")})
    values: dict[str, Any] = {
        "the_attempt": attempt_id,
        "the_student": student.id,
        "the_position": position,
        "now": moment,
        "new_choices": unique,
    }
    for n, choice in enumerate(unique):
        values[f"option_{n}"] = '%"' + choice.replace("_", "/_") + '"%'
    deadline = session.connection().execute(_guarded_save(len(unique)), values).scalar()
    if deadline is None:
        _refuse_save(session, attempt_id, student, position, unique, moment)
    return moment, deadline


def _refuse_save(
    session: Session,
    attempt_id: int,
    student: Person,
    position: int,
    choices: list[str],
    moment: datetime,
) -> None:
    """Say why a guarded save stored nothing (raises)."""
    attempt = session.execute(
        select(Attempt.student_id, Attempt.status, Attempt.save_until).where(
            Attempt.id == attempt_id
        )
    ).first()
    if attempt is None or attempt.student_id != student.id:
        raise NotFound(_l("This attempt does not exist."))
    if attempt.status != AttemptStatus.IN_PROGRESS.value:
        raise Conflict(
            _l("This attempt is already finished: answers can no longer change."),
            code="attempt_finalized",
        )
    if moment > attempt.save_until:
        raise Conflict(
            _l("The time is up: this answer arrived too late and was not saved."),
            code="deadline_passed",
        )
    item = session.execute(
        select(AttemptItem.option_order, AttemptItem.question_version_id).where(
            AttemptItem.attempt_id == attempt_id, AttemptItem.position == position
        )
    ).first()
    if item is None:
        raise NotFound(_l("This question is not part of the attempt."))
    if any(choice not in item.option_order for choice in choices):
        raise InvalidInput({"choices": _l("This question has no such option.")})
    raise InvalidInput({"choices": _l("This question takes a single answer.")})


def finalize_if_expired(session: Session, attempt: Attempt, round_: Round) -> bool:
    """Finalize an unsubmitted attempt past deadline + grace; True if it is final now."""
    if attempt.status != AttemptStatus.IN_PROGRESS.value:
        return True
    if now() <= late_limit(attempt):
        return False
    finalize(session, attempt, round_, AttemptStatus.EXPIRED, submitted_at=None)
    return True


def submit(session: Session, attempt_id: int, student: Person, prediction: int | None) -> Attempt:
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
        items = session.execute(
            select(AttemptItem.id, AttemptItem.question_version_id, AttemptItem.choices).where(
                AttemptItem.attempt_id == attempt.id
            )
        ).all()
        views = cache.versions(session, [item.question_version_id for item in items])
        scores = []
        for item in items:
            view = views[item.question_version_id]
            units = item_units(
                view.kind,
                view.points,
                view.correct_ids(),
                item.choices or [],
                round_.multiple_choice_policy,
            )
            scores.append({"id": item.id, "score_units": units})
        if scores:
            # One executemany UPDATE by primary key.
            session.execute(update(AttemptItem), scores)
        session.execute(
            update(Attempt)
            .where(Attempt.id == attempt.id)
            .values(
                score_units=sum(score["score_units"] for score in scores),
                duration_ms=duration_ms(attempt, submitted_at),
            )
            .execution_options(synchronize_session=False)
        )
        session.flush()
        session.refresh(attempt)
        standings.record_attempt(session, attempt)
        monitor.count("submissions" if status is AttemptStatus.SUBMITTED else "expiries")
        return
    session.refresh(attempt)


def duration_ms(attempt: Attempt, submitted_at: datetime | None) -> int:
    """For ranking: ``max(0, min(submitted_at, deadline) - started_at - excused_ms)``."""
    end = min(submitted_at or attempt.deadline, attempt.deadline)
    taken = int((end - attempt.started_at) / timedelta(milliseconds=1))
    return max(0, taken - attempt.excused_ms)


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


def review_allowed(
    attempt: Attempt | Sheet, round_: Round | RoundView, moment: datetime | None = None
) -> bool:
    """Whether the student may now see correct answers and explanations
    (contest-operations.md, When correct answers may be shown).

    ``immediately``: once the attempt is final, on a practice round only (a ranked
    round kept from before that rule waits like ``after_close``); ``after_close``:
    after the round's last save instant, when no save of anyone counts any more.
    """
    if attempt.status == AttemptStatus.IN_PROGRESS.value or round_.review == Review.NEVER.value:
        return False
    if round_.review == Review.IMMEDIATELY.value and not round_.ranked:
        return True
    return (moment or now()) > last_save_instant(round_)


def topic_breakdown(session: Session, attempt_id: int) -> list[tuple[dict[str, str], int, int]]:
    """Per topic of the attempt's questions: (the topic's names, units scored, points
    possible), in the bank's order of topics. Only shown once review is allowed: it
    tells which answers were right."""
    rows = session.execute(
        select(
            Topic.name,
            func.coalesce(func.sum(AttemptItem.score_units), 0),
            func.sum(QuestionVersion.points),
        )
        .join(QuestionVersion, QuestionVersion.id == AttemptItem.question_version_id)
        .join(Question, Question.id == QuestionVersion.question_id)
        .join(Topic, Topic.id == Question.topic_id)
        .where(AttemptItem.attempt_id == attempt_id)
        # Grouped by the topic's key alone: its name and slug follow from it (a JSON
        # column cannot be grouped on PostgreSQL).
        .group_by(Topic.id)
        .order_by(Topic.slug)
    ).all()
    return [(dict(name), int(units), int(points)) for name, units, points in rows]
