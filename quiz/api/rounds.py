"""Rounds: listing (anyone) and creating (organisers)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from flask_babel import get_locale
from flask_login import current_user
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from quiz.accounts.models import Role
from quiz.api.base import api_role_required, bp, iso, page_args, parse_body
from quiz.api.openapi import documented
from quiz.db import get_session
from quiz.i18n import localized
from quiz.rounds import services
from quiz.rounds.models import Round
from quiz.rounds.services import BlueprintLine, RoundData

Texts = str | dict[str, str]
FIRST_YEAR, LAST_YEAR = 2000, 2999


class BlueprintLineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    topic: str | None = None
    difficulty: str | None = None
    count: int = Field(ge=1, le=200)


class PredictionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: Texts
    counts: Literal["full_marks"] | None = Field(
        default=None,
        description="full_marks: the platform counts the true value (entries with full marks)",
    )


class RoundIn(BaseModel):
    """The round object of spec/api.md; omitted fields take contest-rules.md's defaults."""

    model_config = ConfigDict(extra="forbid")
    title: Texts
    opens_at: AwareDatetime
    closes_at: AwareDatetime
    time_limit_seconds: int = Field(ge=1, le=24 * 3600)
    grace_seconds: int = Field(default=10, ge=0, le=600)
    blueprint: list[BlueprintLineIn] = Field(min_length=1, max_length=50)
    max_attempts: int = Field(default=1, ge=1, le=100)
    attempt_policy: str = "best"
    multiple_choice_policy: str = "all_or_nothing"
    review: str = "after_close"
    leaderboard_freeze_at: AwareDatetime | None = None
    prediction: PredictionIn | None = None
    ranked: bool = Field(default=True, description="false: a practice round, in no standing")

    @field_validator("opens_at", "closes_at", "leaderboard_freeze_at")
    @classmethod
    def within_the_contest_era(cls, value: datetime | None) -> datetime | None:
        """Instants the calendar and the database can hold, in UTC (years 2000 to 2999)."""
        if value is None:
            return None
        if not FIRST_YEAR <= value.year <= LAST_YEAR:
            raise ValueError("an instant between the years 2000 and 2999")
        return value.astimezone(UTC)


class RoundSummary(BaseModel):
    id: int
    title: str
    opens_at: str
    closes_at: str
    time_limit_seconds: int
    question_count: int
    max_attempts: int
    status: str


class RoundList(BaseModel):
    rounds: list[RoundSummary]
    total: int


class RoundOut(BaseModel):
    id: int
    title: dict[str, str]
    opens_at: str
    closes_at: str
    time_limit_seconds: int
    grace_seconds: int
    blueprint: list[BlueprintLineIn]
    max_attempts: int
    attempt_policy: str
    multiple_choice_policy: str
    review: str
    leaderboard_freeze_at: str | None
    prediction: PredictionIn | None
    question_count: int
    status: str
    ranked: bool


def texts(value: Texts) -> dict[str, str]:
    return {"vi": value} if isinstance(value, str) else dict(value)


def utc(value: datetime | None) -> datetime | None:
    return value.astimezone(UTC) if value is not None else None


def round_data(body: RoundIn) -> RoundData:
    return RoundData(
        title=texts(body.title),
        opens_at=utc(body.opens_at),
        closes_at=utc(body.closes_at),
        time_limit_seconds=body.time_limit_seconds,
        blueprint=[
            BlueprintLine(line.count, line.topic, line.difficulty) for line in body.blueprint
        ],
        grace_seconds=body.grace_seconds,
        max_attempts=body.max_attempts,
        attempt_policy=body.attempt_policy,
        multiple_choice_policy=body.multiple_choice_policy,
        review=body.review,
        leaderboard_freeze_at=utc(body.leaderboard_freeze_at),
        prediction_text=texts(body.prediction.text) if body.prediction else None,
        prediction_counts=body.prediction.counts if body.prediction else None,
        ranked=body.ranked,
    )


def summary(round_: Round, locale: str) -> dict[str, Any]:
    return RoundSummary(
        id=round_.id,
        title=localized(round_.title, locale),
        opens_at=iso(round_.opens_at),
        closes_at=iso(round_.closes_at),
        time_limit_seconds=round_.time_limit_seconds,
        question_count=round_.question_count,
        max_attempts=round_.max_attempts,
        status=services.status_now(round_),
    ).model_dump()


def full(round_: Round) -> dict[str, Any]:
    return RoundOut(
        id=round_.id,
        title=round_.title,
        opens_at=iso(round_.opens_at),
        closes_at=iso(round_.closes_at),
        time_limit_seconds=round_.time_limit_seconds,
        grace_seconds=round_.grace_seconds,
        blueprint=[BlueprintLineIn(**line) for line in round_.blueprint],
        max_attempts=round_.max_attempts,
        attempt_policy=round_.attempt_policy,
        multiple_choice_policy=round_.multiple_choice_policy,
        review=round_.review,
        leaderboard_freeze_at=iso(round_.leaderboard_freeze_at),
        prediction=PredictionIn(text=round_.prediction_text, counts=round_.prediction_counts)
        if round_.prediction_text
        else None,
        question_count=round_.question_count,
        status=services.status_now(round_),
        ranked=round_.ranked,
    ).model_dump()


@bp.get("/rounds")
@documented(
    "get",
    "/api/v1/rounds",
    "List rounds with their state",
    responses={200: RoundList},
    errors=(422,),
    query=(("limit", "integer"), ("offset", "integer")),
)
def list_rounds() -> Any:
    limit, offset = page_args()
    rounds = services.list_rounds(get_session())
    locale = str(get_locale() or "vi")
    return {
        "rounds": [summary(r, locale) for r in rounds[offset : offset + limit]],
        "total": len(rounds),
    }


@bp.post("/rounds")
@api_role_required(Role.ORGANISER)
@documented(
    "post",
    "/api/v1/rounds",
    "Create a round (organisers)",
    body=RoundIn,
    responses={201: RoundOut},
    errors=(400, 403, 409, 422),
    auth=True,
)
def create_round() -> Any:
    body = parse_body(RoundIn)
    round_ = services.create_round(get_session(), round_data(body), actor_id=current_user.id)
    return full(round_), 201
