"""Public leaderboard pages: students per round and overall, universities by method.

Visitors and students see the public view (frozen at a round's freeze instant
until its results are published); organisers see the live standings.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from quiz.accounts.models import Role
from quiz.charts import bar_chart
from quiz.db import get_session
from quiz.rounds.services import list_rounds, ranked_round
from quiz.standings import boards, university_boards
from quiz.standings.aggregates import top_n
from quiz.standings.models import LIVE, PUBLIC
from quiz.standings.services import public_cutoff
from quiz.universities.models import University
from quiz.web import page_number as valid_page
from quiz.web import record_id

bp = Blueprint("boards", __name__, url_prefix="/leaderboards", template_folder="templates")

PAGE_SIZE = 50


def view() -> str:
    organiser = current_user.is_authenticated and current_user.has_role(Role.ORGANISER)
    return LIVE if organiser else PUBLIC


def page_number() -> int:
    return request.args.get("page", 1, type=valid_page) or 1


def chosen_round() -> Any:
    round_id = request.args.get("round", type=record_id)
    if request.args.get("round") and round_id is None:
        abort(404)
    return ranked_round(get_session(), round_id) if round_id else None


@bp.get("/students")
def students() -> Any:
    session = get_session()
    round_ = chosen_round()
    page, chosen = page_number(), view()
    offset = (page - 1) * PAGE_SIZE
    me = current_user.id if current_user.is_authenticated else None
    if round_ is not None:
        entries, total = boards.round_board(
            session, round_.id, limit=PAGE_SIZE, offset=offset, view=chosen
        )
        mine = boards.round_entry(session, round_.id, me, view=chosen) if me else None
    else:
        entries, total = boards.overall_board(session, limit=PAGE_SIZE, offset=offset, view=chosen)
        mine = boards.overall_entry(session, me, view=chosen) if me else None
    query = request.args.get("q", "").strip()[:60]
    if query:
        entries = boards.search_students(session, query, round_.id if round_ else None, view=chosen)
        total = len(entries)
    frozen = chosen == PUBLIC and round_ is not None and public_cutoff(round_) is not None
    return render_template(
        "standings/students.html",
        entries=entries,
        total=total,
        page=page,
        pages=max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1),
        round=round_,
        rounds=list_rounds(session, ranked_only=True),
        mine=mine,
        me=me,
        frozen=frozen,
        live=chosen == LIVE,
    )


@bp.get("/universities")
def universities() -> Any:
    session = get_session()
    method = request.args.get("method", "top_n_mean")
    if method not in university_boards.METHODS:
        abort(404)
    round_ = chosen_round()
    page = page_number()
    # Every university is sorted in any case (in Python, on the standings' few rows):
    # the ranked ones are paged, the unranked folded into one list after the last page.
    every, _total = university_boards.university_board(
        session, method, round_.id if round_ else None, limit=10**6, view=view()
    )
    ranked = [e for e in every if e.rank is not None]
    pages = max((len(ranked) + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    return render_template(
        "standings/universities.html",
        entries=ranked[(page - 1) * PAGE_SIZE : page * PAGE_SIZE],
        unranked=[e for e in every if e.rank is None] if page >= pages else [],
        total=len(ranked),
        page=page,
        pages=pages,
        method=method,
        methods=university_boards.METHODS,
        round=round_,
        rounds=list_rounds(session, ranked_only=True),
        n=top_n(),
        minimum=university_boards.min_participants(),
        value_text=university_boards.value_text,
    )


@bp.get("/universities/<code>")
def university(code: str) -> Any:
    """One university: its rank in each round and overall, participants, best students."""
    session = get_session()
    chosen = view()
    found = session.scalar(select(University).where(University.code == code.upper()))
    if found is None:
        abort(404)
    rounds = list_rounds(session, ranked_only=True)
    ranks = []
    for round_ in [*rounds, None]:
        entries, _total = university_boards.university_board(
            session, "top_n_mean", round_.id if round_ else None, limit=10_000, view=chosen
        )
        entry = next((e for e in entries if e.university_id == found.id), None)
        ranks.append((round_, entry))
    best, _total = boards.overall_board(session, limit=10, view=chosen, university_id=found.id)
    chart = (
        bar_chart(
            _("Participants per round"),
            [
                (
                    r.title.get(str(get_locale() or "vi")) or r.title.get("vi", ""),
                    e.participants if e else 0,
                )
                for r, e in ranks
                if r is not None
            ],
        )
        if rounds
        else None
    )
    return render_template(
        "standings/university.html",
        university=found,
        ranks=ranks,
        best=best,
        chart=chart,
        value_text=university_boards.value_text,
    )
