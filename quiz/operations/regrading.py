"""Regrading one question of a round (contest-operations.md, Regrading).

An organiser picks a question of a closed round and one action: ``rekey`` (score
every attempt against another version of it: a corrected key or points),
``neutralise`` (everyone who had it gets its full points) or ``drop`` (it counts
for nobody: out of the score and of the maximum). A dry run comes first and writes
nothing: when every student has one attempt at the round it scores the attempts
and ranks the board with the new scores in memory (the board's own ordering);
otherwise (a best-of or last-of round, where the attempt that counts may change)
it does the whole work inside a savepoint that is then rolled back. Applying is
one transaction: item scores, attempt scores and maxima, the regrade in force (one
per question and round; a second replaces the first, computed from the answers, so
applying twice gives one result), every standing through the standings' own path
(so the kept standings equal ``quiz leaderboard rebuild``), a note per attempt and
the audit entry.

Regrading waits for the round's last save instant: every attempt is final then,
and no attempt can still be scored by the old key afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from quiz.attempts import adjustments
from quiz.attempts import services as attempts
from quiz.attempts.models import SCORE_UNIT, Attempt, AttemptItem, AttemptStatus, Regrade
from quiz.attempts.scoring import item_units
from quiz.audit.services import record
from quiz.bank import cache
from quiz.bank.cache import VersionView
from quiz.bank.models import Question, QuestionVersion
from quiz.clock import now
from quiz.errors import Conflict, InvalidInput
from quiz.operations import analysis
from quiz.results import services as results
from quiz.rounds.models import Round
from quiz.rounds.overrides import reason_errors
from quiz.rounds.services import get_round, last_save_instant, lock_round
from quiz.standings import batch, boards
from quiz.standings import services as standings
from quiz.standings.boards import StudentEntry

ACTIONS = ("rekey", "neutralise", "drop")
#: How many of the board's first entries the dry run shows before and after.
TOP = 20


@dataclass(frozen=True)
class RegradeData:
    """What to do to which question (the bank's id), and why."""

    question_id: str
    action: str
    reason: str
    #: For ``rekey``: the version number to score against (the current one if None).
    version: int | None = None


@dataclass(frozen=True)
class Outcome:
    attempts_affected: int
    scores_up: int
    scores_down: int
    rank_changes: int
    top_before: list[StudentEntry]
    top_after: list[StudentEntry]
    applied: bool


@dataclass(frozen=True)
class _Item:
    id: int
    attempt_id: int
    student_id: int
    version_id: int
    choices: list[str]
    units: int
    attempt_units: int
    max_score: int


def regrade(
    session: Session, round_id: int, data: RegradeData, *, dry_run: bool, actor_id: int | None
) -> Outcome:
    """Regrade one question of a round, or (``dry_run``) show what it would change.

    Raises InvalidInput (unknown action or question, a question the round never had,
    a version that does not fit, no reason) or Conflict (the round not past its last
    save instant; its results official, for applying; another regrade of the question
    applied at the same moment), in both cases changing nothing.
    """
    round_ = get_round(session, round_id)
    question, version = _check(session, round_, data)
    if now() <= last_save_instant(round_):
        raise Conflict(
            _l("A question is regraded once the round's last save instant has passed."),
            code="round_running",
        )
    if not dry_run:
        # Official results change only once reopened (a dry run may look first).
        lock_round(session, round_.id)
        session.refresh(round_)
        results.refuse_if_official(round_)
    _finalize_expired(session, round_)
    before = _board(session, round_)
    if dry_run and _one_attempt_each(session, round_):
        # Each student's entry is their one attempt: its new score is all that moves.
        changed = _apply(session, round_, question, version, data, actor_id, write=False)
        new_scores = {attempt_id: new for attempt_id, (_old, new) in changed.items()}
        after = boards.round_board_rescored(session, round_.id, new_scores) if round_.ranked else []
    else:
        changed, after = _applied(session, round_, question, version, data, actor_id, dry_run)
    if not dry_run:
        adjustments.add_notes_each(
            session,
            "regrade",
            data.reason.strip(),
            {
                attempt_id: {
                    "question": question.key,
                    "action": data.action,
                    "before": old,
                    "after": new,
                }
                for attempt_id, (old, new) in changed.items()
                if old != new
            },
        )
    ranks_before = {entry.student_id: entry.rank for entry in before}
    outcome = Outcome(
        attempts_affected=len(changed),
        scores_up=sum(1 for old, new in changed.values() if new > old),
        scores_down=sum(1 for old, new in changed.values() if new < old),
        rank_changes=sum(1 for e in after if ranks_before.get(e.student_id) != e.rank)
        + len(set(ranks_before) - {e.student_id for e in after}),
        top_before=before[:TOP],
        top_after=after[:TOP],
        applied=not dry_run,
    )
    if not dry_run:
        record(
            session,
            actor_id,
            "operations.regrade",
            f"round:{round_.id}",
            question=question.key,
            regrade=data.action,
            version=version.number if version is not None else None,
            attempts=outcome.attempts_affected,
            scores_up=outcome.scores_up,
            scores_down=outcome.scores_down,
            rank_changes=outcome.rank_changes,
            reason=data.reason.strip(),
        )
    return outcome


def _check(
    session: Session, round_: Round, data: RegradeData
) -> tuple[Question, QuestionVersion | None]:
    errors: dict[str, Any] = dict(reason_errors(data.reason))
    if data.action not in ACTIONS:
        errors["action"] = _l("Choose rekey, neutralise or drop.")
    question = session.scalar(select(Question).where(Question.key == data.question_id.strip()))
    pinned = [] if question is None else _pinned_versions(session, round_, question)
    if not pinned:
        errors["question_id"] = _l("No finalized attempt of this round had this question.")
    version = None
    if question is not None and pinned and data.action == "rekey":
        number = data.version
        version = session.scalar(
            select(QuestionVersion).where(
                QuestionVersion.question_id == question.id,
                QuestionVersion.number == number
                if number is not None
                else QuestionVersion.id == question.current_version_id,
            )
        )
        if version is None:
            errors["version"] = _l("This question has no such version.")
        else:
            views = cache.versions(session, [*pinned, version.id])
            options = set(views[version.id].option_ids())
            if any(set(views[v].option_ids()) != options for v in pinned):
                errors["version"] = _l(
                    "This version's options are not the ones the students saw: the answers "
                    "cannot be scored against it."
                )
    if errors:
        raise InvalidInput(errors)
    assert question is not None
    return question, version


def _pinned_versions(session: Session, round_: Round, question: Question) -> list[int]:
    """The versions of ``question`` the round's attempts were served."""
    return list(
        session.scalars(
            select(AttemptItem.question_version_id)
            .join(Attempt, Attempt.id == AttemptItem.attempt_id)
            .join(QuestionVersion, QuestionVersion.id == AttemptItem.question_version_id)
            .where(Attempt.round_id == round_.id, QuestionVersion.question_id == question.id)
            .distinct()
        )
    )


def _applied(
    session: Session,
    round_: Round,
    question: Question,
    version: QuestionVersion | None,
    data: RegradeData,
    actor_id: int | None,
    dry_run: bool,
) -> tuple[dict[int, tuple[int, int]], list[StudentEntry]]:
    """Apply the regrade (inside a savepoint rolled back afterwards, for a dry run);
    the attempts' (old, new) scores and the board after it."""
    savepoint = session.begin_nested() if dry_run else None
    try:
        changed = _apply(session, round_, question, version, data, actor_id)
        return changed, _board(session, round_)
    except IntegrityError:
        raise Conflict(
            _l("Another regrade of this question was applied at the same moment: look again."),
            code="regrade_raced",
        ) from None
    finally:
        if savepoint is not None:
            savepoint.rollback()
            standings.discard_pending(session)


def _one_attempt_each(session: Session, round_: Round) -> bool:
    """Whether no student has more than one finalized attempt at the round."""
    several = (
        select(Attempt.student_id)
        .where(Attempt.round_id == round_.id, Attempt.status != AttemptStatus.IN_PROGRESS.value)
        .group_by(Attempt.student_id)
        .having(func.count() > 1)
        .limit(1)
    )
    return session.scalar(several) is None


def _finalize_expired(session: Session, round_: Round) -> None:
    """Attempts past their last save instant are scored before anything is regraded."""
    for attempt_id in session.scalars(
        select(Attempt.id).where(
            Attempt.round_id == round_.id, Attempt.status == AttemptStatus.IN_PROGRESS.value
        )
    ).all():
        attempts.close_expired(session, attempt_id)


def _board(session: Session, round_: Round) -> list[StudentEntry]:
    if not round_.ranked:
        return []
    entries, _total = boards.round_board(session, round_.id, limit=10**7)
    return entries


_ITEM_SCORE = (
    update(AttemptItem.__table__)
    .where(AttemptItem.id == bindparam("the_item"))
    .values(score_units=bindparam("new_units"))
)
_ATTEMPT_SCORE = (
    update(Attempt.__table__)
    .where(Attempt.id == bindparam("the_attempt"))
    .values(score_units=bindparam("new_units"), max_score=bindparam("new_max"))
)


def _apply(
    session: Session,
    round_: Round,
    question: Question,
    version: QuestionVersion | None,
    data: RegradeData,
    actor_id: int | None,
    *,
    write: bool = True,
) -> dict[int, tuple[int, int]]:
    """Score every attempt that had the question by the new regrade (only compute it,
    unless ``write``); each attempt's (old, new) score in units."""
    if write:
        # A second organiser's regrade waits here, then reads what the first one left.
        lock_round(session, round_.id)
    in_force = select(Regrade).where(
        Regrade.round_id == round_.id, Regrade.question_id == question.id
    )
    previous = session.scalar(in_force.with_for_update() if write else in_force)
    items = _items(session, round_, question)
    wanted = {item.version_id for item in items}
    if previous is not None and previous.version_id is not None:
        wanted.add(previous.version_id)
    if version is not None:
        wanted.add(version.id)
    views = cache.versions(session, list(wanted))
    old_rule = (previous.action, previous.version_id) if previous else (None, None)
    new_rule = (data.action, version.id if version else None)
    item_rows, attempt_rows, changed = [], [], {}
    for item in items:
        pinned = views[item.version_id]
        units = _units(new_rule, pinned, views, item.choices, round_.multiple_choice_policy)
        points_then = _points(old_rule, pinned, views)
        points_now = _points(new_rule, pinned, views)
        new_score = item.attempt_units - item.units + units
        item_rows.append({"the_item": item.id, "new_units": units})
        attempt_rows.append(
            {
                "the_attempt": item.attempt_id,
                "new_units": new_score,
                "new_max": item.max_score - points_then + points_now,
            }
        )
        changed[item.attempt_id] = (item.attempt_units, new_score)
    if not write:
        return changed
    connection = session.connection()
    if item_rows:
        connection.execute(_ITEM_SCORE, item_rows)
        connection.execute(_ATTEMPT_SCORE, attempt_rows)
    if previous is None:
        previous = Regrade(round_id=round_.id, question_id=question.id)
        session.add(previous)
    previous.action = data.action
    previous.version_id = version.id if version else None
    previous.reason = data.reason.strip()
    previous.actor_id = actor_id
    previous.at = now()
    session.flush()
    # The scores were changed by statements: what the session holds of them is old.
    session.expire_all()
    batch.refresh_students(session, round_, {item.student_id for item in items})
    standings.count_prediction(session, round_, actor_id=actor_id)  # full marks may move
    analysis.forget(session, round_.id)
    return changed


def _items(session: Session, round_: Round, question: Question) -> list[_Item]:
    rows = session.execute(
        select(
            AttemptItem.id,
            AttemptItem.attempt_id,
            Attempt.student_id,
            AttemptItem.question_version_id,
            AttemptItem.choices,
            AttemptItem.score_units,
            Attempt.score_units,
            Attempt.max_score,
        )
        .join(Attempt, Attempt.id == AttemptItem.attempt_id)
        .join(QuestionVersion, QuestionVersion.id == AttemptItem.question_version_id)
        .where(
            Attempt.round_id == round_.id,
            QuestionVersion.question_id == question.id,
            Attempt.status != AttemptStatus.IN_PROGRESS.value,
        )
        .order_by(Attempt.id)
        .with_for_update(of=Attempt)
    ).all()
    return [
        _Item(r[0], r[1], r[2], r[3], list(r[4] or []), r[5] or 0, r[6] or 0, r[7]) for r in rows
    ]


def _units(
    rule: tuple[str | None, int | None],
    pinned: VersionView,
    views: dict[int, VersionView],
    choices: list[str],
    policy: str,
) -> int:
    action, version_id = rule
    if action == "drop":
        return 0
    if action == "neutralise":
        return pinned.points * SCORE_UNIT
    scored = views[version_id] if action == "rekey" and version_id else pinned
    return item_units(scored.kind, scored.points, scored.correct_ids(), choices, policy)


def _points(
    rule: tuple[str | None, int | None], pinned: VersionView, views: dict[int, VersionView]
) -> int:
    """What the question adds to an attempt's maximum under ``rule``."""
    action, version_id = rule
    if action == "drop":
        return 0
    if action == "rekey" and version_id:
        return views[version_id].points
    return pinned.points


def questions_of(session: Session, round_id: int) -> list[str]:
    """The bank ids of every question the round's attempts were served, in order."""
    return list(
        session.scalars(
            select(Question.key)
            .join(QuestionVersion, QuestionVersion.question_id == Question.id)
            .join(AttemptItem, AttemptItem.question_version_id == QuestionVersion.id)
            .join(Attempt, Attempt.id == AttemptItem.attempt_id)
            .where(Attempt.round_id == round_id)
            .distinct()
            .order_by(Question.key)
        )
    )
