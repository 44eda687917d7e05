"""Reading the universities' boards: the one documented ordering.

Universities are ranked by the chosen method (``top_n_mean``, ``participants``,
``total``, ``mean``), high first; ties share a rank and are listed by name;
``mean`` ranks only universities with at least ``min_participants``; a
university without participants is listed after every ranked one, unranked.
Comparisons are exact (integers in 1/SCORE_UNIT point, a fraction for ``mean``).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import select
from sqlalchemy.orm import Session

from quiz.attempts.models import SCORE_UNIT
from quiz.standings.aggregates import top_n
from quiz.standings.models import LIVE, OVERALL, UniversityStanding
from quiz.standings.services import DEFAULT_MIN_PARTICIPANTS, round_scope
from quiz.universities.models import University

METHODS = ("top_n_mean", "participants", "total", "mean")


def min_participants() -> int:
    if has_app_context():
        return int(current_app.config.get("MIN_PARTICIPANTS", DEFAULT_MIN_PARTICIPANTS))
    return DEFAULT_MIN_PARTICIPANTS


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
