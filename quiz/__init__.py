"""A platform for national online quiz contests.

``create_app`` only builds the application: configuration, extensions,
blueprints and error handlers. Migrations, imports and seeding are commands
(``quiz --help``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask
from flask_babel import get_locale
from werkzeug.middleware.proxy_fix import ProxyFix

from quiz import assets, db, guards, i18n, monitor, security
from quiz import config as settings
from quiz.accounts import auth
from quiz.accounts.views import bp as accounts_bp
from quiz.api import bp as api_bp
from quiz.attempts.views import bp as contest_bp
from quiz.bank.views import bp as bank_bp
from quiz.certificates.views import bp as certificates_bp
from quiz.coordinator.views import bp as coordinator_bp
from quiz.errorpages import register_error_handlers
from quiz.extensions import babel, csrf, limiter, login_manager
from quiz.main.views import bp as main_bp
from quiz.monitor.views import bp as monitor_bp
from quiz.operations.views import bp as operations_bp
from quiz.organiser.rounds import bp as rounds_admin_bp
from quiz.organiser.views import bp as organiser_bp
from quiz.results import services as results
from quiz.results.views import bp as results_bp
from quiz.rounds.forms import ROUND_STATUS_LABELS
from quiz.standings.views import bp as boards_bp
from quiz.universities.views import bp as universities_bp
from quiz.web import IdConverter

BLUEPRINTS = (
    main_bp,
    accounts_bp,
    universities_bp,
    contest_bp,
    boards_bp,
    coordinator_bp,
    organiser_bp,
    bank_bp,
    rounds_admin_bp,
    operations_bp,
    monitor_bp,
    results_bp,
    certificates_bp,
    api_bp,
)


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the Flask application; ``config`` overrides environment settings."""
    instance_path = os.environ.get("QUIZ_INSTANCE_PATH")
    app = Flask(
        __name__,
        instance_path=str(Path(instance_path).resolve()) if instance_path else None,
        instance_relative_config=True,
    )
    app.config.from_mapping(settings.load(Path(app.instance_path)))
    app.config.from_pyfile("quiz.cfg", silent=True)
    if config:
        app.config.update(config)
    settings.check_production(app.config)
    if app.config["PROXY_HOPS"]:
        hops = app.config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]

    monitor.init_app(app)  # first: its clock starts before the other hooks run
    db.init_app(app)
    assets.init_app(app)
    guards.init_app(app)
    security.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale)
    csrf.init_app(app)
    limiter.init_app(app)
    auth.init_login(app, login_manager)
    app.url_map.converters["int"] = IdConverter
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    app.jinja_env.filters["localtime"] = i18n.local_datetime
    app.jinja_env.filters["localdate"] = i18n.local_date
    app.jinja_env.filters["localized"] = i18n.localized
    app.jinja_env.filters["number"] = i18n.number
    app.jinja_env.globals["LOCALE_NAMES"] = i18n.LOCALE_NAMES
    app.jinja_env.globals["ROUND_STATUS_LABELS"] = ROUND_STATUS_LABELS
    app.jinja_env.globals["results_state"] = results.state_of
    app.jinja_env.globals["RESULTS_LABELS"] = results.STATE_LABELS
    app.context_processor(lambda: {"current_locale": str(get_locale() or "vi")})
    register_error_handlers(app)
    return app
