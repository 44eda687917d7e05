"""Fixtures shared by the whole suite.

The suite runs on SQLite by default, and on PostgreSQL when
``QUIZ_TEST_DATABASE_URL`` is set (``.ci/run`` does both). The schema is built
once per run by the Alembic migrations; each test then runs inside a
transaction that is rolled back, so tests never see each other's data.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from itertools import count
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.cli import ScriptInfo
from flask.testing import FlaskClient
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from quiz import cli, create_app, migrate
from quiz.accounts import logins, principal
from quiz.accounts.models import Role, User
from quiz.accounts.passwords import hash_password
from quiz.attempts import rendering
from quiz.bank import cache as version_cache
from quiz.bank.schema import OptionData, QuestionData, TopicData
from quiz.bank.services import import_bank
from quiz.clock import now
from quiz.extensions import limiter
from quiz.main import overview
from quiz.rounds.services import BlueprintLine, RoundData, create_round, forget_round_views
from quiz.universities.models import University

PASSWORD = "Correct-Horse-Battery-9"
_PASSWORD_HASH: list[str] = []


def database_url_for_tests(tmp_path_factory: pytest.TempPathFactory) -> str:
    """PostgreSQL when asked for (emptied first), a fresh SQLite file otherwise."""
    url = os.environ.get("QUIZ_TEST_DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'quiz.db'}"
    reset_postgres_database(url)
    return url


def reset_postgres_database(url: str) -> None:
    """Create the database if missing and drop everything in it."""
    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            exists = connection.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :name"),
                {"name": target.database},
            )
            if not exists:
                connection.execute(text(f'CREATE DATABASE "{target.database}"'))
    finally:
        admin.dispose()
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """The application on a freshly migrated test database."""
    instance = tmp_path_factory.mktemp("instance")
    os.environ["QUIZ_INSTANCE_PATH"] = str(instance)
    application = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url_for_tests(tmp_path_factory),
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_STORAGE_URI": "memory://",
        }
    )
    with application.app_context():
        migrate.upgrade(application)
    yield application
    application.extensions["quiz_db"].engine.dispose()


@pytest.fixture
def db_session(app: Flask) -> Iterator[Session]:
    """A session whose work, and every request's, is rolled back after the test."""
    database = app.extensions["quiz_db"]
    original = database.sessionmaker
    connection = database.engine.connect()
    outer = connection.begin()
    database.sessionmaker = sessionmaker(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    session = database.sessionmaker()
    limiter.reset()
    # Rolled-back rows leave ids that SQLite reuses: nothing kept may outlive a test.
    version_cache.clear()
    rendering.forget()
    principal.forget_all()
    forget_round_views()
    overview.forget()
    try:
        yield session
    finally:
        session.close()
        database.sessionmaker = original
        if outer.is_active:
            outer.rollback()
        connection.close()


@pytest.fixture
def client(app: Flask, db_session: Session) -> FlaskClient:
    """A browser without an account."""
    return app.test_client()


class QuizRunner:
    """Invokes ``quiz`` commands (the real CLI group) against the test app."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.runner = app.test_cli_runner()

    def invoke(self, args: list[str], **kwargs: Any) -> Any:
        info = ScriptInfo(create_app=lambda: self.app)
        return self.runner.invoke(cli.main, args, obj=info, **kwargs)


@pytest.fixture
def runner(app: Flask, db_session: Session) -> QuizRunner:
    """Runs ``quiz`` commands against the test database, inside the test's transaction."""
    return QuizRunner(app)


_sequence = count(1)


@pytest.fixture
def make_university(db_session: Session) -> Callable[..., University]:
    """Create a university: ``make_university(code="HUST")``."""

    def create(**fields: Any) -> University:
        n = next(_sequence)
        values = {
            "code": f"U{n:04d}",
            "name_vi": f"Trường Đại học Thử nghiệm {n}",
            "name_en": f"Test University {n}",
            "short_name": f"TU{n}",
            "city": "Hà Nội",
        }
        values.update(fields)
        university = University(**values)
        university.refresh_search_key()
        db_session.add(university)
        db_session.flush()
        return university

    return create


@pytest.fixture
def make_user(
    db_session: Session, make_university: Callable[..., University]
) -> Callable[..., User]:
    """Create a user: ``make_user(role=Role.COORDINATOR, email=...)``; password ``PASSWORD``."""
    if not _PASSWORD_HASH:
        _PASSWORD_HASH.append(hash_password(PASSWORD))

    def create(role: Role = Role.STUDENT, **fields: Any) -> User:
        n = next(_sequence)
        values: dict[str, Any] = {
            "email": f"user{n}@example.edu.vn",
            "full_name": f"Nguyễn Văn Thử {n}",
            "display_name": f"Thử{n} N.",
            "role": role.value,
            "password_hash": _PASSWORD_HASH[0],
        }
        if role is not Role.ORGANISER and "university" not in fields:
            values["university"] = make_university()
        values.update(fields)
        user = User(**values)
        db_session.add(user)
        db_session.flush()
        return user

    return create


def log_in(app: Flask, user: User) -> FlaskClient:
    """A client whose session belongs to ``user`` (as after a successful login)."""
    recorder = app.extensions["quiz_db"].sessionmaker()
    try:
        identity = logins.open_login(recorder, user, remember=False)
        recorder.commit()  # inside the test's transaction (a savepoint)
    finally:
        recorder.close()
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = identity
        session["_fresh"] = True
    return client


@pytest.fixture
def student(make_user: Callable[..., User]) -> User:
    return make_user(Role.STUDENT)


@pytest.fixture
def coordinator(make_user: Callable[..., User]) -> User:
    return make_user(Role.COORDINATOR)


@pytest.fixture
def organiser(make_user: Callable[..., User]) -> User:
    return make_user(Role.ORGANISER)


@pytest.fixture
def student_client(app: Flask, student: User) -> FlaskClient:
    return log_in(app, student)


@pytest.fixture
def coordinator_client(app: Flask, coordinator: User) -> FlaskClient:
    return log_in(app, coordinator)


@pytest.fixture
def organiser_client(app: Flask, organiser: User) -> FlaskClient:
    return log_in(app, organiser)


@pytest.fixture
def csrf_enabled(app: Flask) -> Iterator[None]:
    """Turn CSRF protection on, as in production, for one test."""
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        yield
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


class Statements:
    """The SQL statements run while recording (transaction control left out)."""

    def __init__(self) -> None:
        self.sql: list[str] = []

    def __len__(self) -> int:
        return len(self.sql)

    def remember(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            self.sql.append(statement)


@pytest.fixture
def statements(app: Flask, db_session: Session) -> Callable[[], Any]:
    """``with statements() as seen: ...`` records every statement the block runs."""
    engine = app.extensions["quiz_db"].engine

    @contextmanager
    def record() -> Iterator[Statements]:
        seen = Statements()
        event.listen(engine, "before_cursor_execute", seen.remember)
        try:
            yield seen
        finally:
            event.remove(engine, "before_cursor_execute", seen.remember)

    return record


def on_postgres() -> bool:
    return bool(os.environ.get("QUIZ_TEST_DATABASE_URL"))


ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def make_bank(db_session: Session) -> Callable[..., list[str]]:
    """Import a small bank: ``make_bank(topic="law", easy=3, hard=2, kind="single")``.

    Question ``n`` has options a-d with ``a`` correct (``a`` and ``b`` for multiple).
    """

    def create(
        topic: str = "basics", kind: str = "single", points: int = 1, **levels: int
    ) -> list[str]:
        questions = []
        for level, how_many in (levels or {"easy": 4}).items():
            for n in range(how_many):
                key = f"{topic}-{level}-{kind}-{n + 1:02d}"
                if kind == "true_false":
                    options = [
                        OptionData("a", {"vi": "Đúng"}, True),
                        OptionData("b", {"vi": "Sai"}),
                    ]
                else:
                    options = [
                        OptionData(
                            o,
                            {"vi": f"Phương án {o}", "en": f"Option {o}"},
                            o == "a" or (kind == "multiple" and o == "b"),
                        )
                        for o in "abcd"
                    ]
                questions.append(
                    QuestionData(
                        id=key,
                        difficulty=level,
                        kind=kind,
                        points=points,
                        text={"vi": f"Câu hỏi {key}?", "en": f"Question {key}?"},
                        options=options,
                        explanation={"vi": f"Giải thích {key}.", "en": f"Because {key}."},
                        source="Test source",
                    )
                )
        import_bank(db_session, [TopicData(topic, {"vi": topic}, questions)])
        return [q.id for q in questions]

    return create


@pytest.fixture
def make_round(db_session: Session, make_bank: Callable[..., list[str]]) -> Callable[..., Any]:
    """Create a round open now for an hour: ``make_round(time_limit_seconds=600, ...)``.

    Without ``blueprint``, a bank of 6 easy questions is made and 4 are drawn.
    """

    def create(**fields: Any) -> Any:
        if "blueprint" not in fields:
            make_bank(topic="basics", easy=6)
            fields["blueprint"] = [BlueprintLine(4, "basics", "easy")]
        moment = now()
        values: dict[str, Any] = {
            "title": {"vi": "Vòng thử", "en": "Test round"},
            "opens_at": moment - timedelta(minutes=1),
            "closes_at": moment + timedelta(hours=1),
            "time_limit_seconds": 600,
        }
        values.update(fields)
        return create_round(db_session, RoundData(**values), actor_id=None)

    return create
