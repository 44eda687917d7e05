"""Move a benchmark round's opening to the common start instant.

    python benchmarks/open_round.py DATABASE_URL ROUND_ID UNIX_TIME

Only ``opens_at`` changes: what a draw depends on stays the same, so the
papers already drawn for the round stay valid (as when an organiser's round
simply reaches its published opening time).
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime

from sqlalchemy import create_engine, text


def main() -> None:
    url, round_id, moment = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    opens_at = datetime.fromtimestamp(moment, UTC)
    engine = create_engine(url)
    with engine.begin() as connection:
        if connection.dialect.name == "sqlite":
            # As quiz.db.UTCDateTime stores it on SQLite: naive UTC text.
            value: object = opens_at.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
        else:
            value = opens_at
        connection.execute(
            text("UPDATE rounds SET opens_at = :at WHERE id = :id"), {"at": value, "id": round_id}
        )
    engine.dispose()
    print(f"round {round_id} opens at {opens_at.isoformat()}")


if __name__ == "__main__":
    main()
