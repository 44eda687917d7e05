"""Reading standings: the one documented ordering of every board.

- Students, per round: score (high first), prediction error (small first; no
  prediction is worst; only when the round's true value is known), duration
  (short first), submission time (early first).
- Students, overall: total (high first), then summed duration (short first).
- Universities: by the chosen method (``top_n_mean``, ``participants``,
  ``total``, ``mean``), high first; ties share a rank and are listed by name;
  ``mean`` ranks only universities with at least ``min_participants``; a
  university without participants is listed after every ranked one, unranked.

Ranks are competition ranks ("1224"). Each read is a fixed, small number of
indexed queries, whatever the number of attempts.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from quiz.accounts.models import User
from quiz.attempts.models import SCORE_UNIT
from quiz.standings.models import (
    LIVE,
    OVERALL,
    OverallStanding,
    RoundStanding,
    UniversityStanding,
)
from quiz.standings.services import DEFAULT_MIN_PARTICIPANTS, round_scope, top_n
from quiz.universities.models import University

METHODS = ("top_n_mean", "participants", "total", "mean")


def min_participants() -> int:
    if has_app_context():
        return int(current_app.config.get("MIN_PARTICIPANTS", DEFAULT_MIN_PARTICIPANTS))
    return DEFAULT_MIN_PARTICIPANTS


@dataclass
class StudentEntry:
    rank: int
    student_id: int
    display_name: str
    university_code: str
    score_units: int
    duration_ms: int


def _round_keys() -> list[Any]:
    return [
        RoundStanding.score_units.desc(),
        RoundStanding.prediction_error,
        RoundStanding.duration_ms,
        RoundStanding.ended_at,
    ]


def _better_in_round(entry: RoundStanding) -> Any:
    """Entries strictly ahead of ``entry`` on the round's ordering."""
    s, p, d, e = (
        RoundStanding.score_units,
        RoundStanding.prediction_error,
        RoundStanding.duration_ms,
        RoundStanding.ended_at,
    )
    ahead = or_(
        s > entry.score_units,
        and_(s == entry.score_units, p < entry.prediction_error),
        and_(s == entry.score_units, p == entry.prediction_error, d < entry.duration_ms),
        and_(
            s == entry.score_units,
            p == entry.prediction_error,
            d == entry.duration_ms,
            e < entry.ended_at,
        ),
    )
    return and_(RoundStanding.view == entry.view, RoundStanding.round_id == entry.round_id, ahead)


def _round_tuple(entry: RoundStanding) -> tuple:
    return (entry.score_units, entry.prediction_error, entry.duration_ms, entry.ended_at)


def round_board(
    session: Session, round_id: int, *, limit: int = 50, offset: int = 0, view: str = LIVE
) -> tuple[list[StudentEntry], int]:
    """One page of a round's student board, with competition ranks, and the total."""
    rows = session.execute(
        select(RoundStanding, User.display_name, University.code)
        .join(User, User.id == RoundStanding.student_id)
        .join(University, University.id == RoundStanding.university_id)
        .where(RoundStanding.view == view, RoundStanding.round_id == round_id)
        .order_by(*_round_keys(), RoundStanding.student_id)
        .limit(limit)
        .offset(offset)
    ).all()
    total = (
        session.scalar(
            select(func.count()).where(
                RoundStanding.view == view, RoundStanding.round_id == round_id
            )
        )
        or 0
    )
    entries: list[StudentEntry] = []
    previous: tuple | None = None
    for index, (entry, name, code) in enumerate(rows):
        if previous is not None and _round_tuple(entry) == previous:
            rank = entries[-1].rank
        elif index == 0:
            rank = 1 + (session.scalar(select(func.count()).where(_better_in_round(entry))) or 0)
        else:
            rank = offset + index + 1
        previous = _round_tuple(entry)
        entries.append(
            StudentEntry(rank, entry.student_id, name, code, entry.score_units, entry.duration_ms)
        )
    return entries, total


def round_position(
    session: Session, round_id: int, student_id: int, *, view: str = LIVE
) -> int | None:
    """A student's rank in a round, or None if they have no counted attempt."""
    entry = session.scalar(
        select(RoundStanding).where(
            RoundStanding.view == view,
            RoundStanding.round_id == round_id,
            RoundStanding.student_id == student_id,
        )
    )
    if entry is None:
        return None
    return 1 + (session.scalar(select(func.count()).where(_better_in_round(entry))) or 0)


def _better_overall(entry: OverallStanding) -> Any:
    t, d = OverallStanding.total_units, OverallStanding.duration_ms
    ahead = or_(t > entry.total_units, and_(t == entry.total_units, d < entry.duration_ms))
    return and_(OverallStanding.view == entry.view, ahead)


