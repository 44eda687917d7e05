"""The organisers' operations on a contest of ``quiz synth``'s size.

    python benchmarks/operations.py DATABASE_URL --students 100000 --rounds 10

Makes a fresh database with the bundled universities and bank and a synthetic
contest (``quiz.synthetic.synthesize``, the last round with its answers), then, on
that last round: the item analysis, its organiser page (the first visit, then the
median of 20 once kept), a dry run and the application of each regrading action on
the question the most attempts had, an integrity scan, and the check that the kept
standings equal a rebuild. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import secrets
import sys
import time
from datetime import timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from regrade import _analysis, regrade_each_way  # noqa: E402 - the benchmarks' shared measures
from setup_contest import recreate_database  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--students", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()

    from sqlalchemy import func, select

    from quiz import create_app, migrate
    from quiz.accounts.models import ApiToken, Role, User
    from quiz.attempts.models import Attempt, AttemptItem
    from quiz.bank import files as bank_files
    from quiz.bank import services as bank_services
    from quiz.bank.models import Question, QuestionVersion
    from quiz.cli import bundled_universities
    from quiz.clock import now
    from quiz.db import get_session
    from quiz.operations import integrity
    from quiz.rounds.models import Round
    from quiz.standings.models import OverallStanding, RoundStanding
    from quiz.standings.rebuild import rebuild
    from quiz.synthetic import synthesize
    from quiz.universities import services as universities

    recreate_database(args.url)
    app = create_app({"DATABASE_URL": args.url, "RATELIMIT_ENABLED": False})
    figures: dict[str, object] = {"students": args.students, "rounds": args.rounds}
    with app.test_request_context(method="POST"):
        migrate.upgrade(app)
        session = get_session()
        universities.import_csv(session, bundled_universities())
        topics, _problems = bank_files.read_path(bank_files.BUNDLED_BANK)
        bank_services.import_bank(session, topics)
        session.commit()
        begun = time.perf_counter()
        summary = synthesize(
            session,
            universities=300,
            students=args.students,
            rounds=args.rounds,
            answers=True,
        )
        session.commit()
        figures["synth_seconds"] = round(time.perf_counter() - begun, 1)
        if session.get_bind().dialect.name == "postgresql":
            # A contest writes its attempts over hours and autovacuum keeps the planner's
            # statistics; a bulk load queried at once would be planned on empty tables.
            session.connection().exec_driver_sql("ANALYZE")
            session.commit()
        figures["attempts"] = summary.attempts
        organiser = User(
            email="organiser@bench.example.org",
            password_hash="",
            full_name="Ban tổ chức",
            display_name="BTC",
            role=Role.ORGANISER.value,
        )
        session.add(organiser)
        session.flush()
        token = secrets.token_urlsafe(32)
        session.add(
            ApiToken(
                user_id=organiser.id,
                digest=hashlib.sha256(token.encode("utf-8")).hexdigest(),
                created_at=now(),
                expires_at=now() + timedelta(days=1),
            )
        )
        session.commit()

        round_ = session.scalar(select(Round).order_by(Round.opens_at.desc()).limit(1))
        figures["round_attempts"] = session.scalar(
            select(func.count()).select_from(Attempt).where(Attempt.round_id == round_.id)
        )
        _analysis(app, session, round_, figures, token)
        key = session.execute(
            select(Question.key)
            .join(QuestionVersion, QuestionVersion.question_id == Question.id)
            .join(AttemptItem, AttemptItem.question_version_id == QuestionVersion.id)
            .join(Attempt, Attempt.id == AttemptItem.attempt_id)
            .where(Attempt.round_id == round_.id)
            .group_by(Question.key)
            .order_by(func.count().desc(), Question.key)
            .limit(1)
        ).scalar_one()
        regrade_each_way(session, round_, key, figures)
        begun = time.perf_counter()
        pending = integrity.scan(session, round_.id, actor_id=None)
        session.commit()
        figures["integrity_scan_seconds"] = round(time.perf_counter() - begun, 2)
        figures["signals_pending"] = pending

        def kept() -> tuple[list, list]:
            return (
                sorted(
                    session.execute(
                        select(
                            RoundStanding.view,
                            RoundStanding.round_id,
                            RoundStanding.student_id,
                            RoundStanding.score_units,
                        )
                    ).all()
                ),
                sorted(
                    session.execute(
                        select(
                            OverallStanding.view,
                            OverallStanding.student_id,
                            OverallStanding.total_units,
                        )
                    ).all()
                ),
            )

        before = kept()
        begun = time.perf_counter()
        rebuild(session)
        session.commit()
        figures["rebuild_seconds"] = round(time.perf_counter() - begun, 1)
        figures["kept_equals_rebuilt"] = kept() == before
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
