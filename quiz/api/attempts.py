"""Attempts: start, read, save an answer, submit (spec/api.md, the attempt object).

Nothing here says which option is correct, nor carries an explanation, until
the round's review rule allows it (:func:`quiz.attempts.services.review_allowed`).
"""

from __future__ import annotations

from typing import Any

from flask import abort, request
from flask_babel import get_locale
from flask_login import current_user
from pydantic import BaseModel, ConfigDict, Field

from quiz.accounts.auth import current_user_id
from quiz.accounts.models import Role
from quiz.api.base import api_role_required, bp, iso, parse_body
from quiz.api.openapi import documented
from quiz.attempts import adjustments, notes, services
from quiz.attempts.models import Attempt
from quiz.attempts.scoring import SCORE_UNIT
from quiz.attempts.services import Sheet
from quiz.db import get_session, writes_on_get
from quiz.extensions import limiter
from quiz.i18n import localized
from quiz.rounds.services import round_view

#: Per account only: students behind one address (a lab, a carrier's NAT) never
#: share a limit. Generous enough for a student whose queued answers all arrive
#: after a reconnect.
SAVES_PER_ACCOUNT = "300 per minute"
STARTS_PER_ACCOUNT = "30 per minute"


class OptionOut(BaseModel):
    id: str
    text: str


class ItemOut(BaseModel):
    position: int
    question_id: str
    kind: str
    points: int
    text: str
    options: list[OptionOut]
    choices: list[str]
    correct: list[str] | None = Field(default=None, description="Only once review is allowed")
    explanation: str | None = Field(default=None, description="Only once review is allowed")


class NoteOut(BaseModel):
    kind: str = Field(
        description="incident, override, regrade or decision (a disqualification: the "
        "attempt counts in no ranking)"
    )
    text: str


class AttemptOut(BaseModel):
    id: int
    round_id: int
    status: str
    started_at: str
    deadline: str
    remaining_seconds: int
    items: list[ItemOut]
    score: float | None
    max_score: int
    duration_ms: int | None
    excused_ms: int = Field(description="Time given back after incidents, not in duration_ms")
    notes: list[NoteOut] = Field(description="What organisers changed about it, and why")


class AnswerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    choices: list[str] = Field(max_length=8)


class AnswerOut(BaseModel):
    saved_at: str
    remaining_seconds: int


class SubmitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    prediction: int | None = Field(default=None, ge=0, le=2**31 - 2)


class SubmitOut(BaseModel):
    status: str
    score: float | None
    max_score: int
    duration_ms: int | None


def score(attempt: Attempt | Sheet) -> float | None:
    if attempt.score_units is None:
        return None
    return round(attempt.score_units / SCORE_UNIT, 2)


def attempt_body(attempt: Sheet, *, new: bool = False) -> dict[str, Any]:
    """The attempt object, in the requester's language, with answers only when allowed
    (``new``: just started, so it has no notes to read)."""
    locale = str(get_locale() or "vi")
    round_ = round_view(get_session(), attempt.round_id)
    reveal = services.review_allowed(attempt, round_)
    regrades = adjustments.regrades_of(get_session(), attempt.round_id) if reveal else {}
    items = []
    for item in attempt.items:
        version = item.version
        out: dict[str, Any] = {
            "position": item.position,
            "question_id": version.key,
            "kind": version.kind,
            "points": version.points,
            "text": localized(version.text, locale),
            "options": [
                {"id": oid, "text": localized(version.option(oid).text, locale)}
                for oid in item.option_order
            ],
            "choices": list(item.choices),
        }
        if reveal:
            action, rekeyed = regrades.get(version.key, ("", None))
            scored = rekeyed if action == "rekey" and rekeyed else version
            out["correct"] = scored.correct_ids()
            out["explanation"] = localized(scored.explanation, locale)
        items.append(out)
    return {
        "id": attempt.id,
        "round_id": attempt.round_id,
        "status": attempt.status,
        "started_at": iso(attempt.started_at),
        "deadline": iso(attempt.deadline),
        "remaining_seconds": services.remaining_seconds(attempt.deadline)
        if attempt.status == "in_progress"
        else 0,
        "items": items,
        "score": score(attempt),
        "max_score": attempt.max_score,
        "duration_ms": attempt.duration_ms,
        "excused_ms": attempt.excused_ms,
        "notes": []
        if new
        else [
            {"kind": note.kind, "text": note.text}
            for note in notes.of_attempt(get_session(), attempt)
        ],
    }


@bp.post("/rounds/<int:round_id>/attempts")
@api_role_required(Role.STUDENT)
@limiter.limit(STARTS_PER_ACCOUNT, key_func=current_user_id)
@documented(
    "post",
    "/api/v1/rounds/{round_id}/attempts",
    "Start an attempt, or get the one in progress",
    responses={201: AttemptOut, 200: AttemptOut},
    errors=(403, 404, 409, 429),
    auth=True,
)
def start_attempt(round_id: int) -> Any:
    session = get_session()
    round_ = round_view(session, round_id, max_age=1.0)
    started = services.start(session, round_, current_user, request.remote_addr)
    sheet = services.sheet(session, started.attempt_id, current_user)
    body = attempt_body(sheet, new=started.created)
    return body, 201 if started.created else 200


@bp.get("/attempts/<int:attempt_id>")
@writes_on_get
@api_role_required()
@documented(
    "get",
    "/api/v1/attempts/{attempt_id}",
    "Read an attempt",
    responses={200: AttemptOut},
    errors=(403, 404),
    auth=True,
)
def read_attempt(attempt_id: int) -> Any:
    return attempt_body(services.sheet(get_session(), attempt_id, current_user))


@bp.put("/attempts/<int:attempt_id>/answers/<int:position>")
@api_role_required(Role.STUDENT)
@limiter.limit(SAVES_PER_ACCOUNT, key_func=current_user_id)
@documented(
    "put",
    "/api/v1/attempts/{attempt_id}/answers/{position}",
    "Save the answer to one question (the last save counts)",
    body=AnswerIn,
    responses={200: AnswerOut},
    errors=(400, 403, 404, 409, 413, 422, 429),
    auth=True,
)
def save_answer(attempt_id: int, position: int) -> Any:
    if (request.content_length or 0) > 4096:
        abort(413)
    body = parse_body(AnswerIn)
    saved_at, deadline = services.save_answer(
        get_session(), attempt_id, current_user, position, body.choices
    )
    return {"saved_at": iso(saved_at), "remaining_seconds": services.remaining_seconds(deadline)}


@bp.post("/attempts/<int:attempt_id>/submit")
@api_role_required(Role.STUDENT)
@documented(
    "post",
    "/api/v1/attempts/{attempt_id}/submit",
    "Submit the attempt (idempotent)",
    body=SubmitIn,
    responses={200: SubmitOut},
    errors=(400, 403, 404, 422),
    auth=True,
)
def submit_attempt(attempt_id: int) -> Any:
    body = parse_body(SubmitIn) if request.content_length else SubmitIn()
    attempt = services.submit(get_session(), attempt_id, current_user, body.prediction)
    return {
        "status": attempt.status,
        "score": score(attempt),
        "max_score": attempt.max_score,
        "duration_ms": attempt.duration_ms,
    }
