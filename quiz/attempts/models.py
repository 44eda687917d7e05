"""Attempts and their items (contest-rules.md, Drawing, Timing, Scoring).

Races are settled by the database, so they hold with several workers and
servers: one attempt per (round, student, number); at most one in progress per
student and round; a finalized attempt never changes status again.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from quiz.bank.models import QuestionVersion
from quiz.db import Base, UTCDateTime

#: Scores are kept in 1/840 of a point: a partial-credit item scores
#: points * k / n with n <= 8 options, and 840 is divisible by 1..8, so every
#: score is an exact integer and rankings never compare floating-point numbers.
SCORE_UNIT = 840


class AttemptStatus(enum.StrEnum):
    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"
    EXPIRED = "expired"


class Attempt(Base):
    """One student's attempt at one round."""

    __tablename__ = "attempts"
    __table_args__ = (
        UniqueConstraint("round_id", "student_id", "number", name="uq_attempts_number"),
        # At most one attempt in progress per student and round, even when starts race.
        Index(
            "uq_attempts_in_progress",
            "round_id",
            "student_id",
            unique=True,
            sqlite_where=text("status = 'in_progress'"),
            postgresql_where=text("status = 'in_progress'"),
        ),
        Index(
            "ix_attempts_deadline_open",
            "deadline",
            sqlite_where=text("status = 'in_progress'"),
            postgresql_where=text("status = 'in_progress'"),
        ),
        CheckConstraint("status IN ('in_progress', 'submitted', 'expired')", name="status"),
        CheckConstraint("number >= 1", name="number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="RESTRICT"))
    student_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    #: 1 for the student's first attempt at the round, then 2...
    number: Mapped[int]
    status: Mapped[str] = mapped_column(default=AttemptStatus.IN_PROGRESS.value)
    #: Seeds the draw and the shuffles, so the set can be reproduced.
    seed: Mapped[int]
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: min(started_at + time limit, round closes_at).
    deadline: Mapped[datetime] = mapped_column(UTCDateTime())
    #: deadline + the round's grace: the last instant a save counts. Kept on the
    #: attempt so that the guarded save compares one column on both databases.
    save_until: Mapped[datetime] = mapped_column(UTCDateTime())
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finalized_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: In 1/SCORE_UNIT points; null until finalized.
    score_units: Mapped[int | None]
    max_score: Mapped[int]
    duration_ms: Mapped[int | None]
    #: Time given back after incidents (contest-operations.md): it moved the
    #: deadline and is left out of ``duration_ms``, so ties stay fair.
    excused_ms: Mapped[int] = mapped_column(default=0, server_default="0")
    #: The student's answer to the round's prediction question, if any.
    prediction: Mapped[int | None]
    #: The address the start came from (behind the trusted proxies): the ``crowd``
    #: integrity signal counts accounts per address (contest-operations.md).
    start_address: Mapped[str | None] = mapped_column(String(45))
    #: Set when an organiser disqualified the attempt after reviewing an integrity
    #: signal: it then counts in no standing, and its student reads why in a note.
    disqualified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Unused since saves stopped writing the attempt row (the page resumes at the
    #: last question answered); kept so that older databases need no rewrite.
    last_position: Mapped[int] = mapped_column(default=1)

    # Loaded only when asked for: the hot paths read items as plain rows.
    items: Mapped[list[AttemptItem]] = relationship(
        order_by="AttemptItem.position", back_populates="attempt", lazy="select"
    )


class AttemptItem(Base):
    """One question of an attempt: the pinned version, the shown order, the answer."""

    __tablename__ = "attempt_items"
    __table_args__ = (UniqueConstraint("attempt_id", "position", name="uq_attempt_items_position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"))
    #: 1-based, in the order shown to this student.
    position: Mapped[int]
    #: The exact version served; later edits of the question never change it.
    question_version_id: Mapped[int] = mapped_column(
        ForeignKey("question_versions.id", ondelete="RESTRICT"), index=True
    )
    #: Option ids in the shuffled order shown to this student.
    option_order: Mapped[list[str]] = mapped_column(JSON)
    #: The last saved answer (option ids); empty = unanswered.
    choices: Mapped[list[str]] = mapped_column(JSON, default=list)
    saved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: In 1/SCORE_UNIT points; set when the attempt is finalized.
    score_units: Mapped[int | None]

    attempt: Mapped[Attempt] = relationship(back_populates="items")
    version: Mapped[QuestionVersion] = relationship(lazy="select")


class AttemptNote(Base):
    """What an organiser changed about one attempt, and why: its student reads it on
    their result (an incident's time given back, an override, a regrade, a decision)."""

    __tablename__ = "attempt_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(
        ForeignKey("attempts.id", ondelete="CASCADE"), index=True
    )
    #: ``incident``, ``override``, ``regrade`` or ``decision``.
    kind: Mapped[str] = mapped_column(String(16))
    #: The figures the note's sentence is made of (minutes, the question, old and new score).
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: The organiser's reason, shown as they wrote it.
    reason: Mapped[str] = mapped_column(String(500))
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class Regrade(Base):
    """The regrade in force for one question of one round (contest-operations.md,
    Regrading): every finalized attempt that had the question is scored by it. A
    second regrade of the same question replaces the first."""

    __tablename__ = "regrades"
    __table_args__ = (
        UniqueConstraint("round_id", "question_id", name="uq_regrades_question"),
        CheckConstraint("action IN ('rekey', 'neutralise', 'drop')", name="action"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="RESTRICT"))
    #: ``rekey`` (scored against ``version_id``), ``neutralise`` (full points), ``drop``
    #: (out of score and maximum).
    action: Mapped[str] = mapped_column(String(16))
    version_id: Mapped[int | None] = mapped_column(
        ForeignKey("question_versions.id", ondelete="RESTRICT")
    )
    reason: Mapped[str] = mapped_column(String(500))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class Paper(Base):
    """A question set drawn ahead for one student's next attempt at a round.

    A paper is not an attempt: it uses no attempt, appears on no page, board or
    count, and nobody can read its questions before the start (they reach the
    student's browser sealed with ``key``). Starting the round turns it into the
    attempt (``quiz.attempts.services.start``). It is only used while its
    revision is the round's (``Round.paper_revision``): editing the round or the
    bank makes it stale, and it is drawn again.
    """

    __tablename__ = "papers"
    __table_args__ = (UniqueConstraint("round_id", "student_id", name="uq_papers_student"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"))
    student_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: The round's paper revision when it was drawn.
    revision: Mapped[int]
    #: The student's attempt number it is for (their attempts so far + 1).
    number: Mapped[int]
    #: AES-256 key sealing the paper's questions sent ahead to the student's browser;
    #: released by the start, never before.
    key: Mapped[bytes] = mapped_column(LargeBinary(32))
    #: Seeds the draw and the shuffles, as an attempt's does; the attempt keeps it.
    seed: Mapped[int]
    max_score: Mapped[int]
    drawn_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: When a start turned it into an attempt. A used paper is only marked (one row
    #: written at the start instant); the next preparation removes it.
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class PaperItem(Base):
    """One question of a paper: the version drawn and the order its options will show."""

    __tablename__ = "paper_items"

    paper_id: Mapped[int] = mapped_column(
        ForeignKey("papers.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(primary_key=True)
    question_version_id: Mapped[int] = mapped_column(
        ForeignKey("question_versions.id", ondelete="RESTRICT")
    )
    option_order: Mapped[list[str]] = mapped_column(JSON)
