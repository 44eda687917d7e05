"""Synthetic contests of any size, for benchmarks and demos (``quiz synth``).

Students get a skill drawn from a skewed distribution and answer each round's
20 questions accordingly, so scores spread like a real quiz's; universities
have skewed sizes (a few large, many small). Rows are written in bulk and the
standings are rebuilt set-based at the end, so 100,000 students and 1,000,000
attempts take minutes. Synthetic attempts carry their score but no answers,
except, with ``answers=True``, those of the last round: 20 questions drawn from the
bank, each answered right or with a wrong option, so that its item analysis,
regrades and integrity scan have something to read.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from quiz.accounts.models import Role, User
from quiz.attempts.models import SCORE_UNIT, Attempt, AttemptItem, AttemptStatus
from quiz.bank.models import Question, QuestionVersion
from quiz.clock import now
from quiz.rounds.models import Round
from quiz.rounds.services import BlueprintLine, RoundData, create_round
from quiz.standings.rebuild import rebuild
from quiz.universities.models import University

QUESTIONS = 20
CHUNK = 20_000


@dataclass
class SynthSummary:
    universities: int
    students: int
    rounds: int
    attempts: int
    standings: int


def _universities(session: Session, wanted: int) -> list[int]:
    ids = list(session.scalars(select(University.id).order_by(University.code)))
    missing = wanted - len(ids)
    for n in range(max(missing, 0)):
        university = University(
            code=f"SYN{n + 1:04d}",
            name_vi=f"Trường Tổng hợp {n + 1}",
            name_en=f"Synthetic University {n + 1}",
            short_name="",
            city="",
        )
        university.refresh_search_key()
        session.add(university)
    session.flush()
    return list(session.scalars(select(University.id).order_by(University.code)))[:wanted]


def _students(
    session: Session, count: int, universities: list[int], rng: random.Random
) -> list[int]:
    weights = [1 / (rank + 1) ** 0.9 for rank in range(len(universities))]
    start = (session.scalar(select(User.id).order_by(User.id.desc()).limit(1)) or 0) + 1
    tag = rng.randrange(16**6)
    picks = rng.choices(universities, weights=weights, k=count)
    for offset in range(0, count, CHUNK):
        rows = [
            {
                "email": f"synth-{tag:06x}-{start + n}@synthetic.example.org",
                "password_hash": "",
                "full_name": f"Sinh Viên {start + n}",
                "display_name": f"SV {start + n}",
                "role": Role.STUDENT.value,
                "university_id": picks[n],
                "student_number": "",
                "verification": "confirmed",
                "active": True,
                "session_version": 1,
                "created_at": now(),
            }
            for n in range(offset, min(offset + CHUNK, count))
        ]
        session.execute(insert(User), rows)
    return list(
        session.scalars(
            select(User.id).where(User.email.like(f"synth-{tag:06x}-%")).order_by(User.id)
        )
    )


def _rounds(session: Session, count: int) -> list[Round]:
    moment = now()
    rounds = []
    for n in range(count):
        opens = moment - timedelta(days=7 * (count - n) + 7)
        rounds.append(
            create_round(
                session,
                RoundData(
                    title={
                        "vi": f"Vòng tổng hợp {n + 1}",
                        "en": f"Synthetic round {n + 1}",
                        "fr": f"Manche synthétique {n + 1}",
                    },
                    opens_at=opens,
                    closes_at=opens + timedelta(days=6),
                    time_limit_seconds=1200,
                    blueprint=[BlueprintLine(QUESTIONS, None, None)],
                ),
                actor_id=None,
            )
        )
    return rounds


def synthesize(
    session: Session,
    *,
    universities: int,
    students: int,
    rounds: int,
    participation: float = 1.0,
    seed: int = 2025,
    answers: bool = False,
) -> SynthSummary:
    """Add a synthetic contest to the database (the bundled bank must be loaded)."""
    rng = random.Random(seed)
    university_ids = _universities(session, universities)
    student_ids = _students(session, students, university_ids, rng)
    skills = {s: rng.betavariate(4, 2.2) for s in student_ids}
    made = _rounds(session, rounds)
    versions = _bank_versions(session) if answers else []
    attempts = 0
    for round_ in made:
        answered = bool(versions) and round_ is made[-1]
        window = (round_.closes_at - round_.opens_at).total_seconds() - round_.time_limit_seconds
        rows = []
        for student in student_ids:
            if rng.random() > participation:
                continue
            right = sum(rng.random() < skills[student] for _ in range(QUESTIONS))
            started = round_.opens_at + timedelta(seconds=rng.uniform(0, window))
            took = int(rng.uniform(0.3, 1.0) * round_.time_limit_seconds * 1000)
            rows.append(
                {
                    "round_id": round_.id,
                    "student_id": student,
                    "number": 1,
                    "status": AttemptStatus.SUBMITTED.value,
                    "seed": rng.randrange(2**31),
                    "started_at": started,
                    "deadline": started + timedelta(seconds=round_.time_limit_seconds),
                    "save_until": started
                    + timedelta(seconds=round_.time_limit_seconds + round_.grace_seconds),
                    "submitted_at": started + timedelta(milliseconds=took),
                    "finalized_at": started + timedelta(milliseconds=took),
                    "score_units": right * SCORE_UNIT,
                    "max_score": QUESTIONS,
                    "duration_ms": took,
                    "prediction": None,
                    "last_position": QUESTIONS,
                }
            )
            if answered:
                rows[-1]["items"] = _answered(versions, right, rng)
            if len(rows) >= CHUNK:
                attempts += _insert(session, rows)
                rows = []
        if rows:
            attempts += _insert(session, rows)
    standings = rebuild(session)
    return SynthSummary(len(university_ids), len(student_ids), len(made), attempts, standings)


def _bank_versions(session: Session) -> list[tuple[int, list[str], list[str]]]:
    """Each active question's current single-answer version: (id, options, correct)."""
    found = []
    for version in session.scalars(
        select(QuestionVersion)
        .join(Question, Question.current_version_id == QuestionVersion.id)
        .where(Question.status == "active", QuestionVersion.kind == "single")
        .order_by(QuestionVersion.id)
    ):
        options = [option["id"] for option in version.options]
        found.append((version.id, options, version.correct_ids()))
    return found


