"""Rate limits on logging in and registering (Flask-Limiter).

Stored in process memory by default and in Redis when ``QUIZ_REDIS_URL`` is
set, so that several app servers share one count.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import g, request
from werkzeug.wrappers import Response

from quiz.accounts.services import normalize_email
from quiz.extensions import limiter

F = TypeVar("F", bound=Callable[..., Any])

#: Failed logins allowed per minute from one address and against one account.
LOGIN_FAILURES_PER_MINUTE = "10 per minute"
#: A classroom registers from one address: generous per address, tight per e-mail.
REGISTRATIONS_PER_IP = "30 per minute;300 per hour"
REGISTRATIONS_PER_EMAIL = "5 per minute"


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
    """Count failed logins per address and per account; the 11th in a minute gets 429."""
    for key_func in (None, submitted_email):
        view = limiter.limit(
            LOGIN_FAILURES_PER_MINUTE,
            key_func=key_func,
            methods=["POST"],
            deduct_when=_login_failed,
        )(view)
    return view


def limit_registrations(view: F) -> F:
    """Limit registrations per address and per e-mail address."""
    view = limiter.limit(REGISTRATIONS_PER_IP, methods=["POST"])(view)
    return limiter.limit(REGISTRATIONS_PER_EMAIL, key_func=submitted_email, methods=["POST"])(view)
