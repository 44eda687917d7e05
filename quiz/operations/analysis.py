"""Item analysis of a round (contest-operations.md, Item analysis).

For each question version of a round, over the finalized attempts that had it:
facility, discrimination between the upper and lower 27 %, the corrected
point-biserial correlation, the distractor table and the flags; for the round,
the score distribution, mean, median, standard deviation and KR-20.

Everything is aggregated in the database: one query ranks each version's attempts
(window functions) and sums what the statistics are made of, one counts the
options chosen (the answers unnested with the database's JSON functions), one
counts attempts per score. Python only combines those sums; no attempt is
loaded.
"""

from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import asdict, dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    BigInteger,
    String,
    and_,
    case,
    cast,
    delete,
    func,
    select,
    text,
)
from sqlalchemy.orm import Session

from quiz.attempts.models import SCORE_UNIT, Attempt, AttemptItem, AttemptStatus
from quiz.bank import cache
from quiz.bank.models import QuestionVersion
from quiz.charts import score_bins
from quiz.clock import now
from quiz.db import dialect_insert
from quiz.operations.models import RoundAnalysisCache
from quiz.rounds.models import Round
from quiz.rounds.services import last_save_instant

#: Below this many attempts a version's discrimination is "too few" (null).
MIN_FOR_DISCRIMINATION = 30
#: The flags, in the order the organiser should look at them.
FLAGS = ("likely_wrong_key", "check_key", "weak", "too_easy", "too_hard", "dead_distractor")
FLAG_LABELS = {
    "likely_wrong_key": _l("Likely wrong key: the best students chose another option more"),
    "check_key": _l("Check the key: weaker students did better than stronger ones"),
    "weak": _l("Weak: hardly tells stronger from weaker students"),
    "too_easy": _l("Too easy: over %(share)d %% right", share=90),
    "too_hard": _l("Too hard: under %(share)d %% right", share=20),
    "dead_distractor": _l("A wrong option almost nobody chose"),
}


@dataclass(frozen=True)
class OptionRow:
    id: str
    correct: bool
    share: float
    upper: float | None
    lower: float | None


@dataclass(frozen=True)
class QuestionRow:
    question_id: str
    version: int
    version_id: int
    points: int
    n: int
    facility: float
    discrimination: float | None
    point_biserial: float | None
    blank: float
    options: list[OptionRow]
    flags: list[str]


@dataclass(frozen=True)
class RoundAnalysis:
    attempts: int
    mean: float | None
    median: float | None
    sd: float | None
    #: KR-20, when every attempt had the same questions (else None, with ``kr20_note``).
    kr20: float | None
    same_questions: bool
    #: (score in points, attempts), lowest first.
    distribution: list[tuple[float, int]]
    max_score: int
    questions: list[QuestionRow] = field(default_factory=list)


def _finalized(round_id: int) -> Any:
    return and_(
        Attempt.round_id == round_id,
        Attempt.status != AttemptStatus.IN_PROGRESS.value,
        Attempt.disqualified_at.is_(None),
    )


def _ranked(round_id: int) -> Any:
    """Each item of a finalized attempt, with its attempt's place among the attempts that
    had the same version (score high first, then attempt id) and how many those are."""
    version = AttemptItem.question_version_id
    window: dict[str, Any] = {
        "partition_by": version,
        "order_by": (Attempt.score_units.desc(), Attempt.id),
        "rows": (None, None),
    }
    return (
        select(
            version.label("version_id"),
            AttemptItem.choices.label("choices"),
            func.coalesce(AttemptItem.score_units, 0).label("x"),
            (
                func.coalesce(Attempt.score_units, 0) - func.coalesce(AttemptItem.score_units, 0)
            ).label("rest"),
            # One window for both (the same partition, order and frame): one sort, one pass.
            func.row_number().over(**window).label("place"),
            func.count().over(**window).label("n"),
        )
        .join(Attempt, Attempt.id == AttemptItem.attempt_id)
        .where(_finalized(round_id))
        .subquery("ranked")
    )


@dataclass
class _Sums:
    """What one version's statistics are made of, summed over its attempts."""

    version_id: int
    n: int = 0
    k: int = 0
    sx: int = 0
    sxx: int = 0
    sy: int = 0
    syy: int = 0
    sxy: int = 0
    upper_x: int = 0
    lower_x: int = 0
    blank: int = 0
    #: option id -> attempts that chose it (all, upper group, lower group).
    chosen: dict[str, tuple[int, int, int]] = field(default_factory=dict)


_ADDED = ("n", "sx", "sxx", "sy", "syy", "sxy", "upper_x", "lower_x")


