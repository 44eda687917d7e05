"""Integrity signals (contest-operations.md, Integrity signals): attempts a person
should look at, with the evidence, and the decision they take. A signal is never a
penalty by itself: only an organiser's disqualification, with a reason, takes an
attempt out of the standings.

- ``fast``: a duration under 25 % of the round's median with a score at or above
  its 90th percentile (nearest rank);
- ``twins``: two students' attempts sharing at least 10 questions, at least 90 % of
  the shared questions answered identically, submitted within 120 s of each other.
  A question left blank by both is not an identical answer. Two students who both
  answered every shared question right are not a signal: that is what knowing the
  subject looks like, and on a round where everyone has the same questions the top
  scorers would otherwise fill the queue. At least one identical answer must be
  wrong (or only partly right);
- ``crowd``: at least ``QUIZ_CROWD_THRESHOLD`` accounts starting the round from one
  address, shown with their universities' mix (a classroom is normal).

A scan is idempotent: it finds the round's signals afresh, keeps the decided ones
as they were decided, refreshes the evidence of the pending ones and drops the
pending ones the attempts no longer show (after a regrade, say).
"""

from __future__ import annotations

import math
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app, has_app_context
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from quiz.accounts.models import User
from quiz.attempts import adjustments
from quiz.attempts.models import SCORE_UNIT, Attempt, AttemptItem, AttemptStatus
from quiz.attempts.scoring import display as format_score
from quiz.audit.services import record
from quiz.bank.models import QuestionVersion
from quiz.certificates import services as certificates
from quiz.clock import now
from quiz.errors import Conflict, InvalidInput, NotFound
from quiz.i18n import local_datetime
from quiz.operations import analysis
from quiz.operations.models import IntegritySignal, SignalKind, SignalStatus
from quiz.results import services as results
from quiz.rounds.models import Round
from quiz.rounds.overrides import MAX_REASON
from quiz.rounds.services import get_round, lock_round
from quiz.standings import batch
from quiz.standings import services as standings
from quiz.universities.models import University

FAST_SHARE = 0.25
FAST_PERCENTILE = 0.9
TWINS_SHARED = 10
TWINS_IDENTICAL = 0.9
TWINS_WINDOW = timedelta(seconds=120)
DEFAULT_CROWD = 20

KIND_LABELS = {
    SignalKind.FAST.value: _l("Fast and high-scoring"),
    SignalKind.TWINS.value: _l("Nearly identical answers"),
    SignalKind.CROWD.value: _l("Many accounts from one address"),
}
STATUS_LABELS = {
    SignalStatus.PENDING.value: _l("To review"),
    SignalStatus.CLEARED.value: _l("Cleared"),
    SignalStatus.DISQUALIFIED.value: _l("Disqualified"),
}


@dataclass(frozen=True)
class Found:
    kind: str
    subject: str
    attempt_ids: list[int]
    evidence: dict[str, Any]


@dataclass(frozen=True)
class _Row:
    id: int
    student_id: int
    university: str
    status: str
    score_units: int
    max_score: int
    duration_ms: int
    started_at: datetime
    ended_at: datetime
    address: str | None


def _rows(session: Session, round_id: int) -> list[_Row]:
    """The round's attempts not disqualified, with what the signals read of them."""
    query = (
        select(
            Attempt.id,
            Attempt.student_id,
            University.code,
            Attempt.status,
            Attempt.score_units,
            Attempt.max_score,
            Attempt.duration_ms,
            Attempt.started_at,
            Attempt.submitted_at,
            Attempt.deadline,
            Attempt.start_address,
        )
        .join(User, User.id == Attempt.student_id)
        .join(University, University.id == User.university_id)
        .where(Attempt.round_id == round_id, Attempt.disqualified_at.is_(None))
        .order_by(Attempt.id)
    )
    return [
        _Row(
            row.id,
            row.student_id,
            row.code,
            row.status,
            row.score_units or 0,
            row.max_score,
            row.duration_ms or 0,
            row.started_at,
            row.submitted_at or row.deadline,
            row.start_address,
        )
        for row in session.execute(query)
    ]


def _finalized(rows: list[_Row]) -> list[_Row]:
    return [row for row in rows if row.status != AttemptStatus.IN_PROGRESS.value]


