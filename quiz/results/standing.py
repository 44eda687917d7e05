"""Where one attempt stands in its round, as the student's result page tells it: the
rank in the public board, its band, and the round's distribution with the attempt's
own bar."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from quiz.attempts.models import SCORE_UNIT, Attempt
from quiz.certificates.services import band_of
from quiz.charts import bin_index, score_bins
from quiz.standings import boards
from quiz.standings.models import PUBLIC


@dataclass
class Standing:
    rank: int
    entries: int
    band: int | None
    #: The round's scores as (label, how many), from 0 to the best possible score.
    bins: list[tuple[str, int]]
    #: The label of the bar the attempt's score falls in.
    mine: str


def of_attempt(session: Session, attempt: Attempt, round_: Any) -> Standing | None:
    """None for a practice round, a disqualified attempt, or while the public board does
    not show the student (a freeze)."""
    if not round_.ranked or attempt.disqualified_at is not None:
        return None
    rank = boards.round_position(session, round_.id, attempt.student_id, view=PUBLIC)
    if rank is None:
        return None
    levels = boards.score_levels(session, round_.id, view=PUBLIC)
    entries = sum(n for _units, n in levels)
    bins = score_bins(attempt.max_score, [(units / SCORE_UNIT, n) for units, n in levels])
    points = (attempt.score_units or 0) / SCORE_UNIT
    mine = bins[bin_index(attempt.max_score, points)][0]
    return Standing(rank, entries, band_of(rank, entries), bins, mine)
