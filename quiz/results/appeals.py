"""Appeals (contest-operations.md, Results): during the window a student files at most
one appeal per question of their own finalized attempt; organisers answer each, by
accepting it with the regrade in force on that question or rejecting it with a
reason the student reads. Organisers see them grouped by question (many appeals on
one question are a signal); coordinators see their own students'."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from quiz.accounts.models import User
from quiz.attempts.models import Attempt, AttemptItem, AttemptStatus, Regrade
from quiz.audit.services import record
from quiz.bank.models import Question, QuestionVersion
from quiz.clock import now
from quiz.errors import Conflict, InvalidInput, NotFound
from quiz.results import services
from quiz.results.models import APPEAL_MAX_CHARS, Appeal, AppealStatus
from quiz.rounds.services import get_round

STATUS_LABELS = {
    AppealStatus.OPEN.value: _l("waiting for an answer"),
    AppealStatus.ACCEPTED.value: _l("accepted: the question was regraded"),
    AppealStatus.REJECTED.value: _l("rejected"),
}


def file(session: Session, attempt_id: int, position: int, text: str, *, student_id: int) -> Appeal:
    """The student's appeal against question ``position`` of their attempt."""
    text = (text or "").strip()
    if not text:
        raise InvalidInput({"text": _l("Say what is wrong with the question or its key.")})
    if len(text) > APPEAL_MAX_CHARS:
        raise InvalidInput({"text": _l("At most %(most)d characters.", most=APPEAL_MAX_CHARS)})
    attempt = session.get(Attempt, attempt_id)
    if attempt is None or attempt.student_id != student_id:
        raise NotFound(_l("This attempt does not exist."))
    if attempt.status == AttemptStatus.IN_PROGRESS.value:
        raise Conflict(_l("Finish the attempt before appealing."), code="attempt_running")
    round_ = get_round(session, attempt.round_id)
    if not services.appeals_open(round_):
        raise Conflict(_l("Appeals are not open for this round."), code="appeals_closed")
    item = session.execute(
        select(AttemptItem.id, QuestionVersion.question_id)
        .join(QuestionVersion, QuestionVersion.id == AttemptItem.question_version_id)
        .where(AttemptItem.attempt_id == attempt_id, AttemptItem.position == position)
    ).first()
    if item is None:
        raise NotFound(_l("This attempt has no such question."))
    if session.scalar(select(Appeal.id).where(Appeal.item_id == item.id)):
        raise Conflict(_l("You already appealed this question."), code="appeal_exists")
    appeal = Appeal(
        round_id=round_.id,
        attempt_id=attempt_id,
        item_id=item.id,
        student_id=student_id,
        question_id=item.question_id,
        position=position,
        text=text,
        created_at=now(),
        status=AppealStatus.OPEN.value,
    )
    try:
        with session.begin_nested():
            session.add(appeal)
    except IntegrityError:
        raise Conflict(_l("You already appealed this question."), code="appeal_exists") from None
    return appeal


