"""Check that every acknowledged answer save is in the database.

    python benchmarks/check_saves.py DATABASE_URL OUT_DIR

Reads OUT_DIR/saves-*.jsonl (one line per save the server acknowledged with
200: attempt, position, choices, written by locustfile.py) and
OUT_DIR/students-*.jsonl, keeps the last acknowledged save per (attempt,
position), and compares with ``attempt_items.choices`` of the round in
OUT_DIR/contest.json. Writes OUT_DIR/check.json and exits 1 when any
acknowledged save is missing or differs ("lost answers"), or when a student
whose submit was acknowledged does not have a submitted attempt.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text


def as_list(value: Any) -> list[str]:
    if isinstance(value, str):
        value = json.loads(value)
    return list(value or [])


def main() -> int:
    url, out = sys.argv[1], Path(sys.argv[2])
    contest = json.loads((out / "contest.json").read_text())
    round_id = contest["round_id"]

    acknowledged: dict[tuple[int, int], list[str]] = {}
    ack_lines = 0
    for path in sorted(out.glob("saves-*.jsonl")):
        for line in path.read_text().splitlines():
            if not line.strip():
                continue
            save = json.loads(line)
            ack_lines += 1
            # Within one file, lines of one student are in the order of the acknowledgements.
            acknowledged[(save["a"], save["p"])] = save["c"]

    students = []
    for path in sorted(out.glob("students-*.jsonl")):
        students += [json.loads(line) for line in path.read_text().splitlines() if line.strip()]

    engine = create_engine(url)
    with engine.connect() as connection:
        stored = {
            (row.attempt_id, row.position): (as_list(row.choices), row.saved_at)
            for row in connection.execute(
                text(
                    "SELECT i.attempt_id, i.position, i.choices, i.saved_at "
                    "FROM attempt_items i JOIN attempts a ON a.id = i.attempt_id "
                    "WHERE a.round_id = :round"
                ),
                {"round": round_id},
            )
        }
        statuses = Counter(
            row.status
            for row in connection.execute(
                text("SELECT status FROM attempts WHERE round_id = :round"), {"round": round_id}
            )
        )
        attempt_status = dict(
            connection.execute(
                text("SELECT id, status FROM attempts WHERE round_id = :round"),
                {"round": round_id},
            ).all()
        )
        per_student = connection.execute(
            text(
                "SELECT count(*) FROM (SELECT student_id FROM attempts WHERE round_id = :round "
                "GROUP BY student_id HAVING count(*) > 1) AS t"
            ),
            {"round": round_id},
        ).scalar_one()
    engine.dispose()

    missing = [key for key in acknowledged if key not in stored]
    differing = [
        key for key, choices in acknowledged.items() if key in stored and stored[key][0] != choices
    ]
    # Answers stored without an acknowledgement (e.g. the client gave up waiting): information only.
    unacknowledged = [
        key for key, (choices, saved_at) in stored.items() if choices and key not in acknowledged
    ]
    submit_acked = [s for s in students if s.get("final_status") == "submitted"]
    not_submitted = [
        s["attempt"] for s in submit_acked if attempt_status.get(s["attempt"]) != "submitted"
    ]
    result = {
        "round_id": round_id,
        "students_recorded": len(students),
        "students_with_attempt": sum(1 for s in students if s.get("attempt")),
        "students_submitted_ack": len(submit_acked),
        "acknowledged_save_lines": ack_lines,
        "acknowledged_positions": len(acknowledged),
        "lost_missing": len(missing),
        "lost_differing": len(differing),
        "lost_answers": len(missing) + len(differing),
        "stored_but_not_acknowledged": len(unacknowledged),
        "attempts_in_db": sum(statuses.values()),
        "attempt_statuses": dict(statuses),
        "students_with_several_attempts": per_student,
        "submit_acknowledged_but_not_submitted": len(not_submitted),
        "examples": {
            "missing": missing[:5],
            "differing": [(k, acknowledged[k], stored[k][0]) for k in differing[:5]],
            "not_submitted": not_submitted[:5],
        },
    }
    (out / "check.json").write_text(json.dumps(result, indent=2, default=str) + "\n")
    print(json.dumps(result, indent=2, default=str))
    ok = result["lost_answers"] == 0 and not not_submitted
    print("check_saves:", "OK" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
