"""Drawing a question set from a blueprint (contest-rules.md, Drawing).

Each blueprint line takes ``count`` distinct questions, drawn uniformly at
random among those that match it; no question appears twice in a set, also
when lines overlap. Overlapping lines can make a naive line-by-line draw paint
itself into a corner, so every pick is checked against a bipartite matching of
the remaining lines: the draw never fails when the bank can fill the blueprint,
and :func:`unfillable_line` says which line it cannot fill.
"""

from __future__ import annotations

import random
from collections.abc import Sequence


def _match(lines: Sequence[tuple[Sequence[str], int]], taken: set[str]) -> list[int]:
    """How many slots of each line a maximum matching fills (questions used once)."""
    owner: dict[str, tuple[int, int]] = {}
    slots = [(i, k) for i, (_, count) in enumerate(lines) for k in range(count)]
    candidates = [set(c) - taken for c, _ in lines]

    def augment(slot: tuple[int, int], seen: set[str]) -> bool:
        for key in candidates[slot[0]]:
            if key in seen:
                continue
            seen.add(key)
            if key not in owner or augment(owner[key], seen):
                owner[key] = slot
                return True
        return False

    for slot in slots:
        augment(slot, set())
    filled = [0] * len(lines)
    for line, _k in owner.values():
        filled[line] += 1
    return filled


def unfillable_line(lines: Sequence[tuple[Sequence[str], int]]) -> int | None:
    """The index of the first line the candidates cannot fill, or None if all fit."""
    for index, (candidates, count) in enumerate(lines):
        if len(set(candidates)) < count:
            return index
    filled = _match(lines, set())
    for index, (_, count) in enumerate(lines):
        if filled[index] < count:
            return index
    return None


def draw(lines: Sequence[tuple[Sequence[str], int]], rng: random.Random) -> list[str]:
    """Draw the keys for every line, in line order; raises ValueError if impossible.

    ``lines`` holds, per blueprint line, the matching question keys (in a
    stable order, so that a seed reproduces the draw) and the count to draw.
    Each pick is uniform among the candidates that keep the rest fillable.
    """
    if unfillable_line(lines) is not None:
        raise ValueError("the bank cannot fill this blueprint")
    sets = [set(candidates) for candidates, _ in lines]
    need = [count for _, count in lines]
    chosen: list[str] = []
    taken: set[str] = set()
    for index, (candidates, count) in enumerate(lines):
        for _ in range(count):
            need[index] -= 1
            pool = [key for key in candidates if key not in taken]
            rng.shuffle(pool)
            pick = next(
                (key for key in pool if _still_fillable(lines, sets, need, taken | {key}, index)),
                None,
            )
            if pick is None:  # pragma: no cover - excluded by the check above
                raise ValueError("the bank cannot fill this blueprint")
            chosen.append(pick)
            taken.add(pick)
    return chosen


def _still_fillable(
    lines: Sequence[tuple[Sequence[str], int]],
    sets: list[set[str]],
    need: list[int],
    taken: set[str],
    current: int,
) -> bool:
    """Whether lines ``current``.. can still take what they need once ``taken`` is used."""
    rest = range(current, len(lines))
    # Fast path: every line has room for its own needs plus every overlapping line's.
    if all(
        len(sets[i] - taken) >= need[i] + sum(need[j] for j in rest if j != i and sets[i] & sets[j])
        for i in rest
    ):
        return True
    remaining = [(lines[i][0], need[i]) for i in rest]
    return _match(remaining, taken) == [n for _, n in remaining]
