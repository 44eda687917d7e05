"""What organisers do to a round while it runs (contest-operations.md): overrides
for one student or one university, and time given back after an incident.

Every change is written to the audit log with its reason and what it touched;
every attempt it changes gets a note its student reads on their result. A
refusal raises before anything is written (the request's one transaction then
rolls back whatever came before it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from quiz.accounts.models import Role, User
from quiz.accounts.services import normalize_email
from quiz.attempts import adjustments, notes
from quiz.audit.services import record
from quiz.clock import now
from quiz.errors import Conflict, InvalidInput, NotFound
from quiz.rounds import overrides
from quiz.rounds.models import Review, Round, RoundOverride
from quiz.rounds.overrides import OverrideData
from quiz.rounds.services import get_round, last_save_instant
from quiz.universities.models import University
from quiz.universities.services import by_code

#: Time given back after one incident: at most four hours.
MAX_INCIDENT_MINUTES = 240


@dataclass(frozen=True)
class Target:
    """Whom an override is for: one student, or every student of one university."""

    student: User | None = None
    university: University | None = None

    @property
    def label(self) -> str:
        if self.student is not None:
            return f"user:{self.student.id}"
        assert self.university is not None
        return f"university:{self.university.code}"


def target(session: Session, *, email: str | None, university_code: str | None) -> Target:
    """The student with ``email``, or the university with ``university_code`` (exactly
    one of them); InvalidInput naming the field otherwise."""
    email = (email or "").strip()
    code = (university_code or "").strip()
    if bool(email) == bool(code):
        raise InvalidInput(
            {"email": _l("Give either a student's e-mail address or a university code.")}
        )
    if code:
        try:
            return Target(university=by_code(session, code))
        except NotFound:
            raise InvalidInput({"university_code": _l("Unknown university.")}) from None
    student = session.scalar(select(User).where(User.email == normalize_email(email)))
    if student is None or student.role != Role.STUDENT.value:
        raise InvalidInput({"email": _l("No student has this e-mail address.")})
    return Target(student=student)


def _refuse_once_answers_may_show(round_: Round) -> None:
    """After the last save instant the correct answers may be out: nobody may take
    the round any more, whatever an override says."""
    if round_.review != Review.NEVER.value and now() > last_save_instant(round_):
        raise Conflict(
            _l(
                "The round's last save instant has passed and its correct answers may be "
                "shown: it can no longer be given more time or attempts."
            ),
            code="answers_shown",
        )


def set_override(
    session: Session, round_id: int, who: Target, data: OverrideData, *, actor_id: int | None
) -> tuple[RoundOverride, int]:
    """Set or replace the override of ``who`` on the round; attempts in progress under
    it get their new deadline at once. Returns the override and the number of attempts
    moved. Refused (nothing written) without a reason, out of bounds, after the last
    save instant, or when it would shorten an attempt already started."""
    round_ = get_round(session, round_id)
    overrides.check(data)
    _refuse_once_answers_may_show(round_)
    student_id = who.student.id if who.student else None
    university_id = who.university.id if who.university else None
    earlier = overrides.find(session, round_.id, student_id=student_id, university_id=university_id)
    before = _values(earlier)
    override = overrides.put(
        session,
        round_,
        data,
        student_id=student_id,
        university_id=university_id,
        actor_id=actor_id,
    )
    moved = adjustments.apply_override(session, round_, override)
    record(
        session,
        actor_id,
        "operations.override",
        f"round:{round_.id}",
        who=who.label,
        before=before,
        after=data.as_dict(),
        attempts_moved=moved,
        reason=override.reason,
    )
    return override, moved


def remove_override(
    session: Session, round_id: int, override_id: int, reason: str, *, actor_id: int | None
) -> None:
    """Take an override away: the student's next attempt goes by the round's terms (or
    their university's override); an attempt already started keeps its deadline."""
    override = session.get(RoundOverride, override_id)
    if override is None or override.round_id != round_id:
        raise NotFound(_l("This override does not exist."))
    if errors := overrides.reason_errors(reason):
        raise InvalidInput(errors)
    who = (
        f"user:{override.student_id}"
        if override.student_id is not None
        else f"university:{override.university_id}"
    )
    record(
        session,
        actor_id,
        "operations.override_removed",
        f"round:{round_id}",
        who=who,
        before=_values(override),
        reason=reason.strip(),
    )
    session.delete(override)
    session.flush()


def give_time_back(
    session: Session,
    round_id: int,
    minutes: int,
    reason: str,
    *,
    university_code: str | None = None,
    started_before: datetime | None = None,
    dry_run: bool = False,
    actor_id: int | None,
) -> int:
    """After an incident, extend every attempt still running of the round (of one
    university, or started before an instant) by ``minutes``; the number of attempts
    it touches (and, unless ``dry_run``, touched)."""
    round_ = get_round(session, round_id)
    errors: dict[str, Any] = {}
    if not 1 <= minutes <= MAX_INCIDENT_MINUTES:
        errors["minutes"] = _l("Give back between 1 and %(n)d minutes.", n=MAX_INCIDENT_MINUTES)
    errors.update(overrides.reason_errors(reason))
    university_id = None
    if university_code and university_code.strip():
        try:
            university_id = by_code(session, university_code).id
        except NotFound:
            errors["university_code"] = _l("Unknown university.")
    if errors:
        raise InvalidInput(errors)
    touched = adjustments.extend_running(
        session,
        round_,
        minutes,
        reason.strip(),
        university_id=university_id,
        started_before=started_before,
        dry_run=dry_run,
    )
    if not dry_run:
        record(
            session,
            actor_id,
            "operations.incident",
            f"round:{round_.id}",
            minutes=minutes,
            university=university_code.strip().upper() if university_id else None,
            started_before=started_before.isoformat() if started_before else None,
            attempts=touched,
            reason=reason.strip(),
        )
    return touched


def _values(override: RoundOverride | None) -> dict[str, object] | None:
    if override is None:
        return None
    return {**overrides.values_of(override), "reason": override.reason}


@dataclass(frozen=True)
class Listed:
    """An override as the organiser's page lists it."""

    override: RoundOverride
    #: The student's name and address, or the university's code and name.
    who: str
    #: What it changes, one phrase each.
    changes: list[str]


def overrides_listed(session: Session, round_id: int) -> list[Listed]:
    """The round's overrides, the newest first, with whom each is for."""
    found = overrides.of_round(session, round_id)
    students = {
        user.id: user
        for user in session.scalars(
            select(User).where(User.id.in_([o.student_id for o in found if o.student_id]))
        )
    }
    universities = {
        university.id: university
        for university in session.scalars(
            select(University).where(
                University.id.in_([o.university_id for o in found if o.university_id])
            )
        )
    }
    listed = []
    for override in found:
        if override.student_id is not None:
            user = students[override.student_id]
            who = f"{user.full_name} <{user.email}>"
        else:
            university = universities[override.university_id or 0]
            who = f"{university.code} — {university.name_vi}"
        listed.append(Listed(override, who, notes.changes(overrides.values_of(override))))
    return listed


def running_count(session: Session, round_id: int) -> int:
    """Attempts of the round still running now."""
    return adjustments.running_count(session, round_id)
