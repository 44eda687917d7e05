"""Results' state and appeals (contest-operations.md, Results): a student's appeal, the
organisers' window, answers, official results and reopening."""

from __future__ import annotations

from datetime import UTC
from typing import Any, Literal

from flask import request
from flask_login import current_user
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from quiz.accounts.models import Role
from quiz.api.base import api_role_required, bp, iso, parse_body
from quiz.api.openapi import documented
from quiz.api.rounds import RoundOut, full
from quiz.db import get_session
from quiz.results import appeals, practice, services
from quiz.results.models import APPEAL_MAX_CHARS, Appeal
from quiz.rounds.models import Round
from quiz.rounds.services import get_round


class ResultsOut(BaseModel):
    state: str | None = Field(
        description="running, provisional or official; null for a practice round"
    )
    appeals_open_at: str | None
    appeals_close_at: str | None
    appeals_open: bool
    official_at: str | None


class AppealIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    position: int = Field(ge=1, le=1000, description="The question's place in the attempt")
    text: str = Field(max_length=APPEAL_MAX_CHARS)


class AppealOut(BaseModel):
    id: int
    round_id: int
    attempt_id: int
    position: int
    question_id: str
    text: str
    status: str = Field(description="open, accepted or rejected")
    answer: str | None = Field(description="The organisers' reason, which the student reads")
    regrade: str | None = Field(description="The regrade it was accepted with")
    created_at: str
    answered_at: str | None


class AppealsOut(BaseModel):
    appeals: list[AppealOut]


class AnswerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    appeals: list[int] = Field(min_length=1, max_length=10_000)
    decision: Literal["accept", "reject"]
    reason: str = Field(max_length=APPEAL_MAX_CHARS)


class WindowIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    hours: int = Field(
        default=services.DEFAULT_APPEAL_HOURS,
        ge=0,
        le=services.MAX_APPEAL_HOURS,
        description="From now; 0 closes the window now",
    )


class PracticeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    opens_at: AwareDatetime
    closes_at: AwareDatetime


class ReopenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(max_length=services.REASON_MAX_CHARS)


def results_of(round_: Any) -> dict[str, Any]:
    state = services.state_of(round_)
    return ResultsOut(
        state=state.value if state else None,
        appeals_open_at=iso(round_.appeals_open_at),
        appeals_close_at=iso(round_.appeals_close_at),
        appeals_open=services.appeals_open(round_),
        official_at=iso(round_.official_at),
    ).model_dump()


def _appeal(appeal: Appeal, key: str) -> dict[str, Any]:
    return AppealOut(
        id=appeal.id,
        round_id=appeal.round_id,
        attempt_id=appeal.attempt_id,
        position=appeal.position,
        question_id=key,
        text=appeal.text,
        status=appeal.status,
        answer=appeal.answer,
        regrade=appeal.regrade_action,
        created_at=iso(appeal.created_at) or "",
        answered_at=iso(appeal.answered_at),
    ).model_dump()


@bp.get("/rounds/<int:round_id>/results")
@documented(
    "get",
    "/api/v1/rounds/{round_id}/results",
    "The state of the round's results (running, provisional, official) and its appeal window",
    responses={200: ResultsOut},
    errors=(404,),
)
def round_results(round_id: int) -> Any:
    return results_of(get_round(get_session(), round_id))


@bp.post("/attempts/<int:attempt_id>/appeals")
@api_role_required()
@documented(
    "post",
    "/api/v1/attempts/{attempt_id}/appeals",
    "Appeal one question of your own finalized attempt, during the appeal window",
    body=AppealIn,
    responses={201: AppealOut},
    errors=(400, 401, 404, 409, 422),
    auth=True,
)
def file_appeal(attempt_id: int) -> Any:
    body = parse_body(AppealIn)
    session = get_session()
    appeal = appeals.file(session, attempt_id, body.position, body.text, student_id=current_user.id)
    key = next(r.question_key for r in appeals.rows_of_round(session, appeal.round_id, appeal.id))
    return _appeal(appeal, key), 201


