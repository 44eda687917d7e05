"""Organisers' operations on one round: overrides, time given back after an incident,
regrading a question, the item analysis and the integrity signals' review queue."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from quiz.accounts.auth import role_required
from quiz.accounts.models import Role
from quiz.charts import bar_chart
from quiz.db import get_session, writes_on_get
from quiz.errors import ServiceError
from quiz.operations import analysis, integrity, regrading, services
from quiz.operations.analysis import FLAG_LABELS
from quiz.operations.forms import (
    DecisionForm,
    IncidentForm,
    OverrideForm,
    RegradeForm,
    RemoveOverrideForm,
    ScanForm,
)
from quiz.operations.models import IntegritySignal, SignalStatus
from quiz.operations.regrading import RegradeData
from quiz.rounds.forms import to_utc
from quiz.rounds.services import get_round
from quiz.web import apply_errors

bp = Blueprint("operations", __name__, url_prefix="/organiser/rounds", template_folder="templates")


@bp.before_request
@role_required(Role.ORGANISER)
def only_organisers() -> None:
    """Every screen here is for organisers only."""


def _regrade_form(round_id: int, *, from_request: bool = True) -> RegradeForm:
    form = RegradeForm() if from_request else RegradeForm(formdata=None)
    form.question_id.choices = [
        SelectChoice(key, key) for key in regrading.questions_of(get_session(), round_id)
    ]
    return form


def _page(
    round_id: int,
    override_form: OverrideForm | None = None,
    incident_form: IncidentForm | None = None,
    preview: int | None = None,
    regrade_form: RegradeForm | None = None,
    status: int = 200,
) -> Any:
    session = get_session()
    page = render_template(
        "operations/round.html",
        round=get_round(session, round_id),
        overrides=services.overrides_listed(session, round_id),
        running=services.running_count(session, round_id),
        override_form=override_form or OverrideForm(formdata=None),
        incident_form=incident_form or IncidentForm(formdata=None),
        remove_form=RemoveOverrideForm(formdata=None),
        preview=preview,
        regrade_form=regrade_form or _regrade_form(round_id, from_request=False),
    )
    return page, status


@bp.get("/<int:round_id>/operations")
def round_operations(round_id: int) -> Any:
    return _page(round_id)


@bp.post("/<int:round_id>/overrides")
def add_override(round_id: int) -> Any:
    form = OverrideForm()
    if not form.validate():
        return _page(round_id, override_form=form, status=422)
    try:
        who = services.target(
            get_session(), email=form.email.data, university_code=form.university_code.data
        )
        _override, moved = services.set_override(
            get_session(), round_id, who, form.to_data(), actor_id=current_user.id
        )
    except ServiceError as error:
        apply_errors(form, error)
        return _page(round_id, override_form=form, status=error.status)
    flash(
        _("The override is saved.")
        + " "
        + ngettext(
            "%(num)d attempt in progress got its new deadline.",
            "%(num)d attempts in progress got their new deadline.",
            moved,
        ),
        "success",
    )
    return redirect(url_for("operations.round_operations", round_id=round_id))


@bp.post("/<int:round_id>/overrides/<int:override_id>/remove")
def remove_override(round_id: int, override_id: int) -> Any:
    form = RemoveOverrideForm()
    if not form.validate():
        flash(_("Give the reason for removing the override."), "error")
        return redirect(url_for("operations.round_operations", round_id=round_id))
    services.remove_override(
        get_session(), round_id, override_id, form.reason.data or "", actor_id=current_user.id
    )
    flash(_("The override is removed; attempts already started keep their deadline."), "success")
    return redirect(url_for("operations.round_operations", round_id=round_id))


@bp.post("/<int:round_id>/incidents")
def incident(round_id: int) -> Any:
    """First how many attempts it touches (nothing changed); then, confirmed, apply it."""
    form = IncidentForm()
    if not form.validate():
        return _page(round_id, incident_form=form, status=422)
    confirmed = request.form.get("confirm") == "1"
    try:
        touched = services.give_time_back(
            get_session(),
            round_id,
            form.minutes.data or 0,
            form.reason.data or "",
            university_code=form.university_code.data,
            started_before=to_utc(form.started_before.data),
            dry_run=not confirmed,
            actor_id=current_user.id,
        )
    except ServiceError as error:
        apply_errors(form, error)
        return _page(round_id, incident_form=form, status=error.status)
    if not confirmed:
        return _page(round_id, incident_form=form, preview=touched)
    flash(
        ngettext(
            "%(num)d attempt was given %(minutes)d more minutes.",
            "%(num)d attempts were given %(minutes)d more minutes.",
            touched,
            minutes=form.minutes.data,
        ),
        "success",
    )
    return redirect(url_for("operations.round_operations", round_id=round_id))


@bp.post("/<int:round_id>/regrade")
def regrade(round_id: int) -> Any:
    """A dry run first (the scores and ranks it would change, the top 20 before and
    after side by side); applied only when confirmed."""
    form = _regrade_form(round_id)
    if not form.validate():
        return _page(round_id, regrade_form=form, status=422)
    confirmed = request.form.get("confirm") == "1"
    data = RegradeData(
        form.question_id.data or "",
        form.action.data or "",
        form.reason.data or "",
        form.version.data,
    )
    try:
        outcome = regrading.regrade(
            get_session(), round_id, data, dry_run=not confirmed, actor_id=current_user.id
        )
    except ServiceError as error:
        apply_errors(form, error)
        return _page(round_id, regrade_form=form, status=error.status)
    if not confirmed:
        page = render_template(
            "operations/regrade.html",
            round=get_round(get_session(), round_id),
            form=form,
            outcome=outcome,
        )
        return page
    flash(
        ngettext(
            "The regrade is applied to %(num)d attempt; the standings are recomputed.",
            "The regrade is applied to %(num)d attempts; the standings are recomputed.",
            outcome.attempts_affected,
        ),
        "success",
    )
    return redirect(url_for("operations.round_operations", round_id=round_id))


@bp.get("/<int:round_id>/analysis")
@writes_on_get  # keeps a closed round's analysis once computed
def item_analysis(round_id: int) -> Any:
    """The round's item analysis: the questions most likely wrong first."""
    session = get_session()
    round_ = get_round(session, round_id)
    result = analysis.of_round(session, round_)
    chart = bar_chart(
        _("Scores of the round"),
        analysis.score_bars(result),
        width=360,
        height=200,
    )
    return render_template(
        "operations/analysis.html",
        round=round_,
        result=result,
        chart=chart,
        FLAG_LABELS=FLAG_LABELS,
    )


