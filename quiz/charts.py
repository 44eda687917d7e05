"""Charts drawn on the server as accessible SVG (no chart service, no JavaScript)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from itertools import count

from markupsafe import Markup, escape

_ids = count(1)


def bar_chart(
    title: str, bars: list[tuple[str, int]], *, width: int = 640, height: int = 220
) -> Markup:
    """Vertical bars with their labels; the title and every value are also given as text."""
    chart_id = f"chart-{next(_ids)}"
    top = max((value for _, value in bars), default=0) or 1
    slot = width / max(len(bars), 1)
    plot = height - 40
    parts = []
    for index, (label, value) in enumerate(bars):
        bar_height = plot * value / top
        x = index * slot + slot * 0.15
        y = 10 + plot - bar_height
        middle = x + slot * 0.35
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{slot * 0.7:.1f}" height="{bar_height:.1f}" '
            f'class="bar"><title>{escape(label)}: {value}</title></rect>'
            f'<text x="{middle:.1f}" y="{y - 3:.1f}" class="value">{value}</text>'
            f'<text x="{middle:.1f}" y="{height - 12}" class="label">{escape(label)}</text>'
        )
    description = "; ".join(f"{label}: {value}" for label, value in bars)
    return Markup(
        f'<figure class="chart"><svg viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="{chart_id}-t {chart_id}-d" preserveAspectRatio="xMidYMid meet">'
        f'<title id="{chart_id}-t">{escape(title)}</title>'
        f'<desc id="{chart_id}-d">{escape(description)}</desc>'
        f"{''.join(parts)}</svg><figcaption>{escape(title)}</figcaption></figure>"
    )


def score_bins(
    top: int, scores: Iterable[tuple[float, int]], most: int = 11
) -> list[tuple[str, int]]:
    """(points, how many) as at most ``most`` bars from 0 to ``top`` points, labelled
    "7" or "3–5": a distribution drawn to the best possible score, never to the best
    score reached."""
    top = max(top, 1)
    bins = min(most, top + 1)
    width = (top + 1) / bins
    counts = [0] * bins
    for points, number in scores:
        counts[min(int(points / width), bins - 1)] += number
    labels = []
    for index in range(bins):
        low, high = math.ceil(index * width), math.ceil((index + 1) * width) - 1
        labels.append(f"{low}" if low >= high else f"{low}–{high}")
    return list(zip(labels, counts, strict=True))
