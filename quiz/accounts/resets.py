"""Forgotten passwords: a link, mailed, that works once and for one hour.

The link carries a signed token naming the account and a fingerprint of its
current password hash: once the password changes (through this link or any
other way) the fingerprint no longer matches, so each link works once, and
an hour after it was made it does not work at all. Nothing is stored.
Asking for a link answers the same whether or not the address has an
account; the mail is sent in the background (``quiz.mail``).
"""

from __future__ import annotations

import hashlib

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session

from quiz import mail
from quiz.accounts.models import User
from quiz.accounts.services import normalize_email, set_new_password
from quiz.audit.services import record
from quiz.errors import NotFound

MAX_AGE_SECONDS = 3600


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="password-reset")


def _fingerprint(user: User) -> str:
    return hashlib.sha256(f"{user.password_hash}:{user.session_version}".encode()).hexdigest()[:24]


def reset_token(user: User) -> str:
    """A signed token letting ``user`` choose a new password, once, within an hour."""
    return _serializer().dumps([user.id, _fingerprint(user)])


def reset_link(user: User) -> str:
    return f"{current_app.config['BASE_URL']}/reset/{reset_token(user)}"


def user_for_reset(session: Session, token: str, *, lock: bool = False) -> User:
    """The account a reset link is for (NotFound: invalid, expired or used); ``lock``
    holds its row until the transaction ends, so two uses at once cannot both pass."""
    try:
        user_id, fingerprint = _serializer().loads(token, max_age=MAX_AGE_SECONDS)
        if lock:
            session.execute(select(User.id).where(User.id == int(user_id)).with_for_update())
        user = session.get(User, int(user_id), populate_existing=lock)
    except (BadSignature, SignatureExpired, ValueError, TypeError):
        user = None
        fingerprint = None
    if user is None or not user.active or _fingerprint(user) != fingerprint:
        raise NotFound(_l("This link is not valid any more: ask for a new one."))
    return user


def reset_password(session: Session, token: str, new_password: str) -> User:
    """Set a new password through a reset link; every login and token of the account ends."""
    user = user_for_reset(session, token, lock=True)
    set_new_password(session, user, new_password)
    record(session, user.id, "accounts.password_reset", f"user:{user.id}")
    return user


def request_reset(session: Session, email: str) -> None:
    """Mail a reset link if ``email`` has an active account; say nothing either way."""
    user = session.scalar(select(User).where(User.email == normalize_email(email)))
    if user is None or not user.active:
        return
    with force_locale(user.locale or "vi"):
        subject = _("Choosing a new password")
        body = _(
            "Someone, probably you, asked to choose a new password for %(email)s.\n\n"
            "Open this link within one hour to choose it (it works once):\n%(link)s\n\n"
            "If you did not ask, ignore this message: your password stays as it is.",
            email=user.email,
            link=reset_link(user),
        )
    mail.send(session, user.email, subject, body)


def send_invitation(session: Session, user: User, link: str) -> None:
    """Mail the invitation link of an account created without a password (on commit)."""
    with force_locale(user.locale or "vi"):
        subject = _("Your account for the contest")
        body = _(
            "An account was created for you (%(email)s).\n\n"
            "Open this link within 14 days to choose your password:\n%(link)s",
            email=user.email,
            link=link,
        )
    mail.send(session, user.email, subject, body)
