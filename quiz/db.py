"""Database engine, the declarative base, and the one session of a request.

A request opens at most one session, lazily, on first use. Services only
``flush()``; the request commits once when it ends with a success status, and
rolls back otherwise. Command-line code uses :func:`session_scope`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import datetime
from typing import Any

from flask import Flask, Response, current_app, g, has_request_context, request
from sqlalchemy import DateTime, Engine, MetaData, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from quiz.clock import now

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back timezone-aware.

    SQLite keeps no time zone, so values are normalised to UTC on the way in
    and tagged as UTC on the way out; on PostgreSQL this is ``timestamptz``.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use quiz.clock.now()")
        return value.astimezone(now().tzinfo)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=now().tzinfo)
        return value.astimezone(now().tzinfo)


class Base(DeclarativeBase):
    """Base class of every model; constraint names are stable for migrations."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _tune_sqlite(engine: Engine) -> None:
    """Make SQLite fit a web server: WAL, foreign keys, a busy timeout.

    pysqlite's own transaction handling is switched off so that SQLAlchemy
    emits BEGIN itself; that makes SAVEPOINT work (the tests rely on it).
    """

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection: Any) -> None:
        # A write transaction takes SQLite's write lock up front (waiting up to the
        # busy timeout): a deferred one that read first could not upgrade to a
        # write once another connection committed, and would fail at once.
        connection.exec_driver_sql("BEGIN" if _reads_only() else "BEGIN IMMEDIATE")


def writes_on_get(view: Any) -> Any:
    """Mark a GET view that may write (e.g. finalizing an expired attempt on access)."""
    view.quiz_writes_on_get = True
    return view


@contextmanager
def reading_first(session: Session) -> Iterator[None]:
    """Run the statements of the block in a transaction that only reads, then end it.

    For a slow check before a write (a password hash): on SQLite a write request's
    transaction takes the database's one write lock when it begins, and every other
    writer of every server would wait for the check. The block must not write; the
    next statement after it begins a transaction of its own. On PostgreSQL, or when
    the session is already in a transaction, the block runs as it is.
    """
    if (
        not has_request_context()
        or session.get_bind().dialect.name != "sqlite"
        or session.in_transaction()
    ):
        yield
        return
    g.quiz_reading_first = True
    try:
        yield
    finally:
        g.quiz_reading_first = False
        session.rollback()  # nothing written: this only ends the read


def _reads_only() -> bool:
    """Whether the current request only reads: GET, HEAD or OPTIONS of a view not marked
    with :func:`writes_on_get`, or the block of :func:`reading_first`."""
    if not has_request_context():
        return False
    if g.get("quiz_reading_first"):
        return True
    if request.method not in {"GET", "HEAD", "OPTIONS"}:
        return False
    view = current_app.view_functions.get(request.endpoint or "")
    return not getattr(view, "quiz_writes_on_get", False)


def dialect_insert(dialect: str) -> Any:
    """The dialect's INSERT, which has ON CONFLICT clauses (PostgreSQL or SQLite)."""
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


def make_engine(url: str) -> Engine:
    """Create the engine for ``url``, tuned for the database it names."""
    if url.startswith("sqlite"):
        # Connections move between threads (pool, test live server); never two at once.
        engine = create_engine(url, connect_args={"timeout": 10, "check_same_thread": False})
        _tune_sqlite(engine)
        return engine
    # No ping before each use: it would add a round trip to every request (doubling
    # the cost of a one-statement answer save). A connection the database dropped
    # fails its request instead, and SQLAlchemy then discards every pooled
    # connection of that moment, so the server recovers by itself.
    return create_engine(url, pool_size=10, max_overflow=20)


class Database:
    """The engine and session factory of one app, kept in ``app.extensions``."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.sessionmaker = sessionmaker(bind=engine, expire_on_commit=False)


def init_app(app: Flask) -> None:
    """Attach the database to ``app`` and close the request's session at its end."""
    app.extensions["quiz_db"] = Database(make_engine(app.config["DATABASE_URL"]))

    @app.after_request
    def commit_on_success(response: Response) -> Response:
        session: Session | None = g.pop("db_session", None)
        if session is None:
            return response
        try:
            if response.status_code < 400:
                session.commit()
            else:
                session.rollback()
        finally:
            session.close()
        return response

    @app.teardown_appcontext
    def close_session(_exc: BaseException | None) -> None:
        session: Session | None = g.pop("db_session", None)
        if session is not None:
            session.rollback()
            session.close()


def discard_session() -> None:
    """Drop the request's session after a database failure, without raising again."""
    session: Session | None = g.pop("db_session", None)
    if session is None:
        return
    # The connection may be gone: whatever this raises, the pool replaces it.
    with suppress(Exception):
        session.rollback()
    with suppress(Exception):
        session.close()


def database() -> Database:
    """Return the current app's database."""
    return current_app.extensions["quiz_db"]


def get_session() -> Session:
    """Return the session of the current request (or app context), opening it once."""
    if "db_session" not in g:
        g.db_session = database().sessionmaker()
    return g.db_session


@contextmanager
def session_scope() -> Iterator[Session]:
    """A session for command-line work: commits when the block ends, rolls back on error."""
    session = database().sessionmaker()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
