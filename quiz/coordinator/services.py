"""What a coordinator may see and do, for their own university only.

Full names and student numbers are shown here, and only here (besides
organisers' screens). Every verification decision is audit-logged.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from quiz.accounts.models import Role, User
from quiz.accounts.principal import Person
from quiz.attempts.models import SCORE_UNIT, Attempt, AttemptStatus
from quiz.audit.services import record
from quiz.charts import score_bins
from quiz.errors import Forbidden, InvalidInput, NotFound
from quiz.rounds.models import Round
from quiz.standings import services as standings
from quiz.standings.models import LIVE, RoundStanding
from quiz.universities.models import University

VERIFICATION = ("pending", "confirmed", "rejected")


def university_for(session: Session, user: Person, code: str | None = None) -> University:
    """The university a user may watch: a coordinator's own, or any one for organisers.

    Raises Forbidden for students and for another university's coordinator.
    """
    if user.has_role(Role.ORGANISER):
        university = session.scalar(select(University).where(University.code == (code or "")))
        if university is None:
            raise NotFound(_l("Unknown university."))
        return university
    own = session.get(University, user.university_id) if user.university_id else None
    if not user.has_role(Role.COORDINATOR) or own is None:
        raise Forbidden(_l("You are not allowed to open this page."))
    if code is not None and code != own.code:
        raise Forbidden(_l("You are not allowed to open this page."))
    return own


@dataclass
class Participant:
    student: User
    #: Counted score per round id, in 1/840 point (live standings).
    scores: dict[int, int] = field(default_factory=dict)
    durations: dict[int, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.scores.values())


def participants(session: Session, university: University) -> list[Participant]:
    """Every student of the university with their counted result per round."""
    students = list(
        session.scalars(
            select(User)
            .where(User.university_id == university.id, User.role == Role.STUDENT.value)
            .order_by(User.full_name, User.id)
        )
    )
    by_id = {s.id: Participant(s) for s in students}
    rows = session.execute(
        select(
            RoundStanding.student_id,
            RoundStanding.round_id,
            RoundStanding.score_units,
            RoundStanding.duration_ms,
        ).where(RoundStanding.view == LIVE, RoundStanding.university_id == university.id)
    )
    for student_id, round_id, score, duration in rows:
        if student_id in by_id:
            by_id[student_id].scores[round_id] = score
            by_id[student_id].durations[round_id] = duration
    return list(by_id.values())


def score_distribution(
    people: list[Participant], round_id: int | None, best_possible: int
) -> list[tuple[str, int]]:
    """How many participants scored in each band from 0 to the best possible score (a
    round's maximum, or overall the sum of the ranked rounds'), never to the best reached."""
    scores = [
        p.scores[round_id] if round_id else p.total
        for p in people
        if (round_id in p.scores if round_id else p.scores)
    ]
    if not scores:
        return []
    levels = Counter(scores)
    return score_bins(best_possible, [(units / SCORE_UNIT, n) for units, n in levels.items()])


def participation_by_day(session: Session, university: University) -> list[tuple[date, int]]:
    """Finalized attempts of the university's students, per day (contest time zone)."""
    rows = session.execute(
        select(Attempt.started_at)
        .join(User, User.id == Attempt.student_id)
        .where(
            User.university_id == university.id, Attempt.status != AttemptStatus.IN_PROGRESS.value
        )
    )
    days: Counter[date] = Counter()
    for (started,) in rows:
        days[started.date()] += 1
    return sorted(days.items())


def set_verification(session: Session, coordinator: Person, student_id: int, decision: str) -> User:
    """Confirm or reject a student's claim to belong to the coordinator's university."""
    student = session.get(User, student_id)
    allowed = coordinator.has_role(Role.ORGANISER) or (
        coordinator.has_role(Role.COORDINATOR)
        and student is not None
        and student.university_id == coordinator.university_id
    )
    if student is None or not student.has_role(Role.STUDENT) or not allowed:
        raise Forbidden(_l("You are not allowed to open this page."))
    if decision not in ("confirmed", "rejected"):
        raise InvalidInput({"decision": _l("Choose confirm or reject.")})
    student.verification = decision
    session.flush()
    record(
        session,
        coordinator.id,
        f"students.{decision}",
        f"user:{student.id}",
        university_id=student.university_id,
    )
    # Where only verified students count, the university's standings change with this.
    standings.student_counting_changed(session, student)
    return student


def export_csv(people: list[Participant], rounds: list[Round], locale: str) -> str:
    """The university's results as CSV that Excel opens with Vietnamese names intact."""
    out = io.StringIO()
    out.write("\ufeff")  # UTF-8 byte order mark: Excel then reads the file as UTF-8
    writer = csv.writer(out)
    titles = [r.title.get(locale) or r.title.get("vi", "") for r in rounds]
    header = ["full_name", "display_name", "email", "student_number", "verification"]
    writer.writerow([_cell(text) for text in [*header, *titles, "total"]])
    for p in people:
        writer.writerow(
            [
                _cell(p.student.full_name),
                _cell(p.student.display_name),
                _cell(p.student.email),
                _cell(p.student.student_number),
                p.student.verification,
                *[_points(p.scores.get(r.id)) for r in rounds],
                _points(p.total),
            ]
        )
    return out.getvalue()


#: A cell starting with one of these is a formula to Excel and LibreOffice.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(text: str) -> str:
    """Text a spreadsheet shows as written, never runs: a leading apostrophe before a
    formula sign (the spreadsheets' own way to say "this is text")."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _points(units: int | None) -> str:
    return "" if units is None else f"{units / SCORE_UNIT:.2f}"


def pending_count(session: Session, university: University) -> int:
    return (
        session.scalar(
            select(func.count(User.id)).where(
                User.university_id == university.id,
                User.role == Role.STUDENT.value,
                User.verification == "pending",
            )
        )
        or 0
    )
