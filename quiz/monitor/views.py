"""``/metrics`` for Prometheus and the other app servers, and the organisers' live
monitor of a round."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, render_template, request
from flask_login import current_user

from quiz.accounts.auth import role_required
from quiz.accounts.models import Role
from quiz.db import get_session, writes_on_get
from quiz.monitor import services
from quiz.rounds.services import get_round

bp = Blueprint("monitor", __name__, template_folder="templates")


@bp.get("/metrics")
def metrics() -> Any:
    """The Prometheus text format, for organisers' tokens and ``QUIZ_METRICS_ALLOW``."""
    organiser = current_user.is_authenticated and current_user.has_role(Role.ORGANISER)
    if not organiser and not services.may_read_metrics(request.remote_addr):
        abort(404)
    from quiz.monitor.metrics import CONTENT_TYPE, exposition

    return Response(exposition(), content_type=CONTENT_TYPE)


@bp.get("/organiser/rounds/<int:round_id>/monitor")
@writes_on_get  # a reading of the servers' counters, shared by every app server
@role_required(Role.ORGANISER)
def round_monitor(round_id: int) -> Any:
    """The whole page; with ``?part=figures`` only its figures, which the page's script
    fetches every few seconds (without JavaScript, the page reloads itself)."""
    session = get_session()
    round_ = get_round(session, round_id)
    figures = services.figures(session, round_id)
    if request.args.get("part") == "figures":
        return render_template("monitor/_figures.html", round=round_, figures=figures)
    return render_template("monitor/round.html", round=round_, figures=figures)
