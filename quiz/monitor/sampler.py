"""Each server keeps samples of its own counters, whether or not anyone watches.

Under ``quiz serve`` (``QUIZ_METRICS_DIR`` set) every worker starts one thread at
its first request; the thread that holds the lock file of the metrics directory
(one per server: the directory is the server's) keeps a sample every
``SAMPLE_EVERY``, the others wait to take over if its worker goes. The monitor's
page then reads only the database, and a refresh never waits on another server
or on a reading of the counters.
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
import time
from typing import IO, Any

from flask import Flask

from quiz.db import session_scope
from quiz.monitor import services

logger = logging.getLogger(__name__)
LOCK_FILE = "sampler.lock"
_started: dict[str, int] = {}  # "pid": the process the thread was started in


def init_app(app: Flask, directory: str) -> None:
    def start_once() -> None:
        # After a fork the parent's thread is not in the child: start one per process.
        if _started.get("pid") != os.getpid():
            _started["pid"] = os.getpid()
            thread = threading.Thread(
                target=_run, args=(app, directory), name="metrics-sampler", daemon=True
            )
            thread.start()

    app.before_request(start_once)


def _run(app: Flask, directory: str) -> None:
    lock: IO[Any] | None = None
    while True:
        time.sleep(services.SAMPLE_EVERY.total_seconds())
        if lock is None:
            lock = _take(os.path.join(directory, LOCK_FILE))
            if lock is None:
                continue  # another worker of this server samples
        try:
            with app.app_context(), session_scope() as session:
                services.keep_sample(session)
        except Exception:  # noqa: BLE001 - a missed sample must never stop the next one
            logger.exception("could not keep a sample of this server's metrics")


def _take(path: str) -> IO[Any] | None:
    """The lock, held for the life of this process, or None if another holds it."""
    handle = open(path, "a")  # noqa: SIM115 - kept open: closing it would release the lock
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        return None
    return handle