def answer(
    session: Session,
    round_id: int,
    appeal_ids: list[int],
    decision: str,
    reason: str,
    *,
    actor_id: int | None,
) -> list[Appeal]:
    """Accept (with the regrade in force on their question) or reject open appeals of
    one round, with a reason their students read."""
    reason = (reason or "").strip()
    errors = {}
    if decision not in ("accept", "reject"):
        errors["decision"] = _l("Choose accept or reject.")
    if not reason:
        errors["reason"] = _l("Give a reason: the students read it.")
    elif len(reason) > APPEAL_MAX_CHARS:
        errors["reason"] = _l("At most %(most)d characters.", most=APPEAL_MAX_CHARS)
    if not appeal_ids:
        errors["appeals"] = _l("Choose at least one appeal.")
    if errors:
        raise InvalidInput(errors)
    round_ = services.locked_round(session, round_id)
    services.refuse_if_official(round_)
    appeals = list(
        session.scalars(
            select(Appeal)
            .where(Appeal.round_id == round_id, Appeal.id.in_(appeal_ids))
            # Read again under the round's lock: another organiser may just have answered.
            .execution_options(populate_existing=True)
        )
    )
    if len(appeals) != len(set(appeal_ids)):
        raise InvalidInput({"appeals": _l("One of these appeals is not of this round.")})
    if any(a.status != AppealStatus.OPEN.value for a in appeals):
        raise Conflict(_l("One of these appeals was already answered."), code="appeal_answered")
    actions: dict[int, str] = {}
    if decision == "accept":
        actions = dict(
            session.execute(
                select(Regrade.question_id, Regrade.action).where(
                    Regrade.round_id == round_id,
                    Regrade.question_id.in_({a.question_id for a in appeals}),
                )
            ).all()
        )
        if any(a.question_id not in actions for a in appeals):
            raise Conflict(
                _l(
                    "An appeal is accepted with a regrade: regrade the question first "
                    "(dry run, then apply), then accept."
                ),
                code="no_regrade",
            )
    moment = now()
    for appeal in appeals:
        appeal.status = (
            AppealStatus.ACCEPTED.value if decision == "accept" else AppealStatus.REJECTED.value
        )
        appeal.answer = reason
        appeal.regrade_action = actions.get(appeal.question_id)
        appeal.answered_at = moment
        appeal.answered_by = actor_id
    record(
        session,
        actor_id,
        "results.appeals_answered",
        f"round:{round_id}",
        decision=decision,
        appeals=sorted(a.id for a in appeals),
        reason=reason,
    )
    session.flush()
    return appeals


@dataclass
class Row:
    """An appeal as the queue and the coordinator's page show it."""

    appeal: Appeal
    student_name: str
    university: str
    university_id: int | None
    question_key: str


@dataclass
class QuestionGroup:
    question_id: int
    key: str
    rows: list[Row] = field(default_factory=list)
    #: The regrade in force on the question, if any (accepting needs one).
    regrade: str | None = None

    @property
    def waiting(self) -> int:
        return sum(1 for r in self.rows if r.appeal.status == AppealStatus.OPEN.value)


def _rows(session: Session, *conditions: object) -> list[Row]:
    from quiz.universities.models import University

    found = session.execute(
        select(Appeal, User.full_name, University.code, User.university_id, Question.key)
        .join(User, User.id == Appeal.student_id)
        .outerjoin(University, University.id == User.university_id)
        .join(Question, Question.id == Appeal.question_id)
        .where(*conditions)
        .order_by(Appeal.created_at, Appeal.id)
    ).all()
    return [Row(a, name, code or "", university, key) for a, name, code, university, key in found]


def rows_of_round(session: Session, round_id: int, appeal_id: int | None = None) -> list[Row]:
    """The round's appeals, the oldest first (only ``appeal_id``, if given)."""
    conditions = [Appeal.round_id == round_id]
    if appeal_id is not None:
        conditions.append(Appeal.id == appeal_id)
    return _rows(session, *conditions)


def queue(session: Session, round_id: int) -> list[QuestionGroup]:
    """The round's appeals by question: the questions with the most waiting first."""
    groups: dict[int, QuestionGroup] = {}
    for row in rows_of_round(session, round_id):
        group = groups.setdefault(
            row.appeal.question_id, QuestionGroup(row.appeal.question_id, row.question_key)
        )
        group.rows.append(row)
    regrades = dict(
        session.execute(
            select(Regrade.question_id, Regrade.action).where(Regrade.round_id == round_id)
        ).all()
    )
    for group in groups.values():
        group.regrade = regrades.get(group.question_id)
    return sorted(groups.values(), key=lambda g: (-g.waiting, -len(g.rows), g.key))


def of_university(session: Session, university_id: int) -> list[Row]:
    """Every appeal of the university's students, the newest first."""
    return list(reversed(_rows(session, User.university_id == university_id)))


def of_attempt(session: Session, attempt_id: int) -> dict[int, Appeal]:
    """The attempt's appeals by the question's position."""
    found = session.scalars(select(Appeal).where(Appeal.attempt_id == attempt_id))
    return {appeal.position: appeal for appeal in found}


def of_student_in_round(session: Session, student_id: int, round_id: int) -> list[Appeal]:
    return list(
        session.scalars(
            select(Appeal)
            .where(Appeal.student_id == student_id, Appeal.round_id == round_id)
            .order_by(Appeal.created_at)
        )
    )
