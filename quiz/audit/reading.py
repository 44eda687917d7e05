"""The audit log for people: who (name and role), what in words, the change (before ->
after), what it was done to, filtered by person, kind of change and date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from quiz.accounts.models import User
from quiz.audit.models import AuditEntry
from quiz.i18n import local_datetime, localized
from quiz.rounds.forms import contest_zone
from quiz.rounds.models import Round

PAGE = 100

#: Each kind of change (the action's first part), as filters name them.
KINDS: dict[str, Any] = {
    "rounds": _l("Rounds"),
    "operations": _l("Overrides, incidents, regrades"),
    "integrity": _l("Integrity"),
    "results": _l("Results and appeals"),
    "certificates": _l("Certificates"),
    "bank": _l("Question bank"),
    "users": _l("People"),
    "accounts": _l("Accounts"),
    "students": _l("Student verification"),
}

ACTIONS: dict[str, Any] = {
    "rounds.create": _l("created a round"),
    "rounds.update": _l("changed a round"),
    "rounds.publish": _l("published a round's results"),
    "rounds.prediction_value": _l("entered the prediction's true value"),
    "rounds.prediction_counted": _l("the prediction's true value was counted"),
    "operations.override": _l("set an override"),
    "operations.override_removed": _l("removed an override"),
    "operations.incident": _l("gave back time after an incident"),
    "operations.regrade": _l("regraded a question"),
    "integrity.scan": _l("scanned for integrity signals"),
    "integrity.cleared": _l("cleared an integrity signal"),
    "integrity.disqualified": _l("disqualified attempts"),
    "results.appeal_window": _l("set the appeal window"),
    "results.appeals_answered": _l("answered appeals"),
    "results.official": _l("made the results official"),
    "results.reopen": _l("reopened official results"),
    "results.practice_from": _l("made a practice round of a round"),
    "certificates.issue": _l("issued certificates"),
    "certificates.revoke": _l("revoked a certificate"),
    "bank.import": _l("imported questions"),
    "bank.question.create": _l("wrote a question"),
    "bank.question.edit": _l("edited a question"),
    "bank.question.retire": _l("retired a question"),
    "bank.question.restore": _l("restored a question"),
    "users.create": _l("created an account"),
    "accounts.reset_link": _l("made a password reset link"),
    "accounts.password_reset": _l("reset a password"),
    "students.confirmed": _l("confirmed a student"),
    "students.rejected": _l("rejected a student"),
}

#: Round settings, as a change names them.
FIELDS: dict[str, Any] = {
    "title": _l("Title"),
    "opens_at": _l("Opens at"),
    "closes_at": _l("Closes at"),
    "time_limit_seconds": _l("Time limit (seconds)"),
    "grace_seconds": _l("Grace for late saves (seconds)"),
    "blueprint": _l("Blueprint"),
    "max_attempts": _l("Attempts allowed"),
    "attempt_policy": _l("Which attempt counts"),
    "multiple_choice_policy": _l("Multiple-answer scoring"),
    "review": _l("When answers are shown"),
    "leaderboard_freeze_at": _l("Leaderboard freeze"),
    "prediction_text": _l("Prediction question"),
    "prediction_counts": _l("The prediction's true value"),
    "ranked": _l("Ranked"),
}

#: Details too long to show in a line (the regrade's tables, for instance).
HIDDEN = {"top_before", "top_after", "changes", "changed", "attempts"}


@dataclass
class Line:
    entry: AuditEntry
    who: str
    role: str | None
    what: str
    target: str
    changes: list[tuple[str, str, str]]
    details: list[tuple[str, str]]


@dataclass
class Filters:
    actor_id: int | None = None
    kind: str | None = None
    since: date | None = None
    until: date | None = None
    before_id: int | None = None


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=contest_zone())


def _shown(value: Any, locale: str) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, dict):
        return localized(value, locale) or ", ".join(f"{k}: {v}" for k, v in value.items())
    if isinstance(value, list):
        return "; ".join(
            " ".join(str(v) for v in item.values() if v) if isinstance(item, dict) else str(item)
            for item in value
        )
    if isinstance(value, str) and len(value) >= 19 and value[10] == "T":
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value
        return local_datetime(moment)
    return str(value)


def search(session: Session, filters: Filters, locale: str) -> list[Line]:
    statement = select(AuditEntry, User.full_name, User.role).outerjoin(
        User, User.id == AuditEntry.actor_id
    )
    if filters.actor_id is not None:
        statement = statement.where(AuditEntry.actor_id == filters.actor_id)
    if filters.kind in KINDS:
        statement = statement.where(AuditEntry.action.like(f"{filters.kind}.%"))
    if filters.since is not None:
        statement = statement.where(AuditEntry.at >= _day_start(filters.since))
    if filters.until is not None:
        statement = statement.where(AuditEntry.at < _day_start(filters.until + timedelta(days=1)))
    if filters.before_id is not None:
        statement = statement.where(AuditEntry.id < filters.before_id)
    rows = session.execute(statement.order_by(AuditEntry.id.desc()).limit(PAGE)).all()
    round_ids = {
        int(entry.target.split(":")[1])
        for entry, _n, _r in rows
        if entry.target.startswith("round:") and entry.target.split(":")[1].isdigit()
    }
    titles = {
        r.id: localized(r.title, locale)
        for r in session.execute(select(Round.id, Round.title).where(Round.id.in_(round_ids)))
    }
    lines = []
    for entry, name, role in rows:
        target = entry.target
        kind, _sep, key = target.partition(":")
        if kind == "round" and key.isdigit() and int(key) in titles:
            target = titles[int(key)]
        changes = [
            (str(FIELDS.get(field, field)), _shown(old, locale), _shown(new, locale))
            for field, (old, new) in (entry.details.get("changes") or {}).items()
        ]
        details = [
            (key, _shown(value, locale))
            for key, value in entry.details.items()
            if key not in HIDDEN and not isinstance(value, dict | list)
        ]
        lines.append(
            Line(
                entry=entry,
                who=name or str(_l("command line")),
                role=role,
                what=str(ACTIONS.get(entry.action, entry.action)),
                target=target,
                changes=changes,
                details=details,
            )
        )
    return lines


def people(session: Session) -> list[tuple[int, str]]:
    """Everyone who appears in the log as its actor, by name."""
    return [
        (row.id, row.full_name)
        for row in session.execute(
            select(User.id, User.full_name)
            .where(User.id.in_(select(AuditEntry.actor_id).distinct()))
            .order_by(User.full_name)
        )
    ]
