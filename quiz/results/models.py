"""Appeals against a question of a student's own finalized attempt."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from quiz.db import Base, UTCDateTime

#: The longest appeal a student may write (contest-operations.md).
APPEAL_MAX_CHARS = 2000


class AppealStatus(enum.StrEnum):
    OPEN = "open"
    #: The question was regraded (``regrade_action``): the student's score follows it.
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class Appeal(Base):
    """One student's appeal against one question of their attempt, and its answer."""

    __tablename__ = "appeals"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'accepted', 'rejected')", name="status"),
        Index("ix_appeals_round_status", "round_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"))
    attempt_id: Mapped[int] = mapped_column(
        ForeignKey("attempts.id", ondelete="CASCADE"), index=True
    )
    #: One appeal per question of an attempt: the item is unique.
    item_id: Mapped[int] = mapped_column(
        ForeignKey("attempt_items.id", ondelete="CASCADE"), unique=True
    )
    student_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: The question (every version of it), so that the queue groups its appeals.
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="RESTRICT"))
    #: The question's place in the student's attempt, as they saw it.
    position: Mapped[int]
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(16), default=AppealStatus.OPEN.value)
    #: The organisers' answer, which the student reads.
    answer: Mapped[str | None] = mapped_column(Text)
    #: The regrade it was accepted with (``rekey``, ``neutralise``, ``drop``).
    regrade_action: Mapped[str | None] = mapped_column(String(16))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    answered_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
