"""The audit log entry, shared by every domain."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from quiz.clock import now
from quiz.db import Base, UTCDateTime


class AuditEntry(Base):
    """One change made by an organiser (or by a command, with no actor)."""

    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now, index=True)
    #: The user who acted; null for command-line operations.
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    #: What was done, as ``domain.verb`` (e.g. ``users.create``).
    action: Mapped[str] = mapped_column(String(64))
    #: What it was done to, as ``kind:key`` (e.g. ``user:42``).
    target: Mapped[str] = mapped_column(String(128), default="")
    #: The facts of the change (never a password or token).
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
