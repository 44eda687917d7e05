"""Certificates: anyone's verification page, a student's own certificates, the
organisers' issuing and revoking, and zips for organisers and coordinators."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from quiz.accounts.auth import role_required
from quiz.accounts.models import Role
from quiz.certificates import archive, pdf, services
from quiz.certificates.forms import IssueForm, RevokeForm
from quiz.certificates.models import OVERALL, Certificate, round_scope
from quiz.coordinator import services as coordinator
from quiz.db import get_session
from quiz.errors import ServiceError
from quiz.rounds.services import ranked_round
from quiz.web import apply_errors, record_id

bp = Blueprint("certificates", __name__, template_folder="templates")


def _scope_arg() -> tuple[str, int | None]:
    """``?round=<id>``: that ranked round's scope; no ``round``: the overall ranking."""
    if "round" not in request.args:
        return OVERALL, None
    round_id = request.args.get("round", type=record_id)
    if round_id is None:
        abort(404)
    ranked_round(get_session(), round_id)  # NotFound for a practice round
    return round_scope(round_id), round_id


def _pdf_response(certificate: Any) -> Response:
    return Response(
        pdf.render(certificate.code, certificate.facts, certificate.locale),
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="{archive.file_name(certificate)}"',
            "Cache-Control": "private, no-store",
        },
    )


def _zip_response(scope: str, university_id: int | None, name: str) -> Response:
    rows = services.in_force(get_session(), scope, university_id=university_id)
    return Response(
        stream_with_context(archive.stream(rows)),
        mimetype="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "private, no-store",
        },
    )


def _zip_name(scope: str, prefix: str = "certificates") -> str:
    return f"{prefix}-{scope.replace(':', '-')}.zip"


# -- everyone ----------------------------------------------------------------------


@bp.get("/verify/<code>")
def verify(code: str) -> Any:
    """The certificate's facts, for anyone holding its code; 404 for any other code."""
    certificate = services.by_code(get_session(), code)
    if certificate is None:
        abort(404)
    said = pdf.lines(certificate.facts, str(get_locale() or "vi"))
    return render_template(
        "certificates/verify.html",
        certificate=certificate,
        said=said,
        code=services.shown(certificate.code),
    )


# -- students ----------------------------------------------------------------------


@bp.get("/certificates")
@login_required
def mine() -> Any:
    return render_template(
        "certificates/mine.html",
        certificates=services.of_student(get_session(), current_user.id),
        shown=services.shown,
        drawable=pdf.available(),
    )


@bp.get("/certificates/<code>.pdf")
@login_required
def download(code: str) -> Any:
    """A certificate's PDF: its student's, their coordinators' and organisers' to read."""
    certificate: Certificate | None = services.by_code(get_session(), code)
    if certificate is None:
        abort(404)
    if not services.may_read(certificate, current_user):
        abort(404)
    if not pdf.available():
        abort(503)
    return _pdf_response(certificate)


# -- organisers --------------------------------------------------------------------


def _admin(revoke_form: RevokeForm | None = None, status: int = 200) -> Any:
    session = get_session()
    return (
        render_template(
            "certificates/admin.html",
            scopes=services.scopes(session),
            overall_ready=services.overall_ready(session),
            issue_form=IssueForm(),
            revoke_form=revoke_form or RevokeForm(formdata=None),
            drawable=pdf.available(),
            zip_name=_zip_name,
        ),
        status,
    )


@bp.get("/organiser/certificates")
@role_required(Role.ORGANISER)
def admin() -> Any:
    return _admin()


@bp.post("/organiser/certificates/issue")
@role_required(Role.ORGANISER)
def issue() -> Any:
    """Issue (again) the certificates of a round (``?round=``) or of the overall ranking."""
    scope, round_id = _scope_arg()
    if not IssueForm().validate():
        return _admin(status=400)
    session = get_session()
    try:
        if round_id is None:
            done = services.issue_overall(session, actor_id=current_user.id)
        else:
            done = services.issue_round(session, round_id, actor_id=current_user.id)
    except ServiceError as error:
        flash(str(error.message), "error")
        return _admin(status=error.status)
    flash(
        _(
            "Certificates: %(issued)d issued, %(kept)d unchanged, %(revoked)d revoked.",
            issued=done.issued,
            kept=done.kept,
            revoked=done.revoked,
        ),
        "success",
    )
    return redirect(url_for("certificates.admin") + f"#{scope.replace(':', '-')}")


@bp.post("/organiser/certificates/revoke")
@role_required(Role.ORGANISER)
def revoke() -> Any:
    form = RevokeForm()
    if not form.validate():
        return _admin(revoke_form=form, status=422)
    try:
        services.revoke(
            get_session(), form.code.data or "", form.reason.data or "", actor_id=current_user.id
        )
    except ServiceError as error:
        apply_errors(form, error)
        return _admin(revoke_form=form, status=error.status)
    flash(_("The certificate is revoked."), "success")
    return redirect(url_for("certificates.admin"))


@bp.get("/organiser/certificates.zip")
@role_required(Role.ORGANISER)
def admin_zip() -> Any:
    """Every certificate in force of a round (``?round=``) or of the overall ranking."""
    scope, _round_id = _scope_arg()
    if not pdf.available():
        abort(503)
    return _zip_response(scope, None, _zip_name(scope))


# -- coordinators ------------------------------------------------------------------


@bp.get("/coordinator/certificates")
@role_required(Role.COORDINATOR, Role.ORGANISER)
def university() -> Any:
    session = get_session()
    chosen = coordinator.university_for(session, current_user, request.args.get("university"))
    return render_template(
        "certificates/university.html",
        university=chosen,
        scopes=services.scopes(session, university_id=chosen.id),
        drawable=pdf.available(),
    )


@bp.get("/coordinator/certificates.zip")
@role_required(Role.COORDINATOR, Role.ORGANISER)
def university_zip() -> Any:
    """All certificates in force of one university, for a round or overall, in one zip."""
    session = get_session()
    chosen = coordinator.university_for(session, current_user, request.args.get("university"))
    scope, _round_id = _scope_arg()
    if not pdf.available():
        abort(503)
    return _zip_response(scope, chosen.id, _zip_name(scope, f"certificates-{chosen.code}"))
