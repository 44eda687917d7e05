"""Appeals and results' state: a student's appeal page, the organisers' queue with the
steps from provisional to official, the coordinator's list of their students' appeals."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from quiz.accounts.auth import role_required
from quiz.accounts.models import Role
from quiz.attempts import adjustments, notes
from quiz.attempts import services as attempts
from quiz.charts import bar_chart
from quiz.coordinator import services as coordinator
from quiz.db import get_session
from quiz.errors import ServiceError
from quiz.results import appeals, exports, practice, public, services, study
from quiz.results.forms import (
    AnswerForm,
    AppealForm,
    AppealWindowForm,
    OfficialForm,
    PracticeForm,
    ReopenForm,
)
from quiz.results.models import AppealStatus
from quiz.rounds.forms import to_utc
from quiz.rounds.services import get_round, ranked_round
from quiz.standings import university_boards
from quiz.standings.aggregates import top_n
from quiz.web import apply_errors, record_id

bp = Blueprint("results", __name__, template_folder="templates")


# -- everyone ----------------------------------------------------------------------


def _public(round_: Any) -> Any:
    session = get_session()
    found = public.results_of(session, round_)
    charts = [
        bar_chart(_("Score distribution"), found.distribution, width=360, height=200)
        if found.distribution
        else None,
        bar_chart(
            _("Participants of the first universities"),
            [(u.code, u.participants) for u in found.by_method.get("participants", [])],
            width=360,
            height=200,
        )
        if found.by_method.get("participants")
        else None,
    ]
    return render_template(
        "results/public.html",
        results=found,
        rounds=public.official_rounds(session),
        charts=[c for c in charts if c is not None],
        METHOD_LABELS={
            "top_n_mean": _("Mean of the best %(n)d", n=top_n()),
            "participants": _("Participants"),
            "total": _("Total score"),
            "mean": _("Mean score"),
        },
        value_text=university_boards.value_text,
    )


@bp.get("/results")
def public_overall() -> Any:
    """The whole contest's results, from the official rounds."""
    return _public(None)


@bp.get("/results/<int:round_id>")
def public_round(round_id: int) -> Any:
    """An official round's results (404 until its results are official)."""
    round_ = get_round(get_session(), round_id)
    if services.state_of(round_) is not services.ResultsState.OFFICIAL:
        abort(404)
    return _public(round_)


# -- students ----------------------------------------------------------------------


def _appeal_page(attempt_id: int, position: int, form: AppealForm, status: int = 200) -> Any:
    session = get_session()
    attempt = attempts.sheet(session, attempt_id, current_user)
    if attempt.student_id != current_user.id:
        abort(404)
    item = next((i for i in attempt.items if i.position == position), None)
    if item is None or attempt.status == "in_progress":
        abort(404)
    round_ = get_round(session, attempt.round_id)
    open_now = services.appeals_open(round_)
    page = render_template(
        "results/appeal.html",
        attempt=attempt,
        round=round_,
        item=item,
        form=form,
        appeal=appeals.of_attempt(session, attempt_id).get(position),
        open=open_now,
        show_item=open_now or attempts.review_allowed(attempt, round_),
        regrades=adjustments.regrades_of(session, round_.id),
        ACTION_LABELS=notes.ACTION_LABELS,
        STATUS_LABELS=appeals.STATUS_LABELS,
    )
    return page, status


@bp.get("/attempts/<int:attempt_id>/appeals/<int:position>")
@login_required
def appeal(attempt_id: int, position: int) -> Any:
    """One question of the student's attempt with their answer and the key, and the
    appeal form while the window is open (or their appeal and its answer)."""
    return _appeal_page(attempt_id, position, AppealForm(formdata=None))


@bp.post("/attempts/<int:attempt_id>/appeals/<int:position>")
@login_required
def file_appeal(attempt_id: int, position: int) -> Any:
    form = AppealForm()
    if not form.validate():
        return _appeal_page(attempt_id, position, form, status=422)
    try:
        appeals.file(
            get_session(), attempt_id, position, form.text.data or "", student_id=current_user.id
        )
    except ServiceError as error:
        apply_errors(form, error)
        return _appeal_page(attempt_id, position, form, status=error.status)
    flash(_("Your appeal is filed. You will read the organisers' answer here."), "success")
    return redirect(url_for("results.appeal", attempt_id=attempt_id, position=position))


