"""Summarize one database's run of run_start.sh.

    python benchmarks/summarize.py OUT_DIR/<database>

Reads Locust's CSV files, the acknowledged saves (saves-*.jsonl), the students'
outcomes (students-*.jsonl), check.json, cpu.csv, rss.csv and pyspy.txt, and
writes summary.json and profile.txt beside them.

The synchronized start is measured from the common instant: ``start_latency_s``
is when each student's start was answered, counted from the instant;
``starts_cleared_s`` when the last one was, and ``start_rps_burst`` the starts
answered per second over that time, the figure compared with /healthz
(``ratio_start_to_healthz``).

Save throughput is given two ways:
- ``save_rps_steady``: acknowledged saves per second between the 10th and the
  90th percentile of acknowledgement times (the save phase without its ramp-up
  and its tail); this is the figure compared with /healthz;
- ``save_rps_overall``: acknowledged saves / (last ack - first ack).
Latency percentiles of saves are exact, over acknowledged saves, measured by the
load generator (Locust's own, rounded, over every save incl. failures, is given too).
"""

from __future__ import annotations

import csv
import json
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Any


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    index = min(len(values) - 1, max(0, round(q / 100 * len(values) + 0.5) - 1))
    return values[index]


def locust_rows(path: Path) -> dict[str, dict[str, str]]:
    if not path.exists():
        return {}
    with path.open() as handle:
        return {row["Name"]: row for row in csv.DictReader(handle)}


def number(row: dict[str, str] | None, key: str) -> float | None:
    if not row or row.get(key) in (None, "", "N/A"):
        return None
    return float(row[key])


def cpu_between(path: Path, start: float, end: float) -> dict[str, float] | None:
    if not path.exists():
        return None
    lines = path.read_text().splitlines()
    header = lines[0].split(",")
    keys = [k for k in header if k.endswith("_pct")]
    rows = []
    for line in lines[1:]:
        row = dict(zip(header, line.split(","), strict=False))  # the last column is free text
        try:
            moment = float(row["unix_time"])
            [float(row[k]) for k in keys]
        except (KeyError, ValueError):
            continue  # a broken line (older samplers let a newline through)
        if start <= moment <= end:
            rows.append(row)
    if not rows:
        return None
    return {k: round(sum(float(r[k]) for r in rows) / len(rows)) for k in keys}


FRAME = re.compile(r"^(?P<func>.*?) \((?P<file>[^:()]+)(?::(?P<line>\d+))?\)$")


def bucket(file: str) -> str:
    for name in (
        "quiz/",
        "sqlalchemy",
        "psycopg",
        "sqlite3",
        "werkzeug",
        "flask_login",
        "flask_babel",
        "babel",
        "flask_limiter",
        "limits",
        "flask_wtf",
        "flask",
        "pydantic",
        "gunicorn",
        "logging",
        "json",
        "jinja2",
        "selectors",
        "threading",
        "socket",
        "ssl",
        "concurrent",
    ):
        if name in file:
            return name.rstrip("/")
    return "other"


#: Innermost frames where a thread waits (for a connection, a queued job, the
#: database's answer) rather than computes; py-spy reports them as active here.
WAITS = (
    ("select", "selectors.py"),
    ("_worker", "concurrent/futures/thread.py"),
    ("wait", "threading.py"),
    ("Connection.wait", "psycopg/connection.py"),
    ("wait_c", "psycopg"),
    ("wait", "psycopg/waiting.py"),
)


VIEW_FILES = (
    "quiz/api/attempts.py",
    "quiz/api/accounts.py",
    "quiz/main/views.py",
    "quiz/attempts/views.py",
    "quiz/accounts/views.py",
)


def is_wait(func: str, file: str) -> bool:
    return any(func.endswith(name) and place in file for name, place in WAITS)


