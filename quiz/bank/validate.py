"""The rules of spec/question-bank.md, applied to parsed bank content."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from flask_babel import lazy_gettext as _l

from quiz.bank.schema import (
    DEFAULT_LOCALE,
    DIFFICULTIES,
    KINDS,
    LOCALES,
    MAX_OPTIONS,
    MIN_OPTIONS,
    Problem,
    QuestionData,
    TopicData,
)

MAX_POINTS = 1000
MAX_SOURCE = 500
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
QUESTION_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
OPTION_ID = re.compile(r"^[A-Za-z0-9_-]{1,16}$")


def validate(
    topics: list[TopicData], *, strict: bool = False
) -> tuple[list[Problem], list[Problem]]:
    """Return (errors, warnings) for the whole bank.

    Warnings (missing translations, missing explanation) are reported only
    when ``strict``; errors always are.
    """
    errors: list[Problem] = []
    warnings: list[Problem] = []
    slugs: dict[str, TopicData] = {}
    ids: dict[str, QuestionData] = {}
    for topic in topics:
        if not SLUG.match(topic.slug or ""):
            errors.append(
                Problem(topic.file, topic.line, "", _l("topic must be a slug (a-z, 0-9, -)"))
            )
        elif topic.slug in slugs:
            other = slugs[topic.slug]
            errors.append(
                Problem(
                    topic.file,
                    topic.line,
                    "",
                    _l(
                        "topic %(topic)s is also defined in %(where)s",
                        topic=topic.slug,
                        where=f"{other.file}:{other.line}",
                    ),
                )
            )
        else:
            slugs[topic.slug] = topic
        if not topic.name.get(DEFAULT_LOCALE):
            errors.append(
                Problem(topic.file, topic.line, "", _l("name needs a Vietnamese (vi) text"))
            )
        for question in topic.questions:
            if question.id in ids:
                first = ids[question.id]
                errors.append(
                    _at(
                        question,
                        _l(
                            "duplicate question id, first defined in %(where)s",
                            where=f"{first.file}:{first.line}",
                        ),
                    )
                )
            else:
                ids[question.id] = question
            errors.extend(question_errors(question))
            if strict:
                warnings.extend(question_warnings(question))
    if strict:
        warnings.extend(letter_skew(list(ids.values())))
    return errors, warnings


def letter_skew(questions: list[QuestionData]) -> list[Problem]:
    """Warn when one option id is right in most single-choice questions.

    Students see option ids, so a favourite letter would hint at the answer.
    """
    right = [o.id for q in questions if q.kind == "single" for o in q.options if o.correct]
    if len(right) < 20:
        return []
    letter, count = Counter(right).most_common(1)[0]
    if count * 2 <= len(right):
        return []
    return [
        Problem(
            questions[0].file,
            0,
            "",
            _l(
                "the correct option is %(id)s in %(n)d of %(total)d single-choice questions: "
                "option ids are shown to students, so spread them (tools/reletter_options.py)",
                id=letter,
                n=count,
                total=len(right),
            ),
        )
    ]


def _at(question: QuestionData, message: Any, line: int = 0) -> Problem:
    return Problem(question.file, line or question.line, question.id, message)


def question_errors(q: QuestionData) -> list[Problem]:
    """Every rule one question breaks."""
    problems = []
    if not QUESTION_ID.match(q.id or ""):
        problems.append(_at(q, _l("id must be 1-64 letters, digits, '-', '_' or '.'")))
    if q.difficulty not in DIFFICULTIES:
        problems.append(
            _at(q, _l("difficulty must be one of %(values)s", values=", ".join(DIFFICULTIES)))
        )
    if q.kind not in KINDS:
        problems.append(_at(q, _l("kind must be one of %(values)s", values=", ".join(KINDS))))
    if isinstance(q.points, bool) or not isinstance(q.points, int) or q.points < 1:
        problems.append(_at(q, _l("points must be a whole number of at least 1")))
    elif q.points > MAX_POINTS:
        problems.append(_at(q, _l("points must be at most %(n)d", n=MAX_POINTS)))
    if len(q.source) > MAX_SOURCE:
        problems.append(_at(q, _l("source must have at most %(n)d characters", n=MAX_SOURCE)))
    if not (q.text.get(DEFAULT_LOCALE) or "").strip():
        problems.append(_at(q, _l("text needs a Vietnamese (vi) text")))
    problems.extend(_option_errors(q))
    return problems


def _option_errors(q: QuestionData) -> list[Problem]:
    problems = []
    count = len(q.options)
    if q.kind == "true_false" and count != 2:
        problems.append(
            _at(q, _l("a true_false question has exactly 2 options, not %(n)d", n=count))
        )
    elif not MIN_OPTIONS <= count <= MAX_OPTIONS:
        problems.append(
            _at(
                q,
                _l(
                    "a question has %(low)d to %(high)d options, not %(n)d",
                    low=MIN_OPTIONS,
                    high=MAX_OPTIONS,
                    n=count,
                ),
            )
        )
    seen: set[str] = set()
    for option in q.options:
        if not OPTION_ID.match(option.id or ""):
            problems.append(
                _at(
                    q,
                    _l("option id %(id)s must be 1-16 letters or digits", id=repr(option.id)),
                    option.line,
                )
            )
        elif option.id in seen:
            problems.append(_at(q, _l("option id %(id)s is used twice", id=option.id), option.line))
        seen.add(option.id)
        if not (option.text.get(DEFAULT_LOCALE) or "").strip():
            problems.append(
                _at(q, _l("option %(id)s needs a Vietnamese (vi) text", id=option.id), option.line)
            )
    correct = sum(1 for o in q.options if o.correct)
    if q.kind in ("single", "true_false") and correct != 1:
        problems.append(
            _at(
                q,
                _l(
                    "a %(kind)s question has exactly one correct option, not %(n)d",
                    kind=q.kind,
                    n=correct,
                ),
            )
        )
    if q.kind == "multiple" and correct < 1:
        problems.append(_at(q, _l("a multiple question needs at least one correct option")))
    return problems


def question_warnings(q: QuestionData) -> list[Problem]:
    """What ``--strict`` reports: missing translations and explanations."""
    problems = []
    texts = [("text", q.text), ("explanation", q.explanation)]
    texts += [(f"option {o.id}", o.text) for o in q.options]
    for label, value in texts:
        missing = [loc for loc in LOCALES if not (value.get(loc) or "").strip()]
        if label == "explanation" and len(missing) == len(LOCALES):
            problems.append(_at(q, _l("no explanation")))
        elif missing:
            problems.append(
                _at(
                    q,
                    _l(
                        "%(part)s has no %(locales)s translation",
                        part=label,
                        locales=", ".join(missing),
                    ),
                )
            )
    return problems