def _answered(
    versions: list[tuple[int, list[str], list[str]]], right: int, rng: random.Random
) -> list[dict]:
    """20 questions, ``right`` of them answered right and the others wrong (one point each)."""
    drawn = rng.sample(versions, QUESTIONS)
    good = set(rng.sample(range(QUESTIONS), right))
    items = []
    for position, (version_id, options, correct) in enumerate(drawn, start=1):
        order = rng.sample(options, len(options))
        wrong = [o for o in options if o not in correct]
        choices = correct if position - 1 in good or not wrong else [rng.choice(wrong)]
        items.append(
            {
                "position": position,
                "question_version_id": version_id,
                "option_order": order,
                "choices": choices,
                "score_units": SCORE_UNIT if choices == correct else 0,
            }
        )
    return items


def _insert(session: Session, rows: list[dict]) -> int:
    """Insert the attempts (and the items some carry)."""
    items = {i: row.pop("items") for i, row in enumerate(rows) if "items" in row}
    if not items:
        session.execute(insert(Attempt), rows)
        return len(rows)
    ids = session.scalars(insert(Attempt).returning(Attempt.id, sort_by_parameter_order=True), rows)
    item_rows = [
        {**item, "attempt_id": attempt_id}
        for index, attempt_id in enumerate(ids)
        for item in items.get(index, [])
    ]
    for first in range(0, len(item_rows), CHUNK):
        session.execute(insert(AttemptItem), item_rows[first : first + CHUNK])
    return len(rows)