def overall_board(
    session: Session,
    *,
    limit: int = 50,
    offset: int = 0,
    view: str = LIVE,
    university_id: int | None = None,
) -> tuple[list[StudentEntry], int]:
    """One page of the overall student board (or of one university's students), with
    the overall competition ranks, and the total."""
    where = [OverallStanding.view == view]
    if university_id is not None:
        where.append(OverallStanding.university_id == university_id)
    rows = session.execute(
        select(OverallStanding, User.display_name, University.code)
        .join(User, User.id == OverallStanding.student_id)
        .join(University, University.id == OverallStanding.university_id)
        .where(*where)
        .order_by(
            OverallStanding.total_units.desc(),
            OverallStanding.duration_ms,
            OverallStanding.student_id,
        )
        .limit(limit)
        .offset(offset)
    ).all()
    total = session.scalar(select(func.count()).where(*where)) or 0
    entries: list[StudentEntry] = []
    for index, (entry, name, code) in enumerate(rows):
        key = (entry.total_units, entry.duration_ms)
        if entries and key == (entries[-1].score_units, entries[-1].duration_ms):
            rank = entries[-1].rank
        elif index == 0 or university_id is not None:
            rank = 1 + (session.scalar(select(func.count()).where(_better_overall(entry))) or 0)
        else:
            rank = offset + index + 1
        entries.append(
            StudentEntry(rank, entry.student_id, name, code, entry.total_units, entry.duration_ms)
        )
    return entries, total


def overall_position(session: Session, student_id: int, *, view: str = LIVE) -> int | None:
    entry = session.get(OverallStanding, (view, student_id))
    if entry is None:
        return None
    return 1 + (session.scalar(select(func.count()).where(_better_overall(entry))) or 0)


@dataclass
class UniversityEntry:
    rank: int | None
    university_id: int
    code: str
    name_vi: str
    name_en: str
    #: The method's exact value (points for score methods, a count for participants).
    value: Fraction
    participants: int


def _value(method: str, row: UniversityStanding | None) -> Fraction | None:
    """The method's exact value, or None when the university is not ranked by it."""
    if row is None or row.participants == 0:
        return None
    if method == "participants":
        return Fraction(row.participants)
    if method == "total":
        return Fraction(row.total_units, SCORE_UNIT)
    if method == "mean":
        if row.participants < min_participants():
            return None
        return Fraction(row.total_units, SCORE_UNIT * row.participants)
    return Fraction(row.top_n_units, SCORE_UNIT * top_n())


def university_board(
    session: Session,
    method: str,
    round_id: int | None = None,
    *,
    limit: int = 50,
    offset: int = 0,
    view: str = LIVE,
) -> tuple[list[UniversityEntry], int]:
    """Every university ranked by ``method`` (per round or overall); one page of it."""
    scope = OVERALL if round_id is None else round_scope(round_id)
    rows = {
        row.university_id: row
        for row in session.scalars(
            select(UniversityStanding).where(
                UniversityStanding.view == view, UniversityStanding.scope == scope
            )
        )
    }
    universities = list(session.scalars(select(University)))
    scored, unranked = [], []
    for university in universities:
        row = rows.get(university.id)
        value = _value(method, row)
        participants = row.participants if row else 0
        if value is None:
            unranked.append((participants, university))
        else:
            scored.append((value, participants, university))
    # Exact comparisons; equal values share a rank and are listed by name.
    scored.sort(key=lambda item: (-item[0], item[2].name_vi, item[2].code))
    entries: list[UniversityEntry] = []
    for index, (value, participants, university) in enumerate(scored):
        rank = entries[-1].rank if entries and entries[-1].value == value else index + 1
        entries.append(
            UniversityEntry(
                rank,
                university.id,
                university.code,
                university.name_vi,
                university.name_en,
                value,
                participants,
            )
        )
    # Unranked: those with participants (below the minimum for mean) first, then the rest.
    unranked.sort(key=lambda item: (item[0] == 0, item[1].name_vi, item[1].code))
    for participants, university in unranked:
        row = rows.get(university.id)
        value = (
            Fraction(row.total_units, SCORE_UNIT * participants)
            if row and participants
            else Fraction(0)
        )
        entries.append(
            UniversityEntry(
                None,
                university.id,
                university.code,
                university.name_vi,
                university.name_en,
                value,
                participants,
            )
        )
    return entries[offset : offset + limit], len(entries)


def value_text(value: Fraction) -> str:
    """A value as a decimal string with 2 places (rounded half up)."""
    hundredths = (value * 100 + Fraction(1, 2)).__floor__()
    return f"{hundredths // 100}.{hundredths % 100:02d}"


def search_students(
    session: Session,
    text: str,
    round_id: int | None = None,
    *,
    view: str = LIVE,
    limit: int = 20,
) -> list[StudentEntry]:
    """Entries whose display name or university code contains ``text``, with their ranks.

    One query finds at most ``limit`` entries, then one count per entry gives
    its rank: searching stays cheap whatever the size of the board.
    """
    pattern = f"%{text.strip().lower()}%"
    table = RoundStanding if round_id is not None else OverallStanding
    score = RoundStanding.score_units if round_id is not None else OverallStanding.total_units
    statement = (
        select(table, User.display_name, University.code)
        .join(User, User.id == table.student_id)
        .join(University, University.id == table.university_id)
        .where(
            table.view == view,
            or_(
                func.lower(User.display_name).like(pattern),
                func.lower(University.code).like(pattern),
            ),
        )
        .order_by(score.desc(), table.duration_ms, table.student_id)
        .limit(limit)
    )
    if round_id is not None:
        statement = statement.where(RoundStanding.round_id == round_id)
    found = []
    for entry, name, code in session.execute(statement):
        if round_id is not None:
            rank = 1 + (session.scalar(select(func.count()).where(_better_in_round(entry))) or 0)
            units = entry.score_units
        else:
            rank = 1 + (session.scalar(select(func.count()).where(_better_overall(entry))) or 0)
            units = entry.total_units
        found.append(StudentEntry(rank, entry.student_id, name, code, units, entry.duration_ms))
    return found
