"""The metrics, made once per process, and their exposition in the Prometheus text
format: this process's, or, in multiprocess mode, the sum over every process
writing to ``PROMETHEUS_MULTIPROC_DIR`` (the server's workers, and the minute
sweeper when it is given the same directory)."""

from __future__ import annotations

import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)

COUNTERS = {
    "requests": Counter("quiz_http_requests", "Responses sent"),
    "errors": Counter("quiz_http_errors", "Responses with a 5xx status"),
    "starts": Counter("quiz_attempt_starts", "Attempts started"),
    "saves": Counter("quiz_answer_saves", "Answers saved"),
    "submissions": Counter("quiz_attempt_submissions", "Attempts submitted by their student"),
    "expiries": Counter("quiz_attempt_expiries", "Attempts closed when their time ran out"),
}
#: Buckets around the contest day's targets (a save under 300 ms at p99).
SAVE_SECONDS = Histogram(
    "quiz_save_seconds",
    "Time to answer one save request",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 2.0, 5.0, 10.0),
)
CONTENT_TYPE = CONTENT_TYPE_LATEST


def exposition() -> bytes:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry)
    return generate_latest(REGISTRY)
