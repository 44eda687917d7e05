"""The home page, the rules and privacy notice, and the language switcher."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request
from flask_login import current_user

from quiz.accounts import services as accounts
from quiz.clock import now
from quiz.db import get_session
from quiz.i18n import COOKIE, LOCALES
from quiz.main import overview
from quiz.web import safe_next

bp = Blueprint("main", __name__, template_folder="templates")

ONE_YEAR = 365 * 24 * 3600


@bp.get("/")
def home() -> Any:
    found = overview.overview(get_session())
    moment = now()
    # Seconds from the server's clock: the page counts down from them, never the phone's.
    target = found.closes_at if found.open_now else found.opens_at
    return render_template(
        "main/home.html",
        found=found,
        seconds_left=max(0, int((target - moment).total_seconds())) if target else None,
    )


@bp.get("/rules")
def rules() -> Any:
    return render_template("main/rules.html")


@bp.get("/privacy")
def privacy() -> Any:
    return render_template("main/privacy.html")


@bp.post("/language")
def set_language() -> Any:
    """Switch the interface language: a cookie, and the user's setting when logged in."""
    locale = request.form.get("locale", "")
    response = redirect(safe_next(request.form.get("next")))
    if locale in LOCALES:
        response.set_cookie(COOKIE, locale, max_age=ONE_YEAR, samesite="Lax", httponly=True)
        if current_user.is_authenticated:
            session = get_session()
            accounts.set_locale(session, accounts.user_of(session, current_user), locale)
    return response


@bp.get("/healthz")
def health() -> Any:
    """Liveness for load balancers: no database, no session."""
    return {"status": "ok"}
