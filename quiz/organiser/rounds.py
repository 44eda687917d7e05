"""Organisers' round screens: list, create, edit with the blueprint editor, preview."""

from __future__ import annotations

import secrets
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from quiz.accounts.auth import role_required
from quiz.accounts.models import Role
from quiz.attempts import papers
from quiz.bank.services import topics
from quiz.db import get_session, writes_on_get
from quiz.errors import InvalidInput, ServiceError
from quiz.operations import analysis, integrity
from quiz.results import services as results
from quiz.rounds import services
from quiz.rounds.forms import ATTEMPT_POLICY_LABELS, MC_POLICY_LABELS, REVIEW_LABELS, RoundForm
from quiz.rounds.models import Round
from quiz.rounds.services import RoundData
from quiz.standings import services as standings
from quiz.web import apply_errors


def topic_names() -> list[tuple[str, str]]:
    locale = str(get_locale() or "vi")
    return [(t.slug, t.display_name(locale)) for t in topics(get_session())]


bp = Blueprint(
    "rounds_admin", __name__, url_prefix="/organiser/rounds", template_folder="templates"
)


@bp.before_request
@role_required(Role.ORGANISER)
def only_organisers() -> None:
    """Every round screen here is for organisers only."""


@bp.context_processor
def labels() -> dict[str, Any]:
    return {
        "REVIEW_LABELS": REVIEW_LABELS,
        "ATTEMPT_POLICY_LABELS": ATTEMPT_POLICY_LABELS,
        "MC_POLICY_LABELS": MC_POLICY_LABELS,
    }


@bp.get("/")
def index() -> Any:
    rounds = services.list_rounds(get_session())
    return render_template("rounds/admin_index.html", rounds=rounds, status=services.status_now)


def _blueprint_actions(form: RoundForm) -> bool:
    """The add/remove line buttons; True when the form must be shown again."""
    if "add_line" in request.form:
        form.blueprint.append_entry({"count": 1})
        return True
    remove = request.form.get("remove_line")
    if remove is not None and remove.isdigit() and int(remove) < len(form.blueprint.entries):
        form.blueprint.entries.pop(int(remove))
        return True
    return False


def _render(form: RoundForm, round_: Any = None, status: int = 200) -> Any:
    form.set_topics(topic_names())
    available = services.blueprint_availability(get_session(), form.lines())
    return render_template("rounds/edit.html", form=form, round=round_, available=available), status


@bp.route("/new", methods=["GET", "POST"])
def create() -> Any:
    form = RoundForm()
    form.set_topics(topic_names())
    if request.method == "POST" and not _blueprint_actions(form) and form.validate():
        try:
            round_ = services.create_round(get_session(), form.to_data(), actor_id=current_user.id)
        except ServiceError as error:
            apply_errors(form, error)
            return _render(form, status=422)
        flash(_("The round is created."), "success")
        return redirect(url_for("rounds_admin.detail", round_id=round_.id))
    return _render(form, status=422 if form.errors else 200)


@bp.route("/<int:round_id>/edit", methods=["GET", "POST"])
def edit(round_id: int) -> Any:
    round_ = services.get_round(get_session(), round_id)
    form = RoundForm()
    form.set_topics(topic_names())
    if request.method == "GET":
        form.fill(services.round_data_of(round_))
    elif not _blueprint_actions(form) and form.validate():
        try:
            data = keep_seconds(form.to_data(), round_)
            services.update_round(get_session(), round_, data, actor_id=current_user.id)
        except ServiceError as error:
            apply_errors(form, error)
            return _render(form, round_, status=error.status)
        flash(_("The round is saved."), "success")
        return redirect(url_for("rounds_admin.detail", round_id=round_.id))
    return _render(form, round_, status=422 if form.errors else 200)


def keep_seconds(data: RoundData, round_: Round) -> RoundData:
    """The form shows minutes: a time left in the same minute keeps its stored seconds."""
    for name in ("opens_at", "closes_at", "leaderboard_freeze_at"):
        new, old = getattr(data, name), getattr(round_, name)
        if new is not None and old is not None and new == old.replace(second=0, microsecond=0):
            setattr(data, name, old)
    return data


@bp.get("/<int:round_id>")
@writes_on_get  # keeps a closed round's item analysis once computed
def detail(round_id: int) -> Any:
    """The round's settings and a sample set, drawn as a student's would be (not stored)."""
    session = get_session()
    round_ = services.get_round(session, round_id)
    status = services.status_now(round_)
    try:
        sample = services.draw_questions(
            session, services.blueprint_pool(session, round_), secrets.randbits(31)
        )
    except (ValueError, InvalidInput):
        sample = []
    return render_template(
        "rounds/admin_detail.html",
        round=round_,
        sample=sample,
        status=status,
        started=services.has_started(round_),
        papers=papers.ready(session, round_),
        papers_drawn_at=papers.drawn_at(session, round_),
        full_marks=standings.full_marks_count(session, round_),
        analysis=analysis.of_round(session, round_) if status == "closed" else None,
        FLAG_LABELS=analysis.FLAG_LABELS,
        signals_pending=sum(integrity.pending_counts(session, round_id).values()),
        appeals_waiting=results.open_appeals_count(session, round_id),
    )


@bp.post("/<int:round_id>/publish")
def publish(round_id: int) -> Any:
    """End the freeze of public leaderboards: they show the final standings."""
    round_ = services.get_round(get_session(), round_id)
    standings.publish_results(get_session(), round_, actor_id=current_user.id)
    flash(_("The results are published."), "success")
    return redirect(url_for("rounds_admin.detail", round_id=round_id))


@bp.post("/<int:round_id>/prediction")
def prediction(round_id: int) -> Any:
    """Enter the prediction question's true value (ties are then broken by it)."""
    round_ = services.get_round(get_session(), round_id)
    raw = request.form.get("value", "").strip()
    if not raw.isascii() or not raw.isdigit() or int(raw) > 2**31 - 2:
        raise InvalidInput({"value": _("Enter a whole number of at least 0.")})
    standings.set_prediction_value(get_session(), round_, int(raw), actor_id=current_user.id)
    flash(_("The true value is saved; rankings use it now."), "success")
    return redirect(url_for("rounds_admin.detail", round_id=round_id))
