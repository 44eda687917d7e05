"""Writing to the audit log."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from quiz.audit.models import AuditEntry


def record(
    session: Session, actor_id: int | None, action: str, target: str = "", **details: Any
) -> AuditEntry:
    """Add an audit entry in the caller's transaction and return it."""
    entry = AuditEntry(actor_id=actor_id, action=action, target=target, details=details)
    session.add(entry)
    session.flush()
    return entry


def recent(session: Session, limit: int = 100) -> list[AuditEntry]:
    """The newest entries first."""
    return list(session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)))
