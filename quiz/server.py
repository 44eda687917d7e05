"""Serving the app with gunicorn (production and the demo)."""

from __future__ import annotations

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


def serve(app_factory: Any, host: str, port: int, workers: int, threads: int = 4) -> None:
    """Run gunicorn until interrupted."""
    GunicornServer(
        app_factory,
        {
            "bind": f"{host}:{port}",
            "workers": workers,
            "threads": threads,
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
