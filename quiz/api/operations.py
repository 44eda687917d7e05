"""Contest operations for organisers (contest-operations.md): overrides, incidents, regrading."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask_login import current_user
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from quiz.accounts.models import Role
from quiz.api.base import api_role_required, bp, iso, parse_body
from quiz.api.openapi import documented
from quiz.api.rounds import FIRST_YEAR, LAST_YEAR
from quiz.attempts.models import SCORE_UNIT
from quiz.db import get_session, writes_on_get
from quiz.operations import analysis, regrading, services
from quiz.operations.regrading import RegradeData
from quiz.rounds.overrides import MAX_EXTRA_ATTEMPTS, MAX_EXTRA_SECONDS, MAX_REASON, OverrideData
from quiz.rounds.services import get_round
from quiz.standings.boards import StudentEntry


def _in_the_contest_era(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValueError("an instant between the years 2000 and 2999")
    return value.astimezone(UTC)


class OverrideIn(BaseModel):
    """Exactly one of ``email`` and ``university_code``; at least one change; a reason."""

    model_config = ConfigDict(extra="forbid")
    email: str | None = Field(default=None, max_length=254)
    university_code: str | None = Field(default=None, max_length=16)
    extra_seconds: int = Field(default=0, ge=0, le=MAX_EXTRA_SECONDS)
    opens_at: AwareDatetime | None = None
    closes_at: AwareDatetime | None = None
    extra_attempts: int = Field(default=0, ge=0, le=MAX_EXTRA_ATTEMPTS)
    reason: str = Field(max_length=MAX_REASON)

    _era = field_validator("opens_at", "closes_at")(_in_the_contest_era)


class OverrideOut(BaseModel):
    id: int
    round_id: int
    student_id: int | None
    university_id: int | None
    extra_seconds: int
    opens_at: str | None
    closes_at: str | None
    extra_attempts: int
    reason: str
    attempts_moved: int = Field(description="Attempts in progress that got a new deadline")


class IncidentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    minutes: int = Field(ge=1, le=services.MAX_INCIDENT_MINUTES)
    reason: str = Field(max_length=MAX_REASON)
    university_code: str | None = Field(default=None, max_length=16)
    started_before: AwareDatetime | None = None
    dry_run: bool = Field(default=False, description="true: only count the attempts")

    _era = field_validator("started_before")(_in_the_contest_era)


class IncidentOut(BaseModel):
    attempts: int = Field(description="Attempts extended (or, in a dry run, that would be)")
    applied: bool


@bp.post("/rounds/<int:round_id>/overrides")
@api_role_required(Role.ORGANISER)
@documented(
    "post",
    "/api/v1/rounds/{round_id}/overrides",
    "Set the override of one student or one university on a round (organisers)",
    body=OverrideIn,
    responses={201: OverrideOut},
    errors=(400, 403, 404, 409, 422),
    auth=True,
)
def set_override(round_id: int) -> Any:
    body = parse_body(OverrideIn)
    session = get_session()
    who = services.target(session, email=body.email, university_code=body.university_code)
    data = OverrideData(
        reason=body.reason,
        extra_seconds=body.extra_seconds,
        opens_at=body.opens_at,
        closes_at=body.closes_at,
        extra_attempts=body.extra_attempts,
    )
    override, moved = services.set_override(session, round_id, who, data, actor_id=current_user.id)
    return OverrideOut(
        id=override.id,
        round_id=override.round_id,
        student_id=override.student_id,
        university_id=override.university_id,
        extra_seconds=override.extra_seconds,
        opens_at=iso(override.opens_at),
        closes_at=iso(override.closes_at),
        extra_attempts=override.extra_attempts,
        reason=override.reason,
        attempts_moved=moved,
    ).model_dump(), 201


@bp.post("/rounds/<int:round_id>/incidents")
@api_role_required(Role.ORGANISER)
@documented(
    "post",
    "/api/v1/rounds/{round_id}/incidents",
    "Give time back to the attempts running after an incident (organisers)",
    body=IncidentIn,
    responses={200: IncidentOut},
    errors=(400, 403, 404, 422),
    auth=True,
)
def incident(round_id: int) -> Any:
    body = parse_body(IncidentIn)
    touched = services.give_time_back(
        get_session(),
        round_id,
        body.minutes,
        body.reason,
        university_code=body.university_code,
        started_before=body.started_before,
        dry_run=body.dry_run,
        actor_id=current_user.id,
    )
    return {"attempts": touched, "applied": not body.dry_run}


class RegradeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    question_id: str = Field(min_length=1, max_length=64)
    action: str = Field(description="rekey, neutralise or drop")
    version: int | None = Field(default=None, ge=1, le=2**31 - 1, description="for rekey")
    reason: str = Field(max_length=MAX_REASON)
    dry_run: bool = Field(default=True, description="false: apply it")


class BoardEntryOut(BaseModel):
    rank: int
    display_name: str
    university_code: str
    score: float


class RegradeOut(BaseModel):
    attempts_affected: int
    scores_up: int
    scores_down: int
    rank_changes: int
    top_before: list[BoardEntryOut]
    top_after: list[BoardEntryOut]
    applied: bool


def _entries(entries: list[StudentEntry]) -> list[dict[str, Any]]:
    return [
        {
            "rank": e.rank,
            "display_name": e.display_name,
            "university_code": e.university_code,
            "score": round(e.score_units / SCORE_UNIT, 2),
        }
        for e in entries
    ]


@bp.post("/rounds/<int:round_id>/regrade")
@api_role_required(Role.ORGANISER)
@documented(
    "post",
    "/api/v1/rounds/{round_id}/regrade",
    "Regrade one question of a round: a dry run, or applied (organisers)",
    body=RegradeIn,
    responses={200: RegradeOut},
    errors=(400, 403, 404, 409, 422),
    auth=True,
)
def regrade(round_id: int) -> Any:
    body = parse_body(RegradeIn)
    outcome = regrading.regrade(
        get_session(),
        round_id,
        RegradeData(body.question_id, body.action, body.reason, body.version),
        dry_run=body.dry_run,
        actor_id=current_user.id,
    )
    return {
        "attempts_affected": outcome.attempts_affected,
        "scores_up": outcome.scores_up,
        "scores_down": outcome.scores_down,
        "rank_changes": outcome.rank_changes,
        "top_before": _entries(outcome.top_before),
        "top_after": _entries(outcome.top_after),
        "applied": outcome.applied,
    }


class OptionShareOut(BaseModel):
    id: str
    share: float
    upper: float | None
    lower: float | None


class QuestionAnalysisOut(BaseModel):
    question_id: str
    version: int
    n: int
    facility: float
    discrimination: float | None = Field(description="null when n < 30")
    point_biserial: float | None
    blank: float
    options: list[OptionShareOut]
    flags: list[str]


class AnalysisOut(BaseModel):
    attempts: int
    mean: float | None
    median: float | None
    sd: float | None
    kr20: float | None = Field(description="null unless every attempt had the same questions")
    questions: list[QuestionAnalysisOut]


def _n(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


@bp.get("/rounds/<int:round_id>/analysis")
@writes_on_get
@api_role_required(Role.ORGANISER)
@documented(
    "get",
    "/api/v1/rounds/{round_id}/analysis",
    "Item analysis of a round, its questions most likely wrong first (organisers)",
    responses={200: AnalysisOut},
    errors=(403, 404),
    auth=True,
)
def item_analysis(round_id: int) -> Any:
    session = get_session()
    result = analysis.of_round(session, get_round(session, round_id))
    return {
        "attempts": result.attempts,
        "mean": _n(result.mean),
        "median": _n(result.median),
        "sd": _n(result.sd),
        "kr20": _n(result.kr20),
        "questions": [
            {
                "question_id": q.question_id,
                "version": q.version,
                "n": q.n,
                "facility": _n(q.facility),
                "discrimination": _n(q.discrimination),
                "point_biserial": _n(q.point_biserial),
                "blank": _n(q.blank),
                "options": [
                    {"id": o.id, "share": _n(o.share), "upper": _n(o.upper), "lower": _n(o.lower)}
                    for o in q.options
                ],
                "flags": q.flags,
            }
            for q in result.questions
        ],
    }
