"""API bearer tokens: issued once, stored as a digest, expiring and revocable."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.orm import Session

from quiz.accounts import principal
from quiz.accounts.models import ApiToken, User
from quiz.clock import now

DEFAULT_TTL = timedelta(days=7)


def digest(token: str) -> str:
    """The stored form of a token: its SHA-256, in hex."""
    # Tokens carry 256 bits of randomness, so a fast hash is enough: nothing to brute-force.
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_token(session: Session, user: User, ttl: timedelta = DEFAULT_TTL) -> tuple[str, datetime]:
    """Create a token for ``user``; return the token (shown once) and when it expires."""
    token = secrets.token_urlsafe(32)
    expires_at = now() + ttl
    session.add(ApiToken(user_id=user.id, digest=digest(token), expires_at=expires_at))
    session.flush()
    return token, expires_at


def revoke_token(session: Session, token: str) -> bool:
    """Revoke ``token``; return whether it was a live token.

    This process stops accepting it at once, the others within
    ``AUTH_CACHE_SECONDS`` (:mod:`quiz.accounts.principal`).
    """
    principal.forget_token(digest(token))
    result = session.execute(
        update(ApiToken)
        .where(ApiToken.digest == digest(token), ApiToken.revoked_at.is_(None))
        .values(revoked_at=now())
    )
    return bool(result.rowcount)


def revoke_all_tokens(session: Session, user: User) -> None:
    """Revoke every live token of ``user`` (password change, organiser action).

    This process stops accepting them at once, the others within
    ``AUTH_CACHE_SECONDS``.
    """
    principal.forget_all()
    session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now())
    )
