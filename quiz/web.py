"""Small helpers shared by the HTML views of every domain."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import url_for
from werkzeug.routing import IntegerConverter

from quiz.errors import ServiceError

#: Ids are 32-bit integers in the database: anything larger names nothing.
MAX_ID = 2**31 - 1
#: Far beyond any list's length, and within every integer type of the database.
MAX_PAGE = 100_000
#: An API list's offset: far beyond any list, and within the database's integers.
MAX_OFFSET = 10**9


def record_id(text: str) -> int:
    """An id from a URL or a form (ValueError beyond the database's range)."""
    value = int(text)
    if not 1 <= value <= MAX_ID:
        raise ValueError(text)
    return value


def page_number(text: str) -> int:
    """A page number from a query string (ValueError outside 1..MAX_PAGE)."""
    value = int(text)
    if not 1 <= value <= MAX_PAGE:
        raise ValueError(text)
    return value


class IdConverter(IntegerConverter):
    """``<int:...>`` in routes: ids within the database's range (404 beyond it)."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def safe_next(target: str | None) -> str:
    """A same-site path to go to next (never another site); the home page otherwise."""
    if target and target.startswith("/") and not target.startswith("//"):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and "\\" not in target:
            return target
    return url_for("main.home")


def apply_errors(form: Any, error: ServiceError) -> None:
    """Show a service's refusal next to the fields it names, or above the form."""
    errors = getattr(error, "errors", None) or {error.field or "": error.message}
    for field_name, message in errors.items():
        field = getattr(form, field_name, None)
        # Lists of sub-forms (blueprint lines, options) show their errors above the form.
        if field is not None and not hasattr(field, "entries") and field_name != "meta":
            field.errors = [*field.errors, str(message)]
        else:
            form.form_errors.append(str(message))
