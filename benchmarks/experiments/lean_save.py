"""What-if experiment, NOT the application as shipped: serve the app with one change
to the answer save, to measure what the profile suggests.

    QUIZ_DATABASE_URL=... python benchmarks/experiments/lean_save.py --port 8765 --workers 4

``quiz.attempts.services.save_answer`` reads the attempt with
``select(Attempt)...with_for_update()``; ``Attempt.items`` is
``lazy="selectin"`` and ``AttemptItem.version`` is ``lazy="joined"``, so every
save also loads the attempt's 20 items and their 20 question versions (texts,
options and explanations in three languages, as JSON) that it never uses. The
profile puts about a third of the server's Python time there. This module
replaces ``save_answer`` by a copy whose only difference is
``.options(lazyload(Attempt.items))`` on that query, then serves the app
exactly like ``quiz serve`` (gunicorn, same workers and threads). It is used by
``run_start.sh`` when ``SERVER=lean_save``; results are reported separately.
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

    services.save_answer = save_answer  # the API view calls services.save_answer
    return factory()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    if args.host != "127.0.0.1":
        raise SystemExit("experiments serve on 127.0.0.1 only")
    os.environ["QUIZ_ENV"] = "production"
    os.environ["QUIZ_SERVE_HOST"] = args.host
    from quiz.server import serve

    create_app()
    serve(create_app, args.host, args.port, args.workers)


if __name__ == "__main__":
    main()
