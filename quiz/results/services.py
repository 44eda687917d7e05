"""A ranked round's results: running, provisional, official (contest-operations.md).

- ``running`` until the round's last save instant: scores can still move;
- ``provisional`` after it: organisers may open an appeal window (default 72 h),
  answer the appeals, regrade;
- ``official`` once an organiser makes them so, which also publishes them (ends a
  leaderboard freeze). Making them official is refused while appeals are open or
  the window still runs. Regrading or disqualifying then first needs the round
  reopened, an audited step of its own with a reason.

Practice rounds have no results state: they rank nobody.
"""

from __future__ import annotations

import enum
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from quiz.audit.services import record
from quiz.clock import now
from quiz.errors import Conflict, InvalidInput
from quiz.results.models import Appeal, AppealStatus
from quiz.rounds.models import Round
from quiz.rounds.services import RoundView, get_round, last_save_instant, lock_round
from quiz.standings.services import count_prediction, publish_results

DEFAULT_APPEAL_HOURS = 72
#: The longest window organisers may open at once (a month).
MAX_APPEAL_HOURS = 24 * 31
REASON_MAX_CHARS = 500


class ResultsState(enum.StrEnum):
    RUNNING = "running"
    PROVISIONAL = "provisional"
    OFFICIAL = "official"


STATE_LABELS = {
    ResultsState.RUNNING: _l("Results not final: the round is still running"),
    ResultsState.PROVISIONAL: _l("Provisional results: appeals may still change them"),
    ResultsState.OFFICIAL: _l("Official results"),
}


def state_of(round_: Round | RoundView, moment: datetime | None = None) -> ResultsState | None:
    """The round's results state; None for a practice round."""
    if not round_.ranked:
        return None
    if round_.official_at is not None:
        return ResultsState.OFFICIAL
    if (moment or now()) <= last_save_instant(round_):
        return ResultsState.RUNNING
    return ResultsState.PROVISIONAL


def appeals_open(round_: Round | RoundView, moment: datetime | None = None) -> bool:
    """Whether students may file appeals now."""
    moment = moment or now()
    return (
        state_of(round_, moment) is ResultsState.PROVISIONAL
        and round_.appeals_open_at is not None
        and round_.appeals_close_at is not None
        and round_.appeals_open_at <= moment < round_.appeals_close_at
    )


def open_appeals_count(session: Session, round_id: int) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(Appeal)
            .where(Appeal.round_id == round_id, Appeal.status == AppealStatus.OPEN.value)
        )
        or 0
    )


def set_appeal_window(
    session: Session, round_id: int, hours: int, *, actor_id: int | None
) -> Round:
    """Open the appeal window for ``hours`` from now (again: move its end); 0 closes it
    now. Only while the results are provisional."""
    if not 0 <= hours <= MAX_APPEAL_HOURS:
        raise InvalidInput(
            {"hours": _l("Enter whole hours from 0 to %(most)d.", most=MAX_APPEAL_HOURS)}
        )
    round_ = locked_round(session, round_id)
    _require_provisional(round_)
    moment = now()
    if hours == 0:
        if not appeals_open(round_, moment):
            raise Conflict(_l("The appeal window is not open."), code="appeals_closed")
        round_.appeals_close_at = moment
    else:
        if not appeals_open(round_, moment):
            round_.appeals_open_at = moment
        round_.appeals_close_at = moment + timedelta(hours=hours)
    count_prediction(session, round_, actor_id=actor_id)
    record(
        session,
        actor_id,
        "results.appeal_window",
        f"round:{round_.id}",
        opens=round_.appeals_open_at.isoformat() if round_.appeals_open_at else None,
        closes=round_.appeals_close_at.isoformat() if round_.appeals_close_at else None,
    )
    session.flush()
    return round_


def make_official(session: Session, round_id: int, *, actor_id: int | None) -> Round:
    """The results become official, and published. Refused while an appeal is open (with
    their count) or the appeal window still runs."""
    round_ = locked_round(session, round_id)
    _require_provisional(round_)
    waiting = open_appeals_count(session, round_id)
    if waiting:
        raise Conflict(
            # Said in the request's language (a plural: not lazy).
            ngettext(
                "%(num)d appeal is still open: answer it before making the results official.",
                "%(num)d appeals are still open: answer them before making the results official.",
                waiting,
            ),
            code="appeals_open",
        )
    if appeals_open(round_):
        raise Conflict(
            _l("The appeal window is still open: close it first."), code="appeal_window_open"
        )
    count_prediction(session, round_, actor_id=actor_id)
    if round_.results_published_at is None:
        publish_results(session, round_, actor_id=actor_id)
    round_.official_at = now()
    record(session, actor_id, "results.official", f"round:{round_.id}")
    session.flush()
    return round_


def reopen(session: Session, round_id: int, reason: str, *, actor_id: int | None) -> Round:
    """Official results become provisional again, so that they may be changed (a
    regrade, a disqualification); a reason is required."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput({"reason": _l("Give a reason.")})
    if len(reason) > REASON_MAX_CHARS:
        raise InvalidInput({"reason": _l("At most %(most)d characters.", most=REASON_MAX_CHARS)})
    round_ = locked_round(session, round_id)
    if state_of(round_) is not ResultsState.OFFICIAL:
        raise Conflict(_l("The results of this round are not official."), code="not_official")
    round_.official_at = None
    record(session, actor_id, "results.reopen", f"round:{round_.id}", reason=reason)
    session.flush()
    return round_


def refuse_if_official(round_: Round) -> None:
    """Changing an official round's results (a regrade, a disqualification) first needs
    it reopened."""
    if round_.official_at is not None:
        raise Conflict(
            _l(
                "The results of this round are official: reopen them (with a reason) "
                "before changing them."
            ),
            code="round_official",
        )


def locked_round(session: Session, round_id: int) -> Round:
    """The round, read again under its row lock: one organiser's step at a time."""
    lock_round(session, round_id)
    round_ = get_round(session, round_id)
    session.refresh(round_)
    return round_


def _require_provisional(round_: Round) -> None:
    state = state_of(round_)
    if state is None:
        raise Conflict(_l("A practice round has no results to appeal."), code="practice_round")
    if state is ResultsState.RUNNING:
        raise Conflict(
            _l("The round is still running: its results become provisional after it."),
            code="round_running",
        )
    if state is ResultsState.OFFICIAL:
        raise Conflict(_l("The results of this round are already official."), code="round_official")
