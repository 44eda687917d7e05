"""Texts in several languages inside one Moodle field.

Moodle's multilang filter shows, of ``<span lang="vi" class="multilang">…</span>``
spans, the one in the reader's language. We write our three locales that way
and read them back; a text without spans is taken as Vietnamese.
"""

from __future__ import annotations

import html
import re

from quiz.bank.schema import DEFAULT_LOCALE, LOCALES

SPAN = re.compile(
    r"<span\s+(?=[^>]*class=\"multilang\")[^>]*lang=\"([A-Za-z_-]+)\"[^>]*>(.*?)</span>",
    re.S | re.I,
)
BREAK = re.compile(r"<br\s*/?>", re.I)
TAG = re.compile(r"<[^>]+>")


def to_html(text: str) -> str:
    """Plain text with line breaks as HTML: escaped, breaks as ``<br>``."""
    return html.escape(text, quote=False).replace("\n", "<br>")


def from_html(markup: str) -> str:
    """HTML back to plain text: breaks kept, every other tag dropped (never rendered)."""
    return html.unescape(TAG.sub("", BREAK.sub("\n", markup))).strip()


def join(texts: dict[str, str]) -> str:
    """Our per-locale texts as one field of multilang spans."""
    present = [loc for loc in LOCALES if texts.get(loc)]
    if present == [DEFAULT_LOCALE]:
        return to_html(texts[DEFAULT_LOCALE])
    return "".join(
        f'<span lang="{loc}" class="multilang">{to_html(texts[loc])}</span>' for loc in present
    )


def split(markup: str, *, is_html: bool = True) -> dict[str, str]:
    """A Moodle field back to per-locale texts (unknown languages are dropped)."""
    spans = SPAN.findall(markup)
    if not spans:
        text = from_html(markup) if is_html else markup.strip()
        return {DEFAULT_LOCALE: text} if text else {}
    texts: dict[str, str] = {}
    for lang, inner in spans:
        locale = lang.lower().split("_")[0].split("-")[0]
        if locale in LOCALES and locale not in texts:
            texts[locale] = from_html(inner)
    return texts
