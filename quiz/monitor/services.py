"""The live monitor's figures (contest-operations.md; the app's own metrics).

Each server exposes cumulative counters (``/metrics``) and keeps a sample of
them in the database every ``SAMPLE_EVERY`` (``quiz.monitor.sampler``, one
thread of one of its workers), so that the monitor's page reads the database
only, whichever server it is served by, and never waits on another server. The
figures per minute are the differences between samples. A server restarted
starts from zero again: a counter that went down is counted from zero.
"""

from __future__ import annotations

import ipaddress
import logging
import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from quiz.attempts.models import Attempt, AttemptStatus
from quiz.clock import now
from quiz.monitor.models import MetricsSample

logger = logging.getLogger(__name__)
SAMPLE_EVERY = timedelta(seconds=5)
KEEP = timedelta(hours=2)
MINUTES = 15
THIS_SERVER = "this server"
NAMES = {
    "quiz_http_requests": "requests",
    "quiz_http_errors": "errors",
    "quiz_attempt_starts": "starts",
    "quiz_answer_saves": "saves",
    "quiz_attempt_submissions": "submissions",
    "quiz_attempt_expiries": "expiries",
}
COUNTED = tuple(NAMES.values())


def parse(text: str) -> dict[str, Any]:
    """The counters and the save-time buckets of a Prometheus text exposition."""
    from prometheus_client.parser import text_string_to_metric_families

    values: dict[str, Any] = dict.fromkeys(COUNTED, 0.0)
    buckets: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        if family.name in NAMES:
            values[NAMES[family.name]] = sum(
                s.value for s in family.samples if s.name.endswith("_total")
            )
        elif family.name == "quiz_save_seconds":
            for sample in family.samples:
                if sample.name.endswith("_bucket"):
                    le = sample.labels["le"]
                    buckets[le] = buckets.get(le, 0.0) + sample.value
    values["save_buckets"] = sorted(
        ([le, count] for le, count in buckets.items()),
        key=lambda pair: math.inf if pair[0] == "+Inf" else float(pair[0]),
    )
    return values


def this_server() -> str:
    """The name this server's samples are kept under (``QUIZ_INSTANCE_NAME``)."""
    return current_app.config.get("INSTANCE_NAME") or THIS_SERVER


def _read() -> dict[str, Any]:
    """This server's counters: with several workers, all of them summed."""
    from quiz.monitor.metrics import exposition

    return parse(exposition().decode("utf-8"))


def may_read_metrics(address: str | None) -> bool:
    """Whether ``address`` is one of ``QUIZ_METRICS_ALLOW`` (addresses or networks)."""
    if not address:
        return False
    try:
        client = ipaddress.ip_address(address)
    except ValueError:
        return False
    for entry in (current_app.config.get("METRICS_ALLOW") or "").split(","):
        entry = entry.strip()
        if not entry:
            continue
        try:
            if client in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue
    return False


def keep_sample(session: Session, server: str | None = None) -> bool:
    """Keep a sample of this server's counters unless one was kept less than
    ``SAMPLE_EVERY`` ago; forget samples older than ``KEEP``."""
    server = server or this_server()
    moment = now()
    last = session.scalar(select(func.max(MetricsSample.at)).where(MetricsSample.server == server))
    if last is not None and moment - last < SAMPLE_EVERY:
        return False
    session.add(MetricsSample(server=server, at=moment, values=_read()))
    session.execute(delete(MetricsSample).where(MetricsSample.at < moment - KEEP))
    session.flush()
    return True


@dataclass
class Minute:
    """What one server (or all) did in one minute; rates over the time sampled."""

    start: datetime
    seconds: float = 0.0
    counts: dict[str, float] = field(default_factory=dict)
    buckets: list[list[Any]] = field(default_factory=list)

    def per_second(self, name: str) -> float | None:
        return self.counts.get(name, 0.0) / self.seconds if self.seconds else None

    def per_minute(self, name: str) -> float | None:
        rate = self.per_second(name)
        return None if rate is None else rate * 60

    def quantile(self, q: float) -> float | None:
        """The save time below which ``q`` of the minute's saves fell (seconds),
        interpolated inside its bucket as Prometheus' ``histogram_quantile`` does."""
        if not self.buckets or not self.buckets[-1][1]:
            return None
        total = self.buckets[-1][1]
        rank = q * total
        lower_bound, lower_count = 0.0, 0.0
        for le, cumulative in self.buckets:
            bound = math.inf if le == "+Inf" else float(le)
            if cumulative >= rank:
                if math.isinf(bound):
                    return lower_bound
                inside = cumulative - lower_count
                share = (rank - lower_count) / inside if inside else 1.0
                return lower_bound + (bound - lower_bound) * share
            lower_bound, lower_count = bound, cumulative
        return lower_bound


