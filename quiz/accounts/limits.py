"""Rate limits on logging in and registering (Flask-Limiter).

Students really do share addresses: a university lab, and above all mobile
carriers' NAT, where thousands of phones leave through a handful of
addresses. So whatever a logged-in person does is limited per account
(``quiz.api.attempts``), and only what comes before an account exists —
logging in, registering — is also limited per address, with room for a
classroom or a campus behind one address.

Stored in process memory by default and in Redis when ``QUIZ_REDIS_URL`` is
set, so that several app servers share one count. Behind a reverse proxy,
``QUIZ_PROXY_HOPS`` makes the address the student's, not the proxy's.
"""

from __future__ import annotations

import hashlib
import math
import secrets
import time
from collections.abc import Callable
from typing import Any, TypeVar

from flask import abort, current_app, g, request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from limits import parse as parse_limit
from limits.strategies import MovingWindowRateLimiter
from sqlalchemy import select
from werkzeug.wrappers import Response

from quiz.accounts.models import User
from quiz.accounts.services import normalize_email
from quiz.db import get_session
from quiz.extensions import limiter

F = TypeVar("F", bound=Callable[..., Any])

#: Password checks against one account a minute (a success starts the count again):
#: slow guessing down. Counted before the check, so no burst gets more.
LOGIN_ATTEMPTS_PER_ACCOUNT = "10 per minute"
#: Failed logins from one address: a campus behind one address mistypes too.
LOGIN_FAILURES_PER_ADDRESS = "100 per minute"
#: A classroom of 200 registers from one address within 10 minutes, whatever its pace.
REGISTRATIONS_PER_IP = "300 per 10 minutes;1000 per hour"
REGISTRATIONS_PER_EMAIL = "5 per minute"
#: Reset links asked for: a few per address an hour; a campus gets room per address.
RESETS_PER_EMAIL = "3 per hour"
RESETS_PER_IP = "200 per hour"


def submitted_email() -> str:
    """The e-mail address a form or JSON body names, as a rate-limit key."""
    if request.is_json:
        body = request.get_json(silent=True)
        value = body.get("email", "") if isinstance(body, dict) else ""
    else:
        value = request.form.get("email", "")
    return "account:" + normalize_email(str(value))[:254]


def mark_login_failed() -> None:
    """Tell the limiter that this request was a failed login (it counts)."""
    g.login_failed = True


def _login_failed(_response: Response) -> bool:
    return bool(g.get("login_failed"))


def limit_login_failures(view: F) -> F:
    """Count failed logins per address (the 101st in a minute gets 429)."""
    return limiter.limit(LOGIN_FAILURES_PER_ADDRESS, methods=["POST"], deduct_when=_login_failed)(
        view
    )


# -- one account's password checks, and the devices its owner used -------------------
#
# Anyone who knows a student's e-mail address could send wrong passwords to lock
# them out just before a round. So the account's limit applies to devices that
# never logged into it; a browser that did carries a signed device cookie, and its
# attempts are counted apart (OWASP's "device cookies"): guessing stays slow, and
# the owner, on a phone or computer used before, still logs in during an attack.
# The cookie names the account's session version: a new password (changed, reset,
# or set by an organiser) makes every device cookie issued before it count as none.
# The count is a moving window, so no minute boundary lets a burst of twice through.

DEVICE_COOKIE = "quiz_device"
DEVICE_MAX_AGE = 365 * 24 * 3600
_ACCOUNT_ITEM = parse_limit(LOGIN_ATTEMPTS_PER_ACCOUNT)


def _devices() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="login-device")


def _account(email: str) -> str:
    return hashlib.sha256(normalize_email(email).encode()).hexdigest()[:24]


def _device_in_cookie(email: str) -> tuple[str, int] | None:
    """(device id, session version) of a valid device cookie for this account."""
    cookie = request.cookies.get(DEVICE_COOKIE)
    if not cookie:
        return None
    try:
        account, device, version = _devices().loads(cookie, max_age=DEVICE_MAX_AGE)
    except (BadSignature, ValueError, TypeError):
        return None
    if account != _account(email) or not isinstance(device, str) or not isinstance(version, int):
        return None
    return device, version


def _attempt_key(email: str) -> str:
    """The counter of this attempt: the device the owner used before, or the account."""
    known = _device_in_cookie(email)
    if known is not None:
        current = get_session().scalar(
            select(User.session_version).where(User.email == normalize_email(email))
        )
        if current == known[1]:
            return f"device:{known[0]}"
    return f"account:{_account(email)}"


def _counter() -> MovingWindowRateLimiter:
    return MovingWindowRateLimiter(limiter.storage)


def admit_login(email: str) -> None:
    """Before a password is checked: count the attempt; 429 past the account's limit."""
    if not limiter.enabled:
        return
    key = _attempt_key(email)
    g.login_attempt_key = key
    counter = _counter()
    if not counter.hit(_ACCOUNT_ITEM, "quiz-login", key):
        reset_at, _remaining = counter.get_window_stats(_ACCOUNT_ITEM, "quiz-login", key)
        abort(429, retry_after=max(1, math.ceil(reset_at - time.time())))


def login_succeeded(user: User, response: Response | None = None) -> None:
    """The password was right: its count starts again; the device is remembered."""
    if limiter.enabled:
        key = g.get("login_attempt_key") or _attempt_key(user.email)
        _counter().clear(_ACCOUNT_ITEM, "quiz-login", key)
    if response is not None:
        known = _device_in_cookie(user.email)
        device = known[0] if known else secrets.token_urlsafe(16)
        value = _devices().dumps([_account(user.email), device, user.session_version])
        response.set_cookie(
            DEVICE_COOKIE,
            value,
            max_age=DEVICE_MAX_AGE,
            httponly=True,
            samesite="Lax",
            secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
        )


def limit_registrations(view: F) -> F:
    """Limit registrations per address and per e-mail address."""
    view = limiter.limit(REGISTRATIONS_PER_IP, methods=["POST"])(view)
    return limiter.limit(REGISTRATIONS_PER_EMAIL, key_func=submitted_email, methods=["POST"])(view)


def limit_reset_requests(view: F) -> F:
    """Limit reset links asked for, per address and per e-mail address (POST only)."""
    view = limiter.limit(RESETS_PER_IP, methods=["POST"])(view)
    return limiter.limit(RESETS_PER_EMAIL, key_func=submitted_email, methods=["POST"])(view)
