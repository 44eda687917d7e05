"""The API blueprint and what every endpoint shares: auth, bodies, paging.

Bearer-token requests need no CSRF token; requests carried by the pages'
session cookie must send the CSRF token in the ``X-CSRFToken`` header.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Blueprint, abort, current_app, g, request
from flask_babel import gettext as _
from flask_login import current_user
from pydantic import BaseModel, ValidationError

from quiz.accounts.auth import bearer_token
from quiz.accounts.models import Role
from quiz.errors import InvalidInput
from quiz.extensions import csrf
from quiz.web import MAX_OFFSET

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)

M = TypeVar("M", bound=BaseModel)
F = TypeVar("F", bound=Callable[..., Any])

DEFAULT_LIMIT = 50
MAX_LIMIT = 500


@bp.before_request
def protect_cookie_sessions() -> None:
    """Cookie-authenticated writes must prove they come from our pages."""
    if request.method in {"GET", "HEAD", "OPTIONS"} or bearer_token() is not None:
        return
    if not current_app.config.get("WTF_CSRF_ENABLED", True):
        return
    if current_user.is_authenticated and not g.get("authenticated_by_token"):
        csrf.protect()


def parse_body(model: type[M]) -> M:
    """The JSON body validated by ``model``: 400 when malformed, 422 when invalid."""
    body = request.get_json(silent=True)
    if body is None or not isinstance(body, dict):
        abort(400)
    try:
        return model.model_validate(body)
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "body"
        raise InvalidInput({field: _("Invalid value for %(field)s.", field=field)}) from None


def page_args() -> tuple[int, int]:
    """``limit`` (default 50, at most 500) and ``offset`` from the query string."""
    try:
        limit = int(request.args.get("limit", DEFAULT_LIMIT))
        offset = int(request.args.get("offset", 0))
    except ValueError:
        limit = offset = -1
    if limit < 1 or not 0 <= offset <= MAX_OFFSET:
        raise InvalidInput({"limit": _("limit must be a whole number from 1, offset from 0.")})
    return min(limit, MAX_LIMIT), offset


def api_role_required(*roles: Role) -> Callable[[F], F]:
    """401 for anonymous callers, 403 for users without one of ``roles``."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                abort(401)
            if roles and not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


def iso(value: Any) -> str | None:
    """An instant as ISO 8601 in UTC with ``Z`` (spec/api.md)."""
    if value is None:
        return None
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")