def find_fast(rows: list[_Row]) -> list[Found]:
    final = _finalized(rows)
    if not final:
        return []
    median = statistics.median(row.duration_ms for row in final)
    scores = sorted(row.score_units for row in final)
    p90 = scores[math.ceil(FAST_PERCENTILE * len(scores)) - 1]
    limit = FAST_SHARE * median
    return [
        Found(
            SignalKind.FAST.value,
            str(row.id),
            [row.id],
            {
                "duration_ms": row.duration_ms,
                "median_ms": int(median),
                "score_units": row.score_units,
                "p90_units": p90,
                "max_score": row.max_score,
            },
        )
        for row in final
        if row.duration_ms < limit and row.score_units >= p90
    ]


@dataclass
class _Answers:
    """One finalized attempt's answers as bit sets, so that comparing two attempts is
    three integer ANDs: a bit per question of the round it had, a bit per answer given
    (a question with the exact options chosen; a blank is none), and the same for its
    answers that did not score full."""

    row: _Row
    questions: int = 0
    answers: int = 0
    wrong: int = 0


def _answers(session: Session, round_id: int, rows: list[_Row]) -> list[_Answers]:
    final = {row.id: row for row in _finalized(rows)}
    question_bits: dict[int, int] = {}
    answer_bits: dict[tuple[int, frozenset[str]], int] = {}
    found: dict[int, _Answers] = {}
    items = session.execute(
        select(
            AttemptItem.attempt_id,
            QuestionVersion.question_id,
            QuestionVersion.points,
            AttemptItem.choices,
            AttemptItem.score_units,
        )
        .join(QuestionVersion, QuestionVersion.id == AttemptItem.question_version_id)
        .join(Attempt, Attempt.id == AttemptItem.attempt_id)
        .where(Attempt.round_id == round_id)
    )
    for attempt_id, question_id, points, choices, units in items:
        row = final.get(attempt_id)
        if row is None:
            continue
        answers = found.setdefault(attempt_id, _Answers(row))
        answers.questions |= 1 << question_bits.setdefault(question_id, len(question_bits))
        if choices:
            token = (question_id, frozenset(choices))
            bit = 1 << answer_bits.setdefault(token, len(answer_bits))
            answers.answers |= bit
            if units is None or units < points * SCORE_UNIT:
                answers.wrong |= bit
    return sorted(found.values(), key=lambda a: a.row.ended_at)


def find_twins(answers: list[_Answers]) -> list[Found]:
    """Every pair submitted within the window, compared: the attempts sorted by their
    end, each compared with those ended at most 120 s before it. The work grows with
    the pairs inside the window (a synchronized finish makes it quadratic), at a few
    hundred nanoseconds a pair."""
    found = []
    first = 0
    ends = [a.row.ended_at for a in answers]
    for index, current in enumerate(answers):
        while ends[index] - ends[first] > TWINS_WINDOW:
            first += 1
        questions, given, wrong = current.questions, current.answers, current.wrong
        student = current.row.student_id
        for earlier in answers[first:index]:
            if not wrong & earlier.wrong:
                continue  # no identical answer that is wrong: not a signal
            shared = (questions & earlier.questions).bit_count()
            if shared < TWINS_SHARED or earlier.row.student_id == student:
                continue
            identical = (given & earlier.answers).bit_count()
            if identical < TWINS_IDENTICAL * shared:
                continue
            pair = sorted((earlier.row.id, current.row.id))
            seconds = (current.row.ended_at - earlier.row.ended_at).total_seconds()
            evidence = {
                "shared": shared,
                "identical": identical,
                "identical_wrong": (wrong & earlier.wrong).bit_count(),
                "seconds_apart": round(seconds),
            }
            found.append(Found(SignalKind.TWINS.value, f"{pair[0]}-{pair[1]}", pair, evidence))
    return found


def find_crowds(rows: list[_Row], threshold: int) -> list[Found]:
    by_address: dict[str, list[_Row]] = defaultdict(list)
    for row in rows:
        if row.address:
            by_address[row.address].append(row)
    found = []
    for address, group in sorted(by_address.items()):
        accounts = {row.student_id: row.university for row in group}
        if len(accounts) < threshold:
            continue
        mix = Counter(accounts.values()).most_common()
        found.append(
            Found(
                SignalKind.CROWD.value,
                address,
                [row.id for row in group],
                {
                    "address": address,
                    "accounts": len(accounts),
                    "universities": [[code, count] for code, count in mix],
                    "first_start": min(row.started_at for row in group).isoformat(),
                    "last_start": max(row.started_at for row in group).isoformat(),
                },
            )
        )
    return found