def _difference(after: dict[str, Any], before: dict[str, Any] | None) -> dict[str, Any]:
    """What happened between two samples of one server (from zero after a restart)."""
    restarted = before is None or any(after.get(n, 0) < before.get(n, 0) for n in COUNTED)
    base = {} if restarted or before is None else before
    counts = {n: after.get(n, 0) - base.get(n, 0) for n in COUNTED}
    earlier = dict((le, c) for le, c in base.get("save_buckets", []))
    buckets = [[le, c - earlier.get(le, 0)] for le, c in after.get("save_buckets", [])]
    return {"counts": counts, "buckets": buckets}


def _add(minute: Minute, change: dict[str, Any], seconds: float) -> None:
    minute.seconds = max(minute.seconds, 0.0) + seconds
    for name, value in change["counts"].items():
        minute.counts[name] = minute.counts.get(name, 0.0) + value
    if not minute.buckets:
        minute.buckets = [list(pair) for pair in change["buckets"]]
    else:
        mine = {le: i for i, (le, _c) in enumerate(minute.buckets)}
        for le, value in change["buckets"]:
            if le in mine:
                minute.buckets[mine[le]][1] += value


def minutes_of(samples: list[MetricsSample], since: datetime) -> dict[datetime, Minute]:
    """One server's figures per minute, from its samples in time order: each interval
    between two samples counts in the minute it ends in."""
    found: dict[datetime, Minute] = {}
    previous: MetricsSample | None = None
    for current in samples:
        if previous is not None and current.at >= since:
            start = current.at.replace(second=0, microsecond=0)
            minute = found.setdefault(start, Minute(start))
            seconds = (current.at - previous.at).total_seconds()
            _add(minute, _difference(current.values, previous.values), seconds)
        previous = current
    return found


@dataclass
class Figures:
    in_progress: int
    minutes: list[Minute]
    #: The last minute of each server and its last sample (only when there are several).
    servers: list[tuple[str, Minute | None, datetime]]
    sampled_at: datetime | None
    #: A server whose last sample is older than this has gone silent (stopped, or stuck).
    silent_before: datetime


def figures(session: Session, round_id: int) -> Figures:
    """The round's figures for the last ``MINUTES`` minutes, from every server's
    samples (this server's taken now if its sampler has not kept a fresh one)."""
    keep_sample(session)
    moment = now()
    since = moment.replace(second=0, microsecond=0) - timedelta(minutes=MINUTES - 1)
    rows = list(
        session.scalars(
            select(MetricsSample)
            .where(MetricsSample.at >= since - SAMPLE_EVERY * 12)
            .order_by(MetricsSample.server, MetricsSample.at)
        )
    )
    per_server: dict[str, list[MetricsSample]] = {}
    for row in rows:
        per_server.setdefault(row.server, []).append(row)
    total: dict[datetime, Minute] = {}
    servers = []
    for server in sorted(per_server):
        minutes = minutes_of(per_server[server], since)
        for start, minute in minutes.items():
            into = total.setdefault(start, Minute(start))
            seconds = minute.seconds
            _add(into, {"counts": minute.counts, "buckets": minute.buckets}, 0.0)
            into.seconds = max(into.seconds, seconds)
        last = max(minutes.values(), key=lambda m: m.start) if minutes else None
        servers.append((server, last, per_server[server][-1].at))
    in_progress = session.scalar(
        select(func.count())
        .select_from(Attempt)
        .where(
            Attempt.round_id == round_id,
            Attempt.status == AttemptStatus.IN_PROGRESS.value,
            Attempt.save_until >= moment,
        )
    )
    return Figures(
        in_progress=int(in_progress or 0),
        minutes=sorted(total.values(), key=lambda m: m.start, reverse=True),
        servers=servers if len(servers) > 1 else [],
        sampled_at=max((at for _s, _m, at in servers), default=None),
        silent_before=moment - SAMPLE_EVERY * 3,
    )
