"""Who is asking, read in one small query: the person behind a session or a token.

Every request of a contest day (the attempt page, each answer save) needs to
know who is asking, and nothing more: this reads the few columns it takes
as a plain row, without building ORM objects. Pages and services that change
the account load the full :class:`~quiz.accounts.models.User` themselves
(:func:`quiz.accounts.services.user_of`).

For the JSON API, a person found is remembered by this process for
``AUTH_CACHE_SECONDS`` (3 s by default; ``QUIZ_AUTH_CACHE_SECONDS=0`` turns it
off): a student saving answers in quick succession costs one lookup, and a
token revoked or a session ended (logout, password change, an organiser's
action) stops working within that time on every server, without any message
between servers. Pages always look the person up (a language just switched
shows at once).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from quiz.accounts.models import ApiToken, LoginSession, Role, User
from quiz.clock import now

_COLUMNS = (
    User.id,
    User.role,
    User.locale,
    User.university_id,
    User.display_name,
    User.active,
)


class Person(Protocol):
    """What services need of whoever asks: a :class:`Principal` or a :class:`User`."""

    id: int
    role: str
    university_id: int | None

    def has_role(self, *roles: Role) -> bool: ...


@dataclass(frozen=True, slots=True)
class Principal:
    """The logged-in person of one request (Flask-Login's user object)."""

    id: int
    role: str
    locale: str | None
    university_id: int | None
    display_name: str
    active: bool
    #: ``"<user id>:<login key>"`` for a login (what the cookies carry); empty for a token.
    identity: str = ""

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        """The login's identity (Flask-Login keeps it in the session and remember cookies)."""
        return self.identity

    def has_role(self, *roles: Role) -> bool:
        return self.role in {r.value for r in roles}


#: Remembered lookups, by key: (until, person). Bounded: a full memory is emptied.
_recent: dict[str, tuple[datetime, Principal]] = {}
_recent_lock = threading.Lock()
RECENT_CAPACITY = 20_000


def remembered(key: str, seconds: float) -> tuple[bool, Principal | None]:
    """(True, person) when ``key`` was looked up less than ``seconds`` ago."""
    if seconds <= 0:
        return False, None
    found = _recent.get(key)
    if found is None or found[0] <= now():
        return False, None
    return True, found[1]


def remember(key: str, person: Principal | None, seconds: float) -> Principal | None:
    if seconds > 0 and person is not None:
        with _recent_lock:
            if len(_recent) >= RECENT_CAPACITY:
                _recent.clear()
            _recent[key] = (now() + timedelta(seconds=seconds), person)
    return person


def forget_token(token_digest: str) -> None:
    """Forget a token this process may remember (it was just revoked here)."""
    with _recent_lock:
        _recent.pop("t:" + token_digest, None)


def forget_session(identity: str) -> None:
    """Forget a login this process may remember (it just ended here)."""
    with _recent_lock:
        _recent.pop("s:" + identity, None)


def forget_all() -> None:
    """Forget every remembered lookup (tests; a password change in this process)."""
    with _recent_lock:
        _recent.clear()


def principal_for_session(
    session: Session, identity: str, *, remember_for: float = 0
) -> Principal | None:
    """The active person of a login's identity (``"<user id>:<key>"``), or None."""
    known, person = remembered("s:" + identity, remember_for)
    if known:
        return person
    return remember("s:" + identity, _session_lookup(session, identity), remember_for)


#: Built once: both lookups run on every request that carries a session or a token.
_BY_SESSION = (
    select(*_COLUMNS)
    .join(LoginSession, LoginSession.user_id == User.id)
    .where(
        User.id == bindparam("user_id"),
        LoginSession.key == bindparam("key"),
        LoginSession.revoked_at.is_(None),
        LoginSession.expires_at > bindparam("now"),
    )
)
_BY_TOKEN = (
    select(*_COLUMNS)
    .join(ApiToken, ApiToken.user_id == User.id)
    .where(
        ApiToken.digest == bindparam("digest"),
        ApiToken.revoked_at.is_(None),
        ApiToken.expires_at > bindparam("now"),
    )
)


def _session_lookup(session: Session, identity: str) -> Principal | None:
    user_id, _, key = identity.partition(":")
    if not user_id.isdigit() or not key or len(key) > 64 or int(user_id) > 2**31 - 1:
        return None
    row = (
        session.connection()
        .execute(_BY_SESSION, {"user_id": int(user_id), "key": key, "now": now()})
        .first()
    )
    if row is None or not row.active:
        return None
    return Principal(*row, identity=identity)


def principal_for_digest(
    session: Session, digest: str, *, remember_for: float = 0
) -> Principal | None:
    """The active person holding a live (unexpired, unrevoked) token with this digest."""
    known, person = remembered("t:" + digest, remember_for)
    if known:
        return person
    return remember("t:" + digest, _token_lookup(session, digest), remember_for)


def _token_lookup(session: Session, digest: str) -> Principal | None:
    row = session.connection().execute(_BY_TOKEN, {"digest": digest, "now": now()}).first()
    if row is None or not row.active:
        return None
    return Principal(*row)
