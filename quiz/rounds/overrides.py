"""A round's terms for one student: the round's own, or changed by an override
(contest-operations.md, Overrides).

An organiser may give one student, or every student of one university, extra
time, a personal window or extra attempts, always with a reason. A student's
own override wins over their university's; the two are never mixed. Students
without one (nearly all) never read this table on the start's fast path: the
start's statement refuses the fast way for them (see ``quiz.attempts.services``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from quiz.clock import now
from quiz.errors import InvalidInput
from quiz.rounds.models import Round, RoundOverride, RoundStatus, window_status
from quiz.rounds.services import RoundView

#: Bounds an organiser can mean: a day of extra time, 99 extra attempts.
MAX_EXTRA_SECONDS = 24 * 3600
MAX_EXTRA_ATTEMPTS = 99
MAX_REASON = 500


@dataclass(frozen=True)
class OverrideData:
    """What an override changes, and why (the reason is required)."""

    reason: str
    extra_seconds: int = 0
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    extra_attempts: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {**values_of(self), "reason": self.reason}


def values_of(override: RoundOverride | OverrideData) -> dict[str, Any]:
    """What an override changes, as JSON (for the audit log and students' notes)."""
    return {
        "extra_seconds": override.extra_seconds,
        "opens_at": override.opens_at.isoformat() if override.opens_at else None,
        "closes_at": override.closes_at.isoformat() if override.closes_at else None,
        "extra_attempts": override.extra_attempts,
    }


@dataclass(frozen=True)
class Terms:
    """What one student's attempts at a round go by."""

    opens_at: datetime
    closes_at: datetime
    time_limit_seconds: int
    grace_seconds: int
    max_attempts: int
    #: The override these terms come from (None: the round's own terms).
    override: RoundOverride | None = None

    def status_at(self, moment: datetime) -> RoundStatus:
        return window_status(self.opens_at, self.closes_at, moment)

    def deadline(self, started_at: datetime) -> datetime:
        """``min(started_at + time limit + extra, closing time)``."""
        return min(started_at + timedelta(seconds=self.time_limit_seconds), self.closes_at)


def terms_of(round_: Round | RoundView, override: RoundOverride | None) -> Terms:
    """The terms ``round_`` (a Round or a RoundView) gives under ``override``."""
    if override is None:
        return Terms(
            round_.opens_at,
            round_.closes_at,
            round_.time_limit_seconds,
            round_.grace_seconds,
            round_.max_attempts,
        )
    return Terms(
        override.opens_at or round_.opens_at,
        override.closes_at or round_.closes_at,
        round_.time_limit_seconds + override.extra_seconds,
        round_.grace_seconds,
        round_.max_attempts + override.extra_attempts,
        override,
    )


def override_for(
    session: Session, round_id: int, student_id: int, university_id: int | None
) -> RoundOverride | None:
    """The override that applies to the student: their own, else their university's."""
    found = list(
        session.scalars(
            select(RoundOverride).where(
                RoundOverride.round_id == round_id,
                or_(
                    RoundOverride.student_id == student_id,
                    RoundOverride.university_id == university_id,
                ),
            )
        )
    )
    found.sort(key=lambda override: override.student_id is None)
    return found[0] if found else None


def terms_for(
    session: Session, round_: Round | RoundView, student_id: int, university_id: int | None
) -> Terms:
    """The student's terms at ``round_`` (one small query)."""
    return terms_of(round_, override_for(session, round_.id, student_id, university_id))


def check(data: OverrideData) -> None:
    """Refuse an override that says nothing, has no reason or goes out of bounds."""
    errors = reason_errors(data.reason)
    if not 0 <= data.extra_seconds <= MAX_EXTRA_SECONDS:
        errors["extra_seconds"] = _l("Extra time is between 0 and 24 hours.")
    if not 0 <= data.extra_attempts <= MAX_EXTRA_ATTEMPTS:
        errors["extra_attempts"] = _l("Extra attempts are between 0 and %(n)d.", n=99)
    if (data.opens_at is None) != (data.closes_at is None):
        errors["closes_at"] = _l("A personal window needs both its opening and closing time.")
    elif data.opens_at and data.closes_at and data.closes_at <= data.opens_at:
        errors["closes_at"] = _l("The personal window must close after it opens.")
    if not errors and not (data.extra_seconds or data.extra_attempts or data.opens_at):
        errors["extra_seconds"] = _l(
            "An override gives extra time, a personal window or extra attempts."
        )
    if errors:
        raise InvalidInput(errors)


def reason_errors(reason: str) -> dict[str, Any]:
    """What is wrong with an organiser's reason (empty: nothing); students read it."""
    if not reason.strip():
        return {"reason": _l("Give the reason: the students it touches will read it.")}
    if len(reason) > MAX_REASON:
        return {"reason": _l("The reason is at most %(n)d characters.", n=MAX_REASON)}
    return {}


def find(
    session: Session, round_id: int, *, student_id: int | None, university_id: int | None
) -> RoundOverride | None:
    """The override set for exactly this student, or this university."""
    if student_id is not None:
        rule = RoundOverride.student_id == student_id
    else:
        rule = RoundOverride.university_id == university_id
    return session.scalar(select(RoundOverride).where(RoundOverride.round_id == round_id, rule))


def put(
    session: Session,
    round_: Round,
    data: OverrideData,
    *,
    student_id: int | None = None,
    university_id: int | None = None,
    actor_id: int | None,
) -> RoundOverride:
    """Set (or replace) the override of one student or one university (``data`` checked
    by :func:`check`); a personal window closing after the round moves the round's last
    save instant with it."""
    override = find(session, round_.id, student_id=student_id, university_id=university_id)
    if override is None:
        override = RoundOverride(
            round_id=round_.id, student_id=student_id, university_id=university_id
        )
        session.add(override)
    override.extra_seconds = data.extra_seconds
    override.opens_at = data.opens_at
    override.closes_at = data.closes_at
    override.extra_attempts = data.extra_attempts
    override.reason = data.reason.strip()
    override.created_by = actor_id
    override.updated_at = now()
    if data.closes_at is not None:
        extend_until(round_, data.closes_at)
    session.flush()
    return override


def extend_until(round_: Round, instant: datetime) -> None:
    """Some attempt may now run until ``instant``: the round's review waits for it."""
    if instant > round_.closes_at and (
        round_.extended_until is None or instant > round_.extended_until
    ):
        round_.extended_until = instant


def of_round(session: Session, round_id: int) -> list[RoundOverride]:
    """Every override of a round, the newest first."""
    return list(
        session.scalars(
            select(RoundOverride)
            .where(RoundOverride.round_id == round_id)
            .order_by(RoundOverride.updated_at.desc(), RoundOverride.id.desc())
        )
    )
