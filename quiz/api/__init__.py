"""The JSON API under /api/v1 (spec/api.md): a thin layer over the services."""

from quiz.api import accounts, attempts, docs, leaderboards, operations, rounds, universities
from quiz.api.base import bp

__all__ = [
    "accounts",
    "attempts",
    "bp",
    "docs",
    "leaderboards",
    "operations",
    "rounds",
    "universities",
]
