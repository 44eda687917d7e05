"""Round rules: creating and changing rounds, checking blueprints against the bank,
drawing a question set from a blueprint.

A blueprint the bank cannot fill is refused when the round is saved, naming
the line, so that a student never meets that error. Once a student has
started, only the title may change and the closing time may move later.
A new blueprint, and every change of the bank's active questions, moves the
round's paper revision on: question sets drawn ahead for it
(``quiz.attempts.papers``) are then drawn again.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from quiz.audit.services import record
from quiz.bank import cache
from quiz.bank.cache import VersionView
from quiz.bank.models import Question, Status, Topic
from quiz.bank.schema import DIFFICULTIES
from quiz.clock import now
from quiz.errors import Conflict, InvalidInput, NotFound
from quiz.rounds import drawing
from quiz.rounds.drawing import unfillable_line
from quiz.rounds.models import (
    AttemptPolicy,
    MultipleChoicePolicy,
    Review,
    Round,
    RoundStatus,
    window_status,
)


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
    #: ``full_marks``: the platform counts the prediction's true value.
    prediction_counts: str | None = None
    #: False: a practice round, in no standing (contest-operations.md, Practice rounds).
    ranked: bool = True
    extra: dict[str, Any] = field(default_factory=dict)


def _matching(line: BlueprintLine) -> Any:
    statement = select(Question.key, Question.current_version_id).where(
        Question.status == Status.ACTIVE.value
    )
    if line.topic:
        statement = statement.join(Topic).where(Topic.slug == line.topic)
    if line.difficulty:
        statement = statement.where(Question.difficulty == line.difficulty)
    return statement.order_by(Question.key)


def active_keys(session: Session, line: BlueprintLine) -> list[str]:
    """Keys of the active questions matching a blueprint line, in a stable order."""
    return [key for key, _version in session.execute(_matching(line))]


def lines_of(round_: Round) -> list[BlueprintLine]:
    return [
        BlueprintLine(int(x["count"]), x.get("topic"), x.get("difficulty"))
        for x in round_.blueprint
    ]


@dataclass
class Pool:
    """What a round's draws choose from: per blueprint line, the matching active
    questions (keys in a stable order) and how many to take; each key's current version."""

    lines: list[tuple[list[str], int]]
    versions: dict[str, int]


@dataclass(frozen=True)
class DrawnQuestion:
    """One question of a drawn set: its position, the pinned version, the shown order."""

    position: int
    version: VersionView
    option_order: list[str]


def blueprint_pool(session: Session, round_: Round) -> Pool:
    """The round's pool, read once for any number of draws (one query per line)."""
    lines: list[tuple[list[str], int]] = []
    versions: dict[str, int] = {}
    for line in lines_of(round_):
        rows = session.execute(_matching(line)).all()
        lines.append(([key for key, _v in rows], line.count))
        versions.update({key: version for key, version in rows if version is not None})
    return Pool(lines, versions)


def draw_questions(session: Session, pool: Pool, seed: int) -> list[DrawnQuestion]:
    """A question set drawn from ``pool`` (contest-rules.md, Drawing), reproducible from ``seed``.

    Raises ValueError when the pool cannot fill the blueprint (a round's
    blueprint is checked when it is saved and whenever the bank changes).
    """
    rng = random.Random(seed)
    keys = drawing.draw(pool.lines, rng)
    rng.shuffle(keys)
    views = cache.versions(session, [pool.versions[key] for key in keys])
    drawn = []
    for position, key in enumerate(keys, start=1):
        view = views[pool.versions[key]]
        order = view.option_ids()
        rng.shuffle(order)
        drawn.append(DrawnQuestion(position, view, order))
    return drawn


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


def bank_changed(session: Session) -> None:
    """The bank's active questions or current versions changed (import, edit, retire).

    Raises InvalidInput if a round not yet closed can no longer be drawn from
    the bank: a student must never meet a round that cannot start. Otherwise
    every such round's paper revision moves on, so that sets drawn ahead from
    the old bank are drawn again.
    """
    moment = now()
    for round_ in session.scalars(select(Round).where(Round.closes_at > moment)):
        try:
            check_blueprint(session, lines_of(round_))
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
    session.execute(
        update(Round)
        .where(Round.closes_at > moment)
        .values(paper_revision=Round.paper_revision + 1)
        .execution_options(synchronize_session="fetch")
    )


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
    elif data.review == Review.IMMEDIATELY.value and data.ranked:
        errors["review"] = _l(
            "A ranked round cannot show the answers as soon as a student finishes: students "
            "who finish could pass them to students still working. Show them after the "
            "round's last save instant, or make it a practice round."
        )
    if data.prediction_counts not in (None, PREDICTION_FULL_MARKS):
        errors["prediction"] = _l("The platform can count only the entries with full marks.")
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
    round_.prediction_counts = data.prediction_counts if data.prediction_text else None
    round_.ranked = data.ranked


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


def has_started(round_: Round) -> bool:
    """Whether a student has started the round (its settings are then fixed)."""
    return round_.first_started_at is not None