def _aggregates(session: Session, ranked: Any) -> list[_Sums]:
    """One pass over the ranked answers, grouped by version and by the answer as
    stored (a few distinct answers per version): each group's sums, which add up to
    the version's, and its counts in the two groups. Only the few distinct answers are
    parsed, here, rather than every answer in the database."""
    k = (ranked.c.n * 27 + 99) // 100  # ceil(0.27 n) in integers
    upper = ranked.c.place <= k
    lower = ranked.c.place > ranked.c.n - k
    # 64-bit: a sum of squares over 100,000 attempts passes 2^31.
    x, y = cast(ranked.c.x, BigInteger), cast(ranked.c.rest, BigInteger)
    answer = cast(ranked.c.choices, String)
    query = select(
        ranked.c.version_id,
        answer.label("answer"),
        func.count().label("n"),
        cast(func.max(k), BigInteger).label("k"),
        func.sum(x).label("sx"),
        func.sum(x * x).label("sxx"),
        func.sum(y).label("sy"),
        func.sum(y * y).label("syy"),
        func.sum(x * y).label("sxy"),
        func.sum(case((upper, x), else_=0)).label("upper_x"),
        func.sum(case((lower, x), else_=0)).label("lower_x"),
        func.sum(case((upper, 1), else_=0)).label("upper"),
        func.sum(case((lower, 1), else_=0)).label("lower"),
    ).group_by(ranked.c.version_id, answer)
    if session.get_bind().dialect.name == "postgresql":
        # The ranking sorts every answer of the round: in memory rather than on disk.
        session.execute(text("SET LOCAL work_mem = '128MB'"))
    versions: dict[int, _Sums] = {}
    for row in session.execute(query):
        sums = versions.setdefault(row.version_id, _Sums(row.version_id))
        for name in _ADDED:
            setattr(sums, name, getattr(sums, name) + int(getattr(row, name)))
        sums.k = max(sums.k, int(row.k))
        options = json.loads(row.answer or "[]")
        if not options:
            sums.blank += int(row.n)
        for option in options:
            every, top, bottom = sums.chosen.get(str(option), (0, 0, 0))
            sums.chosen[str(option)] = (
                every + int(row.n),
                top + int(row.upper),
                bottom + int(row.lower),
            )
    return list(versions.values())


def of_round(session: Session, round_: Round) -> RoundAnalysis:
    """The round's analysis, kept once computed when nothing but an organiser can change
    it any more (its last save instant passed and no attempt is in progress); until
    then, computed on each call. ``forget`` drops what was kept."""
    settled = now() > last_save_instant(round_) and not session.scalar(
        select(Attempt.id)
        .where(Attempt.round_id == round_.id, Attempt.status == AttemptStatus.IN_PROGRESS.value)
        .limit(1)
    )
    if not settled:
        return analyse(session, round_.id)
    kept = session.get(RoundAnalysisCache, round_.id)
    if kept is not None:
        return _loaded(kept.data)
    result = analyse(session, round_.id)
    connection = session.connection()
    connection.execute(
        dialect_insert(connection.dialect.name)(RoundAnalysisCache)
        .values(round_id=round_.id, computed_at=now(), data=asdict(result))
        .on_conflict_do_nothing(index_elements=["round_id"])
    )
    return result


def forget(session: Session, round_id: int) -> None:
    """The round's scores or attempts changed (a regrade, a disqualification)."""
    session.execute(delete(RoundAnalysisCache).where(RoundAnalysisCache.round_id == round_id))


def _loaded(data: dict[str, Any]) -> RoundAnalysis:
    questions = [
        QuestionRow(**{**q, "options": [OptionRow(**o) for o in q["options"]]})
        for q in data["questions"]
    ]
    distribution = [(float(score), int(count)) for score, count in data["distribution"]]
    return RoundAnalysis(**{**data, "questions": questions, "distribution": distribution})


def analyse(session: Session, round_id: int) -> RoundAnalysis:
    """The round's item analysis, its questions most likely wrong first."""
    levels = session.execute(
        select(Attempt.score_units, Attempt.max_score, func.count())
        .where(_finalized(round_id))
        .group_by(Attempt.score_units, Attempt.max_score)
    ).all()
    attempts = sum(count for _units, _max, count in levels)
    sums = _aggregates(session, _ranked(round_id))
    views = cache.versions(session, [row.version_id for row in sums])
    numbers = dict(
        session.execute(
            select(QuestionVersion.id, QuestionVersion.number).where(
                QuestionVersion.id.in_([row.version_id for row in sums])
            )
        ).all()
    )
    questions = [_question(row, views[row.version_id], numbers[row.version_id]) for row in sums]
    questions.sort(key=_worst_first)
    return _round(levels, attempts, questions)


