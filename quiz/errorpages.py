"""Error answers: translated pages for people, JSON envelopes under /api/.

A user never sees a stack trace; unexpected errors are logged and answered
with a plain 500 page. When the database cannot be reached the answer is 503
with ``Retry-After`` (the attempt page's script sends unsent answers again):
the failed session is discarded, and nothing in the answer touches the
database (the language comes from the cookie or the browser, the page has no
menu), so the server recovers by itself as soon as the database is back.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, g, jsonify, make_response, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException, InternalServerError

from quiz.db import discard_session
from quiz.errors import ServiceError

#: The database is out of reach (down, restarting, every connection busy).
UNAVAILABLE = (OperationalError, InterfaceError, PoolTimeout)
RETRY_AFTER_SECONDS = 5

#: What each status means to a person, in their language.
MESSAGES = {
    400: _l("The request could not be understood."),
    401: _l("You need to log in first."),
    403: _l("You are not allowed to open this page."),
    404: _l("This page does not exist."),
    405: _l("This action is not allowed here."),
    409: _l("This conflicts with the current state."),
    413: _l("What you sent is too large."),
    422: _l("Some values are not valid."),
    429: _l("Too many attempts. Please wait a minute and try again."),
    500: _l("Something went wrong on our side. Please try again in a moment."),
    503: _l(
        "The contest is briefly unavailable. Your saved answers are safe; answers not "
        "yet sent stay on your device and are sent again automatically."
    ),
}

CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    422: "invalid",
    429: "rate_limited",
    500: "server_error",
    503: "unavailable",
}


def wants_json() -> bool:
    return request.path.startswith("/api/")


def json_error(status: int, message: Any, code: str | None = None) -> Response:
    """The API's error envelope (spec/api.md)."""
    body = {"error": {"code": code or CODES.get(status, "error"), "message": str(message)}}
    response = jsonify(body)
    response.status_code = status
    return response


def _page(status: int, message: Any) -> Response:
    html = render_template("errors/error.html", status=status, message=message)
    return make_response(html, status)


def register_error_handlers(app: Flask) -> None:
    """Answer every error in the right form and language."""

    @app.errorhandler(CSRFError)
    def csrf_failed(error: CSRFError) -> Any:
        message = _("Your form expired or was sent from elsewhere. Reload the page and try again.")
        if wants_json():
            return json_error(400, message, "csrf_failed")
        return _page(400, message)

    @app.errorhandler(ServiceError)
    def service_refused(error: ServiceError) -> Any:
        if wants_json():
            return json_error(error.status, error.message, error.code)
        return _page(error.status, error.message)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Any:
        status = error.code or 500
        message = MESSAGES.get(status, error.description)
        response = json_error(status, message) if wants_json() else _page(status, message)
        for header in ("Allow", "Retry-After"):
            value = error.get_response().headers.get(header)
            if value:
                response.headers[header] = value
        return response

    @app.errorhandler(RecursionError)
    def too_deep(_error: RecursionError) -> Any:
        # Only a body nested deeper than any parser can follow gets here: malformed.
        return json_error(400, MESSAGES[400]) if wants_json() else _page(400, MESSAGES[400])

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    @app.errorhandler(PoolTimeout)
    def unavailable(error: Exception) -> Any:
        app.logger.warning("database unavailable on %s %s: %s", request.method, request.path, error)
        g.database_down = True
        discard_session()
        if wants_json():
            response = json_error(503, MESSAGES[503])
        else:
            html = render_template("errors/unavailable.html", message=MESSAGES[503])
            response = make_response(html, 503)
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        response.headers["Cache-Control"] = "no-store"
        return response

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> Any:
        cause = getattr(error, "original_exception", None)
        if isinstance(cause, UNAVAILABLE) or (
            isinstance(cause, DBAPIError) and cause.connection_invalidated
        ):
            # Raised after the view (the commit): the answer was never stored.
            return unavailable(cause)
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        if wants_json():
            return json_error(500, MESSAGES[500])
        return _page(500, MESSAGES[500])

    @app.errorhandler(InternalServerError)
    def internal(error: InternalServerError) -> Any:
        return unexpected(error)
