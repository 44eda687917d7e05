"""Logins kept on the server: a session ends when its owner logs out.

A login creates a :class:`~quiz.accounts.models.LoginSession` with a random
key; the session cookie and the remember-me cookie carry ``"<user id>:<key>"``,
so each login's cookies differ, and whoever presents them is let in only
while that login is neither revoked nor expired.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import update
from sqlalchemy.orm import Session

from quiz.accounts import principal
from quiz.accounts.models import LoginSession, User
from quiz.clock import now

#: How long a "remember me" login lasts (its cookie too).
REMEMBERED = timedelta(days=30)
#: How long any other login may last (the browser forgets its cookie when closed).
UNREMEMBERED = timedelta(days=7)


def open_login(session: Session, user: User, *, remember: bool) -> str:
    """Record a new login of ``user``; return its identity for the cookies."""
    key = secrets.token_urlsafe(32)
    moment = now()
    session.add(
        LoginSession(
            key=key,
            user_id=user.id,
            created_at=moment,
            expires_at=moment + (REMEMBERED if remember else UNREMEMBERED),
        )
    )
    session.flush()
    return f"{user.id}:{key}"


def key_of(identity: str | None) -> str | None:
    if not identity or ":" not in identity:
        return None
    return identity.partition(":")[2] or None


def end_login(session: Session, identity: str | None) -> None:
    """Revoke one login (logout): its cookies open nothing any more."""
    key = key_of(identity)
    if key is None:
        return
    session.execute(
        update(LoginSession)
        .where(LoginSession.key == key, LoginSession.revoked_at.is_(None))
        .values(revoked_at=now())
    )
    principal.forget_session(identity or "")


def end_every_login(session: Session, user: User, *, keep: str | None = None) -> None:
    """Revoke every login of ``user`` but ``keep`` (a password change)."""
    statement = update(LoginSession).where(
        LoginSession.user_id == user.id, LoginSession.revoked_at.is_(None)
    )
    kept = key_of(keep)
    if kept is not None:
        statement = statement.where(LoginSession.key != kept)
    session.execute(statement.values(revoked_at=now()))
    principal.forget_all()