def crowd_threshold() -> int:
    """``QUIZ_CROWD_THRESHOLD`` accounts from one address make a crowd (default 20)."""
    if has_app_context():
        return int(current_app.config.get("CROWD_THRESHOLD", DEFAULT_CROWD))
    return DEFAULT_CROWD


def find(session: Session, round_id: int) -> list[Found]:
    """Every signal the round's attempts show now."""
    rows = _rows(session, round_id)
    threshold = crowd_threshold()
    return [
        *find_fast(rows),
        *find_twins(_answers(session, round_id, rows)),
        *find_crowds(rows, threshold),
    ]


def scan(session: Session, round_id: int, *, actor_id: int | None) -> dict[str, int]:
    """Look for the round's signals and keep them for review; the pending ones by kind."""
    get_round(session, round_id)
    lock_round(session, round_id)  # two scans at once would add the same signal twice
    found = {(f.kind, f.subject): f for f in find(session, round_id)}
    kept = {
        (signal.kind, signal.subject): signal
        for signal in session.scalars(
            select(IntegritySignal).where(IntegritySignal.round_id == round_id)
        )
    }
    moment = now()
    for key, signal in kept.items():
        if signal.status != SignalStatus.PENDING.value:
            continue
        if key in found:
            signal.attempt_ids = found[key].attempt_ids
            signal.evidence = found[key].evidence
        else:
            session.delete(signal)
    for key, new in found.items():
        if key not in kept:
            session.add(
                IntegritySignal(
                    round_id=round_id,
                    kind=new.kind,
                    subject=new.subject,
                    attempt_ids=new.attempt_ids,
                    evidence=new.evidence,
                    status=SignalStatus.PENDING.value,
                    found_at=moment,
                )
            )
    session.flush()
    pending = pending_counts(session, round_id)
    record(session, actor_id, "integrity.scan", f"round:{round_id}", pending=pending)
    return pending


def pending_counts(session: Session, round_id: int) -> dict[str, int]:
    counts = dict.fromkeys((kind.value for kind in SignalKind), 0)
    for (kind,) in session.execute(
        select(IntegritySignal.kind).where(
            IntegritySignal.round_id == round_id,
            IntegritySignal.status == SignalStatus.PENDING.value,
        )
    ):
        counts[kind] += 1
    return counts


def signals_of(session: Session, round_id: int) -> list[IntegritySignal]:
    """The round's signals: those to review first, the strongest evidence first."""
    signals = list(
        session.scalars(select(IntegritySignal).where(IntegritySignal.round_id == round_id))
    )

    def order(signal: IntegritySignal) -> tuple:
        strength = signal.evidence.get("identical_wrong") or signal.evidence.get("accounts") or 0
        return (signal.status != SignalStatus.PENDING.value, signal.kind, -strength, signal.id)

    return sorted(signals, key=order)


def get_signal(session: Session, round_id: int, signal_id: int) -> IntegritySignal:
    signal = session.get(IntegritySignal, signal_id)
    if signal is None or signal.round_id != round_id:
        raise NotFound(_l("No such integrity signal."))
    return signal


@dataclass(frozen=True)
class Involved:
    """An attempt a signal concerns, as the organiser reviewing it sees it."""

    attempt_id: int
    student_id: int
    name: str
    email: str
    university: str
    score_units: int | None
    max_score: int
    duration_ms: int | None
    disqualified: bool


def involved(session: Session, signal: IntegritySignal) -> list[Involved]:
    rows = session.execute(
        select(
            Attempt.id,
            User.id,
            User.display_name,
            User.email,
            University.code,
            Attempt.score_units,
            Attempt.max_score,
            Attempt.duration_ms,
            Attempt.disqualified_at,
        )
        .join(User, User.id == Attempt.student_id)
        .join(University, University.id == User.university_id)
        .where(Attempt.id.in_(signal.attempt_ids))
        .order_by(Attempt.id)
    )
    return [Involved(*row[:-1], disqualified=row[-1] is not None) for row in rows]


