"""Fixtures of the results tests."""

from tests.attempts.test_races import committed  # noqa: F401 - real commits, cleaned up
