"""Serving the app with gunicorn (production and the demo)."""

from __future__ import annotations

import ctypes
import ctypes.util
import sys
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication


class GunicornServer(BaseApplication):  # type: ignore[misc]
    """Gunicorn with options given in code; each worker builds its own app."""

    def __init__(self, app_factory: Any, options: dict[str, Any]) -> None:
        self.app_factory = app_factory
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        # Settings this gunicorn does not know (newer than it) are skipped.
        for key, value in self.options.items():
            if key in self.cfg.settings:
                self.cfg.set(key, value)

    def load(self) -> Flask:
        return self.app_factory()


#: glibc's mallopt parameters (malloc.h).
M_MMAP_THRESHOLD = -3
M_ARENA_MAX = -8


def bound_memory() -> None:
    """Keep each worker's resident memory near what it uses (glibc only; inherited by
    the workers gunicorn forks).

    A password check allocates 19 MiB. glibc serves large blocks with mmap and
    gives them back, but after the first one it raises that threshold, keeps the
    next ones in its heap, one heap per thread, and never returns them: four
    threads keep 76 MiB for good. A fixed threshold (which also stops the
    raising) and two heaps per process keep only what is in use.
    """
    if not sys.platform.startswith("linux"):
        return
    name = ctypes.util.find_library("c")
    if not name:
        return
    try:
        libc = ctypes.CDLL(name)
        libc.mallopt(M_MMAP_THRESHOLD, 128 * 1024)
        libc.mallopt(M_ARENA_MAX, 2)
    except (OSError, AttributeError):
        return


def serve(
    app_factory: Any,
    host: str,
    port: int,
    workers: int,
    threads: int = 4,
    worker_connections: int = 1000,
    backlog: int = 2048,
) -> None:
    """Run gunicorn until interrupted.

    ``worker_connections`` bounds the connections one worker keeps open (idle
    keep-alive ones included): without a proxy in front, every phone holds one.
    """
    bound_memory()
    GunicornServer(
        app_factory,
        {
            "bind": f"{host}:{port}",
            "workers": workers,
            "threads": threads,
            "worker_connections": worker_connections,
            "backlog": backlog,
            "worker_class": "gthread",
            "accesslog": "-",
            "errorlog": "-",
            "timeout": 30,
            "graceful_timeout": 10,
            "keepalive": 5,
            # One shared control socket per user would clash between instances.
            "control_socket_disable": True,
        },
    ).run()
