"""Reading the students' boards: the one documented ordering of each.

- Students, per round: score (high first), prediction error (small first; no
  prediction is worst; only when the round's true value is known), duration
  (short first), submission time (early first).
- Students, overall: total (high first), then summed duration (short first).

Universities are ranked in :mod:`quiz.standings.university_boards`.

Ranks are competition ranks ("1224"). Each read is a fixed, small number of
indexed queries, whatever the number of attempts.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, literal, or_, select, tuple_
from sqlalchemy.orm import Session

from quiz.accounts.models import User
from quiz.standings.models import (
    LIVE,
    OVERALL,
    OverallStanding,
    RoundStanding,
    ScoreLevel,
)
from quiz.standings.services import (
    apply_level_changes,
    round_scope,
)
from quiz.universities.models import University


@dataclass
class StudentEntry:
    rank: int
    student_id: int
    display_name: str
    university_code: str
    score_units: int
    duration_ms: int


def _with_names(table: Any) -> Any:
    """Standings rows of ``table`` with each student's display name and university code."""
    return (
        select(table, User.display_name, University.code)
        .join(User, User.id == table.student_id)
        .join(University, University.id == table.university_id)
    )


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


def score_levels(
    session: Session, round_id: int | None, *, view: str = LIVE
) -> list[tuple[int, int]]:
    """A board's histogram (a round's, or overall), best score first: (score in units,
    number of entries)."""
    return _levels(session, view, round_scope(round_id) if round_id else OVERALL)


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
        _with_names(RoundStanding)
        .join(page, page.c.student_id == RoundStanding.student_id)
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


def round_board_rescored(
    session: Session, round_id: int, scores: dict[int, int], *, view: str = LIVE
) -> list[StudentEntry]:
    """The whole board of a round as it would be if the counted attempts in ``scores``
    (by attempt id) had those scores: the board's order and competition ranks, read in
    one query, nothing written (a regrade's dry run)."""
    rows = session.execute(
        _with_names(RoundStanding).where(
            RoundStanding.view == view, RoundStanding.round_id == round_id
        )
    ).all()

    def tied(entry: RoundStanding) -> tuple:
        return (scores.get(entry.attempt_id, entry.score_units), *_round_tuple(entry)[1:])

    # _round_keys(), in Python: score high first, then the tie-breaks, then the student.
    rows.sort(key=lambda row: (-tied(row[0])[0], *tied(row[0])[1:], row[0].student_id))
    entries: list[StudentEntry] = []
    previous: tuple | None = None
    for index, (entry, name, code) in enumerate(rows):
        key = tied(entry)
        rank = entries[-1].rank if key == previous else index + 1
        previous = key
        entries.append(StudentEntry(rank, entry.student_id, name, code, key[0], entry.duration_ms))
    return entries


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


def round_entry(
    session: Session, round_id: int, student_id: int, *, view: str = LIVE
) -> StudentEntry | None:
    """A student's own row of a round's board (pinned on the page when it is elsewhere)."""
    row = session.execute(
        _with_names(RoundStanding).where(
            RoundStanding.view == view,
            RoundStanding.round_id == round_id,
            RoundStanding.student_id == student_id,
        )
    ).first()
    if row is None:
        return None
    entry, name, code = row
    rank = _round_rank(session, entry)
    return StudentEntry(rank, student_id, name, code, entry.score_units, entry.duration_ms)


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
        _with_names(OverallStanding)
        .join(page, page.c.student_id == OverallStanding.student_id)
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
        _with_names(OverallStanding)
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


def overall_entry(session: Session, student_id: int, *, view: str = LIVE) -> StudentEntry | None:
    """A student's own row of the overall board."""
    row = session.execute(
        _with_names(OverallStanding).where(
            OverallStanding.view == view, OverallStanding.student_id == student_id
        )
    ).first()
    if row is None:
        return None
    entry, name, code = row
    rank = _overall_rank(session, entry)
    return StudentEntry(rank, student_id, name, code, entry.total_units, entry.duration_ms)


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
        _with_names(table)
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


def board_pages(
    session: Session, round_id: int | None, *, view: str = LIVE, size: int = 5000
) -> Iterator[tuple[list[StudentEntry], int]]:
    """A round's whole student board (or the overall one, ``round_id`` None) in pages
    of ``size`` entries, each with the board's total (exports, certificates)."""
    offset = 0
    while True:
        if round_id is None:
            entries, total = overall_board(session, limit=size, offset=offset, view=view)
        else:
            entries, total = round_board(session, round_id, limit=size, offset=offset, view=view)
        if not entries:
            return
        yield entries, total
        offset += len(entries)
        if offset >= total:
            return
