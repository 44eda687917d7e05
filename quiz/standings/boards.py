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
from sqlalchemy import func, literal, or_, select, tuple_
from sqlalchemy.orm import Session

from quiz.accounts.models import User
from quiz.attempts.models import SCORE_UNIT
from quiz.standings.models import (
    LIVE,
    OVERALL,
    OverallStanding,
    RoundStanding,
    ScoreLevel,
    UniversityStanding,
)
from quiz.standings.services import (
    DEFAULT_MIN_PARTICIPANTS,
    apply_level_changes,
    round_scope,
    top_n,
)
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
        RoundStanding.student_id,
    ]


def _overall_keys() -> list[Any]:
    return [
        OverallStanding.total_units.desc(),
        OverallStanding.duration_ms,
        OverallStanding.student_id,
    ]


def _levels(session: Session, view: str, scope: str) -> list[tuple[int, int]]:
    """A board's histogram, best score first: (score, number of entries)."""
    apply_level_changes(session)
    return [
        (score, entries)
        for score, entries in session.execute(
            select(ScoreLevel.score_units, ScoreLevel.entries)
            .where(ScoreLevel.view == view, ScoreLevel.scope == scope)
            .order_by(ScoreLevel.score_units.desc())
        )
    ]


def _entries_above(view: str, scope: str, score: int) -> Any:
    """How many entries of the board have a higher score (a sum over the histogram)."""
    return (
        select(func.coalesce(func.sum(ScoreLevel.entries), 0))
        .where(
            ScoreLevel.view == view,
            ScoreLevel.scope == scope,
            ScoreLevel.score_units > score,
        )
        .scalar_subquery()
    )


def _round_rank(session: Session, entry: RoundStanding) -> int:
    """The competition rank of ``entry``: 1 + the entries strictly ahead of it.

    Entries with a higher score come from the histogram; only the entries with
    the same score that are ahead are counted, as one range of the board's index
    (a row-value comparison on the keys that follow the score).
    """
    keys = tuple_(RoundStanding.prediction_error, RoundStanding.duration_ms, RoundStanding.ended_at)
    same_score_ahead = (
        select(func.count())
        .where(
            RoundStanding.view == entry.view,
            RoundStanding.round_id == entry.round_id,
            RoundStanding.score_units == entry.score_units,
            keys
            < tuple_(
                literal(entry.prediction_error, RoundStanding.prediction_error.type),
                literal(entry.duration_ms, RoundStanding.duration_ms.type),
                literal(entry.ended_at, RoundStanding.ended_at.type),
            ),
        )
        .scalar_subquery()
    )
    apply_level_changes(session)
    above = _entries_above(entry.view, round_scope(entry.round_id), entry.score_units)
    return 1 + int(session.scalar(select(above + same_score_ahead)) or 0)


def _round_tuple(entry: RoundStanding) -> tuple:
    return (entry.score_units, entry.prediction_error, entry.duration_ms, entry.ended_at)


def _locate(levels: list[tuple[int, int]], offset: int) -> tuple[int, int] | None:
    """The score of the entry at ``offset`` and the number of entries above that score."""
    above = 0
    for score, entries in levels:
        if above + entries > offset:
            return score, above
        above += entries
    return None


def round_board(
    session: Session, round_id: int, *, limit: int = 50, offset: int = 0, view: str = LIVE
) -> tuple[list[StudentEntry], int]:
    """One page of a round's student board, with competition ranks, and the total.

    The histogram gives the total and the score where the page starts; the page
    query then skips only entries with that score (on the board's index, without
    reading them), so a page deep in the board costs about what the first does.
    """
    offset = max(offset, 0)
    levels = _levels(session, view, round_scope(round_id))
    total = sum(entries for _score, entries in levels)
    located = _locate(levels, offset)
    if located is None or limit <= 0:
        return [], total
    start_score, above = located
    # From the entry before the page (when it has the same score): whether the
    # page's first entry ties with it tells its rank without counting.
    skip = offset - above
    page = (
        select(RoundStanding.student_id)
        .where(
            RoundStanding.view == view,
            RoundStanding.round_id == round_id,
            RoundStanding.score_units <= start_score,
        )
        .order_by(*_round_keys())
        .limit(limit + 1 if skip else limit)
        .offset(skip - 1 if skip else 0)
        .subquery()
    )
    rows = session.execute(
        select(RoundStanding, User.display_name, University.code)
        .join(page, page.c.student_id == RoundStanding.student_id)
        .join(User, User.id == RoundStanding.student_id)
        .join(University, University.id == RoundStanding.university_id)
        .where(RoundStanding.view == view, RoundStanding.round_id == round_id)
        .order_by(*_round_keys())
    ).all()
    previous: tuple | None = None
    if skip and rows:
        previous = _round_tuple(rows[0][0])
        rows = rows[1:]
    entries: list[StudentEntry] = []
    for index, (entry, name, code) in enumerate(rows):
        if index == 0 and previous is not None and _round_tuple(entry) == previous:
            # The page starts inside a tie: count the entries ahead.
            rank = _round_rank(session, entry)
        elif previous is not None and _round_tuple(entry) == previous:
            rank = entries[-1].rank
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
    return _round_rank(session, entry)


