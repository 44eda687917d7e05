"""Small helpers shared by the HTML views of every domain."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import url_for

from quiz.errors import ServiceError


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
