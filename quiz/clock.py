"""The one clock of the platform: every rule that depends on time reads it here."""

from datetime import UTC, datetime


def now() -> datetime:
    """Return the current server time, timezone-aware, in UTC.

    Tests move time with time-machine, which patches what this reads.
    """
    return datetime.now(UTC)
