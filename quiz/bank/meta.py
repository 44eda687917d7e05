"""What Moodle formats cannot say (difficulty, source, option ids, review date, retired
status), kept in a comment.

Moodle ignores comments, so files stay valid for Moodle; our importer reads
them back, so an export re-imports to the very same questions.
"""

from __future__ import annotations

import contextlib
import json
from datetime import date
from typing import Any

from quiz.bank.schema import QuestionData, spread_option_ids

PREFIX = "quiz-meta:"


def dump(question: QuestionData) -> str:
    data: dict[str, Any] = {
        "difficulty": question.difficulty,
        "kind": question.kind,
        "points": question.points,
        "source": question.source,
        "tags": question.tags,
        "options": [o.id for o in question.options],
    }
    if question.review_by is not None:
        data["review_by"] = question.review_by.isoformat()
    if question.status != "active":
        data["status"] = question.status
    return PREFIX + json.dumps(data, ensure_ascii=False, sort_keys=True)


def load(comment: str) -> dict[str, Any] | None:
    """The metadata in ``comment``, or None if it holds none (or is unreadable)."""
    text = comment.strip()
    if not text.startswith(PREFIX):
        return None
    try:
        data = json.loads(text[len(PREFIX) :])
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def apply(question: QuestionData, data: dict[str, Any] | None) -> None:
    """Restore what a metadata comment kept; without one, letter options at random.

    Values of the wrong type are ignored (the validator then judges the rest).
    """
    data = data or {}
    for key in ("difficulty", "kind", "source"):
        if isinstance(data.get(key), str):
            setattr(question, key, data[key])
    if isinstance(data.get("points"), int) and not isinstance(data.get("points"), bool):
        question.points = data["points"]
    if data.get("status") in ("active", "retired"):
        question.status = data["status"]
    with contextlib.suppress(KeyError, TypeError, ValueError):  # absent or not a date
        question.review_by = date.fromisoformat(data["review_by"])
    tags = data.get("tags")
    if isinstance(tags, list) and all(isinstance(t, str) for t in tags):
        question.tags = list(tags)
    ids = data.get("options")
    if isinstance(ids, list) and len(ids) == len(question.options):
        for option, option_id in zip(question.options, ids, strict=True):
            option.id = str(option_id)
    else:
        spread_option_ids(question)