def profile(path: Path, skip_waits: bool = False) -> str:
    """Top costs of a py-spy raw (collapsed) profile of the gunicorn workers."""
    if not path.exists() or not path.stat().st_size:
        return "no profile\n"
    self_time: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    buckets: Counter[str] = Counter()
    endpoints: Counter[str] = Counter()
    total = waited = 0
    for line in path.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [
            f for f in stack.split(";") if "(" in f and not f.startswith(("process ", "thread "))
        ]
        if not frames:
            continue
        total += count
        parsed = []
        for frame in frames:
            match = FRAME.match(frame)
            parsed.append((match["func"], match["file"]) if match else (frame, ""))
        leaf_func, leaf_file = parsed[-1]
        if skip_waits and is_wait(leaf_func, leaf_file):
            waited += count
            total -= count
            continue
        self_time[f"{leaf_func} ({leaf_file})"] += count
        buckets[bucket(leaf_file)] += count
        for name in {f"{func} ({file})" for func, file in parsed}:
            inclusive[name] += count
        views = [
            func
            for func, file in parsed
            if file.endswith(("quiz/api/attempts.py", "quiz/main/views.py"))
        ]
        endpoints[views[0] if views else "(outside a view)"] += count

    def table(counter: Counter[str], limit: int) -> str:
        return "".join(
            f"  {100 * n / total:5.1f}%  {name}\n" for name, n in counter.most_common(limit)
        )

    if not total:
        return "no samples\n"
    return (
        f"{total} samples (py-spy, 100 Hz, every gunicorn process)"
        + (f"; {waited} samples of threads waiting left out\n\n" if skip_waits else "\n\n")
        + f"By view (inclusive):\n{table(endpoints, 10)}\n"
        f"By package of the innermost frame (self time):\n{table(buckets, 25)}\n"
        f"Top functions, self time:\n{table(self_time, 30)}\n"
        f"Top functions, inclusive:\n{table(inclusive, 60)}"
    )


def spread(values: list[float]) -> dict[str, float | None]:
    values = sorted(values)
    return {
        "n": len(values),
        "p50": percentile(values, 50),
        "p95": percentile(values, 95),
        "p99": percentile(values, 99),
        "max": values[-1] if values else None,
    }


