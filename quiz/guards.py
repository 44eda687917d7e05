"""Input no field may carry, refused before any view reads it.

NUL and the other control characters (tab, line feed and carriage return
excepted) have no place in a name, an answer or a search: PostgreSQL refuses
NUL outright, SQLite would store it, and both would show garbage. Every query
string value, form field and JSON string is checked once per request; the
first offender is answered 422 naming the field, in the reader's language,
before anything is written. JSON nested deeper than Python can parse is a
malformed request (400), never a crash.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Flask, abort, request
from flask_babel import lazy_gettext as _l

from quiz.errors import InvalidInput

CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
#: Deeper than any body of ours; keeps the walk below cheap and bounded.
MAX_DEPTH = 32


def _offender(value: Any, path: str, depth: int = 0) -> str | None:
    """The path of the first string holding a control character, if any."""
    if isinstance(value, str):
        return path if CONTROL.search(value) else None
    if depth > MAX_DEPTH:
        abort(400)
    if isinstance(value, dict):
        for key, item in value.items():
            found = _offender(key, path or "body", depth + 1) or _offender(
                item, f"{path}.{key}" if path else str(key), depth + 1
            )
            if found:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = _offender(item, f"{path}.{index}" if path else str(index), depth + 1)
            if found:
                return found
    return None


def refuse_control_characters() -> None:
    """Before every request: 422 for a field holding a control character."""
    for source in (request.args, request.form):
        for name, value in source.items(multi=True):
            if CONTROL.search(name) or CONTROL.search(value):
                _refuse(name if not CONTROL.search(name) else "field")
    if request.is_json and request.content_length:
        try:
            body = request.get_json(silent=True)
        except RecursionError:
            abort(400)
        found = _offender(body, "")
        if found:
            _refuse(found)


def _refuse(field: str) -> None:
    raise InvalidInput(
        {
            field: _l(
                "%(field)s holds a character that is not allowed (a control character).",
                field=field,
            )
        }
    )


def init_app(app: Flask) -> None:
    app.before_request(refuse_control_characters)
