"""Prepare a fresh database for the start benchmark.

    python benchmarks/setup_contest.py DATABASE_URL N --out DIR [--model contest|stress]

- recreates the database (PostgreSQL: DROP/CREATE DATABASE; SQLite: deletes the file),
- creates the schema with the app's migrations (``quiz.migrate.upgrade``),
- imports the bundled universities and the bundled question bank,
- inserts N students (SQLAlchemy Core, in bulk) spread over the universities
  with a realistic skew;
  - contest model: every student's password is BENCH_PASSWORD, hashed once
    with the production Argon2id parameters (``quiz.accounts.passwords``; one
    hash for all, so every login costs what a real one does), and their
    e-mail addresses go to DIR/students.txt, one a line;
  - stress model: one API token per student (only the SHA-256 digest is
    stored, as ``quiz.accounts.tokens`` does), the tokens to DIR/tokens.txt;
- creates one round of 20 questions (6 easy, 8 medium, 6 hard; 1800 s; closes
  in 4 hours) with ``quiz.rounds.services.create_round``: open now (stress),
  or opening in a day (contest: ``open_round.py`` moves it to the instant);
- writes DIR/contest.json (round id, N, database URL, model).

Nothing here touches any database other than the one named (the benchmark uses
``quiz_bench`` on PostgreSQL and a file under benchmarks/out/ for SQLite).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import secrets
import sys
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import create_engine, insert, select, text
from sqlalchemy.engine import make_url

BLUEPRINT = [(6, "easy"), (8, "medium"), (6, "hard")]
DEFAULT_PASSWORD = "Bench-Contest-Day-2026"
TIME_LIMIT_SECONDS = 1800
CLOSES_IN = timedelta(hours=4)
CHUNK = 2000


def recreate_database(url: str) -> None:
    """Start from an empty database: drop and create it (PostgreSQL) or delete the file."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = Path(parsed.database or "")
        if not parsed.database or parsed.database == ":memory:":
            raise SystemExit("SQLite benchmark needs a file database")
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        return
    if parsed.get_backend_name() != "postgresql":
        raise SystemExit(f"unsupported database: {parsed.get_backend_name()}")
    name = parsed.database
    if name in {None, "", "postgres", "quiz_test", "template0", "template1"}:
        raise SystemExit(f"refusing to recreate database {name!r}")
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database_url")
    parser.add_argument("students", type=int)
    parser.add_argument("--out", required=True, help="directory for tokens.txt and contest.json")
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--model", choices=("contest", "stress"), default="contest")
    args = parser.parse_args()

    # Import the app only now: the environment (instance path, secret) is set by the caller.
    from quiz import create_app, migrate
    from quiz.accounts.models import ApiToken, Role, User
    from quiz.accounts.passwords import hash_password
    from quiz.bank import files as bank_files
    from quiz.bank import services as bank_services
    from quiz.cli import bundled_universities
    from quiz.clock import now
    from quiz.db import session_scope
    from quiz.rounds.services import BlueprintLine, RoundData, create_round
    from quiz.universities import services as universities
    from quiz.universities.models import University

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(args.seed)
    started = time.monotonic()

    recreate_database(args.database_url)
    app = create_app({"DATABASE_URL": args.database_url})
    with app.app_context():
        migrate.upgrade(app)
        with session_scope() as session:
            universities.import_csv(session, bundled_universities())
        topics, problems = bank_files.read_path(bank_files.BUNDLED_BANK)
        if problems:
            raise SystemExit(f"bundled bank has problems: {problems}")
        with session_scope() as session:
            summary = bank_services.import_bank(session, topics)
        print(f"bank: {summary.line()}", file=sys.stderr)

        moment = now()
        contest_day = args.model == "contest"
        password = os.environ.get("BENCH_PASSWORD", DEFAULT_PASSWORD)
        password_hash = hash_password(password if contest_day else secrets.token_urlsafe(24))
        with session_scope() as session:
            unis = list(session.scalars(select(University.id).order_by(University.code)))
            # Skewed participation (as in quiz.demo): a few universities send many students.
            weights = [1 / (rank + 1) ** 0.8 for rank in range(len(unis))]
            rng.shuffle(unis)
            tokens: list[str] = []
            emails: list[str] = []
            for first in range(0, args.students, CHUNK):
                numbers = range(first, min(first + CHUNK, args.students))
                rows = [
                    {
                        "email": f"bench{n + 1:06d}@bench.example.org",
                        "password_hash": password_hash,
                        "full_name": f"Sinh Viên {n + 1:06d}",
                        "display_name": f"SV {n + 1:06d}",
                        "role": Role.STUDENT.value,
                        "university_id": rng.choices(unis, weights=weights)[0],
                        "student_number": f"B{n + 1:07d}",
                        "locale": None,
                        "accepted_rules_at": moment,
                        "active": True,
                        "session_version": 1,
                        "created_at": moment,
                    }
                    for n in numbers
                ]
                session.execute(insert(User), rows)
                if contest_day:
                    emails.extend(row["email"] for row in rows)
                    continue
                ids = list(
                    session.scalars(
                        select(User.id)
                        .where(User.email.in_([r["email"] for r in rows]))
                        .order_by(User.email)
                    )
                )
                batch = [secrets.token_urlsafe(32) for _ in ids]
                session.execute(
                    insert(ApiToken),
                    [
                        {
                            "user_id": user_id,
                            # Same digest as quiz.accounts.tokens.digest.
                            "digest": hashlib.sha256(token.encode("utf-8")).hexdigest(),
                            "created_at": moment,
                            "expires_at": moment + timedelta(days=7),
                            "revoked_at": None,
                        }
                        for user_id, token in zip(ids, batch, strict=True)
                    ],
                )
                tokens.extend(batch)
            round_ = create_round(
                session,
                RoundData(
                    title={
                        "vi": "Vòng đo tải — bắt đầu đồng loạt",
                        "en": "Load benchmark — synchronized start",
                    },
                    opens_at=moment + (timedelta(days=1) if contest_day else -timedelta(minutes=1)),
                    closes_at=moment
                    + CLOSES_IN
                    + (timedelta(days=1) if contest_day else timedelta()),
                    time_limit_seconds=TIME_LIMIT_SECONDS,
                    blueprint=[BlueprintLine(count, None, level) for count, level in BLUEPRINT],
                ),
                actor_id=None,
            )
            round_id = round_.id
            university_count = len(unis)
            # The organiser watching the live monitor (monitor_poll.py), by API token.
            organiser = User(
                email="monitor@bench.example.org",
                password_hash=password_hash,
                full_name="Ban tổ chức",
                display_name="BTC",
                role=Role.ORGANISER.value,
                accepted_rules_at=moment,
            )
            session.add(organiser)
            session.flush()
            monitor_token = secrets.token_urlsafe(32)
            session.add(
                ApiToken(
                    user_id=organiser.id,
                    digest=hashlib.sha256(monitor_token.encode("utf-8")).hexdigest(),
                    created_at=moment,
                    expires_at=moment + timedelta(days=7),
                )
            )

    if contest_day:
        (out / "students.txt").write_text("\n".join(emails) + "\n")
    else:
        (out / "tokens.txt").write_text("\n".join(tokens) + "\n")
    (out / "monitor_token.txt").write_text(monitor_token + "\n")
    os.chmod(out / "monitor_token.txt", 0o600)
    info = {
        "database_url": args.database_url,
        "students": args.students,
        "round_id": round_id,
        "questions": sum(count for count, _ in BLUEPRINT),
        "universities": university_count,
        "setup_seconds": round(time.monotonic() - started, 1),
        "model": args.model,
    }
    (out / "contest.json").write_text(json.dumps(info, indent=2) + "\n")
    print(json.dumps(info), file=sys.stderr)
    os.chmod(out / ("students.txt" if contest_day else "tokens.txt"), 0o600)


if __name__ == "__main__":
    main()