def _overall_rank(session: Session, entry: OverallStanding) -> int:
    """The overall competition rank of ``entry`` (see ``_round_rank``)."""
    same_total_ahead = (
        select(func.count())
        .where(
            OverallStanding.view == entry.view,
            OverallStanding.total_units == entry.total_units,
            OverallStanding.duration_ms < entry.duration_ms,
        )
        .scalar_subquery()
    )
    apply_level_changes(session)
    above = _entries_above(entry.view, OVERALL, entry.total_units)
    return 1 + int(session.scalar(select(above + same_total_ahead)) or 0)


def overall_board(
    session: Session,
    *,
    limit: int = 50,
    offset: int = 0,
    view: str = LIVE,
    university_id: int | None = None,
) -> tuple[list[StudentEntry], int]:
    """One page of the overall student board (or of one university's students), with
    the overall competition ranks, and the total (see ``round_board``)."""
    if university_id is not None:
        return _university_students(session, university_id, limit, offset, view)
    offset = max(offset, 0)
    levels = _levels(session, view, OVERALL)
    total = sum(entries for _score, entries in levels)
    located = _locate(levels, offset)
    if located is None or limit <= 0:
        return [], total
    start_total, above = located
    skip = offset - above  # from the entry before the page, as in ``round_board``
    page = (
        select(OverallStanding.student_id)
        .where(OverallStanding.view == view, OverallStanding.total_units <= start_total)
        .order_by(*_overall_keys())
        .limit(limit + 1 if skip else limit)
        .offset(skip - 1 if skip else 0)
        .subquery()
    )
    rows = session.execute(
        select(OverallStanding, User.display_name, University.code)
        .join(page, page.c.student_id == OverallStanding.student_id)
        .join(User, User.id == OverallStanding.student_id)
        .join(University, University.id == OverallStanding.university_id)
        .where(OverallStanding.view == view)
        .order_by(*_overall_keys())
    ).all()
    previous: tuple | None = None
    if skip and rows:
        previous = (rows[0][0].total_units, rows[0][0].duration_ms)
        rows = rows[1:]
    entries: list[StudentEntry] = []
    for index, (entry, name, code) in enumerate(rows):
        key = (entry.total_units, entry.duration_ms)
        if index == 0 and key == previous:
            rank = _overall_rank(session, entry)
        elif entries and key == (entries[-1].score_units, entries[-1].duration_ms):
            rank = entries[-1].rank
        else:
            rank = offset + index + 1
        entries.append(
            StudentEntry(rank, entry.student_id, name, code, entry.total_units, entry.duration_ms)
        )
    return entries, total


def _university_students(
    session: Session, university_id: int, limit: int, offset: int, view: str
) -> tuple[list[StudentEntry], int]:
    """One page of a university's students, best first, with their overall ranks."""
    where = [OverallStanding.view == view, OverallStanding.university_id == university_id]
    rows = session.execute(
        select(OverallStanding, User.display_name, University.code)
        .join(User, User.id == OverallStanding.student_id)
        .join(University, University.id == OverallStanding.university_id)
        .where(*where)
        .order_by(*_overall_keys())
        .limit(limit)
        .offset(offset)
    ).all()
    total = session.scalar(select(func.count()).where(*where)) or 0
    entries = [
        StudentEntry(
            _overall_rank(session, entry),
            entry.student_id,
            name,
            code,
            entry.total_units,
            entry.duration_ms,
        )
        for entry, name, code in rows
    ]
    return entries, total


