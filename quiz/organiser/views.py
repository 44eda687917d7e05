"""Organisers' screens: people and the audit log."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from quiz.accounts import resets
from quiz.accounts import services as accounts
from quiz.accounts.auth import role_required
from quiz.accounts.invitations import invitation_token
from quiz.accounts.models import Role
from quiz.audit import reading
from quiz.audit.services import record
from quiz.db import get_session
from quiz.errors import ServiceError
from quiz.organiser.forms import CreateUserForm, RosterImportForm
from quiz.universities.services import all_universities
from quiz.web import apply_errors, record_id

bp = Blueprint("organiser", __name__, url_prefix="/organiser", template_folder="templates")


@bp.before_request
@role_required(Role.ORGANISER)
def only_organisers() -> None:
    """Every screen here is for organisers only."""


def _university_choices() -> list[SelectChoice]:
    return [SelectChoice("", "—")] + [
        SelectChoice(u.code, f"{u.code} — {u.name_vi}") for u in all_universities(get_session())
    ]


def _invitation_links(users: list[Any]) -> list[tuple[str, str]]:
    """Each new account's invitation link (shown here, and mailed when mail is set up)."""
    links = []
    for user in users:
        link = url_for("accounts.accept_invitation", token=invitation_token(user), _external=True)
        if current_app.config.get("SMTP_URL"):
            resets.send_invitation(get_session(), user, link)
        links.append((user.email, link))
    return links


def _users_page(
    form: Any, roster_form: Any, invitations: list[tuple[str, str]], status: int
) -> Any:
    page = render_template(
        "organiser/users.html",
        form=form,
        roster_form=roster_form,
        users=accounts.list_users(get_session()),
        invitations=invitations,
    )
    return page, status


@bp.route("/users", methods=["GET", "POST"])
def users() -> Any:
    form = CreateUserForm()
    form.university_code.choices = _university_choices()
    roster_form = RosterImportForm(prefix="roster")
    invitations: list[tuple[str, str]] = []
    status = 200
    if form.validate_on_submit():
        new = accounts.NewUser(
            email=form.email.data,
            full_name=form.full_name.data,
            role=Role(form.role.data),
            university_code=form.university_code.data or None,
        )
        try:
            user = accounts.create_user(get_session(), new, actor=current_user)
        except ServiceError as error:
            apply_errors(form, error)
            status = 422
        else:
            flash(_("Account created for %(email)s.", email=user.email), "success")
            invitations = _invitation_links([user])
    elif form.is_submitted():
        status = 422
    return _users_page(form, roster_form, invitations, status)


@bp.post("/users/import")
def import_roster() -> Any:
    form = CreateUserForm()
    form.university_code.choices = _university_choices()
    roster_form = RosterImportForm(prefix="roster")
    invitations: list[tuple[str, str]] = []
    if roster_form.validate_on_submit():
        raw = roster_form.roster.data.read()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            roster_form.form_errors.append(_("The file is not UTF-8 text."))
        else:
            try:
                imported = accounts.import_roster(get_session(), text, actor=current_user)
            except ServiceError as error:
                apply_errors(roster_form, error)
            else:
                flash(_("%(n)d accounts imported.", n=len(imported)), "success")
                invitations = _invitation_links([i.user for i in imported if i.needs_invitation])
                if not invitations:
                    return redirect(url_for("organiser.users"))
    status = 200 if invitations else 422
    return _users_page(form, roster_form, invitations, status)


@bp.post("/users/<int:user_id>/reset-link")
def reset_link(user_id: int) -> Any:
    """A password reset link for a person who cannot receive mail (shown, audited)."""
    session = get_session()
    user = accounts.get_user(session, user_id)
    if user is None:
        abort(404)
    record(session, current_user.id, "accounts.reset_link", f"user:{user.id}")
    flash(
        _(
            "Password reset link for %(email)s, valid one hour: %(link)s",
            email=user.email,
            link=resets.reset_link(user),
        ),
        "info",
    )
    return redirect(url_for("organiser.users"))


@bp.get("/audit")
def audit() -> Any:
    """The log, newest first, filtered by person, kind and dates (``before`` pages on)."""
    session = get_session()
    filters = reading.Filters(
        actor_id=request.args.get("who", type=record_id),
        kind=request.args.get("kind") if request.args.get("kind") in reading.KINDS else None,
        since=request.args.get("since", type=date.fromisoformat),
        until=request.args.get("until", type=date.fromisoformat),
        before_id=request.args.get("before", type=record_id),
    )
    lines = reading.search(session, filters, str(get_locale() or "vi"))
    older = None
    if len(lines) == reading.PAGE:
        older = {k: v for k, v in request.args.items() if k != "before"}
        older["before"] = str(lines[-1].entry.id)
    return render_template(
        "organiser/audit.html",
        lines=lines,
        filters=filters,
        people=reading.people(session),
        kinds=reading.KINDS,
        older=older,
    )
