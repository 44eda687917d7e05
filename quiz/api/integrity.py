"""Integrity signals for organisers (contest-operations.md): the review queue, a scan,
a decision."""

from __future__ import annotations

from typing import Any, Literal

from flask_login import current_user
from pydantic import BaseModel, ConfigDict, Field

from quiz.accounts.models import Role
from quiz.api.base import api_role_required, bp, iso, parse_body
from quiz.api.openapi import documented
from quiz.db import get_session
from quiz.operations import integrity
from quiz.operations.models import IntegritySignal
from quiz.rounds.overrides import MAX_REASON
from quiz.rounds.services import get_round


class PendingOut(BaseModel):
    fast: int
    twins: int
    crowd: int


class SignalOut(BaseModel):
    id: int
    kind: str = Field(description="fast, twins or crowd")
    status: str = Field(description="pending, cleared or disqualified")
    attempts: list[int] = Field(description="The attempts it concerns")
    evidence: dict[str, Any]
    summary: str = Field(description="The evidence in one sentence, in the request's language")
    found_at: str
    decided_at: str | None
    reason: str | None


class SignalsOut(BaseModel):
    pending: PendingOut
    signals: list[SignalOut]


class DecisionIn(BaseModel):
    """``disqualify`` takes the attempts listed (among the signal's); ``clear`` none."""

    model_config = ConfigDict(extra="forbid")
    decision: Literal["clear", "disqualify"]
    attempts: list[int] = Field(default_factory=list, max_length=1000)
    reason: str = Field(max_length=MAX_REASON)


def _signal(signal: IntegritySignal) -> dict[str, Any]:
    return {
        "id": signal.id,
        "kind": signal.kind,
        "status": signal.status,
        "attempts": list(signal.attempt_ids),
        "evidence": signal.evidence,
        "summary": integrity.evidence_text(signal),
        "found_at": iso(signal.found_at),
        "decided_at": iso(signal.decided_at) if signal.decided_at else None,
        "reason": signal.reason,
    }


@bp.get("/rounds/<int:round_id>/signals")
@api_role_required(Role.ORGANISER)
@documented(
    "get",
    "/api/v1/rounds/{round_id}/signals",
    "The round's integrity signals, those to review first (organisers)",
    responses={200: SignalsOut},
    errors=(403, 404),
    auth=True,
)
def integrity_signals(round_id: int) -> Any:
    session = get_session()
    get_round(session, round_id)
    return {
        "pending": integrity.pending_counts(session, round_id),
        "signals": [_signal(s) for s in integrity.signals_of(session, round_id)],
    }


@bp.post("/rounds/<int:round_id>/signals/scan")
@api_role_required(Role.ORGANISER)
@documented(
    "post",
    "/api/v1/rounds/{round_id}/signals/scan",
    "Look for the round's integrity signals now; the pending ones by kind (organisers)",
    responses={200: PendingOut},
    errors=(403, 404),
    auth=True,
)
def scan_signals(round_id: int) -> Any:
    return integrity.scan(get_session(), round_id, actor_id=current_user.id)


@bp.post("/rounds/<int:round_id>/signals/<int:signal_id>/decision")
@api_role_required(Role.ORGANISER)
@documented(
    "post",
    "/api/v1/rounds/{round_id}/signals/{signal_id}/decision",
    "Clear an integrity signal, or disqualify some of its attempts, with a reason",
    body=DecisionIn,
    responses={200: SignalOut},
    errors=(400, 403, 404, 409, 422),
    auth=True,
)
def decide_signal(round_id: int, signal_id: int) -> Any:
    body = parse_body(DecisionIn)
    signal = integrity.decide(
        get_session(),
        round_id,
        signal_id,
        decision=body.decision,
        attempts=body.attempts,
        reason=body.reason,
        actor_id=current_user.id,
    )
    return _signal(signal)
