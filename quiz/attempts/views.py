"""Students' pages: rounds, the start page, the attempt, submission, result and review.

Every page works without JavaScript (plain form posts per question and for
submission); with it, the attempt page saves each answer as it is chosen and
keeps unsent answers in the browser until the server has them.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import format_decimal, get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf.csrf import generate_csrf

from quiz.accounts.models import Role
from quiz.attempts import adjustments, notes, papers, sealing, services
from quiz.attempts.models import SCORE_UNIT, Attempt, AttemptStatus
from quiz.attempts.rendering import attempt_items_html
from quiz.attempts.services import MAX_PREDICTION, Sheet
from quiz.charts import bar_chart
from quiz.clock import now
from quiz.db import get_session, writes_on_get
from quiz.errorpages import json_error
from quiz.errors import Conflict, Forbidden, NotFound, ServiceError
from quiz.i18n import local_datetime, localized
from quiz.results import appeals, standing
from quiz.results import services as results
from quiz.rounds import overrides
from quiz.rounds.models import Review
from quiz.rounds.services import (
    get_round,
    last_save_instant,
    list_rounds,
    round_view,
    status_now,
)
from quiz.web import record_id

bp = Blueprint("contest", __name__, template_folder="templates")

#: How old a round view a start may begin with (its statement checks it, see services.start).
START_VIEW_AGE = 1.0
#: How old a round view the confirmation and result pages may show (its title, its review
#: setting): the minutes every student finishes in read no round row each.
FINISH_VIEW_AGE = 1.0


@bp.app_template_filter("score")
def score_filter(units: int | None) -> str:
    """A score for people, to 2 decimals in the locale's way (8,50 in vi and fr)."""
    if units is None:
        return ""
    return format_decimal(round(units / SCORE_UNIT, 2), format="#,##0.00")


def _review_refusal(attempt: Attempt, round_: Any) -> str:
    """Why the answers cannot be read yet, and when they can."""
    if attempt.status == AttemptStatus.IN_PROGRESS.value:
        return _("Finish your attempt first: the answers are shown once it is final.")
    if round_.review == Review.NEVER.value:
        return _("The organisers do not show this round's answers.")
    return _(
        "The answers are shown once the round is over for everyone, from %(when)s.",
        when=local_datetime(last_save_instant(round_), "short"),
    )


@bp.get("/rounds")
@writes_on_get
def rounds() -> Any:
    session = get_session()
    all_rounds = list_rounds(session)
    mine: dict[int, list[Attempt]] = {}
    if current_user.is_authenticated and current_user.has_role(Role.STUDENT):
        mine = {r.id: services.attempts_of(session, r, current_user) for r in all_rounds}
    return render_template("attempts/rounds.html", rounds=all_rounds, mine=mine, status=status_now)


@bp.get("/rounds/<int:round_id>")
@writes_on_get
def round_page(round_id: int) -> Any:
    session = get_session()
    round_ = get_round(session, round_id)
    attempts: list[Attempt] = []
    terms = overrides.terms_of(round_, None)
    if current_user.is_authenticated and current_user.has_role(Role.STUDENT):
        attempts = services.attempts_of(session, round_, current_user)
        terms = overrides.terms_for(session, round_, current_user.id, current_user.university_id)
    return render_template(
        "attempts/start.html",
        round=round_,
        terms=terms,
        changes=notes.changes(overrides.values_of(terms.override)) if terms.override else [],
        attempts=attempts,
        status=terms.status_at(now()).value,
        opens_in=services.remaining_seconds(terms.opens_at),
    )


@bp.post("/rounds/<int:round_id>/start")
@login_required
def start(round_id: int) -> Any:
    """Start (the form), or, for the round page's script, answer in JSON with the key of
    the sealed paper it holds (``paper``: its key id) when the attempt was made from it."""
    session = get_session()
    round_ = round_view(session, round_id, max_age=START_VIEW_AGE)
    script = request.accept_mimetypes.best == "application/json"
    try:
        started = services.start(session, round_, current_user, request.remote_addr)
    except Conflict as error:
        if script:
            return json_error(error.status, error.message, error.code)
        flash(str(error.message), "error")
        return redirect(url_for("contest.round_page", round_id=round_id))
    if not script:
        return redirect(url_for("contest.attempt_page", attempt_id=started.attempt_id))
    opened = started.key is not None and sealing.key_id(started.key) == request.form.get("paper")
    attempt_id = started.attempt_id
    return {
        "attempt": attempt_id,
        "url": url_for("contest.attempt_page", attempt_id=attempt_id, q=1),
        "answer_url": url_for("contest.answer", attempt_id=attempt_id),
        "confirm_url": url_for("contest.confirm", attempt_id=attempt_id),
        "result_url": url_for("contest.result", attempt_id=attempt_id),
        "key": sealing.key_text(started.key) if opened and started.key else None,
        "remaining_seconds": services.remaining_seconds(started.deadline)
        if started.deadline
        else None,
        "title": _("Question %(n)d", n=1) + " · " + localized(round_.title, locale()),
    }


@bp.get("/rounds/<int:round_id>/paper")
@login_required
def sealed_paper(round_id: int) -> Any:
    """The student's paper for the round page to hold until the start: sealed, so that
    nothing of it can be read before the start gives out its key (404 without one)."""
    if not current_user.has_role(Role.STUDENT):
        abort(403)
    session = get_session()
    round_ = round_view(session, round_id)
    sheet = papers.paper_sheet(session, round_, current_user)
    if sheet is None or sheet.key is None or status_now(round_) == "closed":
        abort(404)
    html = attempt_items_html(sheet, locale(), 1, generate_csrf())
    response = jsonify({**sealing.seal(sheet.key, html), "count": len(sheet.items)})
    response.headers["Cache-Control"] = "no-store, private"
    return response


