"""Languages (vi default, en, fr) and the contest's time zone."""

from __future__ import annotations

from datetime import date, datetime

from babel.dates import get_datetime_format
from flask import g, has_request_context, request
from flask_babel import format_date, format_decimal, format_time, get_locale, to_user_timezone
from flask_login import current_user

LOCALES = ("vi", "en", "fr")
LOCALE_NAMES = {"vi": "Tiếng Việt", "en": "English", "fr": "Français"}
COOKIE = "lang"


def select_locale() -> str:
    """The user's setting, then the switcher's cookie, then ``Accept-Language``, then vi.

    Outside a request (the command line) messages are in English, like the
    commands' own output.
    """
    if not has_request_context():
        return "en"
    # While the database is down the person asking cannot be looked up.
    if not g.get("database_down") and "_login_user" not in g:
        person = current_user
    else:
        person = g.get("_login_user")
    if person is not None and person.is_authenticated and person.locale in LOCALES:
        return person.locale
    cookie = request.cookies.get(COOKIE)
    if cookie in LOCALES:
        return cookie
    return request.accept_languages.best_match(LOCALES) or "vi"


def local_datetime(value: datetime | None, format: str = "medium") -> str:
    """A UTC instant in the contest's time zone, written one way everywhere: the
    locale's medium date and a 24-hour time ("03:10 18 thg 11, 2026", "Nov 18, 2026,
    03:10", "18 nov. 2026, 03:10"). ``format`` "HH:mm" gives the time alone, "date"
    the date alone; any other value the two together."""
    if value is None:
        return ""
    moment = to_user_timezone(value)
    locale = get_locale() or "vi"
    time = format_time(moment, "HH:mm")
    if format == "HH:mm":
        return time
    day = format_date(moment, "medium")
    if format == "date":
        return day
    return get_datetime_format("medium", locale=locale).format(time, day)


def local_date(value: date | None) -> str:
    """A calendar day (no time, no time zone) in the locale's medium format."""
    return format_date(value, "medium") if value is not None else ""


def localized(texts: dict[str, str] | None, locale: str) -> str:
    """A text in ``locale``, falling back to Vietnamese (the bank's rule)."""
    if not texts:
        return ""
    return texts.get(locale) or texts.get("vi") or ""


def number(value: int | float | None, places: int = 0) -> str:
    """A number in the locale's way (10.000 in vi, 10 000 in fr, 10,000 in en), with
    ``places`` decimals (0,67 in vi and fr, 0.67 in en)."""
    if value is None:
        return ""
    return format_decimal(value, format="#,##0" + ("." + "0" * places if places else ""))
