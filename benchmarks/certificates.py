"""Certificates of one official round of N participants: issuing them, issuing again
(nothing changed), and drawing every PDF into the streamed zip organisers download,
then the largest university's zip as its coordinator gets it.

    python benchmarks/certificates.py DATABASE_URL --students 10000

Makes a fresh database (the bundled universities and bank, ``quiz.synthetic`` with
one round taken by every student, made official), runs each step once in this one
process, and prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from setup_contest import recreate_database  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--students", type=int, default=10_000)
    args = parser.parse_args()

    from sqlalchemy import func, select

    from quiz import create_app, migrate
    from quiz.bank import files as bank_files
    from quiz.bank import services as bank_services
    from quiz.certificates import archive
    from quiz.certificates import services as certificates
    from quiz.certificates.models import Certificate, round_scope
    from quiz.cli import bundled_universities
    from quiz.db import get_session
    from quiz.results import services as results
    from quiz.rounds.models import Round
    from quiz.synthetic import synthesize
    from quiz.universities import services as universities

    recreate_database(args.url)
    app = create_app({"DATABASE_URL": args.url, "RATELIMIT_ENABLED": False})
    figures: dict[str, object] = {"students": args.students}
    with app.test_request_context(method="POST"):
        migrate.upgrade(app)
        session = get_session()
        universities.import_csv(session, bundled_universities())
        topics, _problems = bank_files.read_path(bank_files.BUNDLED_BANK)
        bank_services.import_bank(session, topics)
        session.commit()
        synthesize(session, universities=155, students=args.students, rounds=1)
        session.commit()
        if session.get_bind().dialect.name == "postgresql":
            session.connection().exec_driver_sql("ANALYZE")
            session.commit()
        round_ = session.scalar(select(Round))
        results.make_official(session, round_.id, actor_id=None)
        session.commit()

        begun = time.perf_counter()
        issued = certificates.issue_round(session, round_.id, actor_id=None)
        session.commit()
        figures["issue_seconds"] = round(time.perf_counter() - begun, 2)
        figures["issued"] = issued.issued

        begun = time.perf_counter()
        again = certificates.issue_round(session, round_.id, actor_id=None)
        session.commit()
        figures["issue_again_seconds"] = round(time.perf_counter() - begun, 2)
        figures["kept"] = again.kept

        scope = round_scope(round_.id)
        begun = time.perf_counter()
        size = files = 0
        for piece in archive.stream(certificates.in_force(session, scope)):
            size += len(piece)
            files += bool(piece)
        took = time.perf_counter() - begun
        figures["round_zip_seconds"] = round(took, 1)
        figures["round_zip_mb"] = round(size / 2**20, 1)
        figures["ms_per_certificate"] = round(took * 1000 / max(issued.issued, 1), 1)

        largest, count = session.execute(
            select(Certificate.university_id, func.count())
            .where(Certificate.scope == scope, Certificate.revoked_at.is_(None))
            .group_by(Certificate.university_id)
            .order_by(func.count().desc())
            .limit(1)
        ).one()
        begun = time.perf_counter()
        size = sum(
            len(piece)
            for piece in archive.stream(
                certificates.in_force(session, scope, university_id=largest)
            )
        )
        figures["largest_university_certificates"] = count
        figures["university_zip_seconds"] = round(time.perf_counter() - begun, 2)
        figures["university_zip_mb"] = round(size / 2**20, 1)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
