"""Scoring an answer (contest-rules.md, Scoring), in exact units of 1/840 point."""

from __future__ import annotations

from collections.abc import Iterable

from quiz.attempts.models import SCORE_UNIT


def item_units(
    kind: str, points: int, correct: Iterable[str], chosen: Iterable[str], policy: str
) -> int:
    """The score of one answer, in 1/SCORE_UNIT points.

    Single choice and true/false: full points for the one correct option.
    Multiple: ``all_or_nothing`` gives full points for exactly the correct
    set; ``partial`` gives points * max(0, right - wrong) / number correct.
    Unanswered scores 0; nothing is ever negative.
    """
    right_set, chosen_set = set(correct), set(chosen)
    if not chosen_set:
        return 0
    full = points * SCORE_UNIT
    if kind != "multiple" or policy != "partial":
        return full if chosen_set == right_set else 0
    right = len(chosen_set & right_set)
    wrong = len(chosen_set - right_set)
    return full * max(0, right - wrong) // len(right_set)


def display(units: int | None) -> str:
    """A score for people: rounded to 2 decimals (comparisons use the exact units)."""
    if units is None:
        return ""
    return f"{units / SCORE_UNIT:.2f}"
