"""Integrity signals (contest-operations.md): what a person should look at, never a
penalty by itself."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from quiz.db import Base, UTCDateTime


class SignalKind(enum.StrEnum):
    #: Far faster than the round's median, with a score among its best.
    FAST = "fast"
    #: Two attempts with nearly the same answers, submitted close together.
    TWINS = "twins"
    #: Many accounts starting the round from one address.
    CROWD = "crowd"


class SignalStatus(enum.StrEnum):
    PENDING = "pending"
    CLEARED = "cleared"
    DISQUALIFIED = "disqualified"


class IntegritySignal(Base):
    """One signal found on a round, with its evidence, waiting for a person's decision."""

    __tablename__ = "integrity_signals"
    __table_args__ = (
        UniqueConstraint("round_id", "kind", "subject", name="uq_integrity_signals_subject"),
        CheckConstraint("kind IN ('fast', 'twins', 'crowd')", name="kind"),
        CheckConstraint("status IN ('pending', 'cleared', 'disqualified')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(8))
    #: What the signal is about, so that a second scan finds it again: the attempt
    #: (``fast``), the pair of attempts (``twins``) or the address (``crowd``).
    subject: Mapped[str] = mapped_column(String(64))
    #: The attempts it concerns; a disqualification picks among them.
    attempt_ids: Mapped[list[int]] = mapped_column(JSON)
    #: The figures shown to the organiser (durations, scores, answers, universities).
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default=SignalStatus.PENDING.value)
    found_at: Mapped[datetime] = mapped_column(UTCDateTime())
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reason: Mapped[str | None] = mapped_column(String(500))


class RoundAnalysisCache(Base):
    """A closed round's item analysis, computed once (``analysis.of_round``): kept
    until a regrade or a disqualification changes what it was computed from."""

    __tablename__ = "round_analyses"

    round_id: Mapped[int] = mapped_column(
        ForeignKey("rounds.id", ondelete="CASCADE"), primary_key=True
    )
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
