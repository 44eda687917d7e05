"""How long a regrade takes on one round: the dry run and applying it.

    python benchmarks/regrade.py DATABASE_URL N

Sets up a fresh database of N students with one round of 20 questions
(``setup_contest.py``, stress model), starts every student's attempt from their
paper, answers every question at random (in bulk), finalizes every attempt, then,
with the clock past the round's last save instant, times a dry run and the
application of each action (neutralise, drop, rekey) on the question most attempts
had, then a scan for integrity signals and one disqualification, and checks that
the kept standings equal a rebuild. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import time_machine
from sqlalchemy import bindparam, func, select, update

HERE = Path(__file__).resolve().parent


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("students", type=int)
    parser.add_argument(
        "--no-scan", action="store_true", help="skip the integrity scan (quadratic here)"
    )
    args = parser.parse_args()
    out = Path(tempfile.mkdtemp(prefix="regrade-"))
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

    from quiz import create_app
    from quiz.accounts.models import User
    from quiz.accounts.principal import Principal
    from quiz.attempts import papers, services
    from quiz.attempts.models import Attempt, AttemptItem
    from quiz.bank.models import Question, QuestionVersion
    from quiz.db import get_session
    from quiz.rounds.models import Round
    from quiz.rounds.services import round_view
    from quiz.standings.models import RoundStanding
    from quiz.standings.rebuild import rebuild

    app = create_app({"DATABASE_URL": args.url, "RATELIMIT_ENABLED": False})
    rng = random.Random(7)
    figures: dict[str, float | int | bool] = {"students": args.students}
    with app.test_request_context(method="POST"):
        session = get_session()
        round_ = session.get(Round, contest["round_id"])
        papers.draw_papers(session, round_, papers.students_without_paper(session, round_, 10**6))
        session.commit()
        people = [
            Principal(s.id, "student", "vi", s.university_id, "x", True)
            for s in session.execute(select(User.id, User.university_id).order_by(User.id))
            if s.university_id is not None
        ]
        begun = time.perf_counter()
        for person in people:
            services.start(session, round_view(session, round_.id, max_age=60), person)
        session.commit()
        items = session.execute(select(AttemptItem.id, AttemptItem.option_order)).all()
        session.execute(
            update(AttemptItem.__table__)
            .where(AttemptItem.id == bindparam("the_item"))
            .values(choices=bindparam("chosen")),
            [{"the_item": i, "chosen": [rng.choice(order)]} for i, order in items],
        )
        session.commit()
        ids = list(session.scalars(select(Attempt.id)))
        by_id = {p.id: p for p in people}
        for attempt_id in ids:
            student = session.scalar(select(Attempt.student_id).where(Attempt.id == attempt_id))
            services.submit(session, attempt_id, by_id[student], None)
            session.commit()
        figures["setup_seconds"] = round(time.perf_counter() - begun, 1)
        round_ = session.get(Round, contest["round_id"])
        after = round_.closes_at + timedelta(seconds=round_.grace_seconds + 1)
        # The question the most attempts had: the regrade that touches the most rows.
        key = session.execute(
            select(Question.key)
            .join(QuestionVersion, QuestionVersion.question_id == Question.id)
            .join(AttemptItem, AttemptItem.question_version_id == QuestionVersion.id)
            .group_by(Question.key)
            .order_by(func.count().desc(), Question.key)
            .limit(1)
        ).scalar_one()
        with time_machine.travel(after, tick=True):
            regrade_each_way(session, round_, key, figures)
        with time_machine.travel(after, tick=True):
            _analysis(app, session, round_, figures, (out / "monitor_token.txt").read_text())
            if not args.no_scan:
                _scan(session, round_, figures)
        kept = sorted(
            session.execute(select(RoundStanding.student_id, RoundStanding.score_units)).all()
        )
        rebuild(session)
        session.commit()
        rebuilt = sorted(
            session.execute(select(RoundStanding.student_id, RoundStanding.score_units)).all()
        )
        figures["kept_equals_rebuilt"] = kept == rebuilt
    print(json.dumps(figures))


def regrade_each_way(session, round_, key: str, figures: dict) -> None:  # type: ignore[no-untyped-def]
    """A dry run, then the application, of each action on question ``key``, timed."""
    from quiz.operations.regrading import RegradeData, regrade

    for action in ("neutralise", "drop", "rekey"):
        data = RegradeData(key, action, "benchmark")
        for dry_run in (True, False):
            begun = time.perf_counter()
            outcome = regrade(session, round_.id, data, dry_run=dry_run, actor_id=None)
            session.commit()
            name = f"{action}_{'dry_run' if dry_run else 'apply'}_seconds"
            figures[name] = round(time.perf_counter() - begun, 2)
        figures[f"{action}_attempts"] = outcome.attempts_affected


def _analysis(app, session, round_, figures, token: str) -> None:  # type: ignore[no-untyped-def]
    """The item analysis computed, then its organiser page: the first visit computes
    and keeps it, the next ones read what was kept (median of 20)."""
    import statistics

    from quiz.operations import analysis

    begun = time.perf_counter()
    analysis.analyse(session, round_.id)
    figures["item_analysis_seconds"] = round(time.perf_counter() - begun, 2)
    session.rollback()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token.strip()}"}
    url = f"/organiser/rounds/{round_.id}/analysis"
    timings = []
    for _ in range(21):
        begun = time.perf_counter()
        response = client.get(url, headers=headers)
        timings.append((time.perf_counter() - begun) * 1000)
        assert response.status_code == 200, response.status_code
    figures["analysis_page_first_ms"] = round(timings[0])
    figures["analysis_page_kept_median_ms"] = round(statistics.median(timings[1:]))


def _scan(session, round_, figures) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import func, select, update

    from quiz.attempts.models import Attempt
    from quiz.operations import integrity
    from quiz.operations.models import IntegritySignal

    # The integrity scan (every submission fell within a few minutes: the twins
    # comparison's worst case; 25 starts from one address: a crowd), then one
    # disqualification.
    ends = session.execute(
        select(func.min(Attempt.submitted_at), func.max(Attempt.submitted_at))
    ).one()
    figures["submissions_spread_seconds"] = round((ends[1] - ends[0]).total_seconds())
    room = list(session.scalars(select(Attempt.id).order_by(Attempt.id).limit(25)))
    session.execute(update(Attempt).where(Attempt.id.in_(room)).values(start_address="203.0.113.9"))
    session.commit()
    begun = time.perf_counter()
    pending = integrity.scan(session, round_.id, actor_id=None)
    session.commit()
    figures["integrity_scan_seconds"] = round(time.perf_counter() - begun, 2)
    figures["signals_pending"] = sum(pending.values())
    signal = session.scalar(select(IntegritySignal).limit(1))
    if signal is not None:
        begun = time.perf_counter()
        integrity.decide(
            session,
            round_.id,
            signal.id,
            decision="disqualify",
            attempts=signal.attempt_ids[:1],
            reason="benchmark",
            actor_id=None,
        )
        session.commit()
        figures["disqualify_seconds"] = round(time.perf_counter() - begun, 2)


if __name__ == "__main__":
    main()
