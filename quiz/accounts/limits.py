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

from collections.abc import Callable
from typing import Any, TypeVar

from flask import g, request
from werkzeug.wrappers import Response

from quiz.accounts.services import normalize_email
from quiz.extensions import limiter

F = TypeVar("F", bound=Callable[..., Any])

#: Failed logins against one account: slow guessing down.
LOGIN_FAILURES_PER_ACCOUNT = "10 per minute"
#: Failed logins from one address: a campus behind one address mistypes too.
LOGIN_FAILURES_PER_ADDRESS = "100 per minute"
#: A classroom of 200 registers from one address within 10 minutes, whatever its pace.
REGISTRATIONS_PER_IP = "300 per 10 minutes;1000 per hour"
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
    """Count failed logins per account (the 11th in a minute gets 429) and per address."""
    for limit, key_func in (
        (LOGIN_FAILURES_PER_ADDRESS, None),
        (LOGIN_FAILURES_PER_ACCOUNT, submitted_email),
    ):
        view = limiter.limit(limit, key_func=key_func, methods=["POST"], deduct_when=_login_failed)(
            view
        )
    return view


def limit_registrations(view: F) -> F:
    """Limit registrations per address and per e-mail address."""
    view = limiter.limit(REGISTRATIONS_PER_IP, methods=["POST"])(view)
    return limiter.limit(REGISTRATIONS_PER_EMAIL, key_func=submitted_email, methods=["POST"])(view)