def jsonl(directory: Path, pattern: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for path in sorted(directory.glob(pattern)):
        rows += [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return rows


def memory(path: Path) -> dict[str, Any] | None:
    """Resident memory of the app server processes: the most each one reached."""
    if not path.exists():
        return None
    most: dict[str, float] = {}
    with path.open() as handle:
        for row in csv.DictReader(handle):
            most[row["pid"]] = max(most.get(row["pid"], 0.0), float(row["rss_mb"]))
    if not most:
        return None
    return {"max_mb": max(most.values()), "per_process_max_mb": sorted(most.values())}


def burst(students: list[dict[str, Any]], healthz_rps: float | None) -> dict[str, Any]:
    """The synchronized start, counted from the common instant."""
    starts = [s["start_s"] for s in students if "start_s" in s]
    pages = [s["page_s"] for s in students if "page_s" in s]
    cleared = max(starts) if starts else None
    rate = round(len(starts) / cleared, 1) if cleared and cleared > 0 else None
    return {
        "students_started": len(starts),
        "start_latency_s": spread(starts),
        "attempt_page_s": spread(pages),
        "starts_cleared_s": cleared,
        "start_rps_burst": rate,
        "ratio_start_to_healthz": round(rate / healthz_rps, 3) if rate and healthz_rps else None,
        "login_latency_ms": spread([s["login_ms"] for s in students if "login_ms" in s]),
        "late_to_the_instant": sum(1 for s in students if s.get("late")),
        "opened_in_place": sum(1 for s in students if s.get("opened_in_place")),
    }


def main() -> None:
    directory = Path(sys.argv[1])
    contest = json.loads((directory / "contest.json").read_text())
    stats = locust_rows(directory / "locust_stats.csv")
    healthz = locust_rows(directory / "healthz_stats.csv")
    check = (
        json.loads((directory / "check.json").read_text())
        if (directory / "check.json").exists()
        else {}
    )
    saves = []
    for path in sorted(directory.glob("saves-*.jsonl")):
        saves += [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    times = sorted(s["t"] for s in saves)
    latencies = sorted(s["l"] for s in saves)
    start_at = float((directory / "start_at").read_text())
    steady = None
    if len(times) >= 10:
        low, high = times[len(times) // 10], times[(len(times) * 9) // 10]
        if high > low:
            steady = round((len(times) * 0.8) / (high - low), 1)
    overall = (
        round(len(times) / (times[-1] - times[0]), 1)
        if len(times) > 1 and times[-1] > times[0]
        else None
    )
    healthz_rps = number(healthz.get("Aggregated"), "Requests/s")
    failures = []
    failures_path = directory / "locust_failures.csv"
    if failures_path.exists():
        with failures_path.open() as handle:
            failures = [
                {"name": r["Name"], "error": r["Error"][:300], "count": int(r["Occurrences"])}
                for r in csv.DictReader(handle)
            ]

    def row(name: str) -> dict[str, Any]:
        r = stats.get(name)
        return {
            "requests": int(number(r, "Request Count") or 0),
            "failures": int(number(r, "Failure Count") or 0),
            "p50_ms": number(r, "50%"),
            "p95_ms": number(r, "95%"),
            "p99_ms": number(r, "99%"),
            "max_ms": number(r, "Max Response Time"),
            "rps_locust": number(r, "Requests/s"),
        }

    save_phase = (times[0], times[-1]) if times else (start_at, start_at)
    names = ["start", "save", "submit", "Aggregated"]
    names += [n for n in stats if n not in names]
    students = jsonl(directory, "students-*.jsonl")
    papers = directory / "papers.json"
    killed = directory / "killed_at"
    summary: dict[str, Any] = {
        "database": directory.name,
        "model": contest.get("model", "stress"),
        "students": contest["students"],
        "start_at": start_at,
        "requests": {name: row(name) for name in names},
        "failures": failures,
        "acknowledged_saves": len(saves),
        "save_latency_ms": {
            "p50": percentile(latencies, 50),
            "p95": percentile(latencies, 95),
            "p99": percentile(latencies, 99),
            "max": latencies[-1] if latencies else None,
        },
        "save_rps_steady": steady,
        "save_rps_overall": overall,
        "save_phase_seconds": round(save_phase[1] - save_phase[0], 1),
        "run_seconds": round(float((directory / "locust.end").read_text()) - start_at, 1)
        if (directory / "locust.end").exists()
        else None,
        "healthz_rps": healthz_rps,
        "healthz_failures": int(number(healthz.get("Aggregated"), "Failure Count") or 0),
        "healthz_p99_ms": number(healthz.get("Aggregated"), "99%"),
        "ratio_save_to_healthz": round(steady / healthz_rps, 3) if steady and healthz_rps else None,
        "start": burst(students, healthz_rps),
        "papers_drawn_ms": json.loads(papers.read_text()).get("milliseconds")
        if papers.exists()
        else None,
        "server_killed_s": round(float(killed.read_text()) - start_at, 1)
        if killed.exists()
        else None,
        "memory": memory(directory / "rss.csv"),
        "lost_answers": check.get("lost_answers"),
        "check": {k: v for k, v in check.items() if k != "examples"},
        "cpu_pct_during_saves": cpu_between(directory / "cpu.csv", *save_phase),
        "cpu_pct_during_healthz": cpu_between(
            directory / "cpu.csv",
            float((directory / "healthz.start").read_text()) + 2,
            float((directory / "healthz.end").read_text()) - 2,
        )
        if (directory / "healthz.end").exists()
        else None,
    }
    (directory / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    (directory / "profile.txt").write_text(
        "== Threads holding the GIL (py-spy --gil): where Python spends the CPU\n"
        + profile(directory / "pyspy-gil.txt")
        + "\n== Every thread, waits left out (select, queue, psycopg waiting for PostgreSQL)\n"
        + profile(directory / "pyspy.txt", skip_waits=True)
        + "\n== Every thread, waits included\n"
        + profile(directory / "pyspy.txt")
    )
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
