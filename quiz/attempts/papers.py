"""Papers: question sets drawn ahead, so that a synchronized start costs almost nothing.

Before a round opens (and while it is open, for students who have none yet),
``quiz papers prepare`` — run every minute with ``quiz attempts close-expired``
— draws one :class:`~quiz.attempts.models.Paper` for every active student who
still has an attempt left: the same draw as a start makes (contest-rules.md,
Drawing: uniform per blueprint line, seeded, reproducible from the seed the
paper and then the attempt keep). At the start instant the student's paper
becomes the attempt (:func:`quiz.attempts.services.start`).

A paper is not an attempt: it uses no attempt, appears on no page, board or
count, and nobody sees its questions before the start. It is only used at the
round's current paper revision: editing the round or the bank moves the
revision on (``quiz.rounds.services``), and the next preparation removes the
stale papers and draws new ones; until then starts draw their own set. A
student without a paper (registered after the preparation) starts normally.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, exists, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from quiz.accounts.models import Role, User
from quiz.accounts.principal import Person
from quiz.attempts.models import Attempt, Paper, PaperItem
from quiz.attempts.services import Sheet, SheetItem
from quiz.bank import cache
from quiz.clock import now
from quiz.rounds.models import Round
from quiz.rounds.services import RoundView, blueprint_pool, draw_questions

#: Rounds opening within this time get their papers (Moodle pre-creates an hour ahead).
DEFAULT_AHEAD = timedelta(hours=2)
#: Students drawn per transaction: each batch commits, so starts use papers as they land.
BATCH = 1000


@dataclass
class Preparation:
    """What one preparation did for one round."""

    round_id: int
    drawn: int = 0
    removed: int = 0
    errors: list[str] = field(default_factory=list)


def rounds_to_prepare(session: Session, ahead: timedelta = DEFAULT_AHEAD) -> list[int]:
    """Rounds not closed that open within ``ahead`` (or are open), soonest first."""
    moment = now()
    return list(
        session.scalars(
            select(Round.id)
            .where(Round.closes_at > moment, Round.opens_at <= moment + ahead)
            .order_by(Round.opens_at, Round.id)
        )
    )


def remove_stale(session: Session, round_: Round) -> int:
    """Remove the round's papers drawn at an older revision or used by a start (and all of
    a closed round's)."""
    stale = (Paper.revision != round_.paper_revision) | Paper.used_at.is_not(None)
    if round_.closes_at <= now():
        stale = Paper.id.is_not(None)
    result = session.execute(
        delete(Paper)
        .where(Paper.round_id == round_.id, stale)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)


def students_without_paper(session: Session, round_: Round, limit: int) -> list[tuple[int, int]]:
    """(student, attempts used) of active students who may still start ``round_`` and
    have no paper for it."""
    used = (
        select(func.count(Attempt.id))
        .where(Attempt.round_id == round_.id, Attempt.student_id == User.id)
        .scalar_subquery()
    )
    has_paper = exists().where(Paper.round_id == round_.id, Paper.student_id == User.id)
    rows = session.execute(
        select(User.id, used)
        .where(
            User.role == Role.STUDENT.value,
            User.active.is_(True),
            used < round_.max_attempts,
            ~has_paper,
        )
        .order_by(User.id)
        .limit(limit)
    )
    return [(student_id, count) for student_id, count in rows]


def draw_papers(session: Session, round_: Round, students: list[tuple[int, int]]) -> int:
    """Draw and store a paper for each (student, attempts used); return how many were stored.

    A paper another preparation stored meanwhile is kept (and not drawn twice).
    """
    if not students:
        return 0
    pool = blueprint_pool(session, round_)
    moment = now()
    drawn = {}
    numbers = dict(students)
    for student_id, _used in students:
        seed = secrets.randbits(31)
        drawn[student_id] = (seed, draw_questions(session, pool, seed))
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stored = session.execute(
        insert(Paper)
        .on_conflict_do_nothing(index_elements=["round_id", "student_id"])
        .returning(Paper.id, Paper.student_id),
        [
            {
                "round_id": round_.id,
                "student_id": student_id,
                "revision": round_.paper_revision,
                "number": numbers[student_id] + 1,
                "key": secrets.token_bytes(32),
                "seed": seed,
                "max_score": sum(question.version.points for question in questions),
                "drawn_at": moment,
            }
            for student_id, (seed, questions) in drawn.items()
        ],
    ).all()
    items = [
        {
            "paper_id": paper_id,
            "position": question.position,
            "question_version_id": question.version.id,
            "option_order": question.option_order,
        }
        for paper_id, student_id in stored
        for question in drawn[student_id][1]
    ]
    if items:
        session.execute(PaperItem.__table__.insert(), items)
    return len(stored)


def ready(session: Session, round_: Round) -> tuple[int, int]:
    """(papers ready at the current revision, students who may still start the round)."""
    papers = (
        session.scalar(
            select(func.count(Paper.id)).where(
                Paper.round_id == round_.id,
                Paper.revision == round_.paper_revision,
                Paper.used_at.is_(None),
            )
        )
        or 0
    )
    used = (
        select(func.count(Attempt.id))
        .where(Attempt.round_id == round_.id, Attempt.student_id == User.id)
        .scalar_subquery()
    )
    eligible = (
        session.scalar(
            select(func.count(User.id)).where(
                User.role == Role.STUDENT.value,
                User.active.is_(True),
                used < round_.max_attempts,
            )
        )
        or 0
    )
    return papers, eligible


def drawn_at(session: Session, round_: Round) -> datetime | None:
    """When the round's current papers were last drawn (None without any)."""
    return session.scalar(
        select(func.max(Paper.drawn_at)).where(
            Paper.round_id == round_.id, Paper.revision == round_.paper_revision
        )
    )


def paper_sheet(session: Session, round_: Round | RoundView, student: Person) -> Sheet | None:
    """The student's paper at the round's current revision as the attempt page shows it
    (no attempt yet: id 0, nothing answered), with its key; None without one.

    Only for sealing (``quiz.attempts.sealing``): its questions leave the server
    under the paper's key, which the start alone gives out.
    """
    paper = session.execute(
        select(Paper.id, Paper.key, Paper.max_score)
        .join(Round, (Round.id == Paper.round_id) & (Round.paper_revision == Paper.revision))
        .where(
            Paper.round_id == round_.id,
            Paper.student_id == student.id,
            Paper.used_at.is_(None),
        )
    ).first()
    if paper is None:
        return None
    items = session.execute(
        select(PaperItem.position, PaperItem.question_version_id, PaperItem.option_order)
        .where(PaperItem.paper_id == paper.id)
        .order_by(PaperItem.position)
    ).all()
    views = cache.versions(session, [item.question_version_id for item in items])
    moment = now()
    return Sheet(
        id=0,
        round_id=round_.id,
        student_id=student.id,
        number=0,
        status="paper",
        started_at=moment,
        deadline=moment,
        save_until=moment,
        submitted_at=None,
        score_units=None,
        max_score=paper.max_score,
        duration_ms=None,
        excused_ms=0,
        prediction=None,
        disqualified_at=None,
        items=[
            SheetItem(
                i.position, views[i.question_version_id], list(i.option_order), [], None, None
            )
            for i in items
        ],
        key=paper.key,
    )
