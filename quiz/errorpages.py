"""Error answers: translated pages for people, JSON envelopes under /api/.

A user never sees a stack trace; unexpected errors are logged and answered
with a plain 500 page.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, jsonify, make_response, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from quiz.errors import ServiceError

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

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> Any:
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        if wants_json():
            return json_error(500, MESSAGES[500])
        return _page(500, MESSAGES[500])

    @app.errorhandler(InternalServerError)
    def internal(error: InternalServerError) -> Any:
        return unexpected(error)
