"""Charts drawn on the server as accessible SVG (no chart service, no JavaScript)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from itertools import count

from flask_babel import gettext as _
from markupsafe import Markup, escape

_ids = count(1)


#: Drawn for a 360 px phone: the SVG's width in user units equals that, and labels are
#: 15 units tall, so inside a card (about 296 px wide at 360 px) they are 12 px or more.
WIDTH = 360
ROW = 30
FONT = 15
#: Labels longer than this are cut (the whole label is in the bar's title and the table).
LABEL_CHARS = 16


def _cut(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"


def bar_chart(
    title: str,
    bars: list[tuple[str, int]],
    *,
    width: int = WIDTH,
    height: int | None = None,
    highlight: str | None = None,
) -> Markup:
    """Horizontal bars, one row per label (readable with any number of bars on a phone),
    each with its value; the title, and every value in a table, are also given as text.
    ``height`` is ignored: the chart is as tall as its rows. The ``highlight`` bar (a
    student's own score) is drawn apart and marked in words as well."""
    chart_id = f"chart-{next(_ids)}"
    top = max((value for _, value in bars), default=0) or 1
    label_width = min(
        int(width * 0.42), max((len(_cut(label)) for label, _ in bars), default=1) * 9 + 8
    )
    plot = width - label_width - 48
    rows = []
    you = escape(_("you"))
    for index, (label, value) in enumerate(bars):
        y = index * ROW
        bar = plot * value / top
        mine = label == highlight
        marker = f" ◀ {you}" if mine else ""
        rows.append(
            f'<text x="{label_width - 6}" y="{y + ROW * 0.68:.1f}" class="label" '
            f'font-size="{FONT}" text-anchor="end">{escape(_cut(label))}</text>'
            f'<rect x="{label_width}" y="{y + 5}" width="{bar:.1f}" height="{ROW - 10}" '
            f'class="bar{" mine" if mine else ""}"><title>{escape(label)}: {value}</title></rect>'
            f'<text x="{label_width + bar + 5:.1f}" y="{y + ROW * 0.68:.1f}" class="value" '
            f'font-size="{FONT}">{value}{marker}</text>'
        )
    total_height = max(len(bars), 1) * ROW
    description = "; ".join(f"{label}: {value}" for label, value in bars)
    table = "".join(
        f'<tr><th scope="row">{escape(label)}</th><td class="num">{value}</td></tr>'
        for label, value in bars
    )
    figures = escape(_("The figures"))
    return Markup(
        f'<figure class="chart"><figcaption>{escape(title)}</figcaption>'
        f'<svg viewBox="0 0 {width} {total_height}" role="img" '
        f'aria-labelledby="{chart_id}-t {chart_id}-d" preserveAspectRatio="xMinYMin meet">'
        f'<title id="{chart_id}-t">{escape(title)}</title>'
        f'<desc id="{chart_id}-d">{escape(description)}</desc>'
        f"{''.join(rows)}</svg>"
        f'<details class="chart-figures"><summary>{figures}</summary>'
        f"<table>{table}</table></details></figure>"
    )


def _bin_count(top: int, most: int) -> tuple[int, float]:
    top = max(top, 1)
    bins = min(most, top + 1)
    return bins, (top + 1) / bins


def bin_index(top: int, points: float, most: int = 11) -> int:
    """Which of ``score_bins``' bars a score of ``points`` falls in."""
    bins, width = _bin_count(top, most)
    return min(int(points / width), bins - 1)


def score_bins(
    top: int, scores: Iterable[tuple[float, int]], most: int = 11
) -> list[tuple[str, int]]:
    """(points, how many) as at most ``most`` bars from 0 to ``top`` points, labelled
    "7" or "3–5": a distribution drawn to the best possible score, never to the best
    score reached."""
    bins, width = _bin_count(top, most)
    counts = [0] * bins
    for points, number in scores:
        counts[bin_index(top, points, most)] += number
    labels = []
    for index in range(bins):
        low, high = math.ceil(index * width), math.ceil((index + 1) * width) - 1
        labels.append(f"{low}" if low >= high else f"{low}–{high}")
    return list(zip(labels, counts, strict=True))
