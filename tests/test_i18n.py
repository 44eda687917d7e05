"""Three languages: complete catalogs, and how the language is chosen."""

from __future__ import annotations

import gettext
from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from tests.conftest import ROOT, log_in

TRANSLATIONS = ROOT / "quiz" / "translations"
LOCALES = ("vi", "en", "fr")
METHODS = [("quiz/**.py", "python"), ("quiz/**/templates/**.html", "jinja2")]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}


def source_messages() -> set[str]:
    """Every string the code and templates mark for translation."""
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), METHODS, keywords=KEYWORDS
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def catalog(locale: str):
    with open(TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po", "rb") as handle:
        return read_po(handle)


@pytest.mark.parametrize("locale", LOCALES)
def test_every_visible_string_is_translated_and_none_is_fuzzy(locale):
    messages = {m.id if isinstance(m.id, str) else m.id[0]: m for m in catalog(locale) if m.id}
    missing = sorted(source_messages() - set(messages))
    assert not missing, f"{locale}: not in the catalog (run tools/i18n.sh update): {missing}"
    empty = sorted(
        str(m.id)
        for m in messages.values()
        if not all(m.string if isinstance(m.string, tuple | list) else [m.string])
    )
    assert not empty, f"{locale}: untranslated: {empty}"
    fuzzy = sorted(m.id for m in messages.values() if m.fuzzy)
    assert not fuzzy, f"{locale}: fuzzy: {fuzzy}"


@pytest.mark.parametrize("locale", LOCALES)
def test_compiled_catalog_matches_the_po_file(locale):
    mo = Path(TRANSLATIONS / locale / "LC_MESSAGES" / "messages.mo")
    assert mo.exists(), "run tools/i18n.sh compile"
    with mo.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    for message in catalog(locale):
        if message.id and isinstance(message.id, str):
            assert compiled.gettext(message.id) == message.string, message.id
        elif message.id:
            singular, plural = message.id
            assert compiled.ngettext(singular, plural, 1) == message.string[0], singular


@pytest.mark.parametrize(
    ("header", "expected"), [("en-GB,en;q=0.9", "en"), ("fr", "fr"), ("de", "vi"), ("", "vi")]
)
def test_accept_language_chooses_the_language(client, header, expected):
    response = client.get("/", headers={"Accept-Language": header} if header else {})
    assert f'<html lang="{expected}">' in response.text


def test_switcher_cookie_beats_accept_language(client):
    response = client.post("/language", data={"locale": "fr", "next": "/universities"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/universities")
    page = client.get("/", headers={"Accept-Language": "en"})
    assert '<html lang="fr">' in page.text


def test_switcher_refuses_to_redirect_elsewhere(client):
    response = client.post("/language", data={"locale": "en", "next": "https://evil.example"})
    assert response.headers["Location"] in ("/", "http://localhost/")


def test_user_setting_beats_the_cookie(app, student, db_session):
    client = log_in(app, student)
    client.post("/language", data={"locale": "en"})
    db_session.refresh(student)
    assert student.locale == "en"
    client.set_cookie("lang", "fr")
    assert '<html lang="en">' in client.get("/").text


def test_dates_are_shown_in_the_contest_time_zone(app, student, db_session):
    student.created_at = datetime(2026, 1, 31, 20, 30, tzinfo=UTC)  # 03:30 on 1 Feb in Hanoi
    db_session.flush()
    client = log_in(app, student)
    text = client.get("/profile", headers={"Accept-Language": "en"}).text
    assert "Feb 1, 2026" in text and "3:30" in text


@pytest.mark.parametrize(
    ("language", "required", "email", "short"),
    [
        (
            "vi",
            "Vui lòng điền trường này.",
            "Địa chỉ e-mail không hợp lệ.",
            "Cần từ 10 đến 256 ký tự.",
        ),
        (
            "en",
            "This field is required.",
            "Invalid email address.",
            "between 10 and 256 characters",
        ),
        (
            "fr",
            "Ce champ est obligatoire.",
            "Adresse e-mail non valide.",
            "Entre 10 et 256 caractères.",
        ),
    ],
)
def test_form_messages_of_wtforms_itself_are_in_the_pages_language(
    client, language, required, email, short
):
    page = client.post(
        "/register",
        data={"email": "not-an-address", "password": "short", "full_name": ""},
        headers={"Accept-Language": language},
    )
    text = page.get_data(as_text=True)
    assert page.status_code == 422
    assert required in text and email in text and short in text
