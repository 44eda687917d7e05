"""Certificates (contest-operations.md, Certificates): issuing a scope's, checking one
by its code, revoking one."""

from __future__ import annotations

from typing import Any

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from pydantic import BaseModel, ConfigDict, Field

from quiz.accounts.models import Role
from quiz.api.base import api_role_required, bp, iso, parse_body
from quiz.api.openapi import documented
from quiz.certificates import pdf, services
from quiz.certificates.models import Certificate
from quiz.db import get_session
from quiz.errors import NotFound
from quiz.results.services import REASON_MAX_CHARS
from quiz.web import MAX_ID

#: The same answer for every code that is not a certificate's: no hint of valid ones.
UNKNOWN = _l("No certificate has this code.")


class IssueIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    round_id: int | None = Field(
        default=None,
        ge=1,
        le=MAX_ID,
        description="A ranked round with official results; null: overall",
    )


class IssuedOut(BaseModel):
    issued: int
    kept: int = Field(description="Already in force, saying the same")
    revoked: int = Field(description="Changed (succeeded by a new one) or no longer in results")


class CertificateOut(BaseModel):
    code: str
    valid: bool
    revoked_at: str | None
    issued_at: str
    round_id: int | None = Field(description="null: the overall ranking")
    name: str
    university: str
    round: str
    score: str
    rank: int
    participants: int
    band: int | None = Field(description="Top 1, 5, 10, 25 or 50 %, or null")
    date: str
    verify_url: str


class RevokeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(max_length=REASON_MAX_CHARS)


def _out(certificate: Certificate) -> dict[str, Any]:
    said = pdf.lines(certificate.facts, str(get_locale() or "vi"))
    facts = certificate.facts
    return CertificateOut(
        code=services.shown(certificate.code),
        valid=certificate.revoked_at is None,
        revoked_at=iso(certificate.revoked_at),
        issued_at=iso(certificate.issued_at) or "",
        round_id=certificate.round_id,
        name=facts["name"],
        university=said["university"],
        round=said["what"],
        score=said["score"],
        rank=facts["rank"],
        participants=facts["participants"],
        band=facts["band"],
        date=facts["date"],
        verify_url=pdf.verify_url(certificate.code),
    ).model_dump()


@bp.post("/certificates")
@api_role_required(Role.ORGANISER)
@documented(
    "post",
    "/api/v1/certificates",
    "Issue (again) the certificates of an official round, or of the overall ranking once "
    "every round is official",
    body=IssueIn,
    responses={200: IssuedOut},
    errors=(400, 403, 404, 409, 422),
    auth=True,
)
def issue_certificates() -> Any:
    body = parse_body(IssueIn)
    session = get_session()
    if body.round_id is None:
        done = services.issue_overall(session, actor_id=current_user.id)
    else:
        done = services.issue_round(session, body.round_id, actor_id=current_user.id)
    return IssuedOut(issued=done.issued, kept=done.kept, revoked=done.revoked).model_dump()


@bp.get("/certificates/<code>")
@documented(
    "get",
    "/api/v1/certificates/{code}",
    "What a certificate states, and whether it is still valid (anyone holding its code)",
    responses={200: CertificateOut},
    errors=(404,),
)
def certificate(code: str) -> Any:
    found = services.by_code(get_session(), code)
    if found is None:
        raise NotFound(UNKNOWN)
    return _out(found)


@bp.post("/certificates/<code>/revoke")
@api_role_required(Role.ORGANISER)
@documented(
    "post",
    "/api/v1/certificates/{code}/revoke",
    "Revoke a certificate in force, with a reason kept for organisers",
    body=RevokeIn,
    responses={200: CertificateOut},
    errors=(400, 403, 404, 409, 422),
    auth=True,
)
def revoke_certificate(code: str) -> Any:
    body = parse_body(RevokeIn)
    session = get_session()
    if services.by_code(session, code) is None:
        raise NotFound(UNKNOWN)
    return _out(services.revoke(session, code, body.reason, actor_id=current_user.id))