@bp.get("/<int:round_id>/analysis.csv")
@writes_on_get
def item_analysis_csv(round_id: int) -> Any:
    session = get_session()
    text = analysis.csv_text(analysis.of_round(session, get_round(session, round_id)))
    return Response(
        text.encode("utf-8-sig"),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="round-{round_id}-analysis.csv"'},
    )


def _decision_form(signal: IntegritySignal, *, from_request: bool = False) -> DecisionForm:
    prefix = f"s{signal.id}"
    if from_request:
        form = DecisionForm(prefix=prefix)
    else:
        form = DecisionForm(formdata=None, prefix=prefix)
    form.attempts.choices = [(attempt_id, str(attempt_id)) for attempt_id in signal.attempt_ids]
    if not from_request and len(signal.attempt_ids) == 1:
        form.attempts.data = list(signal.attempt_ids)
    return form


def _queue(round_id: int, failed: tuple[int, DecisionForm] | None = None, status: int = 200) -> Any:
    session = get_session()
    signals = integrity.signals_of(session, round_id)
    forms = {signal.id: _decision_form(signal) for signal in signals}
    if failed is not None:
        forms[failed[0]] = failed[1]
    page = render_template(
        "operations/integrity.html",
        round=get_round(session, round_id),
        signals=signals,
        involved={signal.id: integrity.involved(session, signal) for signal in signals},
        evidence={signal.id: integrity.evidence_text(signal) for signal in signals},
        forms=forms,
        scan_form=ScanForm(formdata=None),
        pending=integrity.pending_counts(session, round_id),
        KIND_LABELS=integrity.KIND_LABELS,
        STATUS_LABELS=integrity.STATUS_LABELS,
        PENDING=SignalStatus.PENDING.value,
    )
    return page, status


@bp.get("/<int:round_id>/integrity")
def integrity_queue(round_id: int) -> Any:
    """The signals to review, with their evidence, then those decided."""
    return _queue(round_id)


@bp.post("/<int:round_id>/integrity/scan")
def integrity_scan(round_id: int) -> Any:
    if ScanForm().validate():
        pending = integrity.scan(get_session(), round_id, actor_id=current_user.id)
        total = sum(pending.values())
        flash(
            ngettext(
                "%(num)d signal is waiting for a review.",
                "%(num)d signals are waiting for a review.",
                total,
            ),
            "success",
        )
    return redirect(url_for("operations.integrity_queue", round_id=round_id))


@bp.post("/<int:round_id>/integrity/<int:signal_id>")
def integrity_decide(round_id: int, signal_id: int) -> Any:
    """Clear the signal, or disqualify the attempts ticked, with a reason."""
    session = get_session()
    signal = integrity.get_signal(session, round_id, signal_id)
    form = _decision_form(signal, from_request=True)
    if not form.validate():
        return _queue(round_id, failed=(signal_id, form), status=422)
    try:
        decided = integrity.decide(
            session,
            round_id,
            signal_id,
            decision=form.decision.data or "",
            attempts=list(form.attempts.data or []),
            reason=form.reason.data or "",
            actor_id=current_user.id,
        )
    except ServiceError as error:
        apply_errors(form, error)
        return _queue(round_id, failed=(signal_id, form), status=error.status)
    if decided.status == SignalStatus.CLEARED.value:
        flash(_("The signal is cleared."), "success")
    else:
        flash(
            _("The attempts are disqualified; the standings are recomputed without them."),
            "success",
        )
    return redirect(url_for("operations.integrity_queue", round_id=round_id))
