"""The bank's content as plain data, whatever file format it came from.

Parsers (YAML, GIFT, Moodle XML) produce :class:`TopicData`; the validator
checks it; the import service writes it; exporters read it back.
"""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import dataclass, field
from datetime import date
from typing import Any

LOCALES = ("vi", "en", "fr")
DEFAULT_LOCALE = "vi"
KINDS = ("single", "multiple", "true_false")
DIFFICULTIES = ("easy", "medium", "hard")
MIN_OPTIONS, MAX_OPTIONS = 2, 8

#: Option texts of a true/false question imported from a format that has none.
TRUE_TEXT = {"vi": "Đúng", "en": "True", "fr": "Vrai"}
FALSE_TEXT = {"vi": "Sai", "en": "False", "fr": "Faux"}


@dataclass
class OptionData:
    id: str
    text: dict[str, str]
    correct: bool = False
    line: int = 0


@dataclass
class QuestionData:
    """One question as a bank file states it."""

    id: str
    difficulty: str = "medium"
    kind: str = "single"
    points: int = 1
    text: dict[str, str] = field(default_factory=dict)
    options: list[OptionData] = field(default_factory=list)
    explanation: dict[str, str] = field(default_factory=dict)
    source: str = ""
    tags: list[str] = field(default_factory=list)
    #: After this day the fact must be checked again (``quiz bank lint`` warns).
    review_by: date | None = None
    #: "retired" keeps a question in its file (its id reserved) but out of draws.
    #: Not part of the content: retiring is not a new version.
    status: str = "active"
    #: Where it was read (for error messages); not part of the content.
    file: str = ""
    line: int = 0

    def content(self) -> dict[str, Any]:
        """The versioned content, in canonical form (what a version stores)."""
        content: dict[str, Any] = {
            "difficulty": self.difficulty,
            "kind": self.kind,
            "points": self.points,
            "text": _locales(self.text),
            "options": [
                {"id": o.id, "text": _locales(o.text), "correct": bool(o.correct)}
                for o in self.options
            ],
            "explanation": _locales(self.explanation),
            "source": self.source,
            "tags": list(self.tags),
        }
        if self.review_by is not None:  # absent otherwise: older versions keep their digest
            content["review_by"] = self.review_by.isoformat()
        return content

    def digest(self) -> str:
        """Equal content gives an equal digest (used to detect changes on import)."""
        return content_digest(self.content())


@dataclass
class TopicData:
    slug: str
    name: dict[str, str] = field(default_factory=dict)
    questions: list[QuestionData] = field(default_factory=list)
    file: str = ""
    line: int = 0


def _locales(texts: dict[str, str]) -> dict[str, str]:
    """Locales in a fixed order, empty ones dropped."""
    return {loc: texts[loc] for loc in LOCALES if texts.get(loc)}


def spread_option_ids(question: QuestionData) -> None:
    """Letter the options in a random order seeded by the question's id.

    Option ids are shown to students; files from other tools usually list the
    right answer first, and lettering them a, b, c in file order would give it
    away. True/false questions keep a = true, b = false.
    """
    if question.kind == "true_false":
        return
    letters = list("abcdefgh"[: len(question.options)])
    random.Random(f"ids:{question.id}").shuffle(letters)
    for option, letter in zip(question.options, letters, strict=False):
        option.id = letter


def content_digest(content: dict[str, Any]) -> str:
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def question_from_content(key: str, content: dict[str, Any]) -> QuestionData:
    """Rebuild a :class:`QuestionData` from stored content."""
    return QuestionData(
        id=key,
        difficulty=content["difficulty"],
        kind=content["kind"],
        points=content["points"],
        text=dict(content["text"]),
        options=[
            OptionData(o["id"], dict(o["text"]), bool(o.get("correct"))) for o in content["options"]
        ],
        explanation=dict(content.get("explanation") or {}),
        source=content.get("source") or "",
        tags=list(content.get("tags") or []),
        review_by=date.fromisoformat(content["review_by"]) if content.get("review_by") else None,
    )


@dataclass(frozen=True)
class Problem:
    """One error or warning about a bank file, located as precisely as known."""

    file: str
    line: int
    question: str
    #: A lazy translation: rendered in the reader's language (English on the command line).
    message: Any

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        subject = f" [{self.question}]" if self.question else ""
        return f"{where}:{subject} {self.message}"


class BankInvalid(Exception):
    """Bank content that breaks a rule; nothing was imported."""

    def __init__(self, problems: list[Problem]):
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems
