"""What a student reads on their result about changes an organiser made, and why."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from quiz.accounts.models import User
from quiz.attempts.adjustments import notes_of
from quiz.attempts.scoring import display
from quiz.i18n import local_datetime
from quiz.rounds.overrides import override_for, values_of

#: The regrading actions, as students and organisers read them.
ACTION_LABELS = {
    "rekey": _l("scored against a corrected version"),
    "neutralise": _l("full points for everyone who had it"),
    "drop": _l("removed from the score and the maximum"),
}


@dataclass(frozen=True)
class Note:
    kind: str
    text: str


def changes(values: dict[str, Any]) -> list[str]:
    """An override's changes, one phrase each (``values`` as ``overrides.values_of``)."""
    parts = []
    if values.get("extra_seconds"):
        parts.append(_("%(n)s extra minutes", n="%g" % (values["extra_seconds"] / 60)))
    if values.get("opens_at") and values.get("closes_at"):
        start = datetime.fromisoformat(values["opens_at"])
        end = datetime.fromisoformat(values["closes_at"])
        parts.append(
            _(
                "Own window: %(start)s – %(end)s",
                start=local_datetime(start, "short"),
                end=local_datetime(end, "short"),
            )
        )
    if values.get("extra_attempts"):
        parts.append(
            ngettext(
                "%(num)d extra attempt", "%(num)d extra attempts", int(values["extra_attempts"])
            )
        )
    return parts


def describe(values: dict[str, Any]) -> str:
    """An override's changes in one line."""
    return "; ".join(changes(values))


def override_text(values: dict[str, Any], reason: str) -> str:
    return _(
        "The organisers changed your terms for this round (%(what)s). Reason: %(reason)s",
        what=describe(values),
        reason=reason,
    )


def _text(kind: str, details: dict[str, Any], reason: str) -> str:
    if kind == "incident":
        return ngettext(
            "%(num)d minute was added to your time after an incident. Reason: %(reason)s",
            "%(num)d minutes were added to your time after an incident. Reason: %(reason)s",
            int(details.get("minutes", 0)),
            reason=reason,
        )
    if kind == "override":
        return override_text(details, reason)
    if kind == "regrade":
        return _(
            "Question %(question)s was regraded (%(action)s): your score went from %(before)s "
            "to %(after)s. Reason: %(reason)s",
            question=details.get("question", ""),
            action=ACTION_LABELS.get(details.get("action", ""), details.get("action", "")),
            before=display(details.get("before")),
            after=display(details.get("after")),
            reason=reason,
        )
    if kind == "decision":
        return _(
            "The organisers reviewed this attempt and disqualified it: it counts in no "
            "ranking. Reason: %(reason)s",
            reason=reason,
        )
    return reason


def of_attempt(session: Session, attempt: Any) -> list[Note]:
    """The notes of an attempt (a Sheet or an Attempt), the oldest first; the override
    the student has at its round comes first when no note records one."""
    stored = notes_of(session, attempt.id)
    found = [Note(note.kind, _text(note.kind, note.details, note.reason)) for note in stored]
    if not any(note.kind == "override" for note in stored):
        university_id = session.scalar(
            select(User.university_id).where(User.id == attempt.student_id)
        )
        override = override_for(session, attempt.round_id, attempt.student_id, university_id)
        if override is not None:
            text = override_text(values_of(override), override.reason)
            found.insert(0, Note("override", text))
    return found
