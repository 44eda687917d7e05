"""The start's own cost, one request at a time, without the web stack around it.

    python benchmarks/start_path.py DATABASE_URL N [--overrides K]

Sets up a fresh database of N students with one open round (``setup_contest.py``,
stress model), draws every student's paper ahead (``quiz.attempts.papers``), gives
K of them an override (extra time), then starts every student's attempt through
``quiz.attempts.services.start`` in its own transaction, as a request does, and
prints the mean, p50 and p99 per start, and how many were made from the paper.
It measures what a change to the start's statements costs (run it on two commits).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("students", type=int)
    parser.add_argument("--overrides", type=int, default=0)
    args = parser.parse_args()
    out = Path(tempfile.mkdtemp(prefix="start-path-"))
    subprocess.run(
        [
            sys.executable,
            str(HERE / "setup_contest.py"),
            args.url,
            str(args.students),
            "--out",
            str(out),
            "--model",
            "stress",
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    contest = json.loads((out / "contest.json").read_text())

    from sqlalchemy import select

    from quiz import create_app
    from quiz.accounts.models import User
    from quiz.accounts.principal import Principal
    from quiz.attempts import papers, services
    from quiz.db import get_session
    from quiz.rounds.models import Round
    from quiz.rounds.services import round_view

    app = create_app({"DATABASE_URL": args.url, "RATELIMIT_ENABLED": False})
    with app.app_context():
        session = get_session()
        round_ = session.get(Round, contest["round_id"])
        students = list(session.execute(select(User.id, User.university_id).order_by(User.id)))
        students = [s for s in students if s.university_id is not None]
        papers.draw_papers(session, round_, papers.students_without_paper(session, round_, 10**6))
        session.commit()
        if args.overrides:
            from quiz.rounds import overrides

            for student_id, _university in students[: args.overrides]:
                overrides.put(
                    session,
                    round_,
                    overrides.OverrideData(reason="bench", extra_seconds=60),
                    student_id=student_id,
                    actor_id=None,
                )
            session.commit()
    timings, from_paper = [], 0
    for student_id, university_id in students:
        with app.test_request_context():
            session = get_session()
            person = Principal(student_id, "student", "vi", university_id, "x", True)
            begun = time.perf_counter()
            started = services.start(session, round_view(session, round_.id, max_age=1.0), person)
            session.commit()
            timings.append((time.perf_counter() - begun) * 1000)
            from_paper += started.key is not None
    timings.sort()
    print(
        json.dumps(
            {
                "students": len(timings),
                "overrides": args.overrides,
                "from_paper": from_paper,
                "mean_ms": round(statistics.fmean(timings), 3),
                "p50_ms": round(timings[len(timings) // 2], 3),
                "p99_ms": round(timings[int(len(timings) * 0.99)], 3),
            }
        )
    )


if __name__ == "__main__":
    main()
