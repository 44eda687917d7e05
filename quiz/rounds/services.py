"""Round rules: creating and changing rounds, checking blueprints against the bank.

A blueprint the bank cannot fill is refused when the round is saved, naming
the line, so that a student never meets that error. Once a round has an
attempt, only its title may change and its closing time may move later.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from quiz.attempts.drawing import unfillable_line
from quiz.attempts.models import Attempt
from quiz.audit.services import record
from quiz.bank.models import Question, Status, Topic
from quiz.bank.schema import DIFFICULTIES
from quiz.clock import now
from quiz.errors import Conflict, InvalidInput, NotFound
from quiz.rounds.models import AttemptPolicy, MultipleChoicePolicy, Review, Round


@dataclass
class BlueprintLine:
    count: int
    topic: str | None = None
    difficulty: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"topic": self.topic, "difficulty": self.difficulty, "count": self.count}


@dataclass
class RoundData:
    """Everything a round is made of (contest-rules.md); defaults are the rules' defaults."""

    title: dict[str, str]
    opens_at: datetime
    closes_at: datetime
    time_limit_seconds: int
    blueprint: list[BlueprintLine]
    grace_seconds: int = 10
    max_attempts: int = 1
    attempt_policy: str = AttemptPolicy.BEST.value
    multiple_choice_policy: str = MultipleChoicePolicy.ALL_OR_NOTHING.value
    review: str = Review.AFTER_CLOSE.value
    leaderboard_freeze_at: datetime | None = None
    prediction_text: dict[str, str] | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def active_keys(session: Session, line: BlueprintLine) -> list[str]:
    """Keys of the active questions matching a blueprint line, in a stable order."""
    statement = select(Question.key).where(Question.status == Status.ACTIVE.value)
    if line.topic:
        statement = statement.join(Topic).where(Topic.slug == line.topic)
    if line.difficulty:
        statement = statement.where(Question.difficulty == line.difficulty)
    return list(session.scalars(statement.order_by(Question.key)))


def blueprint_availability(session: Session, lines: list[BlueprintLine]) -> list[int]:
    """How many active questions match each line (shown in the blueprint editor)."""
    return [len(active_keys(session, line)) for line in lines]


def check_blueprint(session: Session, lines: list[BlueprintLine]) -> None:
    """Raise InvalidInput naming the first line the bank cannot fill."""
    if not lines:
        raise InvalidInput({"blueprint": _l("A round needs at least one blueprint line.")})
    topics = set(session.scalars(select(Topic.slug)))
    for number, line in enumerate(lines, start=1):
        if line.count < 1:
            raise InvalidInput(
                {"blueprint": _l("Line %(n)d: the count must be at least 1.", n=number)}
            )
        if line.topic and line.topic not in topics:
            raise InvalidInput(
                {
                    "blueprint": _l(
                        "Line %(n)d: unknown topic %(topic)s.", n=number, topic=line.topic
                    )
                }
            )
        if line.difficulty and line.difficulty not in DIFFICULTIES:
            raise InvalidInput(
                {
                    "blueprint": _l(
                        "Line %(n)d: unknown difficulty %(level)s.", n=number, level=line.difficulty
                    )
                }
            )
    candidates = [(active_keys(session, line), line.count) for line in lines]
    index = unfillable_line(candidates)
    if index is not None:
        raise InvalidInput(
            {
                "blueprint": _l(
                    "Line %(n)d: the bank cannot fill it (%(count)d questions wanted, "
                    "%(available)d active questions match, some of them taken by other lines).",
                    n=index + 1,
                    count=lines[index].count,
                    available=len(candidates[index][0]),
                )
            }
        )


def check_rounds_still_fillable(session: Session) -> None:
    """Raise InvalidInput if a round not yet closed can no longer be drawn from the bank.

    Called after the bank changes (retire, import): a student must never meet
    a round that cannot start.
    """
    moment = now()
    for round_ in session.scalars(select(Round).where(Round.closes_at > moment)):
        lines = [
            BlueprintLine(int(x["count"]), x.get("topic"), x.get("difficulty"))
            for x in round_.blueprint
        ]
        try:
            check_blueprint(session, lines)
        except InvalidInput as error:
            raise InvalidInput(
                {
                    "bank": _l(
                        "Round %(title)s would no longer have enough questions: %(problem)s",
                        title=round_.title.get("vi", ""),
                        problem=error.message,
                    )
                }
            ) from None


def _check_values(data: RoundData) -> None:
    errors: dict[str, Any] = {}
    if not (data.title.get("vi") or "").strip():
        errors["title"] = _l("The round needs a Vietnamese title.")
    if data.closes_at <= data.opens_at:
        errors["closes_at"] = _l("The round must close after it opens.")
    if data.time_limit_seconds < 1:
        errors["time_limit_seconds"] = _l("The time limit must be at least one second.")
    if data.grace_seconds < 0:
        errors["grace_seconds"] = _l("The grace period cannot be negative.")
    if data.max_attempts < 1:
        errors["max_attempts"] = _l("A round allows at least one attempt.")
    if data.attempt_policy not in {p.value for p in AttemptPolicy}:
        errors["attempt_policy"] = _l("Unknown attempt policy.")
    if data.multiple_choice_policy not in {p.value for p in MultipleChoicePolicy}:
        errors["multiple_choice_policy"] = _l("Unknown multiple-choice policy.")
    if data.review not in {r.value for r in Review}:
        errors["review"] = _l("Unknown review rule.")
    elif data.review == Review.IMMEDIATELY.value and data.max_attempts > 1:
        errors["review"] = _l(
            "Answers shown as soon as a student finishes would help them in their next "
            "attempt: with several attempts, show answers after the round closes."
        )
    if errors:
        raise InvalidInput(errors)


