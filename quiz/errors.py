"""Errors that services raise, and that views and the API turn into answers.

Messages are lazy translations: they are rendered in the reader's language.
"""

from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    """A rule refused the operation; nothing was changed."""

    #: HTTP status for the API.
    status = 422
    #: Machine-readable code for the API.
    code = "invalid"

    def __init__(self, message: Any, *, field: str | None = None, code: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field
        if code:
            self.code = code


class InvalidInput(ServiceError):
    """Values that break a rule; ``errors`` maps field names to messages."""

    def __init__(self, errors: dict[str, Any]):
        first_field, first_message = next(iter(errors.items()))
        super().__init__(first_message, field=first_field)
        self.errors = errors


class Conflict(ServiceError):
    """The operation clashes with the current state (e.g. an e-mail already taken)."""

    status = 409
    code = "conflict"


class NotFound(ServiceError):
    status = 404
    code = "not_found"


class Forbidden(ServiceError):
    status = 403
    code = "forbidden"
