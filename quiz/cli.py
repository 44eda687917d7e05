"""The ``quiz`` command (spec/cli.md): a Flask CLI group bound to the app factory."""

from __future__ import annotations

import atexit
import os
import shutil
import socket
import sys
import tempfile
from datetime import datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any, NoReturn

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext
from sqlalchemy import select

from quiz import create_app, mail, migrate
from quiz.accounts import resets
from quiz.accounts import services as accounts
from quiz.accounts.invitations import invitation_token
from quiz.accounts.models import Role, User
from quiz.attempts import papers as paper_services
from quiz.attempts import services as attempt_services
from quiz.audit.services import record
from quiz.bank import files as bank_files
from quiz.bank import lint as bank_lint_module
from quiz.bank import services as bank_services
from quiz.bank.schema import BankInvalid, TopicData
from quiz.bank.validate import validate
from quiz.clock import now
from quiz.db import session_scope
from quiz.demo import DEMO_ACCOUNTS, ensure_demo_accounts, ensure_demo_rounds
from quiz.errors import ServiceError
from quiz.rounds.models import Round
from quiz.server import serve as run_server
from quiz.standings.rebuild import rebuild as rebuild_standings
from quiz.synthetic import synthesize
from quiz.universities import services as universities


def fail(message: Any) -> NoReturn:
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


# -- question bank ------------------------------------------------------------------


@main.group()
def bank() -> None:
    """The question bank (shared/spec/question-bank.md)."""


def read_bank(path: str, *, strict: bool = False) -> list[TopicData]:
    """Parse and validate ``path``; print every problem and exit 1 on any error."""
    topics, problems = bank_files.read_path(path)
    errors, warnings = validate(topics, strict=strict)
    errors = problems + errors
    for problem in errors:
        click.echo(f"error: {problem}", err=True)
    for problem in warnings:
        click.echo(f"warning: {problem}", err=True)
    if errors:
        fail(f"{len(errors)} error(s) in {path}; nothing was imported.")
    if strict and warnings:
        fail(f"{len(warnings)} warning(s) in {path} (--strict).")
    return topics


@bank.command("validate")
@click.argument("path", type=click.Path())
@click.option("--strict", is_flag=True, help="Also fail on missing translations.")
def bank_validate(path: str, strict: bool) -> None:
    """Check bank files and print every error with file and line."""
    topics = read_bank(path, strict=strict)
    count = sum(len(t.questions) for t in topics)
    click.echo(f"{path}: {count} questions in {len(topics)} topics, no errors.")


@bank.command("lint")
@click.argument("path", type=click.Path())
@click.option("--strict", is_flag=True, help="Exit 1 when there is any error.")
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Judge review_by dates as of this day (default: today).",
)
def bank_lint(path: str, strict: bool, today: datetime | None) -> None:
    """Find item-writing flaws: keys given away by their form, duplicates, stale facts."""
    topics = read_bank(path)
    day = today.date() if today else now().date()
    findings, figures = bank_lint_module.lint(topics, today=day, place=path)
    for finding in sorted(findings, key=lambda f: (f.file, f.line, f.severity, f.rule)):
        click.echo(str(finding))
    errors = bank_lint_module.errors_in(findings)
    single = figures.single or 1
    longest = ", ".join(
        f"{loc} {round(100 * figures.key_longest.get(loc, 0) / single)} %"
        for loc in ("vi", "en", "fr")
    )
    click.echo(
        f"{path}: {figures.active} active questions ({figures.retired} retired) in "
        f"{len(figures.topics)} topics; difficulty "
        + ", ".join(f"{d} {figures.difficulties[d]}" for d in ("easy", "medium", "hard"))
        + f"; key the longest option: {longest}; multiple-choice patterns "
        + ", ".join(f"{p} x{n}" for p, n in figures.patterns.most_common())
        + f"; {len(errors)} error(s), {len(findings) - len(errors)} warning(s)."
    )
    if strict and errors:
        fail(f"{len(errors)} error(s) in {path} (--strict).")


@bank.command("import")
@click.argument("path", type=click.Path())
@click.option("--retire-missing", is_flag=True, help="Retire active questions absent from PATH.")
@with_appcontext
def bank_import(path: str, retire_missing: bool) -> None:
    """Import bank files atomically (YAML, GIFT or Moodle XML)."""
    topics = read_bank(path)
    try:
        with session_scope() as session:
            summary = bank_services.import_bank(session, topics, retire_missing=retire_missing)
    except BankInvalid as error:
        fail(str(error))
    click.echo(f"Bank import: {summary.line()}.")


