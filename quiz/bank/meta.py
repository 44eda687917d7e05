"""What Moodle formats cannot say (difficulty, source, option ids), kept in a comment.

Moodle ignores comments, so files stay valid for Moodle; our importer reads
them back, so an export re-imports to the very same questions.
"""

from __future__ import annotations

import json
from typing import Any

from quiz.bank.schema import QuestionData

PREFIX = "quiz-meta:"


def dump(question: QuestionData) -> str:
    return PREFIX + json.dumps(
        {
            "difficulty": question.difficulty,
            "kind": question.kind,
            "points": question.points,
            "source": question.source,
            "tags": question.tags,
            "options": [o.id for o in question.options],
        },
        ensure_ascii=False,
        sort_keys=True,
    )


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
