"""Pages for logging in and out, registering, and one's own profile."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from quiz.accounts import invitations, resets, services
from quiz.accounts.auth import sign_in, sign_out
from quiz.accounts.forms import (
    ForgotPasswordForm,
    LoginForm,
    PasswordChangeForm,
    ProfileForm,
    RegistrationForm,
    SetPasswordForm,
)
from quiz.accounts.limits import (
    admit_login,
    limit_login_failures,
    limit_registrations,
    limit_reset_requests,
    login_succeeded,
    mark_login_failed,
)
from quiz.db import get_session
from quiz.errors import ServiceError
from quiz.universities.services import all_universities
from quiz.web import apply_errors, safe_next

bp = Blueprint("accounts", __name__, template_folder="templates")


@bp.route("/login", methods=["GET", "POST"])
@limit_login_failures
def login() -> Any:
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        admit_login(form.email.data)
        user = services.authenticate(get_session(), form.email.data, form.password.data)
        if user is not None:
            sign_in(user, remember=bool(form.remember.data))
            response = redirect(safe_next(request.args.get("next")))
            login_succeeded(user, response)
            return response
        mark_login_failed()
        form.form_errors.append(_("The e-mail address or the password is not correct."))
    return render_template("accounts/login.html", form=form)


@bp.post("/logout")
@login_required
def logout() -> Any:
    sign_out()
    flash(_("You are logged out."), "info")
    return redirect(url_for("main.home"))


def university_choices() -> list[SelectChoice]:
    return [
        SelectChoice(u.code, f"{u.name_vi} ({u.code})") for u in all_universities(get_session())
    ]


@bp.route("/register", methods=["GET", "POST"])
@limit_registrations
def register() -> Any:
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = RegistrationForm()
    form.university_code.choices = [
        SelectChoice("", _("Choose your university…")),
        *university_choices(),
    ]
    if form.validate_on_submit():
        new = services.NewUser(
            email=form.email.data,
            full_name=form.full_name.data,
            university_code=form.university_code.data,
            password=form.password.data,
            display_name=form.display_name.data,
            student_number=form.student_number.data or "",
        )
        try:
            user = services.register_student(
                get_session(), new, accepted_rules=form.accept_rules.data
            )
        except ServiceError as error:
            apply_errors(form, error)
        else:
            sign_in(user)
            flash(_("Welcome! Your account is ready."), "success")
            return redirect(url_for("main.home"))
    status = 422 if request.method == "POST" else 200
    return render_template("accounts/register.html", form=form), status


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile() -> Any:
    user = services.user_of(get_session(), current_user)
    form = ProfileForm(obj=user)
    password_form = PasswordChangeForm(prefix="pw")
    if form.validate_on_submit():
        try:
            services.update_profile(
                get_session(),
                user,
                display_name=form.display_name.data,
                student_number=form.student_number.data or "",
            )
            services.set_locale(get_session(), user, form.locale.data)
        except ServiceError as error:
            apply_errors(form, error)
        else:
            flash(_("Your profile is saved."), "success")
            return redirect(url_for("accounts.profile"))
    if request.method == "GET":
        form.locale.data = user.locale or "vi"
    return render_template(
        "accounts/profile.html", user=user, form=form, password_form=password_form
    )


@bp.post("/profile/password")
@login_required
def change_password() -> Any:
    user = services.user_of(get_session(), current_user)
    form = ProfileForm(obj=user)
    password_form = PasswordChangeForm(prefix="pw")
    if password_form.validate_on_submit():
        try:
            services.change_password(
                get_session(),
                user,
                password_form.current_password.data,
                password_form.new_password.data,
            )
        except ServiceError as error:
            apply_errors(password_form, error)
        else:
            # The session identity changed with the password: log in again here.
            sign_in(user)
            flash(_("Your password is changed. Other devices are logged out."), "success")
            return redirect(url_for("accounts.profile"))
    form.locale.data = user.locale or "vi"
    return (
        render_template("accounts/profile.html", user=user, form=form, password_form=password_form),
        422,
    )


@bp.route("/forgot", methods=["GET", "POST"])
@limit_reset_requests
def forgot_password() -> Any:
    """Ask for a reset link; the answer is the same whether or not the address exists."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        resets.request_reset(get_session(), form.email.data)
        return render_template("accounts/forgot.html", form=form, sent=True)
    status = 422 if request.method == "POST" else 200
    return render_template("accounts/forgot.html", form=form, sent=False), status


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str) -> Any:
    session = get_session()
    resets.user_for_reset(session, token)  # 404 for a used, expired or forged link
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            user = resets.reset_password(session, token, form.new_password.data)
        except ServiceError as error:
            apply_errors(form, error)
        else:
            sign_in(user)
            flash(_("Your new password is saved. Other devices are logged out."), "success")
            return redirect(url_for("main.home"))
    status = 422 if request.method == "POST" else 200
    return render_template("accounts/reset.html", form=form), status


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def accept_invitation(token: str) -> Any:
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            user = invitations.accept_invitation(get_session(), token, form.new_password.data)
        except ServiceError as error:
            apply_errors(form, error)
        else:
            sign_in(user)
            flash(_("Your password is set. Welcome!"), "success")
            return redirect(url_for("main.home"))
    return render_template("accounts/invitation.html", form=form)
