"""An organiser watching the live monitor while a benchmark runs: its figures part
fetched every few seconds, as the page's script does, each time measured.

    python benchmarks/monitor_poll.py BASE_URL ROUND_ID TOKEN_FILE --seconds 600 --out monitor.json

Writes the latencies (milliseconds) and their p50, p95, p99 and maximum.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
import urllib.request
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base_url")
    parser.add_argument("round_id", type=int)
    parser.add_argument("token_file")
    parser.add_argument("--seconds", type=float, default=600)
    parser.add_argument("--every", type=float, default=5)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    token = Path(args.token_file).read_text().strip()
    url = f"{args.base_url.rstrip('/')}/organiser/rounds/{args.round_id}/monitor?part=figures"
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    timings: list[float] = []
    failures = 0
    end = time.monotonic() + args.seconds
    try:
        while time.monotonic() < end:
            started = time.perf_counter()
            try:
                with urllib.request.urlopen(request, timeout=30) as response:
                    response.read()
                timings.append((time.perf_counter() - started) * 1000)
            except OSError:
                failures += 1
            time.sleep(max(0.0, args.every - (time.perf_counter() - started)))
    except KeyboardInterrupt:
        pass  # the run is over (run_start.sh): write what was measured
    ordered = sorted(timings)

    def at(q: float) -> float | None:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1) if ordered else None

    summary = {
        "requests": len(timings),
        "failures": failures,
        "p50_ms": round(statistics.median(ordered), 1) if ordered else None,
        "p95_ms": at(0.95),
        "p99_ms": at(0.99),
        "max_ms": round(ordered[-1], 1) if ordered else None,
        "timings_ms": [round(t, 1) for t in timings],
    }
    Path(args.out).write_text(json.dumps(summary, indent=2) + "\n")
    print(json.dumps({k: v for k, v in summary.items() if k != "timings_ms"}))


if __name__ == "__main__":
    main()