def overall_position(session: Session, student_id: int, *, view: str = LIVE) -> int | None:
    entry = session.get(OverallStanding, (view, student_id))
    if entry is None:
        return None
    return _overall_rank(session, entry)


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


def _sort_value(
    method: str, minimum: int, participants: int, total: int, top: int
) -> int | Fraction | None:
    """What orders universities by ``method``: a number proportional to the method's
    value (the same denominator for every university), or None when not ranked by it.

    Only ``mean`` needs a fraction; the other methods compare exact integers.
    """
    if participants == 0:
        return None
    if method == "participants":
        return participants
    if method == "total":
        return total
    if method == "mean":
        return Fraction(total, participants) if participants >= minimum else None
    return top


def _sort_exactly(scored: list[tuple[Any, str, str, Any]]) -> None:
    """Sort (value, name, code, ...) by value (high first), then name and code.

    Sorting on floats is fast; a pass over neighbours then checks the order with
    the exact values, and sorts again exactly in the rare case it was wrong.
    """
    scored.sort(key=lambda item: (-float(item[0]), item[1], item[2]))
    for before, after in zip(scored, scored[1:], strict=False):
        if before[0] < after[0] or (before[0] == after[0] and before[1:3] > after[1:3]):
            scored.sort(key=lambda item: (-item[0], item[1], item[2]))
            return


def _exact_value(method: str, participants: int, total: int, top: int) -> Fraction:
    """The method's exact value in points (or a count for ``participants``)."""
    if method == "participants":
        return Fraction(participants)
    if method == "total":
        return Fraction(total, SCORE_UNIT)
    if method == "mean" and participants:
        return Fraction(total, SCORE_UNIT * participants)
    if method == "mean":
        return Fraction(0)
    return Fraction(top, SCORE_UNIT * top_n())


def university_board(
    session: Session,
    method: str,
    round_id: int | None = None,
    *,
    limit: int = 50,
    offset: int = 0,
    view: str = LIVE,
) -> tuple[list[UniversityEntry], int]:
    """Every university ranked by ``method`` (per round or overall); one page of it.

    Two plain-row queries (the standings of the scope, every university), then an
    exact sort in Python on integers (a fraction for ``mean``); only the page's
    entries get their exact value.
    """
    scope = OVERALL if round_id is None else round_scope(round_id)
    standings = {
        university_id: (participants, total, top)
        for university_id, participants, total, top in session.execute(
            select(
                UniversityStanding.university_id,
                UniversityStanding.participants,
                UniversityStanding.total_units,
                UniversityStanding.top_n_units,
            ).where(UniversityStanding.view == view, UniversityStanding.scope == scope)
        )
    }
    universities = session.execute(
        select(University.id, University.code, University.name_vi, University.name_en)
    ).all()
    scored, unranked = [], []
    minimum = min_participants()
    for university in universities:
        numbers = standings.get(university.id, (0, 0, 0))
        key = _sort_value(method, minimum, *numbers)
        if key is None:
            unranked.append((numbers[0] == 0, university.name_vi, university.code, university))
        else:
            scored.append((key, university.name_vi, university.code, university))
    # Exact comparisons; equal values share a rank and are listed by name.
    _sort_exactly(scored)
    ranked: list[tuple[int | None, Any]] = []
    previous: int | Fraction | None = None
    for index, (key, _name, _code, university) in enumerate(scored):
        rank = ranked[-1][0] if ranked and key == previous else index + 1
        ranked.append((rank, university))
        previous = key
    # Unranked: those with participants (below the minimum for mean) first, then the rest.
    unranked.sort(key=lambda item: item[:3])
    ranked += [(None, item[3]) for item in unranked]
    entries = []
    for rank, university in ranked[offset : offset + limit]:
        participants, total, top = standings.get(university.id, (0, 0, 0))
        # An unranked university shows its mean score (0 without participants).
        value = _exact_value(method if rank is not None else "mean", participants, total, top)
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
    return entries, len(ranked)


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
        .order_by(*(_round_keys() if round_id is not None else _overall_keys()))
        .limit(limit)
    )
    if round_id is not None:
        statement = statement.where(RoundStanding.round_id == round_id)
    found = []
    for entry, name, code in session.execute(statement):
        if round_id is not None:
            rank, units = _round_rank(session, entry), entry.score_units
        else:
            rank, units = _overall_rank(session, entry), entry.total_units
        found.append(StudentEntry(rank, entry.student_id, name, code, units, entry.duration_ms))
    return found
