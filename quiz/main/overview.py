"""What the home page leads with: the round open now (or the next one) and the contest's
live figures: participants, universities taking part, the first universities.

Everyone lands here at a round's start, so the figures come from the boards' small
tables (the histogram, the university standings), and one process reads them at most
every ``MAX_AGE`` seconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from quiz.accounts.models import Role, User
from quiz.clock import now
from quiz.rounds.models import Round, RoundStatus
from quiz.standings import boards, university_boards
from quiz.standings.models import PUBLIC
from quiz.standings.university_boards import UniversityEntry

#: How old the figures may be (seconds).
MAX_AGE = 10
TOP = 5


@dataclass(frozen=True)
class Overview:
    #: The ranked round open now, else the next one to open; None when neither.
    round_id: int | None
    title: dict[str, str] | None
    opens_at: datetime | None
    closes_at: datetime | None
    open_now: bool
    participants: int
    universities_taking_part: int
    universities_registered: int
    top: list[UniversityEntry]
    read_at: datetime


_kept: list[Overview] = []


def forget() -> None:
    _kept.clear()


def _round(session: Session, moment: datetime) -> tuple[Round | None, bool]:
    ranked = list(
        session.scalars(
            select(Round)
            .where(Round.ranked.is_(True), Round.closes_at > moment)
            .order_by(Round.opens_at, Round.id)
        )
    )
    for round_ in ranked:
        if round_.status_at(moment) is RoundStatus.OPEN:
            return round_, True
    return (ranked[0], False) if ranked else (None, False)


def overview(session: Session) -> Overview:
    moment = now()
    if _kept and (moment - _kept[0].read_at).total_seconds() < MAX_AGE:
        found = _kept[0]
        # Unless the round opened or closed since: its own times tell.
        if found.opens_at is None or found.closes_at is None:
            return found
        if (found.opens_at <= moment < found.closes_at) == found.open_now:
            return found
    round_, open_now = _round(session, moment)
    entries, _total = university_boards.university_board(
        session, "top_n_mean", None, limit=10**6, view=PUBLIC
    )
    registered = session.scalar(
        select(func.count(func.distinct(User.university_id))).where(User.role == Role.STUDENT.value)
    )
    found = Overview(
        round_id=round_.id if round_ else None,
        title=dict(round_.title) if round_ else None,
        opens_at=round_.opens_at if round_ else None,
        closes_at=round_.closes_at if round_ else None,
        open_now=open_now,
        participants=sum(n for _score, n in boards.score_levels(session, None, view=PUBLIC)),
        universities_taking_part=sum(1 for e in entries if e.participants),
        universities_registered=int(registered or 0),
        top=[e for e in entries if e.rank is not None][:TOP],
        read_at=moment,
    )
    _kept[:] = [found]
    return found
