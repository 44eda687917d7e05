"""Samples of each server's counters, kept every few seconds by the server itself."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from quiz.db import Base, UTCDateTime


class MetricsSample(Base):
    """The cumulative counters one server exposed at one instant."""

    __tablename__ = "metrics_samples"
    __table_args__ = (Index("ix_metrics_samples_server_at", "server", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The server's name (``QUIZ_INSTANCE_NAME``; ``this server`` without one).
    server: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    #: Counter totals by short name, and the save-time histogram's cumulative buckets.
    values: Mapped[dict[str, Any]] = mapped_column(JSON)
