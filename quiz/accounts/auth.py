"""Who is asking: session cookies (pages) and bearer tokens (API), and role guards.

``current_user`` is a :class:`~quiz.accounts.principal.Principal` (a plain row),
except in the request that logs a user in.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, abort, current_app, flash, g, redirect, request, session
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, current_user, login_url, login_user, logout_user

from quiz.accounts import logins
from quiz.accounts.models import Role, User
from quiz.accounts.principal import Principal, principal_for_digest, principal_for_session
from quiz.accounts.tokens import digest
from quiz.db import get_session
from quiz.extensions import login_manager

F = TypeVar("F", bound=Callable[..., Any])


def bearer_token() -> str | None:
    """The token of an ``Authorization: Bearer`` header, if any (any other scheme: none,
    and the request is not authenticated)."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return None


def init_login(app: Flask, manager: LoginManager) -> None:
    """Configure Flask-Login: cookie sessions, bearer tokens, where to log in."""
    manager.init_app(app)
    manager.login_view = "accounts.login"
    manager.login_message = _l("Please log in to open this page.")
    manager.login_message_category = "info"
    manager.session_protection = "basic"

    @manager.user_loader
    def load_user(identity: str) -> Principal | None:
        # A request that carries an Authorization header is that token's, and only
        # that token's: a session cookie beside it (and its CSRF exemption) counts for nothing.
        if "Authorization" in request.headers:
            return None
        return principal_for_session(get_session(), identity, remember_for=_remember_for())

    @manager.request_loader
    def load_user_from_token(_request: Any) -> Principal | None:
        token = bearer_token()
        if token is None:
            return None
        person = principal_for_digest(get_session(), digest(token), remember_for=_remember_for())
        if person is not None:
            g.authenticated_by_token = True
        return person

    @manager.unauthorized_handler
    def unauthorized() -> Any:
        if request.path.startswith("/api/"):
            abort(401)
        flash(str(manager.login_message), manager.login_message_category)
        return redirect(login_url(manager.login_view, next_url=request.full_path.rstrip("?")))


def sign_in(user: User, *, remember: bool = False) -> None:
    """Log ``user`` in on this device: a new login recorded on the server, its cookies."""
    identity = logins.open_login(get_session(), user, remember=remember)
    login_user(
        Principal(
            user.id,
            user.role,
            user.locale,
            user.university_id,
            user.display_name,
            user.active,
            identity,
        ),
        remember=remember,
    )


def sign_out() -> None:
    """End this device's login on the server (its cookies open nothing any more)."""
    logins.end_login(get_session(), session.get("_user_id"))
    logout_user()


def _remember_for() -> float:
    """How long this process may reuse a lookup: only for the JSON API (see principal)."""
    if not request.path.startswith("/api/"):
        return 0
    return float(current_app.config.get("AUTH_CACHE_SECONDS", 0))


def current_user_id() -> str:
    """The logged-in user as a rate-limit key (the address for anonymous callers)."""
    if current_user and current_user.is_authenticated:
        return f"user:{current_user.id}"
    return request.remote_addr or "unknown"


def role_required(*roles: Role) -> Callable[[F], F]:
    """Only users with one of ``roles``: anonymous visitors log in first, others get 403."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator
