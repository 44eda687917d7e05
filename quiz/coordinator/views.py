"""The coordinator's dashboard: their own university's participants, results,
verification queue, charts and export."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from quiz.accounts.auth import role_required
from quiz.accounts.models import Role
from quiz.charts import bar_chart
from quiz.coordinator import services
from quiz.db import get_session
from quiz.results import public
from quiz.rounds.services import list_rounds
from quiz.web import record_id

bp = Blueprint("coordinator", __name__, url_prefix="/coordinator", template_folder="templates")


@bp.before_request
@role_required(Role.COORDINATOR, Role.ORGANISER)
def only_coordinators() -> None:
    """Coordinators (their own university) and organisers (any, by code)."""


def chosen_university() -> Any:
    return services.university_for(get_session(), current_user, request.args.get("university"))


@bp.get("/")
def dashboard() -> Any:
    session = get_session()
    university = chosen_university()
    rounds = list_rounds(session, ranked_only=True)
    people = services.participants(session, university)
    round_id = request.args.get("round", type=record_id)
    distribution = services.score_distribution(
        people, round_id, public.best_possible(session, round_id)
    )
    days = services.participation_by_day(session, university)
    charts = [
        bar_chart(_("Score distribution"), distribution) if distribution else None,
        bar_chart(_("Attempts per day"), [(d.strftime("%d/%m"), n) for d, n in days[-14:]])
        if days
        else None,
    ]
    return render_template(
        "coordinator/dashboard.html",
        university=university,
        rounds=rounds,
        people=people,
        pending=[p for p in people if p.student.verification == "pending"],
        charts=[c for c in charts if c is not None],
        round_id=round_id,
        code=request.args.get("university"),
    )


@bp.post("/students/<int:student_id>/verification")
def verify(student_id: int) -> Any:
    decision = request.form.get("decision", "")
    student = services.set_verification(get_session(), current_user, student_id, decision)
    flash(
        _(
            "%(name)s: %(decision)s.",
            name=student.full_name,
            decision=_("confirmed") if decision == "confirmed" else _("rejected"),
        ),
        "success",
    )
    return redirect(
        url_for(
            "coordinator.dashboard",
            **({"university": request.args["university"]} if "university" in request.args else {}),
        )
    )


@bp.get("/export.csv")
def export() -> Any:
    session = get_session()
    university = chosen_university()
    people = services.participants(session, university)
    text = services.export_csv(
        people, list_rounds(session, ranked_only=True), str(get_locale() or "vi")
    )
    return Response(
        text.encode("utf-8"),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{university.code}-results.csv"'},
    )
