"""The JSON API under /api/v1 (spec/api.md): a thin layer over the services."""

from quiz.api import (
    accounts,
    attempts,
    certificates,
    docs,
    integrity,
    leaderboards,
    operations,
    results,
    rounds,
    universities,
)
from quiz.api.base import bp

__all__ = [
    "accounts",
    "attempts",
    "bp",
    "certificates",
    "docs",
    "integrity",
    "leaderboards",
    "operations",
    "results",
    "rounds",
    "universities",
]
