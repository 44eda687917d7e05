"""The public results page of an official round, and of the whole contest: the podium,
the top students, the universities by every method, participation, and charts.

Read from the public boards (official results are published, so they are the final
ones) in a fixed number of queries whatever the contest's size.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from quiz.attempts.models import SCORE_UNIT, Attempt
from quiz.charts import score_bins
from quiz.rounds.models import Round
from quiz.standings import boards, university_boards
from quiz.standings.boards import StudentEntry
from quiz.standings.models import PUBLIC
from quiz.standings.university_boards import UniversityEntry

TOP_STUDENTS = 20
TOP_UNIVERSITIES = 10
BARS = 11


@dataclass
class Results:
    round: Round | None
    entries: int
    universities: int
    podium: list[StudentEntry]
    top: list[StudentEntry]
    #: By method: the first universities.
    by_method: dict[str, list[UniversityEntry]] = field(default_factory=dict)
    #: (label, entries) from 0 to the best possible score.
    distribution: list[tuple[str, int]] = field(default_factory=list)


def official_rounds(session: Session) -> list[Round]:
    return list(
        session.scalars(
            select(Round)
            .where(Round.ranked.is_(True), Round.official_at.is_not(None))
            .order_by(Round.opens_at)
        )
    )


def results_of(session: Session, round_: Round | None) -> Results:
    round_id = round_.id if round_ else None
    if round_id:
        top, entries = boards.round_board(session, round_id, limit=TOP_STUDENTS, view=PUBLIC)
    else:
        top, entries = boards.overall_board(session, limit=TOP_STUDENTS, view=PUBLIC)
    by_method = {}
    universities = 0
    for method in university_boards.METHODS:
        ranked, _total = university_boards.university_board(
            session, method, round_id, limit=10**6, view=PUBLIC
        )
        by_method[method] = [u for u in ranked if u.rank is not None][:TOP_UNIVERSITIES]
        if method == "participants":
            universities = sum(1 for u in ranked if u.participants)
    return Results(
        round=round_,
        entries=entries,
        universities=universities,
        podium=[e for e in top if e.rank <= 3],
        top=top,
        by_method=by_method,
        distribution=_distribution(session, round_id),
    )


def _distribution(session: Session, round_id: int | None) -> list[tuple[str, int]]:
    """The board's histogram in at most ``BARS`` bars from 0 to the best possible score
    (a round's maximum, or the sum of the official rounds' maxima), never to the best
    score reached."""
    levels = boards.score_levels(session, round_id, view=PUBLIC)
    if not levels:
        return []
    top = best_possible(session, round_id)
    return score_bins(top, [(units / SCORE_UNIT, number) for units, number in levels], BARS)


def best_possible(session: Session, round_id: int | None) -> int:
    """The best possible score of a round (its attempts' maximum), or overall the sum
    of the ranked rounds' maxima."""
    maxima = select(Attempt.round_id, func.max(Attempt.max_score).label("top")).group_by(
        Attempt.round_id
    )
    if round_id:
        maxima = maxima.where(Attempt.round_id == round_id)
    else:
        maxima = maxima.join(Round, Round.id == Attempt.round_id).where(Round.ranked.is_(True))
    return sum(row.top for row in session.execute(maxima))
