"""Question versions read once per process and kept.

A :class:`~quiz.bank.models.QuestionVersion` never changes once written, and
none is ever deleted, so a copy read from the database stays true for the life
of the process: the attempt pages, the attempt API and the draws read versions
from here instead of loading (and parsing) the same JSON texts for every
student. The copy is bounded (least recently used versions are dropped first).

A version is only ever cached from a committed row: the bank's writes (import,
editing) never read through this cache. Tests, whose transactions are rolled
back and whose ids SQLite may then reuse, call :func:`clear` between tests.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from quiz.bank.models import Question, QuestionVersion

#: How many versions a process keeps (a bank has a few hundred).
CAPACITY = 4096


@dataclass(frozen=True, slots=True)
class OptionView:
    id: str
    #: Text per locale.
    text: dict[str, str]
    correct: bool


@dataclass(frozen=True, slots=True)
class VersionView:
    """What a page needs of one question version, as plain immutable data."""

    id: int
    #: The bank's stable id of the question (``hc-basics-001``).
    key: str
    kind: str
    points: int
    text: dict[str, str]
    #: In bank order; an attempt shows them in its own shuffled order.
    options: tuple[OptionView, ...]
    explanation: dict[str, str]

    def correct_ids(self) -> list[str]:
        return [o.id for o in self.options if o.correct]

    def option_ids(self) -> list[str]:
        return [o.id for o in self.options]

    def option(self, option_id: str) -> OptionView:
        for option in self.options:
            if option.id == option_id:
                return option
        raise KeyError(option_id)


_lock = threading.Lock()
_kept: OrderedDict[int, VersionView] = OrderedDict()


def _view(row: Any) -> VersionView:
    return VersionView(
        id=row.id,
        key=row.key,
        kind=row.kind,
        points=row.points,
        text=dict(row.text),
        options=tuple(
            OptionView(o["id"], dict(o["text"]), bool(o.get("correct"))) for o in row.options
        ),
        explanation=dict(row.explanation or {}),
    )


def versions(session: Session, ids: Iterable[int]) -> dict[int, VersionView]:
    """The versions with these ids (one query for those not kept yet)."""
    wanted = list(dict.fromkeys(ids))
    found: dict[int, VersionView] = {}
    with _lock:
        for version_id in wanted:
            view = _kept.get(version_id)
            if view is not None:
                _kept.move_to_end(version_id)
                found[version_id] = view
    missing = [version_id for version_id in wanted if version_id not in found]
    if missing:
        rows = session.execute(
            select(
                QuestionVersion.id,
                Question.key,
                QuestionVersion.kind,
                QuestionVersion.points,
                QuestionVersion.text,
                QuestionVersion.options,
                QuestionVersion.explanation,
            )
            .join(Question, Question.id == QuestionVersion.question_id)
            .where(QuestionVersion.id.in_(missing))
        )
        loaded = {row.id: _view(row) for row in rows}
        with _lock:
            for version_id, view in loaded.items():
                _kept[version_id] = view
            while len(_kept) > CAPACITY:
                _kept.popitem(last=False)
        found.update(loaded)
    return found


def version(session: Session, version_id: int) -> VersionView:
    """One version (KeyError if there is none with this id)."""
    return versions(session, [version_id])[version_id]


def clear() -> None:
    """Forget every kept version (tests: rolled-back ids may be reused)."""
    with _lock:
        _kept.clear()