def _apply(round_: Round, data: RoundData) -> None:
    round_.title = {k: v for k, v in data.title.items() if v}
    round_.opens_at = data.opens_at
    round_.closes_at = data.closes_at
    round_.time_limit_seconds = data.time_limit_seconds
    round_.grace_seconds = data.grace_seconds
    round_.blueprint = [line.as_dict() for line in data.blueprint]
    round_.max_attempts = data.max_attempts
    round_.attempt_policy = data.attempt_policy
    round_.multiple_choice_policy = data.multiple_choice_policy
    round_.review = data.review
    round_.leaderboard_freeze_at = data.leaderboard_freeze_at
    round_.prediction_text = data.prediction_text or None


def create_round(session: Session, data: RoundData, *, actor_id: int | None) -> Round:
    """Create a round after checking every value and the blueprint against the bank."""
    _check_values(data)
    check_blueprint(session, data.blueprint)
    round_ = Round(created_by=actor_id)
    _apply(round_, data)
    session.add(round_)
    session.flush()
    record(session, actor_id, "rounds.create", f"round:{round_.id}", title=round_.title)
    return round_


def has_attempts(session: Session, round_: Round) -> bool:
    return bool(session.scalar(select(exists().where(Attempt.round_id == round_.id))))


def update_round(
    session: Session, round_: Round, data: RoundData, *, actor_id: int | None
) -> Round:
    """Change a round; once it has an attempt, only the title and a later closing time."""
    _check_values(data)
    if has_attempts(session, round_):
        changed = _changed_fields(round_, data) - {"title", "closes_at"}
        if changed:
            raise Conflict(
                _l(
                    "Students have already started this round: only the title and a later "
                    "closing time may change (not %(fields)s).",
                    fields=", ".join(sorted(changed)),
                ),
                code="round_started",
            )
        if data.closes_at < round_.closes_at:
            raise Conflict(
                _l(
                    "Students have already started this round: its closing time "
                    "may only move later."
                ),
                code="round_started",
            )
    else:
        check_blueprint(session, data.blueprint)
    before = _changed_fields(round_, data)
    _apply(round_, data)
    session.flush()
    record(session, actor_id, "rounds.update", f"round:{round_.id}", changed=sorted(before))
    return round_


def _changed_fields(round_: Round, data: RoundData) -> set[str]:
    current = {
        "title": round_.title,
        "opens_at": round_.opens_at,
        "closes_at": round_.closes_at,
        "time_limit_seconds": round_.time_limit_seconds,
        "grace_seconds": round_.grace_seconds,
        "blueprint": round_.blueprint,
        "max_attempts": round_.max_attempts,
        "attempt_policy": round_.attempt_policy,
        "multiple_choice_policy": round_.multiple_choice_policy,
        "review": round_.review,
        "leaderboard_freeze_at": round_.leaderboard_freeze_at,
        "prediction_text": round_.prediction_text or None,
    }
    new = {
        "title": {k: v for k, v in data.title.items() if v},
        "opens_at": data.opens_at,
        "closes_at": data.closes_at,
        "time_limit_seconds": data.time_limit_seconds,
        "grace_seconds": data.grace_seconds,
        "blueprint": [line.as_dict() for line in data.blueprint],
        "max_attempts": data.max_attempts,
        "attempt_policy": data.attempt_policy,
        "multiple_choice_policy": data.multiple_choice_policy,
        "review": data.review,
        "leaderboard_freeze_at": data.leaderboard_freeze_at,
        "prediction_text": data.prediction_text or None,
    }
    return {key for key in current if current[key] != new[key]}


def get_round(session: Session, round_id: int) -> Round:
    round_ = session.get(Round, round_id)
    if round_ is None:
        raise NotFound(_l("This round does not exist."))
    return round_


def list_rounds(session: Session) -> list[Round]:
    """Every round, the soonest to open first."""
    return list(session.scalars(select(Round).order_by(Round.opens_at, Round.id)))


def round_data_of(round_: Round) -> RoundData:
    """A round's current values, to edit them."""
    return RoundData(
        title=dict(round_.title),
        opens_at=round_.opens_at,
        closes_at=round_.closes_at,
        time_limit_seconds=round_.time_limit_seconds,
        blueprint=[
            BlueprintLine(int(x["count"]), x.get("topic"), x.get("difficulty"))
            for x in round_.blueprint
        ],
        grace_seconds=round_.grace_seconds,
        max_attempts=round_.max_attempts,
        attempt_policy=round_.attempt_policy,
        multiple_choice_policy=round_.multiple_choice_policy,
        review=round_.review,
        leaderboard_freeze_at=round_.leaderboard_freeze_at,
        prediction_text=dict(round_.prediction_text) if round_.prediction_text else None,
    )


def status_now(round_: Round) -> str:
    return round_.status_at(now()).value