def update_round(
    session: Session, round_: Round, data: RoundData, *, actor_id: int | None
) -> Round:
    """Change a round; once a student has started, only the title and a later closing time.

    The round's row is locked first, so that the check and the change see the
    same state; a new blueprint gets its papers drawn ahead drawn again.
    """
    _check_values(data)
    session.refresh(round_, with_for_update=True)
    if has_started(round_):
        changed = _changed_fields(round_, data) - {"title", "closes_at"}
        if round_.review == Review.IMMEDIATELY.value and data.review != Review.IMMEDIATELY.value:
            changed.discard("review")  # keeping the answers back longer is always allowed
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
    changes = _changes(round_, data)
    before = set(changes)
    _apply(round_, data)
    if "blueprint" in before:
        # What a paper holds was drawn from the blueprint: draw them again. (The
        # other settings a start uses are checked against the round's row.)
        round_.paper_revision += 1
    session.flush()
    record(
        session,
        actor_id,
        "rounds.update",
        f"round:{round_.id}",
        changed=sorted(before),
        # What the audit log shows as "before -> after" (a blueprint: its lines).
        changes={key: [_as_json(old), _as_json(new)] for key, (old, new) in changes.items()},
    )
    return round_


def _changed_fields(round_: Round, data: RoundData) -> set[str]:
    return set(_changes(round_, data))


def _as_json(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def _changes(round_: Round, data: RoundData) -> dict[str, tuple[Any, Any]]:
    """Each setting the data changes: (before, after)."""
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
        "prediction_counts": round_.prediction_counts,
        "ranked": round_.ranked,
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
        "prediction_counts": data.prediction_counts if data.prediction_text else None,
        "ranked": data.ranked,
    }
    return {key: (current[key], new[key]) for key in current if current[key] != new[key]}


#: The prediction whose true value the platform counts: the entries with full marks.
PREDICTION_FULL_MARKS = "full_marks"


@dataclass(frozen=True, slots=True)
class RoundView:
    """What the contest's hot paths (start, attempt page) read of a round: a plain row."""

    id: int
    title: dict[str, str]
    opens_at: datetime
    closes_at: datetime
    time_limit_seconds: int
    grace_seconds: int
    max_attempts: int
    review: str
    prediction_text: dict[str, str] | None
    paper_revision: int
    first_started_at: datetime | None
    ranked: bool
    extended_until: datetime | None
    appeals_open_at: datetime | None
    appeals_close_at: datetime | None
    official_at: datetime | None

    def status_at(self, moment: datetime) -> RoundStatus:
        return window_status(self.opens_at, self.closes_at, moment)


_ROUND_VIEW = select(
    *(getattr(Round, name) for name in RoundView.__slots__)  # type: ignore[attr-defined]
).where(Round.id == bindparam("round_id"))


#: Round views this process read lately, by id: (when read, view).
_recent_views: dict[int, tuple[datetime, RoundView]] = {}


def round_view(session: Session, round_id: int, *, max_age: float = 0) -> RoundView:
    """The round as a plain row (NotFound when there is none).

    With ``max_age`` a view this process read less than that many seconds ago may
    be returned instead: for a start, whose statement checks every value it uses
    against the round's row (and reads it afresh when one differs).
    """
    moment = now()
    if max_age > 0:
        found = _recent_views.get(round_id)
        if found is not None and (moment - found[0]).total_seconds() < max_age:
            return found[1]
    row = session.connection().execute(_ROUND_VIEW, {"round_id": round_id}).first()
    if row is None:
        raise NotFound(_l("This round does not exist."))
    view = RoundView(*row)
    if len(_recent_views) > 1000:
        _recent_views.clear()
    _recent_views[round_id] = (moment, view)
    return view


def forget_round_views() -> None:
    """Forget the round views read lately (tests)."""
    _recent_views.clear()


def last_save_instant(round_: Round | RoundView) -> datetime:
    """After this instant no save of anyone can count any more (contest-operations.md):
    the round's closing time, or the latest personal closing time or deadline moved
    by an incident when later (``extended_until``), plus its grace."""
    last = max(round_.closes_at, round_.extended_until or round_.closes_at)
    return last + timedelta(seconds=round_.grace_seconds)


def get_round(session: Session, round_id: int) -> Round:
    round_ = session.get(Round, round_id)
    if round_ is None:
        raise NotFound(_l("This round does not exist."))
    return round_


def lock_round(session: Session, round_id: int) -> None:
    """Hold the round's row until the transaction ends: organisers' changes to one round
    (a regrade, a scan of signals, a decision) then happen one at a time (PostgreSQL;
    SQLite takes one writer anyway)."""
    session.execute(select(Round.id).where(Round.id == round_id).with_for_update())


def list_rounds(session: Session, *, ranked_only: bool = False) -> list[Round]:
    """Every round (only the ranked ones: those in standings), the soonest to open first."""
    statement = select(Round).order_by(Round.opens_at, Round.id)
    if ranked_only:
        statement = statement.where(Round.ranked.is_(True))
    return list(session.scalars(statement))


def ranked_round(session: Session, round_id: int) -> Round:
    """A round that has standings (NotFound for a practice round: it has none)."""
    round_ = get_round(session, round_id)
    if not round_.ranked:
        raise NotFound(_l("A practice round has no leaderboard."))
    return round_


def round_data_of(round_: Round) -> RoundData:
    """A round's current values, to edit them."""
    return RoundData(
        title=dict(round_.title),
        opens_at=round_.opens_at,
        closes_at=round_.closes_at,
        time_limit_seconds=round_.time_limit_seconds,
        blueprint=lines_of(round_),
        grace_seconds=round_.grace_seconds,
        max_attempts=round_.max_attempts,
        attempt_policy=round_.attempt_policy,
        multiple_choice_policy=round_.multiple_choice_policy,
        review=round_.review,
        leaderboard_freeze_at=round_.leaderboard_freeze_at,
        prediction_text=dict(round_.prediction_text) if round_.prediction_text else None,
        prediction_counts=round_.prediction_counts,
        ranked=round_.ranked,
    )


def status_now(round_: Round) -> str:
    return round_.status_at(now()).value
