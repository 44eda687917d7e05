"""Leaderboards (spec/api.md): per round, overall, and universities by method.

Anyone may read them. Public answers come from the public view, frozen at a
round's ``leaderboard_freeze_at`` until its results are published; organisers
get the live view.
"""

from __future__ import annotations

from typing import Any

from flask import request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from pydantic import BaseModel

from quiz.accounts.models import Role
from quiz.api.base import bp, page_args
from quiz.api.openapi import documented
from quiz.attempts.models import SCORE_UNIT
from quiz.db import get_session
from quiz.errors import InvalidInput
from quiz.rounds.services import ranked_round
from quiz.standings import boards, university_boards
from quiz.standings.models import LIVE, PUBLIC
from quiz.standings.services import public_cutoff
from quiz.web import record_id


class RoundEntryOut(BaseModel):
    rank: int
    display_name: str
    university_code: str
    score: float
    duration_ms: int


class RoundBoardOut(BaseModel):
    entries: list[RoundEntryOut]
    total: int
    frozen: bool


class OverallEntryOut(BaseModel):
    rank: int
    display_name: str
    university_code: str
    total: float
    duration_ms: int


class OverallBoardOut(BaseModel):
    entries: list[OverallEntryOut]
    total: int


class UniversityEntryOut(BaseModel):
    rank: int | None
    university_code: str
    name: str
    value: str
    participants: int


class UniversityBoardOut(BaseModel):
    method: str
    entries: list[UniversityEntryOut]
    total: int


def points(units: int) -> float:
    """A score in points, rounded to 2 decimals for display (rankings use exact units)."""
    return round(units / SCORE_UNIT, 2)


def view() -> str:
    """Organisers see live standings; everyone else the public ones."""
    organiser = current_user.is_authenticated and current_user.has_role(Role.ORGANISER)
    return LIVE if organiser else PUBLIC


@bp.get("/rounds/<int:round_id>/leaderboard")
@documented(
    "get",
    "/api/v1/rounds/{round_id}/leaderboard",
    "A round's student leaderboard",
    responses={200: RoundBoardOut},
    errors=(404, 422),
    query=(("limit", "integer"), ("offset", "integer")),
)
def round_leaderboard(round_id: int) -> Any:
    limit, offset = page_args()
    round_ = ranked_round(get_session(), round_id)
    chosen = view()
    entries, total = boards.round_board(
        get_session(), round_.id, limit=limit, offset=offset, view=chosen
    )
    return {
        "entries": [
            {
                "rank": e.rank,
                "display_name": e.display_name,
                "university_code": e.university_code,
                "score": points(e.score_units),
                "duration_ms": e.duration_ms,
            }
            for e in entries
        ],
        "total": total,
        "frozen": chosen == PUBLIC and public_cutoff(round_) is not None,
    }


@bp.get("/leaderboard/students")
@documented(
    "get",
    "/api/v1/leaderboard/students",
    "The overall student leaderboard",
    responses={200: OverallBoardOut},
    errors=(422,),
    query=(("limit", "integer"), ("offset", "integer")),
)
def students_leaderboard() -> Any:
    limit, offset = page_args()
    entries, total = boards.overall_board(get_session(), limit=limit, offset=offset, view=view())
    return {
        "entries": [
            {
                "rank": e.rank,
                "display_name": e.display_name,
                "university_code": e.university_code,
                "total": points(e.score_units),
                "duration_ms": e.duration_ms,
            }
            for e in entries
        ],
        "total": total,
    }


@bp.get("/leaderboard/universities")
@documented(
    "get",
    "/api/v1/leaderboard/universities",
    "Universities ranked by a method, per round or overall",
    responses={200: UniversityBoardOut},
    errors=(404, 422),
    query=(
        ("method", {"type": "string", "enum": list(university_boards.METHODS)}),
        ("round", "integer"),
        ("limit", "integer"),
        ("offset", "integer"),
    ),
)
def universities_leaderboard() -> Any:
    limit, offset = page_args()
    method = request.args.get("method", "top_n_mean")
    if method not in university_boards.METHODS:
        raise InvalidInput({"method": _("Unknown ranking method.")})
    round_arg = request.args.get("round")
    round_id = None
    if round_arg is not None:
        try:
            wanted = record_id(round_arg)
        except ValueError:
            raise InvalidInput({"round": _("round must be a round id.")}) from None
        round_id = ranked_round(get_session(), wanted).id
    entries, total = university_boards.university_board(
        get_session(), method, round_id, limit=limit, offset=offset, view=view()
    )
    locale = str(get_locale() or "vi")
    return {
        "method": method,
        "entries": [
            {
                "rank": e.rank,
                "university_code": e.code,
                "name": e.name_vi if locale == "vi" else e.name_en,
                "value": university_boards.value_text(e.value),
                "participants": e.participants,
            }
            for e in entries
        ],
        "total": total,
    }