# -- organisers --------------------------------------------------------------------


def _answer_form(group: appeals.QuestionGroup, *, from_request: bool = False) -> AnswerForm:
    prefix = f"q{group.question_id}"
    form = AnswerForm(prefix=prefix) if from_request else AnswerForm(formdata=None, prefix=prefix)
    waiting = [r.appeal.id for r in group.rows if r.appeal.status == AppealStatus.OPEN.value]
    form.appeals.choices = [(appeal_id, f"#{appeal_id}") for appeal_id in waiting]
    if not from_request:
        form.appeals.data = waiting
    return form


def _queue(
    round_id: int,
    *,
    failed: tuple[int, AnswerForm] | None = None,
    window_form: AppealWindowForm | None = None,
    reopen_form: ReopenForm | None = None,
    practice_form: PracticeForm | None = None,
    status: int = 200,
) -> Any:
    session = get_session()
    round_ = get_round(session, round_id)
    groups = appeals.queue(session, round_id)
    forms = {group.question_id: _answer_form(group) for group in groups}
    if failed is not None:
        forms[failed[0]] = failed[1]
    page = render_template(
        "results/queue.html",
        round=round_,
        state=services.state_of(round_),
        appeals_open=services.appeals_open(round_),
        waiting=sum(group.waiting for group in groups),
        groups=groups,
        forms=forms,
        window_form=window_form or AppealWindowForm(formdata=None),
        official_form=OfficialForm(formdata=None),
        reopen_form=reopen_form or ReopenForm(formdata=None),
        practice_form=practice_form or PracticeForm(formdata=None),
        STATUS_LABELS=appeals.STATUS_LABELS,
        ACTION_LABELS=notes.ACTION_LABELS,
        OPEN=AppealStatus.OPEN.value,
    )
    return page, status


@bp.get("/organiser/rounds/<int:round_id>/appeals")
@role_required(Role.ORGANISER)
def queue(round_id: int) -> Any:
    """The round's results state and its steps, and the appeals grouped by question."""
    return _queue(round_id)


@bp.post("/organiser/rounds/<int:round_id>/appeals/window")
@role_required(Role.ORGANISER)
def appeal_window(round_id: int) -> Any:
    form = AppealWindowForm()
    if not form.validate():
        return _queue(round_id, window_form=form, status=422)
    try:
        round_ = services.set_appeal_window(
            get_session(), round_id, form.hours.data or 0, actor_id=current_user.id
        )
    except ServiceError as error:
        apply_errors(form, error)
        return _queue(round_id, window_form=form, status=error.status)
    if services.appeals_open(round_):
        flash(_("Appeals are open until the time shown."), "success")
    else:
        flash(_("The appeal window is closed."), "success")
    return redirect(url_for("results.queue", round_id=round_id))


@bp.post("/organiser/rounds/<int:round_id>/appeals/<int:question_id>/answer")
@role_required(Role.ORGANISER)
def answer(round_id: int, question_id: int) -> Any:
    session = get_session()
    groups = appeals.queue(session, round_id)
    group = next((g for g in groups if g.question_id == question_id), None)
    if group is None:
        abort(404)
    form = _answer_form(group, from_request=True)
    if not form.validate():
        return _queue(round_id, failed=(question_id, form), status=422)
    try:
        answered = appeals.answer(
            session,
            round_id,
            list(form.appeals.data or []),
            form.decision.data or "",
            form.reason.data or "",
            actor_id=current_user.id,
        )
    except ServiceError as error:
        apply_errors(form, error)
        return _queue(round_id, failed=(question_id, form), status=error.status)
    flash(
        ngettext("%(num)d appeal answered.", "%(num)d appeals answered.", len(answered)),
        "success",
    )
    return redirect(url_for("results.queue", round_id=round_id))


