"""Static files and response compression: what a phone on a weak network downloads.

- Every static URL carries a digest of the file (``/static/css/site.css?v=3f2a…``),
  so files can be cached for a year: a phone downloads the style sheet and the
  attempt page's script once, while it waits for the round to open, and never
  again until they change.
- HTML, JSON, CSS and JS responses over 1 KB are compressed (Flask-Compress:
  zstd, brotli or gzip, whichever the browser accepts first), by the app itself
  so that every deployment, including ``quiz demo``, sends small pages. A front
  proxy that compresses (nginx ``gzip on``) can take this work off the app
  servers: ``QUIZ_COMPRESS=false``; the proxy leaves compressed answers alone.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path
from typing import Any

from flask import Flask, current_app

from quiz.extensions import compress

ONE_YEAR = 365 * 24 * 3600


@cache
def _digest(static_folder: str, filename: str) -> str:
    try:
        content = (Path(static_folder) / filename).read_bytes()
    except OSError:
        return "0"
    return hashlib.sha256(content).hexdigest()[:12]


def _version_static_urls(endpoint: str, values: dict[str, Any]) -> None:
    if endpoint == "static" and "filename" in values and "v" not in values:
        values["v"] = _digest(str(current_app.static_folder), values["filename"])


def init_app(app: Flask) -> None:
    """Versioned, long-cached static files; compressed responses when configured."""
    app.config["SEND_FILE_MAX_AGE_DEFAULT"] = ONE_YEAR
    app.url_defaults(_version_static_urls)
    app.config.setdefault("COMPRESS_MIN_SIZE", 1024)
    app.config.setdefault("COMPRESS_ALGORITHM", ["zstd", "br", "gzip"])
    app.config.setdefault("COMPRESS_ALGORITHM_STREAMING", ["zstd", "br"])
    app.config.setdefault("COMPRESS_MIMETYPES", COMPRESSED_TYPES)
    if app.config.get("COMPRESS_ENABLED", True):
        compress.init_app(app)


COMPRESSED_TYPES = [
    "text/html",
    "text/css",
    "text/javascript",
    "application/javascript",
    "application/json",
    "image/svg+xml",
    "text/csv",
]
