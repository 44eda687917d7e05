"""The round model (contest-rules.md, Rounds)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, false, text, true
from sqlalchemy.orm import Mapped, mapped_column

from quiz.clock import now
from quiz.db import Base, UTCDateTime


class AttemptPolicy(enum.StrEnum):
    BEST = "best"
    LAST = "last"


class MultipleChoicePolicy(enum.StrEnum):
    ALL_OR_NOTHING = "all_or_nothing"
    PARTIAL = "partial"


class Review(enum.StrEnum):
    AFTER_CLOSE = "after_close"
    IMMEDIATELY = "immediately"
    NEVER = "never"


class RoundStatus(enum.StrEnum):
    UPCOMING = "upcoming"
    OPEN = "open"
    CLOSED = "closed"


class Round(Base):
    """A timed question set that students take between two instants."""

    __tablename__ = "rounds"
    __table_args__ = (
        CheckConstraint("closes_at > opens_at", name="window"),
        CheckConstraint("time_limit_seconds > 0", name="time_limit"),
        CheckConstraint("grace_seconds >= 0", name="grace"),
        CheckConstraint("max_attempts >= 1", name="max_attempts"),
        CheckConstraint("attempt_policy IN ('best', 'last')", name="attempt_policy"),
        CheckConstraint(
            "multiple_choice_policy IN ('all_or_nothing', 'partial')", name="mc_policy"
        ),
        CheckConstraint("review IN ('after_close', 'immediately', 'never')", name="review"),
        Index("ix_rounds_opens_at", "opens_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Title per locale (``{"vi": ..., "en": ..., "fr": ...}``); vi is required.
    title: Mapped[dict[str, str]] = mapped_column(JSON)
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: The time a student has once they start.
    time_limit_seconds: Mapped[int]
    #: Saves up to this long after the deadline still count (network latency).
    grace_seconds: Mapped[int] = mapped_column(default=10)
    #: ``[{"topic": slug or None, "difficulty": level or None, "count": n}, ...]``.
    blueprint: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    max_attempts: Mapped[int] = mapped_column(default=1)
    attempt_policy: Mapped[str] = mapped_column(default=AttemptPolicy.BEST.value)
    multiple_choice_policy: Mapped[str] = mapped_column(
        default=MultipleChoicePolicy.ALL_OR_NOTHING.value
    )
    review: Mapped[str] = mapped_column(default=Review.AFTER_CLOSE.value)
    #: After this instant public boards show standings as they were then.
    leaderboard_freeze_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: The tie-break question per locale, e.g. "How many entries will score full marks?".
    prediction_text: Mapped[dict[str, str] | None] = mapped_column(JSON(none_as_null=True))
    #: The true answer: entered by organisers after the round closes, or computed.
    prediction_value: Mapped[int | None]
    #: ``full_marks``: the platform counts the true value (the counted entries with
    #: full marks) until an organiser enters one; None: organisers enter it.
    prediction_counts: Mapped[str | None] = mapped_column(String(16))
    #: Whether an organiser entered the value (the platform then never replaces it).
    prediction_entered: Mapped[bool] = mapped_column(default=False, server_default=false())
    #: False for a practice round: scored and shown to the student, in no standing.
    ranked: Mapped[bool] = mapped_column(default=True, server_default=true())
    #: When organisers published the results: public boards stop being frozen.
    results_published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: When the first student started: from then on only the title and a later
    #: closing time may change.
    first_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Moves on whenever what a draw depends on changes (the round's blueprint, the
    #: bank's active questions and versions): papers drawn ahead at an older
    #: revision are never used, and are drawn again.
    paper_revision: Mapped[int] = mapped_column(default=1, server_default="1")
    #: The latest instant an override's personal window or an incident let any
    #: attempt run to, when later than ``closes_at``: the round's last save instant
    #: (and so its review) waits for it. It only ever moves later.
    extended_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: The appeal window (contest-operations.md, Results), once organisers open it.
    appeals_open_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    appeals_close_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: When the organisers made the results official (None: provisional, or reopened).
    official_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    @property
    def question_count(self) -> int:
        return sum(int(line["count"]) for line in self.blueprint)

    def status_at(self, moment: datetime) -> RoundStatus:
        return window_status(self.opens_at, self.closes_at, moment)


def window_status(opens_at: datetime, closes_at: datetime, moment: datetime) -> RoundStatus:
    """Upcoming before ``opens_at``, open until ``closes_at`` (excluded), closed after."""
    if moment < opens_at:
        return RoundStatus.UPCOMING
    if moment < closes_at:
        return RoundStatus.OPEN
    return RoundStatus.CLOSED


class RoundOverride(Base):
    """Terms of a round changed for one student, or for every student of one
    university (contest-operations.md, Overrides); a student's own wins."""

    __tablename__ = "round_overrides"
    __table_args__ = (
        CheckConstraint(
            "(student_id IS NULL) <> (university_id IS NULL)", name="one_student_or_university"
        ),
        CheckConstraint("extra_seconds >= 0", name="extra_seconds"),
        CheckConstraint("extra_attempts >= 0", name="extra_attempts"),
        CheckConstraint(
            "(opens_at IS NULL) = (closes_at IS NULL) AND "
            "(opens_at IS NULL OR closes_at > opens_at)",
            name="personal_window",
        ),
        Index(
            "uq_round_overrides_student",
            "round_id",
            "student_id",
            unique=True,
            sqlite_where=text("student_id IS NOT NULL"),
            postgresql_where=text("student_id IS NOT NULL"),
        ),
        Index(
            "uq_round_overrides_university",
            "round_id",
            "university_id",
            unique=True,
            sqlite_where=text("university_id IS NOT NULL"),
            postgresql_where=text("university_id IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"))
    student_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    university_id: Mapped[int | None] = mapped_column(
        ForeignKey("universities.id", ondelete="CASCADE")
    )
    #: Added to the round's time limit.
    extra_seconds: Mapped[int] = mapped_column(default=0)
    #: A personal window replacing the round's (both or neither).
    opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Added to the round's ``max_attempts``.
    extra_attempts: Mapped[int] = mapped_column(default=0)
    #: Why, as the organiser wrote it; the students it touches read it.
    reason: Mapped[str] = mapped_column(String(500))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now)
