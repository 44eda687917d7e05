"""A plain reference implementation of the ranking rules, written directly from
shared/spec/contest-rules.md, used to check the kept standings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction

NO_PREDICTION = float("inf")
UNIT = 840


@dataclass
class A:
    """A finalized attempt as the rules see it."""

    round_id: int
    student: int
    number: int
    score: int  # in 1/840 points
    duration_ms: int
    ended_at: datetime
    prediction: int | None


@dataclass
class R:
    id: int
    policy: str  # best | last
    has_prediction: bool
    true_value: int | None


def error(attempt: A, round_: R):
    if not round_.has_prediction or round_.true_value is None:
        return 0
    if attempt.prediction is None:
        return NO_PREDICTION
    return abs(attempt.prediction - round_.true_value)


def key(attempt: A, round_: R):
    return (-attempt.score, error(attempt, round_), attempt.duration_ms, attempt.ended_at)


def counted(attempts: list[A], round_: R) -> dict[int, A]:
    by_student: dict[int, list[A]] = {}
    for attempt in attempts:
        if attempt.round_id == round_.id:
            by_student.setdefault(attempt.student, []).append(attempt)
    if round_.policy == "last":
        return {s: max(a, key=lambda x: x.number) for s, a in by_student.items()}
    return {s: min(a, key=lambda x: key(x, round_)) for s, a in by_student.items()}


def competition_ranks(keys: list) -> list[int]:
    """'1224' ranks for keys already sorted best first."""
    ranks = []
    for index, k in enumerate(keys):
        ranks.append(ranks[-1] if index and k == keys[index - 1] else index + 1)
    return ranks


def round_board(attempts: list[A], round_: R) -> list[tuple[int, int]]:
    """(rank, student) best first; students equal on every key share a rank."""
    chosen = counted(attempts, round_)
    order = sorted(chosen.items(), key=lambda item: (key(item[1], round_), item[0]))
    ranks = competition_ranks([key(a, round_) for _, a in order])
    return list(zip(ranks, [s for s, _ in order], strict=True))


def totals(attempts: list[A], rounds: list[R]) -> dict[int, tuple[int, int]]:
    """student -> (total score, total duration) over the counted attempts."""
    result: dict[int, tuple[int, int]] = {}
    for round_ in rounds:
        for student, attempt in counted(attempts, round_).items():
            score, duration = result.get(student, (0, 0))
            result[student] = (score + attempt.score, duration + attempt.duration_ms)
    return result


def overall_board(attempts: list[A], rounds: list[R]) -> list[tuple[int, int]]:
    data = totals(attempts, rounds)
    order = sorted(data.items(), key=lambda item: (-item[1][0], item[1][1], item[0]))
    ranks = competition_ranks([(-t, d) for _, (t, d) in order])
    return list(zip(ranks, [s for s, _ in order], strict=True))


def university_board(
    method: str,
    scores: dict[int, int],
    university_of: dict[int, int],
    names: dict[int, str],
    n: int,
    minimum: int,
) -> list[tuple[int | None, int]]:
    """(rank or None, university) for ``scores`` (student -> total in the scope)."""
    members: dict[int, list[int]] = {u: [] for u in names}
    for student, score in scores.items():
        members[university_of[student]].append(score)
    ranked, unranked = [], []
    for university, values in members.items():
        if not values:
            unranked.append((True, names[university], university))
            continue
        if method == "participants":
            value = Fraction(len(values))
        elif method == "total":
            value = Fraction(sum(values), UNIT)
        elif method == "mean":
            if len(values) < minimum:
                unranked.append((False, names[university], university))
                continue
            value = Fraction(sum(values), UNIT * len(values))
        else:
            value = Fraction(sum(sorted(values, reverse=True)[:n]), UNIT * n)
        ranked.append((value, names[university], university))
    ranked.sort(key=lambda item: (-item[0], item[1], item[2]))
    ranks = competition_ranks([value for value, _, _ in ranked])
    board = list(zip(ranks, [u for _, _, u in ranked], strict=True))
    unranked.sort()
    return board + [(None, u) for _, _, u in unranked]
