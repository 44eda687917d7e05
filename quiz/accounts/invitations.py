"""Invitation links for accounts created without a password (rosters, organisers)."""

from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from quiz.accounts.models import User
from quiz.accounts.passwords import hash_password, password_problem
from quiz.errors import InvalidInput, NotFound

MAX_AGE_SECONDS = 14 * 24 * 3600


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="invitation")


def invitation_token(user: User) -> str:
    """A signed token letting ``user`` choose a password once, valid 14 days."""
    return _serializer().dumps([user.id, user.session_version])


def accept_invitation(session: Session, token: str, password: str) -> User:
    """Set the invited user's password; the token stops working afterwards."""
    try:
        user_id, version = _serializer().loads(token, max_age=MAX_AGE_SECONDS)
    except (BadSignature, SignatureExpired, ValueError, TypeError):
        raise NotFound(_l("This invitation link is not valid or has expired.")) from None
    user = session.get(User, user_id)
    if user is None or user.session_version != version or user.password_hash:
        raise NotFound(_l("This invitation link is not valid or has expired."))
    problem = password_problem(password, email=user.email, full_name=user.full_name)
    if problem:
        raise InvalidInput({"new_password": problem})
    user.password_hash = hash_password(password)
    user.session_version += 1
    session.flush()
    return user
