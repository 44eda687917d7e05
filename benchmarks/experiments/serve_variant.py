"""What-if experiments, NOT the application as shipped: serve the app like
``quiz serve`` (gunicorn gthread, 4 threads a worker, the same options) with
one change, to measure what the profile and the failures suggest.

    QUIZ_DATABASE_URL=... python benchmarks/experiments/serve_variant.py --port 8765 --workers 4 \
        [--lean-save] [--worker-connections N] [--backlog N]

``--worker-connections`` and ``--backlog`` change gunicorn's connection limits
(defaults 1000 per worker and 2048, which ``quiz serve`` does not expose).

``--lean-save``:

``quiz.attempts.services.save_answer`` reads the attempt with
``select(Attempt)...with_for_update()``; ``Attempt.items`` is
``lazy="selectin"`` and ``AttemptItem.version`` is ``lazy="joined"``, so every
save also loads the attempt's 20 items and their 20 question versions (texts,
options and explanations in three languages, as JSON) that it never uses. The
profile puts about a third of the server's Python time there. With this flag
``save_answer`` is replaced by a copy whose only difference is
``.options(lazyload(Attempt.items))`` on that query.

Used by ``run_start.sh`` with ``SERVER=variant VARIANT_ARGS="..."``; results
are reported separately from those of the shipped app.
"""

from __future__ import annotations

import argparse
import os

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session, lazyload

from quiz.accounts.models import User
from quiz.attempts import services
from quiz.attempts.models import Attempt, AttemptItem, AttemptStatus
from quiz.clock import now
from quiz.errors import Conflict, InvalidInput, NotFound


def save_answer(
    session: Session, attempt_id: int, student: User, position: int, choices: list[str]
) -> tuple[AttemptItem, Attempt]:
    """``quiz.attempts.services.save_answer`` without loading the attempt's items."""
    moment = now()
    attempt = session.scalar(
        select(Attempt)
        .where(Attempt.id == attempt_id)
        .options(lazyload(Attempt.items))  # the one change
        .with_for_update()
    )
    if attempt is None or attempt.student_id != student.id:
        raise NotFound(_l("This attempt does not exist."))
    round_ = services._round_of(session, attempt)
    if attempt.status != AttemptStatus.IN_PROGRESS.value:
        raise Conflict(
            _l("This attempt is already finished: answers can no longer change."),
            code="attempt_finalized",
        )
    if moment > services.late_limit(attempt, round_):
        raise Conflict(
            _l("The time is up: this answer arrived too late and was not saved."),
            code="deadline_passed",
        )
    item = session.scalar(
        select(AttemptItem).where(
            AttemptItem.attempt_id == attempt.id, AttemptItem.position == position
        )
    )
    if item is None:
        raise NotFound(_l("This question is not part of the attempt."))
    unique = list(dict.fromkeys(choices))
    if any(choice not in item.option_order for choice in unique):
        raise InvalidInput({"choices": _l("This question has no such option.")})
    if item.version.kind != "multiple" and len(unique) > 1:
        raise InvalidInput({"choices": _l("This question takes a single answer.")})
    item.choices = unique
    item.saved_at = moment
    attempt.last_position = position
    session.flush()
    return item, attempt


def create_app():  # type: ignore[no-untyped-def]
    from quiz import create_app as factory

    if os.environ.get("BENCH_LEAN_SAVE") == "1":
        services.save_answer = save_answer  # the API view calls services.save_answer
    return factory()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--lean-save", action="store_true")
    parser.add_argument("--worker-connections", type=int, default=1000)
    parser.add_argument("--backlog", type=int, default=2048)
    args = parser.parse_args()
    if args.host != "127.0.0.1":
        raise SystemExit("experiments serve on 127.0.0.1 only")
    os.environ["QUIZ_ENV"] = "production"
    os.environ["QUIZ_SERVE_HOST"] = args.host
    os.environ["BENCH_LEAN_SAVE"] = "1" if args.lean_save else "0"
    from quiz import server

    create_app()
    options = {
        "worker_connections": args.worker_connections,
        "backlog": args.backlog,
    }
    print(f"serve_variant: lean_save={args.lean_save} {options}", flush=True)

    class Variant(server.GunicornServer):  # type: ignore[misc,name-defined]
        def load_config(self) -> None:
            super().load_config()
            for key, value in options.items():
                self.cfg.set(key, value)

    original = server.GunicornServer
    server.GunicornServer = Variant  # serve() builds the same options, plus ours
    try:
        server.serve(create_app, args.host, args.port, args.workers)
    finally:
        server.GunicornServer = original


if __name__ == "__main__":
    main()