def _question(row: _Sums, view: Any, number: int) -> QuestionRow:
    n, k = row.n, row.k
    full = view.points * SCORE_UNIT or 1
    facility = int(row.sx) / (n * full)
    discrimination = None
    if n >= MIN_FOR_DISCRIMINATION:
        discrimination = (row.upper_x - row.lower_x) / (k * full)
    counts = row.chosen
    key = set(view.correct_ids())
    options = []
    for option_id in view.option_ids():
        every, upper, lower = counts.get(option_id, (0, 0, 0))
        options.append(
            OptionRow(
                option_id,
                option_id in key,
                every / n,
                upper / k if n >= MIN_FOR_DISCRIMINATION else None,
                lower / k if n >= MIN_FOR_DISCRIMINATION else None,
            )
        )
    return QuestionRow(
        question_id=view.key,
        version=number,
        version_id=row.version_id,
        points=view.points,
        n=n,
        facility=facility,
        discrimination=discrimination,
        point_biserial=_correlation(n, row),
        blank=row.blank / n,
        options=options,
        flags=_flags(facility, discrimination, options),
    )


def _correlation(n: int, row: _Sums) -> float | None:
    """Pearson's r of the item score with the rest of the attempt's score (from sums)."""
    sx, sy = row.sx, row.sy
    cov = n * row.sxy - sx * sy
    var_x = n * row.sxx - sx * sx
    var_y = n * row.syy - sy * sy
    if var_x <= 0 or var_y <= 0:
        return None
    return cov / math.sqrt(var_x * var_y)


def _flags(facility: float, discrimination: float | None, options: list[OptionRow]) -> list[str]:
    flags = []
    upper_key = [o.upper for o in options if o.correct and o.upper is not None]
    if upper_key and any(
        not o.correct and o.upper is not None and o.upper > min(upper_key) for o in options
    ):
        flags.append("likely_wrong_key")
    if discrimination is not None and discrimination < 0:
        flags.append("check_key")
    if discrimination is not None and discrimination < 0.1:
        flags.append("weak")
    if facility > 0.9:
        flags.append("too_easy")
    if facility < 0.2:
        flags.append("too_hard")
    if any(not o.correct and o.share < 0.02 for o in options):
        flags.append("dead_distractor")
    return flags


def _worst_first(question: QuestionRow) -> tuple:
    """Questions most likely wrong first: by their worst flag, then low discrimination."""
    worst = min((FLAGS.index(flag) for flag in question.flags), default=len(FLAGS))
    d = question.discrimination if question.discrimination is not None else 1.0
    return (worst, d, question.question_id)


def _round(levels: list[Any], attempts: int, questions: list[QuestionRow]) -> RoundAnalysis:
    max_score = max((int(m) for _u, m, _c in levels), default=0)
    distribution: dict[float, int] = {}
    for units, _max, count in levels:
        points = (units or 0) / SCORE_UNIT
        distribution[points] = distribution.get(points, 0) + count
    mean = median = sd = kr20 = None
    if attempts:
        mean = sum(p * c for p, c in distribution.items()) / attempts
        sd = math.sqrt(sum(c * (p - mean) ** 2 for p, c in distribution.items()) / attempts)
        median = _median(sorted(distribution.items()), attempts)
    same = bool(questions) and all(q.n == attempts for q in questions)
    if same and sd and len(questions) > 1:
        items = len(questions)
        # Each item's variance in points (p q for a 1-point item), against the total's.
        spread = sum(q.points**2 * q.facility * (1 - q.facility) for q in questions)
        kr20 = items / (items - 1) * (1 - spread / sd**2)
    return RoundAnalysis(
        attempts=attempts,
        mean=mean,
        median=median,
        sd=sd,
        kr20=kr20,
        same_questions=same,
        distribution=sorted(distribution.items()),
        max_score=max_score,
        questions=questions,
    )


def _median(levels: list[tuple[float, int]], total: int) -> float:
    middle = [(total - 1) // 2, total // 2]
    values, seen = [], 0
    for points, count in levels:
        for wanted in middle:
            if seen <= wanted < seen + count:
                values.append(points)
        seen += count
    return sum(values) / len(values)


def csv_text(result: RoundAnalysis) -> str:
    """One line per question version and option (the distractor table), with the
    version's statistics repeated on each of its lines."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "question_id",
            "version",
            "n",
            "facility",
            "discrimination",
            "point_biserial",
            "blank",
            "flags",
            "option",
            "correct",
            "share",
            "upper",
            "lower",
        ]
    )
    for q in result.questions:
        for o in q.options:
            writer.writerow(
                [
                    q.question_id,
                    q.version,
                    q.n,
                    _fixed(q.facility),
                    _fixed(q.discrimination),
                    _fixed(q.point_biserial),
                    _fixed(q.blank),
                    " ".join(q.flags),
                    o.id,
                    int(o.correct),
                    _fixed(o.share),
                    _fixed(o.upper),
                    _fixed(o.lower),
                ]
            )
    return out.getvalue()


def _fixed(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"


def score_bars(result: RoundAnalysis, most: int = 11) -> list[tuple[str, int]]:
    """The distribution as at most ``most`` bars from 0 to the round's maximum (never
    to the best score reached)."""
    return score_bins(result.max_score, result.distribution, most)
