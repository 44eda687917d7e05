"""Configuration: environment variables of spec/cli.md, then the instance folder.

``QUIZ_ENV=production`` (set by ``quiz serve``) makes the app refuse to start
with an insecure configuration, saying why.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

WEAK_SECRETS = {"dev", "secret", "changeme", "change-me", "development", "test", "quiz"}
MIN_SECRET_LENGTH = 32


class InsecureConfiguration(RuntimeError):
    """Production was asked to start with a setting that would put the contest at risk."""


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _secret_key(instance_path: Path) -> str:
    """``QUIZ_SECRET_KEY``, or a key generated once and kept in the instance folder."""
    from_env = os.environ.get("QUIZ_SECRET_KEY")
    if from_env:
        return from_env
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        # Written with O_EXCL so that two workers starting together keep one key.
        try:
            fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(32))
    return key_file.read_text().strip()


def load(instance_path: Path) -> dict[str, Any]:
    """Settings from the environment, with the defaults of spec/cli.md."""
    redis_url = os.environ.get("QUIZ_REDIS_URL") or None
    return {
        "QUIZ_ENV": os.environ.get("QUIZ_ENV", "development"),
        "SECRET_KEY": _secret_key(instance_path),
        "SECRET_KEY_FROM_ENV": bool(os.environ.get("QUIZ_SECRET_KEY")),
        "DATABASE_URL": os.environ.get(
            "QUIZ_DATABASE_URL", f"sqlite:///{instance_path / 'quiz.db'}"
        ),
        "REDIS_URL": redis_url,
        "RATELIMIT_ENABLED": _flag("QUIZ_RATELIMIT_ENABLED", True),
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
        "RATELIMIT_KEY_PREFIX": "quiz",
        # The contest's time zone: every date is shown in it.
        "BABEL_DEFAULT_LOCALE": "vi",
        "BABEL_DEFAULT_TIMEZONE": os.environ.get("QUIZ_TIMEZONE", "Asia/Ho_Chi_Minh"),
        # University rankings: N of top_n_mean, and the minimum participants of mean.
        "TOP_N": int(os.environ.get("QUIZ_TOP_N", "30")),
        "MIN_PARTICIPANTS": int(os.environ.get("QUIZ_MIN_PARTICIPANTS", "10")),
        # The app's metrics (quiz.monitor): the directory every worker of this server
        # writes them to (``quiz serve`` uses instance/metrics and empties it at start);
        # the addresses that may read /metrics besides organisers' tokens (IPs or
        # networks, comma-separated); the name this server's samples are kept under
        # (``quiz serve``: host name and port).
        "METRICS_ENABLED": _flag("QUIZ_METRICS_ENABLED", True),
        "METRICS_DIR": os.environ.get("QUIZ_METRICS_DIR") or None,
        "METRICS_ALLOW": os.environ.get("QUIZ_METRICS_ALLOW", ""),
        "INSTANCE_NAME": os.environ.get("QUIZ_INSTANCE_NAME", ""),
        # The ``crowd`` integrity signal: this many accounts starting a round from one address.
        "CROWD_THRESHOLD": int(os.environ.get("QUIZ_CROWD_THRESHOLD", "20")),
        # Count only students a coordinator confirmed (contest setting, default off).
        "REQUIRE_VERIFICATION": _flag("QUIZ_REQUIRE_VERIFICATION", False),
        # How long one process may reuse who an API request's token or session
        # belongs to: a revoked token stops working within this time everywhere.
        "AUTH_CACHE_SECONDS": float(os.environ.get("QUIZ_AUTH_CACHE_SECONDS", "3")),
        # Compress responses over 1 KB in the app (quiz.assets); false when a front
        # proxy compresses instead.
        "COMPRESS_ENABLED": _flag("QUIZ_COMPRESS", True),
        # Mail (quiz.mail): without an SMTP server, messages go to the server log.
        "SMTP_URL": os.environ.get("QUIZ_SMTP_URL") or None,
        "MAIL_FROM": os.environ.get("QUIZ_MAIL_FROM", "Hanoi Quiz <quiz@localhost>"),
        "BASE_URL": os.environ.get("QUIZ_BASE_URL", "http://127.0.0.1:5000").rstrip("/"),
        # Certificates (quiz.certificates.pdf): a TrueType font with Vietnamese glyphs,
        # regular and bold; unset, DejaVu Sans is looked for where systems keep it.
        "CERTIFICATE_FONT": os.environ.get("QUIZ_CERTIFICATE_FONT") or None,
        "CERTIFICATE_FONT_BOLD": os.environ.get("QUIZ_CERTIFICATE_FONT_BOLD") or None,
        # Bodies above this are refused with 413 before anything reads them.
        "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        # As long as the login it names lasts on the server (quiz.accounts.logins).
        "REMEMBER_COOKIE_DURATION": timedelta(days=30),
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _flag("QUIZ_SECURE_COOKIES", False),
        "REMEMBER_COOKIE_SECURE": _flag("QUIZ_SECURE_COOKIES", False),
        "WTF_CSRF_TIME_LIMIT": None,
        # Reverse proxies in front that set X-Forwarded-For and X-Forwarded-Proto
        # (nginx: 1): the client's address is then the student's, not the proxy's.
        "PROXY_HOPS": int(os.environ.get("QUIZ_PROXY_HOPS", "0")),
        # Where ``quiz serve`` binds; checked by the production rules below.
        "SERVE_HOST": os.environ.get("QUIZ_SERVE_HOST", "127.0.0.1"),
    }


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def production_problems(config: dict[str, Any]) -> list[str]:
    """Every reason the configuration is unsafe for a public contest (empty = fine)."""
    problems = []
    if config.get("DEBUG"):
        problems.append("debug mode is on")
    secret = str(config.get("SECRET_KEY", ""))
    if secret.lower() in WEAK_SECRETS or len(secret) < MIN_SECRET_LENGTH:
        problems.append(
            f"QUIZ_SECRET_KEY is weak: use at least {MIN_SECRET_LENGTH} random characters"
        )
    if not config.get("RATELIMIT_ENABLED") and not _is_loopback(str(config.get("SERVE_HOST"))):
        problems.append(
            "QUIZ_RATELIMIT_ENABLED=false on a public address: rate limits protect logins "
            "and answer saves; turn them off only for load tests on 127.0.0.1"
        )
    smtp = config.get("SMTP_URL")
    if smtp:
        scheme, _, rest = str(smtp).partition("://")
        if scheme not in ("smtp", "smtps") or not rest:
            problems.append("QUIZ_SMTP_URL must be smtp://[user:password@]host[:port] or smtps://…")
        base_host = urlsplit(str(config.get("BASE_URL", ""))).hostname or ""
        if _is_loopback(base_host):
            problems.append(
                "QUIZ_BASE_URL is a loopback address: mailed links would not open; set it "
                "to the site's public address (https://…)"
            )
    return problems


def check_production(config: dict[str, Any]) -> None:
    """Raise InsecureConfiguration listing every problem when in production."""
    if config.get("QUIZ_ENV") != "production":
        return
    problems = production_problems(config)
    if problems:
        raise InsecureConfiguration("refusing to start in production: " + "; ".join(problems) + ".")
