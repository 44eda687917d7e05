"""The attempt page's questions, rendered from parts kept per version and language.

Ten thousand students open their attempt page in the same minute. A question
version never changes, so its escaped text and option labels in each language
are built once per process and kept; a page only joins them in the student's
order, with the student's answers checked. The markup is the one of the
``question_body`` macro (templates/_question.html), which the other pages use;
a test checks that both give the same HTML.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from flask import url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from markupsafe import Markup, escape

from quiz.attempts.services import Sheet
from quiz.bank.cache import VersionView
from quiz.i18n import localized

#: How many (version, language) parts a process keeps.
CAPACITY = 8192


@dataclass(frozen=True, slots=True)
class QuestionParts:
    """A version's markup in one language, before the student's order and answers."""

    #: Up to the options: the question's text and the help line.
    head: str
    #: Per option id: the input up to its closing bracket, and the label after it.
    options: dict[str, tuple[str, str]]


_lock = threading.Lock()
_parts: dict[tuple[int, str], QuestionParts] = {}
_labels: dict[str, dict[str, str]] = {}


def question_parts(version: VersionView, locale: str) -> QuestionParts:
    """The version's parts in ``locale`` (built once, then kept)."""
    key = (version.id, locale)
    found = _parts.get(key)
    if found is not None:
        return found
    kind = "checkbox" if version.kind == "multiple" else "radio"
    help_line = (
        f'\n  <p class="help">{escape(_("Choose every right answer."))}</p>'
        if version.kind == "multiple"
        else ""
    )
    head = (
        f'<div class="question" lang="{escape(locale)}">\n'
        f'  <p class="question-text">{escape(localized(version.text, locale))}</p>{help_line}\n'
        f'  <fieldset class="options">\n'
        f'    <legend class="visually-hidden">{escape(_("Answers"))}</legend>'
    )
    options = {
        option.id: (
            f'\n    <label class="option">\n      <input type="{kind}" name="choices"\n'
            f'             value="{escape(option.id)}"',
            f">\n      <span>{escape(localized(option.text, locale))}</span>\n    </label>",
        )
        for option in version.options
    }
    parts = QuestionParts(head, options)
    with _lock:
        if len(_parts) >= CAPACITY:
            _parts.clear()
        _parts[key] = parts
    return parts


def question_html(version: VersionView, locale: str, order: list[str], chosen: list[str]) -> str:
    """One question's text and options in ``order``, ``chosen`` checked."""
    parts = question_parts(version, locale)
    html = [parts.head]
    for option_id in order:
        opening, label = parts.options[option_id]
        html.append(opening)
        if option_id in chosen:
            html.append(" checked")
        html.append(label)
    html.append("\n  </fieldset>\n</div>")
    return "".join(html)


def _page_labels(locale: str) -> dict[str, str]:
    """The page's fixed words in ``locale`` (the request's language), escaped, kept."""
    found = _labels.get(locale)
    if found is None:
        found = {
            "flag": str(escape(_("Flag this question to come back to it"))),
            "previous": str(escape(_("Previous question"))),
            "next": str(escape(_("Save and next"))),
            "finish": str(escape(_("Save and finish"))),
        }
        _labels[locale] = found
    return found


def attempt_items_html(sheet: Sheet, locale: str, position: int, csrf_token: str) -> Markup:
    """Every question of the attempt page: the current one shown, the others hidden."""
    labels = _page_labels(locale)
    action = escape(url_for("contest.answer", attempt_id=sheet.id))
    token = escape(csrf_token)
    total = len(sheet.items)
    sections = []
    for item in sheet.items:
        n = item.position
        current = n == position
        title = escape(_("Question %(n)d of %(total)d", n=n, total=total))
        points = escape(ngettext("%(num)d point", "%(num)d points", item.version.points))
        buttons = []
        if n > 1:
            buttons.append(
                f'<button type="submit" name="go" value="{n - 1}" class="secondary button" '
                f'data-go="{n - 1}">{labels["previous"]}</button>'
            )
        if n < total:
            buttons.append(
                f'<button type="submit" name="go" value="{n + 1}" data-go="{n + 1}">'
                f"{labels['next']}</button>"
            )
        else:
            buttons.append(
                f'<button type="submit" name="finish" value="1" data-finish="1">'
                f"{labels['finish']}</button>"
            )
        sections.append(
            f'<section class="card item{" current" if current else ""}" data-position="{n}"'
            f'{"" if current else " hidden"} aria-labelledby="q{n}-title">\n'
            f'  <h1 id="q{n}-title" class="item-title">{title}\n'
            f'    <span class="muted">· {points}</span></h1>\n'
            f'  <form method="post" action="{action}" class="answer-form">\n'
            f'    <input type="hidden" name="csrf_token" value="{token}">\n'
            f'    <input type="hidden" name="position" value="{n}">\n'
            f"{question_html(item.version, locale, item.option_order, item.choices)}\n"
            f'    <label class="check flag"><input type="checkbox" class="flag-toggle" '
            f'data-position="{n}"> {labels["flag"]}</label>\n'
            f'    <div class="actions item-actions">\n      {"".join(buttons)}\n    </div>\n'
            f"  </form>\n</section>"
        )
    return Markup("\n".join(sections))


def forget() -> None:
    """Forget every kept part (tests)."""
    with _lock:
        _parts.clear()
        _labels.clear()