def decide(
    session: Session,
    round_id: int,
    signal_id: int,
    *,
    decision: str,
    attempts: list[int],
    reason: str,
    actor_id: int | None,
) -> IntegritySignal:
    """``clear`` the signal, or ``disqualify`` the ``attempts`` named (among its own);
    the reason is required and, for a disqualification, read by the student. A
    disqualified attempt leaves every standing in this transaction."""
    lock_round(session, round_id)
    round_ = get_round(session, round_id)
    session.refresh(round_)
    signal = get_signal(session, round_id, signal_id)
    session.refresh(signal, with_for_update=True)
    reason = (reason or "").strip()
    errors: dict[str, Any] = {}
    if not reason:
        errors["reason"] = _l("Give the reason for the decision.")
    elif len(reason) > MAX_REASON:
        errors["reason"] = _l("The reason is too long.")
    chosen = sorted(set(attempts)) if decision == "disqualify" else []
    if decision not in ("clear", "disqualify"):
        errors["decision"] = _l("Choose to clear the signal or to disqualify attempts.")
    elif decision == "disqualify" and not chosen:
        errors["attempts"] = _l("Tick the attempts to disqualify.")
    elif any(attempt_id not in signal.attempt_ids for attempt_id in chosen):
        errors["attempts"] = _l("Choose among the attempts of this signal.")
    if errors:
        raise InvalidInput(errors)
    if signal.status != SignalStatus.PENDING.value:
        raise Conflict(_l("This signal was already decided."), code="already_decided")
    if chosen:
        results.refuse_if_official(round_)
    moment = now()
    signal.status = SignalStatus.DISQUALIFIED.value if chosen else SignalStatus.CLEARED.value
    signal.decided_at, signal.decided_by, signal.reason = moment, actor_id, reason
    session.flush()
    if chosen:
        _disqualify(session, round_, chosen, signal, reason, moment)
    record(
        session,
        actor_id,
        f"integrity.{signal.status}",
        f"round:{round_id}",
        signal=signal.id,
        kind=signal.kind,
        attempts=chosen,
        reason=reason,
    )
    return signal


def _disqualify(
    session: Session,
    round_: Round,
    attempt_ids: list[int],
    signal: IntegritySignal,
    reason: str,
    moment: datetime,
) -> None:
    fresh = list(
        session.scalars(
            update(Attempt)
            .where(Attempt.id.in_(attempt_ids), Attempt.disqualified_at.is_(None))
            .values(disqualified_at=moment)
            .returning(Attempt.id)
        )
    )
    adjustments.add_notes(session, fresh, "decision", reason, {"signal": signal.kind})
    analysis.forget(session, round_.id)
    session.expire_all()
    students = set(session.scalars(select(Attempt.student_id).where(Attempt.id.in_(fresh))))
    batch.refresh_students(session, round_, students)
    certificates.revoke_students(session, round_.id, students, f"disqualified: {reason}")
    standings.count_prediction(session, round_)  # an attempt with full marks may be gone


def _minutes(ms: int) -> str:
    seconds = round(ms / 1000)
    return f"{seconds // 60}:{seconds % 60:02d}"


def evidence_text(signal: IntegritySignal) -> str:
    """The signal's evidence in one sentence, in the reader's language."""
    e = signal.evidence
    if signal.kind == SignalKind.FAST.value:
        return _(
            "Took %(duration)s where the round's median is %(median)s (under a quarter of it), "
            "and scored %(score)s of %(max)s where the 90th percentile is %(p90)s.",
            duration=_minutes(e["duration_ms"]),
            median=_minutes(e["median_ms"]),
            score=format_score(e["score_units"]),
            max=e["max_score"],
            p90=format_score(e["p90_units"]),
        )
    if signal.kind == SignalKind.TWINS.value:
        return _(
            "%(shared)d questions in common, %(identical)d answered identically "
            "(%(wrong)d of them wrong), submitted %(seconds)d s apart.",
            shared=e["shared"],
            identical=e["identical"],
            wrong=e["identical_wrong"],
            seconds=e["seconds_apart"],
        )
    mix = ", ".join(f"{code} {count}" for code, count in e["universities"])
    return _(
        "%(accounts)d accounts started the round from %(address)s between %(first)s and "
        "%(last)s. Universities: %(mix)s.",
        accounts=e["accounts"],
        address=e["address"],
        first=local_datetime(datetime.fromisoformat(e["first_start"]), "short"),
        last=local_datetime(datetime.fromisoformat(e["last_start"]), "short"),
        mix=mix,
    )
