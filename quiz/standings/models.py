"""Standings kept incrementally: per round and overall for students, and the
aggregates every university method needs.

Every ordering key is an exact integer (scores in 1/840 point), so ranking
never compares floating-point numbers.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from quiz.db import Base, UTCDateTime

#: Prediction error of an entry that gave no prediction: worse than any real error.
NO_PREDICTION = 2**31 - 1
#: The scope of overall university standings (rounds use ``round:<id>``).
OVERALL = "overall"
#: ``live``: every finalized attempt (organisers); ``public``: what public boards show,
#: frozen at a round's ``leaderboard_freeze_at`` until organisers publish its results.
LIVE, PUBLIC = "live", "public"
VIEWS = (LIVE, PUBLIC)


class RoundStanding(Base):
    """A student's counted result in one round (contest-rules.md, Individual rankings)."""

    __tablename__ = "round_standings"
    __table_args__ = (
        UniqueConstraint("view", "round_id", "student_id", name="uq_round_standings_student"),
        # The board's order: score, prediction error, duration, submission time.
        Index(
            "ix_round_standings_order",
            "view",
            "round_id",
            text("score_units DESC"),
            "prediction_error",
            "duration_ms",
            "ended_at",
            "student_id",
        ),
        Index(
            "ix_round_standings_university",
            "view",
            "round_id",
            "university_id",
            text("score_units DESC"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    view: Mapped[str] = mapped_column(String(8))
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"))
    student_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    university_id: Mapped[int] = mapped_column(ForeignKey("universities.id"))
    #: The attempt that counts (best or last, per the round's policy).
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"))
    #: In 1/840 point.
    score_units: Mapped[int]
    #: |prediction - true value|; 0 when the round has no known true value.
    prediction_error: Mapped[int]
    duration_ms: Mapped[int]
    #: When the counted attempt ended (submitted, or its deadline when it expired).
    ended_at: Mapped[datetime] = mapped_column(UTCDateTime())


class OverallStanding(Base):
    """A student's total over every round (sum of counted scores and durations)."""

    __tablename__ = "overall_standings"
    __table_args__ = (
        Index(
            "ix_overall_standings_order",
            "view",
            text("total_units DESC"),
            "duration_ms",
            "student_id",
        ),
        Index("ix_overall_standings_university", "view", "university_id", text("total_units DESC")),
    )

    view: Mapped[str] = mapped_column(String(8), primary_key=True)
    student_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    university_id: Mapped[int] = mapped_column(ForeignKey("universities.id"))
    #: Sum of the counted scores, in 1/840 point.
    total_units: Mapped[int]
    #: Sum of the counted durations.
    duration_ms: Mapped[int]
    rounds: Mapped[int]


class UniversityStanding(Base):
    """What every university method needs, per scope (a round, or overall)."""

    __tablename__ = "university_standings"
    __table_args__ = (
        UniqueConstraint("view", "scope", "university_id", name="uq_university_standings"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    view: Mapped[str] = mapped_column(String(8))
    #: ``overall`` or ``round:<id>``.
    scope: Mapped[str] = mapped_column(String(32))
    university_id: Mapped[int] = mapped_column(ForeignKey("universities.id"), index=True)
    #: Distinct students with at least one finalized attempt in the scope.
    participants: Mapped[int] = mapped_column(default=0)
    #: Sum of the students' totals, in 1/840 point.
    total_units: Mapped[int] = mapped_column(default=0)
    #: Sum of the N best totals (N = the contest's top-N setting).
    top_n_units: Mapped[int] = mapped_column(default=0)
    #: The N-th best total when there are at least N (None: fewer, or not known):
    #: a change below it leaves the N best as they are (``aggregates``).
    top_n_floor: Mapped[int | None] = mapped_column(default=None)


class ScoreLevel(Base):
    """How many entries of a board have one score: the board's histogram.

    A board (a view and a scope: a round's students, or every student overall)
    holds one row per distinct score (a total, overall) with its number of
    entries, kept with the standings in the same transaction. The entries ahead
    of a score are then a sum over at most a few hundred rows, whatever the
    number of students, which makes ranks, totals and deep pages cheap.
    """

    __tablename__ = "score_levels"

    view: Mapped[str] = mapped_column(String(8), primary_key=True)
    #: ``overall`` or ``round:<id>``, as for the universities' standings.
    scope: Mapped[str] = mapped_column(String(32), primary_key=True)
    #: A round's score, or an overall total, in 1/840 point.
    score_units: Mapped[int] = mapped_column(primary_key=True)
    entries: Mapped[int]