@bp.post("/organiser/rounds/<int:round_id>/official")
@role_required(Role.ORGANISER)
def official(round_id: int) -> Any:
    if OfficialForm().validate():
        try:
            services.make_official(get_session(), round_id, actor_id=current_user.id)
        except ServiceError as error:
            flash(str(error.message), "error")
            return _queue(round_id, status=error.status)
        flash(_("The results are official."), "success")
    return redirect(url_for("results.queue", round_id=round_id))


@bp.post("/organiser/rounds/<int:round_id>/reopen")
@role_required(Role.ORGANISER)
def reopen(round_id: int) -> Any:
    form = ReopenForm()
    if not form.validate():
        return _queue(round_id, reopen_form=form, status=422)
    try:
        services.reopen(get_session(), round_id, form.reason.data or "", actor_id=current_user.id)
    except ServiceError as error:
        apply_errors(form, error)
        return _queue(round_id, reopen_form=form, status=error.status)
    flash(_("The results are provisional again."), "success")
    return redirect(url_for("results.queue", round_id=round_id))


@bp.post("/organiser/rounds/<int:round_id>/practice")
@role_required(Role.ORGANISER)
def make_practice(round_id: int) -> Any:
    """The official round's questions as a practice round, in one step."""
    form = PracticeForm()
    if not form.validate():
        return _queue(round_id, practice_form=form, status=422)
    try:
        made = practice.practice_from(
            get_session(),
            round_id,
            to_utc(form.opens_at.data),
            to_utc(form.closes_at.data),
            actor_id=current_user.id,
        )
    except ServiceError as error:
        apply_errors(form, error)
        return _queue(round_id, practice_form=form, status=error.status)
    flash(_("The practice round is ready."), "success")
    return redirect(url_for("rounds_admin.detail", round_id=made.id))


@bp.get("/practice")
@login_required
def practice_history() -> Any:
    """The student's practice attempts, with their scores."""
    return render_template(
        "results/practice.html", attempts=practice.history(get_session(), current_user.id)
    )


@bp.get("/study")
def study_page() -> Any:
    """Released questions of one topic (``?topic=<slug>``, else the first), for anyone."""
    session = get_session()
    listed = study.topics(session)
    chosen = next((t for t, _n in listed if t.slug == request.args.get("topic")), None)
    if request.args.get("topic") and chosen is None:
        abort(404)
    if chosen is None and listed:
        chosen = listed[0][0]
    return render_template(
        "results/study.html",
        topics=listed,
        topic=chosen,
        questions=study.questions(session, chosen) if chosen else [],
    )


@bp.get("/organiser/results/<kind>.<fmt>")
@role_required(Role.ORGANISER)
def export(kind: str, fmt: str) -> Any:
    """The final results of one round (``?round=``) or overall, students or universities,
    as CSV or XLSX."""
    if kind not in exports.KINDS or fmt not in ("csv", "xlsx"):
        abort(404)
    session = get_session()
    round_id = request.args.get("round", type=record_id)
    if request.args.get("round") and round_id is None:
        abort(404)
    if round_id is not None:
        ranked_round(session, round_id)  # NotFound for a practice round: no standings
    found = exports.table(session, kind, round_id)
    name = f"{kind}-{'round-' + str(round_id) if round_id else 'overall'}.{fmt}"
    if fmt == "csv":
        body, mimetype = b"".join(exports.as_csv(found)), "text/csv"
    else:
        body = exports.as_xlsx(found)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(
        body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


# -- coordinators ------------------------------------------------------------------


@bp.get("/coordinator/appeals")
@role_required(Role.COORDINATOR, Role.ORGANISER)
def university_appeals() -> Any:
    """The appeals of the coordinator's students, with their answers."""
    session = get_session()
    university = coordinator.university_for(session, current_user, request.args.get("university"))
    return render_template(
        "results/university_appeals.html",
        university=university,
        rows=appeals.of_university(session, university.id),
        STATUS_LABELS=appeals.STATUS_LABELS,
    )