def locale() -> str:
    return str(get_locale() or "vi")


def own_attempt(attempt_id: int) -> Sheet:
    if not current_user.is_authenticated:
        abort(401)
    return services.sheet(get_session(), attempt_id, current_user)


@bp.get("/attempts/<int:attempt_id>")
@writes_on_get
@login_required
def attempt_page(attempt_id: int) -> Any:
    attempt = own_attempt(attempt_id)
    if attempt.status != "in_progress":
        return redirect(url_for("contest.result", attempt_id=attempt.id))
    count = len(attempt.items)
    position = request.args.get("q", attempt.resume_position, type=record_id) or 1
    position = min(max(position, 1), count)
    round_ = round_view(get_session(), attempt.round_id)
    return render_template(
        "attempts/attempt.html",
        attempt=attempt,
        round=round_,
        position=position,
        remaining=services.remaining_seconds(attempt.deadline),
        items_html=attempt_items_html(attempt, locale(), position, generate_csrf()),
    )


@bp.post("/attempts/<int:attempt_id>/answer")
@login_required
def answer(attempt_id: int) -> Any:
    """Save one answer from the plain form (no JavaScript), then go where asked."""
    position = request.form.get("position", type=record_id) or 1
    choices = request.form.getlist("choices")
    try:
        services.save_answer(get_session(), attempt_id, current_user, position, choices)
    except NotFound:
        abort(404)
    except Conflict as error:
        flash(str(error.message), "error")
        return redirect(url_for("contest.result", attempt_id=attempt_id))
    except ServiceError as error:
        flash(str(error.message), "error")
        return redirect(url_for("contest.attempt_page", attempt_id=attempt_id, q=position))
    go = request.form.get("go", type=record_id) or position
    if request.form.get("finish"):
        return redirect(url_for("contest.confirm", attempt_id=attempt_id))
    return redirect(url_for("contest.attempt_page", attempt_id=attempt_id, q=go))


@bp.get("/attempts/<int:attempt_id>/confirm")
@writes_on_get
@login_required
def confirm(attempt_id: int) -> Any:
    attempt = own_attempt(attempt_id)
    if attempt.status != "in_progress":
        return redirect(url_for("contest.result", attempt_id=attempt.id))
    unanswered = [item.position for item in attempt.items if not item.choices]
    round_ = round_view(get_session(), attempt.round_id, max_age=FINISH_VIEW_AGE)
    return render_template(
        "attempts/confirm.html",
        attempt=attempt,
        round=round_,
        unanswered=unanswered,
        remaining=services.remaining_seconds(attempt.deadline),
    )


@bp.post("/attempts/<int:attempt_id>/submit")
@login_required
def submit(attempt_id: int) -> Any:
    raw = (request.form.get("prediction") or "").strip()
    try:
        prediction = int(raw) if raw else None
        if prediction is not None and not 0 <= prediction <= MAX_PREDICTION:
            raise ValueError(raw)
    except ValueError:
        flash(_("The prediction must be a whole number of at least 0."), "error")
        return redirect(url_for("contest.confirm", attempt_id=attempt_id))
    try:
        services.submit(get_session(), attempt_id, current_user, prediction)
    except NotFound:
        abort(404)
    except ServiceError as error:
        flash(str(error.message), "error")
        return redirect(url_for("contest.confirm", attempt_id=attempt_id))
    return redirect(url_for("contest.result", attempt_id=attempt_id))


@bp.get("/attempts/<int:attempt_id>/result")
@writes_on_get
@login_required
def result(attempt_id: int) -> Any:
    attempt = own_attempt(attempt_id)
    if attempt.status == "in_progress":
        return redirect(url_for("contest.attempt_page", attempt_id=attempt.id))
    session = get_session()
    round_ = round_view(session, attempt.round_id, max_age=FINISH_VIEW_AGE)
    review = services.review_allowed(attempt, round_)
    found = standing.of_attempt(session, attempt, round_)
    return render_template(
        "attempts/result.html",
        attempt=attempt,
        round=round_,
        standing=found,
        chart=bar_chart(_("Scores of the round"), found.bins, highlight=found.mine)
        if found
        else None,
        topics=services.topic_breakdown(session, attempt.id) if review else [],
        # A moment for the one who just finished (not for a result read days later).
        just_finished=now() - (attempt.submitted_at or attempt.deadline) < timedelta(minutes=10),
        notes=notes.of_attempt(get_session(), attempt),
        review=review,
        review_at=last_save_instant(round_),
        appeals_open=results.appeals_open(round_),
        appeals=appeals.of_attempt(get_session(), attempt.id),
        APPEAL_LABELS=appeals.STATUS_LABELS,
    )


@bp.get("/attempts/<int:attempt_id>/review")
@writes_on_get
@login_required
def review(attempt_id: int) -> Any:
    attempt = own_attempt(attempt_id)
    round_ = get_round(get_session(), attempt.round_id)
    if not services.review_allowed(attempt, round_):
        raise Forbidden(_review_refusal(attempt, round_))
    return render_template(
        "attempts/review.html",
        attempt=attempt,
        round=round_,
        regrades=adjustments.regrades_of(get_session(), round_.id),
        ACTION_LABELS=notes.ACTION_LABELS,
        appeal_links=results.appeals_open(round_),
    )