@bp.get("/rounds/<int:round_id>/appeals")
@api_role_required()
@documented(
    "get",
    "/api/v1/rounds/{round_id}/appeals",
    "The round's appeals: every one for organisers, their students' for coordinators, "
    "their own for students",
    responses={200: AppealsOut},
    errors=(401, 404),
    auth=True,
)
def round_appeals(round_id: int) -> Any:
    session = get_session()
    get_round(session, round_id)
    rows = appeals.rows_of_round(session, round_id)
    if current_user.has_role(Role.COORDINATOR):
        rows = [r for r in rows if r.university_id == current_user.university_id]
    elif not current_user.has_role(Role.ORGANISER):
        rows = [r for r in rows if r.appeal.student_id == current_user.id]
    return {"appeals": [_appeal(r.appeal, r.question_key) for r in rows]}


@bp.post("/rounds/<int:round_id>/appeals/answer")
@api_role_required(Role.ORGANISER)
@documented(
    "post",
    "/api/v1/rounds/{round_id}/appeals/answer",
    "Accept open appeals (with the regrade in force on their question) or reject them, "
    "with a reason their students read",
    body=AnswerIn,
    responses={200: AppealsOut},
    errors=(400, 403, 404, 409, 422),
    auth=True,
)
def answer_appeals(round_id: int) -> Any:
    body = parse_body(AnswerIn)
    session = get_session()
    answered = appeals.answer(
        session, round_id, body.appeals, body.decision, body.reason, actor_id=current_user.id
    )
    ids = {a.id for a in answered}
    rows = [r for r in appeals.rows_of_round(session, round_id) if r.appeal.id in ids]
    return {"appeals": [_appeal(r.appeal, r.question_key) for r in rows]}


@bp.post("/rounds/<int:round_id>/appeal-window")
@api_role_required(Role.ORGANISER)
@documented(
    "post",
    "/api/v1/rounds/{round_id}/appeal-window",
    "Open the appeal window for some hours from now (again: move its end; 0 closes it)",
    body=WindowIn,
    responses={200: ResultsOut},
    errors=(400, 403, 404, 409, 422),
    auth=True,
)
def appeal_window(round_id: int) -> Any:
    body = parse_body(WindowIn) if request.get_data() else WindowIn()
    session = get_session()
    round_ = services.set_appeal_window(session, round_id, body.hours, actor_id=current_user.id)
    return results_of(round_)


@bp.post("/rounds/<int:round_id>/official")
@api_role_required(Role.ORGANISER)
@documented(
    "post",
    "/api/v1/rounds/{round_id}/official",
    "Make the results official (and published); refused while appeals are open",
    responses={200: ResultsOut},
    errors=(403, 404, 409),
    auth=True,
)
def make_official(round_id: int) -> Any:
    round_: Round = services.make_official(get_session(), round_id, actor_id=current_user.id)
    return results_of(round_)


@bp.post("/rounds/<int:round_id>/reopen")
@api_role_required(Role.ORGANISER)
@documented(
    "post",
    "/api/v1/rounds/{round_id}/reopen",
    "Make official results provisional again, so that they may be changed, with a reason",
    body=ReopenIn,
    responses={200: ResultsOut},
    errors=(400, 403, 404, 409, 422),
    auth=True,
)
def reopen_results(round_id: int) -> Any:
    body = parse_body(ReopenIn)
    round_ = services.reopen(get_session(), round_id, body.reason, actor_id=current_user.id)
    return results_of(round_)


@bp.post("/rounds/<int:round_id>/practice")
@api_role_required(Role.ORGANISER)
@documented(
    "post",
    "/api/v1/rounds/{round_id}/practice",
    "Turn an official round's questions into a practice round open for a period",
    body=PracticeIn,
    responses={201: RoundOut},
    errors=(400, 403, 404, 409, 422),
    auth=True,
)
def make_practice(round_id: int) -> Any:
    body = parse_body(PracticeIn)
    made = practice.practice_from(
        get_session(),
        round_id,
        body.opens_at.astimezone(UTC),
        body.closes_at.astimezone(UTC),
        actor_id=current_user.id,
    )
    return full(made), 201
