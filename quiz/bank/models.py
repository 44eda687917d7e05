"""Topics, questions and question versions.

A question's content never changes in place: every change makes a new
:class:`QuestionVersion`, and attempts point at the version they served, so a
past attempt always shows (and scores) exactly what the student saw.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from quiz.clock import now
from quiz.db import Base, UTCDateTime


class Kind(enum.StrEnum):
    SINGLE = "single"
    MULTIPLE = "multiple"
    TRUE_FALSE = "true_false"


class Difficulty(enum.StrEnum):
    EASY = "easy"
    MEDIUM = "medium"
    HARD = "hard"


class Status(enum.StrEnum):
    ACTIVE = "active"
    RETIRED = "retired"


class Topic(Base):
    """A subject area; one bank file per topic."""

    __tablename__ = "topics"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stable key used in files and blueprints (e.g. ``convention-basics``).
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    #: Display name per locale: ``{"vi": ..., "en": ..., "fr": ...}``.
    name: Mapped[dict[str, str]] = mapped_column(JSON)

    def display_name(self, locale: str) -> str:
        return self.name.get(locale) or self.name.get("vi") or self.slug


class Question(Base):
    """A question's identity; its content lives in its versions."""

    __tablename__ = "questions"
    __table_args__ = (
        CheckConstraint("status IN ('active', 'retired')", name="status"),
        Index("ix_questions_topic_status", "topic_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The bank's stable id (``hc-basics-001``), unique across the bank.
    key: Mapped[str] = mapped_column(String(64), unique=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("topics.id", ondelete="RESTRICT"))
    #: Retired questions are no longer drawn; nothing is ever deleted.
    status: Mapped[str] = mapped_column(String(16), default=Status.ACTIVE.value)
    #: Denormalised from the current version so that drawing can filter cheaply.
    difficulty: Mapped[str] = mapped_column(String(8))
    kind: Mapped[str] = mapped_column(String(16))
    current_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("question_versions.id", use_alter=True, ondelete="RESTRICT")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now)
    #: When an official round's questions became a practice round that may draw it:
    #: from then on its answer is public, and the study page lists it.
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    topic: Mapped[Topic] = relationship(lazy="joined")
    current_version: Mapped[QuestionVersion | None] = relationship(
        foreign_keys=[current_version_id], post_update=True, lazy="joined"
    )


class QuestionVersion(Base):
    """One immutable state of a question's content."""

    __tablename__ = "question_versions"
    __table_args__ = (
        UniqueConstraint("question_id", "number", name="uq_question_versions_number"),
        CheckConstraint("points >= 1", name="points"),
        CheckConstraint("kind IN ('single', 'multiple', 'true_false')", name="kind"),
        CheckConstraint("difficulty IN ('easy', 'medium', 'hard')", name="difficulty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="RESTRICT"))
    #: 1 for the first version, then 2, 3...
    number: Mapped[int]
    difficulty: Mapped[str] = mapped_column(String(8))
    kind: Mapped[str] = mapped_column(String(16))
    points: Mapped[int] = mapped_column(default=1)
    #: Question text per locale (plain text with line breaks).
    text: Mapped[dict[str, str]] = mapped_column(JSON)
    #: ``[{"id": "a", "text": {locale: str}, "correct": bool}, ...]`` in bank order.
    options: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    #: Explanation per locale, shown when review is allowed.
    explanation: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    source: Mapped[str] = mapped_column(String(500), default="")
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: After this day the facts must be checked again (the bank's lint warns).
    review_by: Mapped[date | None]
    #: SHA-256 of the canonical content: equal content, equal digest.
    digest: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now)
    #: Who made this version; null when it came from a command-line import.
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    question: Mapped[Question] = relationship(foreign_keys=[question_id])

    def correct_ids(self) -> list[str]:
        return [o["id"] for o in self.options if o.get("correct")]
