"""The JSON API under /api/v1 (spec/api.md): a thin layer over the services."""

from quiz.api import accounts, universities
from quiz.api.base import bp

__all__ = ["accounts", "bp", "universities"]
