"""The project's form bases: WTForms' own messages ("This field is required.", "Not a
valid integer value.") said in the reader's language from the project's catalog.

WTForms ships no Vietnamese; its messages are translated here with the rest (they are
listed below for extraction), and every form, including the sub-forms of field lists,
reads them through the request's Flask-Babel translations.
"""

from __future__ import annotations

from typing import Any

import wtforms
from flask import has_request_context
from flask_babel import get_translations
from flask_wtf import FlaskForm


class _Translations:
    """WTForms' translations interface over the request's catalog (WTForms formats
    the message itself, so nothing is interpolated here)."""

    def gettext(self, string: str) -> str:
        if not has_request_context():
            return string
        return get_translations().gettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        if not has_request_context():
            return singular if n == 1 else plural
        return get_translations().ngettext(singular, plural, n)


TRANSLATIONS = _Translations()


class Form(FlaskForm):
    """A form posted by a page (CSRF-protected), its messages in the reader's language."""

    class Meta:
        def get_translations(self, form: Any) -> _Translations:
            return TRANSLATIONS


class SubForm(wtforms.Form):
    """A form repeated inside another (a blueprint line, an option): no token of its own."""

    class Meta:
        def get_translations(self, form: Any) -> _Translations:
            return TRANSLATIONS


def _wtforms_messages() -> None:  # pragma: no cover - never called: read by pybabel
    from flask_babel import gettext, ngettext

    gettext("This field is required.")
    gettext("Invalid input.")
    gettext("Invalid email address.")
    gettext("Not a valid choice.")
    gettext("Not a valid integer value.")
    gettext("Not a valid decimal value.")
    gettext("Not a valid float value.")
    gettext("Not a valid datetime value.")
    gettext("Not a valid date value.")
    gettext("Not a valid time value.")
    gettext("Invalid Choice: could not coerce.")
    gettext("Invalid choice(s): one or more data inputs could not be coerced.")
    gettext("Number must be at least %(min)s.")
    gettext("Number must be at most %(max)s.")
    gettext("Number must be between %(min)s and %(max)s.")
    gettext("Field must be between %(min)d and %(max)d characters long.")
    gettext("Field must be equal to %(other_name)s.")
    gettext("Invalid value, must be one of: %(values)s.")
    gettext("Invalid URL.")
    ngettext(
        "Field must be at least %(min)d character long.",
        "Field must be at least %(min)d characters long.",
        1,
    )
    ngettext(
        "Field cannot be longer than %(max)d character.",
        "Field cannot be longer than %(max)d characters.",
        1,
    )
    ngettext(
        "'%(value)s' is not a valid choice for this field.",
        "'%(value)s' are not valid choices for this field.",
        1,
    )
