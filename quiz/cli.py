"""The ``quiz`` command (spec/cli.md): a Flask CLI group bound to the app factory."""

from __future__ import annotations

import os
import sys
from importlib import resources
from pathlib import Path
from typing import Any

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext

from quiz import create_app, migrate
from quiz.accounts import services as accounts
from quiz.accounts.invitations import invitation_token
from quiz.accounts.models import Role
from quiz.db import session_scope
from quiz.demo import DEMO_ACCOUNTS, ensure_demo_accounts
from quiz.errors import ServiceError
from quiz.server import serve as run_server
from quiz.universities import services as universities


def fail(message: Any) -> None:
    """Print a one-line reason and exit non-zero."""
    click.echo(f"Error: {message}", err=True)
    sys.exit(1)


@click.group(cls=FlaskGroup, create_app=create_app, add_default_commands=False)
def main() -> None:
    """Run and manage the quiz contest platform."""


# -- database ---------------------------------------------------------------


@main.group()
def db() -> None:
    """Database migrations (Alembic)."""


@db.command("upgrade")
@click.argument("revision", default="head")
@with_appcontext
def db_upgrade(revision: str) -> None:
    """Upgrade the database schema (to the newest revision by default)."""
    migrate.upgrade(current_app, revision)
    click.echo(f"Database upgraded to {revision}.")


@db.command("downgrade")
@click.argument("revision")
@with_appcontext
def db_downgrade(revision: str) -> None:
    """Downgrade the database schema to REVISION."""
    migrate.downgrade(current_app, revision)
    click.echo(f"Database downgraded to {revision}.")


@db.command("current")
@with_appcontext
def db_current() -> None:
    """Show the schema revision of the database."""
    migrate.current(current_app)


# -- universities -------------------------------------------------------------


@main.group("universities")
def universities_group() -> None:
    """Universities and colleges."""


def read_utf8(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError:
        fail(f"{path} is not UTF-8 text.")
    except OSError as error:
        fail(f"cannot read {path}: {error.strerror}.")
    raise AssertionError("unreachable")


def import_universities(text: str) -> universities.ImportSummary:
    with session_scope() as session:
        return universities.import_csv(session, text)


@universities_group.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@with_appcontext
def universities_import(file: str) -> None:
    """Create or update universities from a CSV file, by code (all or nothing)."""
    try:
        summary = import_universities(read_utf8(file))
    except ServiceError as error:
        fail(f"{file}: {error.message}")
    click.echo(
        f"Universities: {summary.created} created, {summary.updated} updated, "
        f"{summary.unchanged} unchanged."
    )


def bundled_universities() -> str:
    return resources.files("quiz").joinpath("data/universities.csv").read_text("utf-8")


# -- users ----------------------------------------------------------------------


@main.group()
def users() -> None:
    """Accounts."""


@users.command("create")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--email", required=True)
@click.option("--name", "full_name", required=True, help="Full name.")
@click.option("--university", "university_code", help="University code (students, coordinators).")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@with_appcontext
def users_create(
    role: str, email: str, full_name: str, university_code: str | None, password_stdin: bool
) -> None:
    """Create one account; without a password, print an invitation link."""
    password = sys.stdin.readline().rstrip("\n") if password_stdin else None
    new = accounts.NewUser(
        email=email,
        full_name=full_name,
        role=Role(role),
        university_code=university_code,
        password=password,
    )
    try:
        with session_scope() as session:
            user = accounts.create_user(session, new, actor=None)
            link = None if password else invitation_link(user)
    except ServiceError as error:
        fail(error.message)
    click.echo(f"Created {user.role} {user.email} (id {user.id}).")
    if link:
        click.echo(f"Invitation link: {link}")


def invitation_link(user: Any) -> str:
    base = os.environ.get("QUIZ_BASE_URL", "http://127.0.0.1:5000").rstrip("/")
    return f"{base}/invitation/{invitation_token(user)}"


@users.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@with_appcontext
def users_import(file: str) -> None:
    """Create students and coordinators from a roster CSV (all or nothing)."""
    text = read_utf8(file)
    try:
        with session_scope() as session:
            imported = accounts.import_roster(session, text, actor=None)
            links = [
                (i.user.email, invitation_link(i.user)) for i in imported if i.needs_invitation
            ]
    except ServiceError as error:
        fail(f"{file}: {error.message}")
    click.echo(f"Users: {len(imported)} created.")
    for email, link in links:
        click.echo(f"Invitation for {email}: {link}")


# -- running ---------------------------------------------------------------------


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--workers", default=2, show_default=True, type=int)
def serve(host: str, port: int, workers: int) -> None:
    """Serve the site with gunicorn on the configured database (production)."""
    os.environ["QUIZ_ENV"] = "production"
    os.environ["QUIZ_SERVE_HOST"] = host
    try:
        create_app()  # fail here, once, with the reason, rather than in every worker
    except Exception as error:  # noqa: BLE001 - any start-up failure is reported in one line
        fail(str(error))
    run_server(create_app, host, port, workers)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@with_appcontext
def demo(host: str, port: int) -> None:
    """Set up a demo instance (database, universities, accounts) and serve it."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    migrate.upgrade(app)
    click.echo(f"Database ready: {app.config['DATABASE_URL']}")
    summary = import_universities(bundled_universities())
    click.echo(
        f"Universities: {summary.created} created, {summary.updated} updated, "
        f"{summary.unchanged} unchanged."
    )
    with session_scope() as session:
        ensure_demo_accounts(session)
    url = f"http://{host}:{port}/"
    click.echo("")
    click.echo(f"The demo is at {url}")
    click.echo("Demo accounts (e-mail / password):")
    for account in DEMO_ACCOUNTS:
        click.echo(f"  {account.role:<12} {account.email} / {account.password}")
    click.echo("Press Ctrl+C to stop.")
    run_server(create_app, host, port, workers=2)
