"""The app's own metrics (Prometheus format) and the organisers' live monitor.

The hot paths only call ``count`` and ``observe_save``: a dictionary look-up and,
once ``init_app`` has loaded the metrics, one increment of a shared-memory value
(prometheus-client's multiprocess mode under gunicorn, ``QUIZ_METRICS_DIR``).
prometheus-client picks that mode when its first metric is made, from
``PROMETHEUS_MULTIPROC_DIR``: ``init_app`` sets it from the configuration before
importing the library, so nothing else may import it first.
"""

from __future__ import annotations

import os
import time
from typing import Any

from flask import Flask, g, request

#: The counters by short name, once loaded (``quiz.monitor.metrics``).
_counters: dict[str, Any] = {}
_save_seconds: list[Any] = []
#: The endpoints whose time is the save latency.
SAVE_ENDPOINTS = frozenset({"contest.answer", "api.save_answer"})


def count(name: str, amount: int = 1) -> None:
    """Add to one of the app's counters (``starts``, ``submissions``, ``expiries``...)."""
    counter = _counters.get(name)
    if counter is not None:
        counter.inc(amount)


def init_app(app: Flask) -> None:
    if not app.config.get("METRICS_ENABLED", True):
        return  # /metrics then shows nothing counted, and the monitor has no rates
    directory = app.config.get("METRICS_DIR")
    if directory:
        os.makedirs(directory, exist_ok=True)
        os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", str(directory))
    from quiz.monitor import metrics  # the first import of prometheus-client

    _counters.update(metrics.COUNTERS)
    if not _save_seconds:
        _save_seconds.append(metrics.SAVE_SECONDS)
    app.before_request(_start_clock)
    app.after_request(_count_response)
    if directory:
        from quiz.monitor import sampler

        sampler.init_app(app, str(directory))


def _start_clock() -> None:
    g.monitor_started = time.perf_counter()


def _count_response(response: Any) -> Any:
    count("requests")
    if response.status_code >= 500:
        count("errors")
    if request.endpoint in SAVE_ENDPOINTS:
        started = g.get("monitor_started")
        if started is not None and _save_seconds:
            _save_seconds[0].observe(time.perf_counter() - started)
        if response.status_code < 400:
            count("saves")
    return response
