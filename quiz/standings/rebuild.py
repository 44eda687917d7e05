"""Rebuilding every standing from the attempts in a few set-based statements.

``quiz leaderboard rebuild`` uses this; it must agree exactly with the
standings kept one attempt at a time (a property test checks both against a
plain reference). It runs in seconds on a million attempts, where replaying
each attempt would take hours.
"""

from __future__ import annotations

from sqlalchemy import Integer, String, case, delete, func, insert, literal, or_, select
from sqlalchemy.orm import Session

from quiz.accounts.models import User
from quiz.attempts.models import Attempt, AttemptStatus
from quiz.rounds.models import AttemptPolicy, Round
from quiz.standings.aggregates import top_n, verification_required
from quiz.standings.models import (
    NO_PREDICTION,
    OVERALL,
    PUBLIC,
    VIEWS,
    OverallStanding,
    RoundStanding,
    ScoreLevel,
    UniversityStanding,
)
from quiz.standings.services import discard_pending


def _counted(view: str):  # type: ignore[no-untyped-def]
    """Each (round, student)'s counted attempt, as a subquery with its ordering keys."""
    ended = func.coalesce(Attempt.submitted_at, Attempt.deadline)
    # A round without a prediction question stores SQL NULL or JSON null.
    no_question = func.coalesce(func.cast(Round.prediction_text, String()), "null") == "null"
    error = case(
        (or_(no_question, Round.prediction_value.is_(None)), literal(0)),
        (Attempt.prediction.is_(None), literal(NO_PREDICTION)),
        else_=func.abs(Attempt.prediction - Round.prediction_value),
    )
    is_last = Round.attempt_policy == AttemptPolicy.LAST.value
    order = [
        # "last": the highest number first; "best": the contest's ladder.
        case((is_last, -Attempt.number), else_=literal(0)),
        case((is_last, literal(0)), else_=-Attempt.score_units),
        case((is_last, literal(0)), else_=error),
        case((is_last, literal(0)), else_=Attempt.duration_ms),
        ended,
        Attempt.id,
    ]
    # Practice rounds and disqualified attempts appear in no standing.
    conditions = [
        Attempt.status != AttemptStatus.IN_PROGRESS.value,
        Attempt.disqualified_at.is_(None),
        Round.ranked.is_(True),
    ]
    if view == PUBLIC:
        published = or_(
            Round.leaderboard_freeze_at.is_(None), Round.results_published_at.is_not(None)
        )
        conditions.append(or_(published, ended <= Round.leaderboard_freeze_at))
    ranked = (
        select(
            Attempt.id.label("attempt_id"),
            Attempt.round_id,
            Attempt.student_id,
            User.university_id,
            Attempt.score_units,
            error.label("prediction_error"),
            Attempt.duration_ms,
            ended.label("ended_at"),
            func.row_number()
            .over(partition_by=(Attempt.round_id, Attempt.student_id), order_by=order)
            .label("place"),
        )
        .join(Round, Round.id == Attempt.round_id)
        .join(User, User.id == Attempt.student_id)
        .where(*conditions)
        .subquery()
    )
    return ranked


def rebuild(session: Session) -> int:
    """Replace every standing by one recomputed from attempts; return the round standings."""
    discard_pending(session)  # superseded by the recount below
    for model in (RoundStanding, OverallStanding, UniversityStanding, ScoreLevel):
        session.execute(delete(model))
    for view in VIEWS:
        counted = _counted(view)
        session.execute(
            insert(RoundStanding).from_select(
                [
                    "view",
                    "round_id",
                    "student_id",
                    "university_id",
                    "attempt_id",
                    "score_units",
                    "prediction_error",
                    "duration_ms",
                    "ended_at",
                ],
                select(
                    literal(view),
                    counted.c.round_id,
                    counted.c.student_id,
                    counted.c.university_id,
                    counted.c.attempt_id,
                    func.coalesce(counted.c.score_units, 0),
                    counted.c.prediction_error,
                    func.coalesce(counted.c.duration_ms, 0),
                    counted.c.ended_at,
                ).where(counted.c.place == 1),
            )
        )
        session.execute(
            insert(OverallStanding).from_select(
                ["view", "student_id", "university_id", "total_units", "duration_ms", "rounds"],
                select(
                    literal(view),
                    RoundStanding.student_id,
                    func.min(RoundStanding.university_id),
                    func.sum(RoundStanding.score_units),
                    func.sum(RoundStanding.duration_ms),
                    func.count(),
                )
                .where(RoundStanding.view == view)
                .group_by(RoundStanding.student_id),
            )
        )
        _universities(session, view)
        _levels(session, view)
    session.flush()
    return (
        session.scalar(
            select(func.count()).select_from(RoundStanding).where(RoundStanding.view == VIEWS[0])
        )
        or 0
    )


def _levels(session: Session, view: str) -> None:
    """Each board's histogram: entries per score, per round and overall."""
    round_scope = literal("round:") + func.cast(RoundStanding.round_id, String())
    session.execute(
        insert(ScoreLevel).from_select(
            ["view", "scope", "score_units", "entries"],
            select(literal(view), round_scope, RoundStanding.score_units, func.count())
            .where(RoundStanding.view == view)
            .group_by(RoundStanding.round_id, RoundStanding.score_units),
        )
    )
    session.execute(
        insert(ScoreLevel).from_select(
            ["view", "scope", "score_units", "entries"],
            select(literal(view), literal(OVERALL), OverallStanding.total_units, func.count())
            .where(OverallStanding.view == view)
            .group_by(OverallStanding.total_units),
        )
    )


def _universities(session: Session, view: str) -> None:
    """Participants, total and top-N sum per university, per round and overall."""
    round_scope = literal("round:") + func.cast(RoundStanding.round_id, String())
    per_round = select(
        round_scope.label("scope"),
        RoundStanding.university_id,
        RoundStanding.student_id,
        RoundStanding.score_units.label("value"),
    ).where(RoundStanding.view == view)
    overall = select(
        literal(OVERALL).label("scope"),
        OverallStanding.university_id,
        OverallStanding.student_id,
        OverallStanding.total_units.label("value"),
    ).where(OverallStanding.view == view)
    if verification_required():
        per_round = per_round.join(User, User.id == RoundStanding.student_id).where(
            User.verification == "confirmed"
        )
        overall = overall.join(User, User.id == OverallStanding.student_id).where(
            User.verification == "confirmed"
        )
    values = per_round.union_all(overall).subquery()
    placed = select(
        values.c.scope,
        values.c.university_id,
        values.c.value,
        func.row_number()
        .over(partition_by=(values.c.scope, values.c.university_id), order_by=values.c.value.desc())
        .label("place"),
    ).subquery()
    top = func.sum(case((placed.c.place <= top_n(), placed.c.value), else_=literal(0)))
    session.execute(
        insert(UniversityStanding).from_select(
            ["view", "scope", "university_id", "participants", "total_units", "top_n_units"],
            select(
                literal(view),
                placed.c.scope,
                placed.c.university_id,
                func.count(),
                func.sum(placed.c.value),
                func.cast(top, Integer),
            ).group_by(placed.c.scope, placed.c.university_id),
        )
    )