@bank.command("export")
@click.argument("directory", type=click.Path(file_okay=False))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(list(bank_files.FORMATS)),
    default="yaml",
    show_default=True,
)
@with_appcontext
def bank_export(directory: str, fmt: str) -> None:
    """Write every question out, one file per topic, the retired ones marked so (the files
    and the database round-trip)."""
    with session_scope() as session:
        topics = bank_services.export_bank(session, include_retired=True)
    written = bank_files.write_dir(directory, topics, fmt)
    count = sum(len(t.questions) for t in topics)
    click.echo(f"Exported {count} questions in {len(written)} files to {directory}.")


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
            link = None if password else invitation_link(session, user)
    except ServiceError as error:
        fail(error.message)
    mail.wait_sent()
    click.echo(f"Created {user.role} {user.email} (id {user.id}).")
    if link:
        click.echo(f"Invitation link: {link}")


def invitation_link(session: Any, user: Any) -> str:
    """The invitation link of ``user`` (mailed too, once committed, when mail is set up)."""
    link = f"{current_app.config['BASE_URL']}/invitation/{invitation_token(user)}"
    if current_app.config.get("SMTP_URL"):
        resets.send_invitation(session, user, link)
    return link


@users.command("reset-link")
@click.argument("email")
@with_appcontext
def users_reset_link(email: str) -> None:
    """Print a password reset link for EMAIL (valid one hour, works once)."""
    with session_scope() as session:
        user = session.scalar(select(User).where(User.email == accounts.normalize_email(email)))
        if user is None or not user.active:
            fail(f"no active account for {email}.")
        link = resets.reset_link(user)
        record(session, None, "accounts.reset_link", f"user:{user.id}")
    click.echo(f"Password reset link for {user.email}, valid one hour: {link}")


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
                (i.user.email, invitation_link(session, i.user))
                for i in imported
                if i.needs_invitation
            ]
    except ServiceError as error:
        fail(f"{file}: {error.message}")
    mail.wait_sent(max(30, len(links)))
    click.echo(f"Users: {len(imported)} created.")
    for email, link in links:
        click.echo(f"Invitation for {email}: {link}")


# -- running ---------------------------------------------------------------------


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option(
    "--workers",
    type=click.IntRange(1),
    help="Worker processes (default: 2 with QUIZ_REDIS_URL, 1 without).",
)
@click.option(
    "--threads", default=4, show_default=True, type=click.IntRange(1), help="Threads per worker."
)
@click.option(
    "--worker-connections",
    default=1000,
    show_default=True,
    type=click.IntRange(1),
    help="Open connections per worker (without a proxy, one per phone).",
)
@click.option("--backlog", default=2048, show_default=True, type=click.IntRange(1))
def serve(
    host: str,
    port: int,
    workers: int | None,
    threads: int,
    worker_connections: int,
    backlog: int,
) -> None:
    """Serve the site with gunicorn on the configured database (production)."""
    os.environ["QUIZ_ENV"] = "production"
    os.environ["QUIZ_SERVE_HOST"] = host
    os.environ.setdefault("QUIZ_INSTANCE_NAME", f"{socket.gethostname()}:{port}")
    metrics_directory()
    try:
        app = create_app()  # fail here, once, with the reason, rather than in every worker
    except Exception as error:  # noqa: BLE001 - any start-up failure is reported in one line
        fail(str(error))
    if workers is None:
        workers = 2 if app.config["REDIS_URL"] else 1
    if workers > 1 and app.config["RATELIMIT_ENABLED"] and not app.config["REDIS_URL"]:
        fail(
            f"with {workers} workers and no QUIZ_REDIS_URL each worker would count rate "
            f"limits alone, letting {workers} times more through: set QUIZ_REDIS_URL "
            "(Redis), or serve with --workers 1"
        )
    run_server(create_app, host, port, workers, threads, worker_connections, backlog)


def metrics_directory() -> str:
    """Where this server's workers write their metrics (before any app is made):
    ``QUIZ_METRICS_DIR`` emptied (the minute sweeper may share it), or a new
    temporary directory removed when the server stops."""
    directory = os.environ.get("QUIZ_METRICS_DIR")
    if directory:
        shutil.rmtree(directory, ignore_errors=True)
        os.makedirs(directory, exist_ok=True)
    else:
        directory = tempfile.mkdtemp(prefix="quiz-metrics-")
        atexit.register(shutil.rmtree, directory, ignore_errors=True)
        os.environ["QUIZ_METRICS_DIR"] = directory
    return directory


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
    topics = read_bank(str(bank_files.BUNDLED_BANK))
    with session_scope() as session:
        bank_summary = bank_services.import_bank(session, topics)
    click.echo(f"Question bank: {bank_summary.line()}.")
    with session_scope() as session:
        ensure_demo_accounts(session)
        if ensure_demo_rounds(session):
            click.echo("Rounds: an open round, and a closed one taken by 300 synthetic students.")
    with session_scope() as session:
        ids = paper_services.rounds_to_prepare(session)
    drawn = sum(prepare_round(rid).drawn for rid in ids)
    click.echo(f"Papers drawn ahead: {drawn} (as `quiz papers prepare` does every minute).")
    url = f"http://{host}:{port}/"
    click.echo("")
    click.echo(f"The demo is at {url}")
    click.echo("Demo accounts (e-mail / password):")
    for account in DEMO_ACCOUNTS:
        click.echo(f"  {account.role:<12} {account.email} / {account.password}")
    click.echo("Press Ctrl+C to stop.")
    # One worker (four threads): without Redis, rate limits are then counted exactly.
    run_server(create_app, host, port, workers=1)


