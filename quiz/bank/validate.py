"""The rules of spec/question-bank.md, applied to parsed bank content."""

from __future__ import annotations

import re

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
            errors.append(Problem(topic.file, topic.line, "", "topic must be a slug (a-z, 0-9, -)"))
        elif topic.slug in slugs:
            other = slugs[topic.slug]
            errors.append(
                Problem(
                    topic.file,
                    topic.line,
                    "",
                    f"topic {topic.slug} is also defined in {other.file}:{other.line}",
                )
            )
        else:
            slugs[topic.slug] = topic
        if not topic.name.get(DEFAULT_LOCALE):
            errors.append(Problem(topic.file, topic.line, "", "name needs a Vietnamese (vi) text"))
        for question in topic.questions:
            if question.id in ids:
                first = ids[question.id]
                errors.append(
                    _at(
                        question,
                        f"duplicate question id, first defined in {first.file}:{first.line}",
                    )
                )
            else:
                ids[question.id] = question
            errors.extend(question_errors(question))
            if strict:
                warnings.extend(question_warnings(question))
    return errors, warnings


def _at(question: QuestionData, message: str, line: int = 0) -> Problem:
    return Problem(question.file, line or question.line, question.id, message)


def question_errors(q: QuestionData) -> list[Problem]:
    """Every rule one question breaks."""
    problems = []
    if not QUESTION_ID.match(q.id or ""):
        problems.append(_at(q, "id must be 1-64 letters, digits, '-', '_' or '.'"))
    if q.difficulty not in DIFFICULTIES:
        problems.append(_at(q, f"difficulty must be one of {', '.join(DIFFICULTIES)}"))
    if q.kind not in KINDS:
        problems.append(_at(q, f"kind must be one of {', '.join(KINDS)}"))
    if isinstance(q.points, bool) or not isinstance(q.points, int) or q.points < 1:
        problems.append(_at(q, "points must be a whole number of at least 1"))
    if not (q.text.get(DEFAULT_LOCALE) or "").strip():
        problems.append(_at(q, "text needs a Vietnamese (vi) text"))
    problems.extend(_option_errors(q))
    return problems


def _option_errors(q: QuestionData) -> list[Problem]:
    problems = []
    count = len(q.options)
    if q.kind == "true_false" and count != 2:
        problems.append(_at(q, f"a true_false question has exactly 2 options, not {count}"))
    elif not MIN_OPTIONS <= count <= MAX_OPTIONS:
        problems.append(
            _at(q, f"a question has {MIN_OPTIONS} to {MAX_OPTIONS} options, not {count}")
        )
    seen: set[str] = set()
    for option in q.options:
        if not OPTION_ID.match(option.id or ""):
            problems.append(
                _at(q, f"option id {option.id!r} must be 1-16 letters or digits", option.line)
            )
        elif option.id in seen:
            problems.append(_at(q, f"option id {option.id} is used twice", option.line))
        seen.add(option.id)
        if not (option.text.get(DEFAULT_LOCALE) or "").strip():
            problems.append(_at(q, f"option {option.id} needs a Vietnamese (vi) text", option.line))
    correct = sum(1 for o in q.options if o.correct)
    if q.kind in ("single", "true_false") and correct != 1:
        problems.append(
            _at(q, f"a {q.kind} question has exactly one correct option, not {correct}")
        )
    if q.kind == "multiple" and correct < 1:
        problems.append(_at(q, "a multiple question needs at least one correct option"))
    return problems


def question_warnings(q: QuestionData) -> list[Problem]:
    """What ``--strict`` reports: missing translations and explanations."""
    problems = []
    texts = [("text", q.text), ("explanation", q.explanation)]
    texts += [(f"option {o.id}", o.text) for o in q.options]
    for label, value in texts:
        missing = [loc for loc in LOCALES if not (value.get(loc) or "").strip()]
        if label == "explanation" and len(missing) == len(LOCALES):
            problems.append(_at(q, "no explanation"))
        elif missing:
            problems.append(_at(q, f"{label} has no {', '.join(missing)} translation"))
    return problems