# -- attempts --------------------------------------------------------------------------


@main.group()
def attempts() -> None:
    """Attempts."""


@attempts.command("close-expired")
@with_appcontext
def attempts_close_expired() -> None:
    """Finalize every attempt past its deadline and grace (run it every minute)."""
    with session_scope() as session:
        candidates = attempt_services.expired_attempt_ids(session)
    closed = 0
    for attempt_id in candidates:
        with session_scope() as session:
            closed += attempt_services.close_expired(session, attempt_id)
    click.echo(f"Closed {closed} attempt(s) past deadline and grace.")


# -- papers ---------------------------------------------------------------------------


@main.group()
def papers() -> None:
    """Question sets drawn ahead of a round's start."""


@papers.command("prepare")
@click.option(
    "--round",
    "round_id",
    type=int,
    help="Only this round (default: every round not closed that opens within --ahead).",
)
@click.option(
    "--ahead",
    default=120,
    show_default=True,
    type=click.IntRange(0),
    help="Minutes before opening to start drawing.",
)
@with_appcontext
def papers_prepare(round_id: int | None, ahead: int) -> None:
    """Draw a paper for every student who may start (run it every minute)."""
    with session_scope() as session:
        if round_id is not None:
            if session.get(Round, round_id) is None:
                fail(f"no round {round_id}.")
            ids = [round_id]
        else:
            ids = paper_services.rounds_to_prepare(session, timedelta(minutes=ahead))
    for rid in ids:
        done = prepare_round(rid)
        click.echo(
            f"Round {rid}: {done.drawn} paper(s) drawn, {done.removed} stale removed"
            + (f"; {'; '.join(done.errors)}" if done.errors else "")
            + "."
        )
    if not ids:
        click.echo("No round to prepare.")


def prepare_round(round_id: int) -> paper_services.Preparation:
    """Remove a round's stale papers, then draw the missing ones, one batch per transaction."""
    done = paper_services.Preparation(round_id)
    with session_scope() as session:
        round_ = session.get(Round, round_id)
        assert round_ is not None
        done.removed = paper_services.remove_stale(session, round_)
        if round_.closes_at <= now():
            return done
    while True:
        with session_scope() as session:
            round_ = session.get(Round, round_id)
            assert round_ is not None
            students = paper_services.students_without_paper(session, round_, paper_services.BATCH)
            if not students:
                return done
            try:
                stored = paper_services.draw_papers(session, round_, students)
            except ValueError:
                done.errors.append("the bank cannot fill its blueprint")
                return done
        done.drawn += stored
        if stored == 0:
            return done


# -- leaderboards ---------------------------------------------------------------------


@main.group()
def leaderboard() -> None:
    """Standings and leaderboards."""


@leaderboard.command("rebuild")
@with_appcontext
def leaderboard_rebuild() -> None:
    """Recompute every standing from the attempts (must agree with the kept ones)."""
    with session_scope() as session:
        count = rebuild_standings(session)
    click.echo(f"Standings rebuilt: {count} round standing(s).")


@main.command()
@click.option("--universities", default=300, show_default=True, type=click.IntRange(1))
@click.option("--students", default=10_000, show_default=True, type=click.IntRange(1))
@click.option("--rounds", default=10, show_default=True, type=click.IntRange(1))
@click.option(
    "--participation",
    default=1.0,
    show_default=True,
    type=click.FloatRange(0, 1),
    help="Share of students who take each round.",
)
@click.option(
    "--answers/--no-answers",
    default=False,
    show_default=True,
    help="Give the last round's attempts their answers (20 questions each).",
)
@with_appcontext
def synth(
    universities: int, students: int, rounds: int, participation: float, answers: bool
) -> None:
    """Fill the database with a synthetic contest (for benchmarks and demos)."""
    topics = read_bank(str(bank_files.BUNDLED_BANK))
    with session_scope() as session:
        bank_services.import_bank(session, topics)
        summary = synthesize(
            session,
            universities=universities,
            students=students,
            rounds=rounds,
            participation=participation,
            answers=answers,
        )
    click.echo(
        f"Synthetic contest: {summary.universities} universities, {summary.students} "
        f"students, {summary.rounds} rounds, {summary.attempts} attempts, "
        f"{summary.standings} round standings."
    )
