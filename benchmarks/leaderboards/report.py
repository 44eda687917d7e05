"""Tables of a leaderboard benchmark run (benchmarks/leaderboards/README.md).

    python benchmarks/leaderboards/report.py benchmarks/leaderboards/out/run-<time> > report.md

Reads, per ``<db>-<size>/u<users>/``, Locust's ``<read>_stats.csv`` (request
and failure counts, requests per second) and the ``<read>.samples`` the
locustfile writes (every response time with microsecond precision, from which
the median, p95 and p99 are computed; Locust's own CSV percentiles are whole
milliseconds and are used only when no samples file exists). Also the data
set-up (``setup.json``, ``info.json``), the correctness checks (``check.json``)
and the in-process "my position" timings (``position.json``).

``<read>.cpu.json`` (cpuwatch.py) gives the CPU, in cores, that processes
other than the benchmark's spent during the run ("foreign CPU" column).

Targets (the issue): at the large size every read under 20 ms median and 50 ms
p99; the ratio of medians large / small at most 1.5.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path
from typing import Any

MEDIAN_TARGET, P99_TARGET, RATIO_TARGET = 20.0, 50.0, 1.5
READS = [
    "round_first",
    "round_deep",
    "students",
    "students_deep",
    "my_position",
    "my_position_overall",
    "uni_top_n_mean",
    "uni_top_n_mean_round",
    "uni_participants",
    "uni_participants_round",
    "uni_total",
    "uni_total_round",
    "uni_mean",
    "uni_mean_round",
]
LABELS = {
    "round_first": "round board, first page",
    "round_deep": "round board, deep page",
    "students": "overall students, first page",
    "students_deep": "overall students, deep page (extra)",
    "my_position": "my position: round page of a logged-in student",
    "my_position_overall": "my position: overall page of a logged-in student",
}


def label(read: str) -> str:
    if read in LABELS:
        return LABELS[read]
    method = read.removeprefix("uni_").removesuffix("_round")
    return f"universities {method}" + (", round" if read.endswith("_round") else ", overall")


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100), linear interpolation between closest ranks."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * q / 100
    low = int(k)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def load_read(folder: Path, read: str) -> dict[str, Any] | None:
    stats = folder / f"{read}_stats.csv"
    if not stats.exists():
        return None
    rows = [r for r in csv.DictReader(stats.open()) if r["Name"] == read]
    if not rows:
        return None
    row = rows[0]
    out: dict[str, Any] = {
        "requests": int(row["Request Count"]),
        "failures": int(row["Failure Count"]),
        "rps": float(row["Requests/s"]),
    }
    cpu = folder / f"{read}.cpu.json"
    out["foreign"] = json.loads(cpu.read_text())["foreign_cores"] if cpu.exists() else None
    samples = folder / f"{read}.samples"
    times = [float(x) for x in samples.read_text().split()] if samples.exists() else []
    if times:
        out |= {
            "median": percentile(times, 50),
            "p95": percentile(times, 95),
            "p99": percentile(times, 99),
            "exact": True,
        }
    else:
        out |= {
            "median": float(row["50%"]),
            "p95": float(row["95%"]),
            "p99": float(row["99%"]),
            "exact": False,
        }
    return out


def ms(value: float | None) -> str:
    if value is None or value != value:
        return "–"
    return f"{value:.1f}" if value >= 10 else f"{value:.2f}"


def main() -> None:
    run = Path(sys.argv[1] if len(sys.argv) > 1 else ".")
    combos = sorted(p for p in run.iterdir() if p.is_dir() and "-" in p.name)
    dbs = sorted({p.name.split("-")[0] for p in combos}, key=lambda d: (d != "sqlite", d))
    users = sorted({int(u.name[1:]) for p in combos for u in p.glob("u*") if u.name[1:].isdigit()})
    print(f"# Leaderboard reads: {run.name}\n")
    machine = run / "machine.txt"
    if machine.exists():
        print("```\n" + machine.read_text().strip() + "\n```\n")

    print("## Data\n")
    print("| database | size | students | attempts | round standings | synth (s) | database size |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for combo in combos:
        db, size = combo.name.split("-", 1)
        info = (
            json.loads((combo / "info.json").read_text()) if (combo / "info.json").exists() else {}
        )
        setup = (
            json.loads((combo / "setup.json").read_text())
            if (combo / "setup.json").exists()
            else {}
        )
        print(
            f"| {db} | {size} | {info.get('students', '–'):,} | {info.get('attempts', '–'):,} | "
            f"{info.get('round_standings', '–'):,} | {setup.get('synth_s', '–')} | "
            f"{setup.get('database_bytes', 0) / 2**20:,.0f} MiB |"
        )
    print()

    print("## Correctness (every read against a recomputation from the attempts)\n")
    for combo in combos:
        path = combo / "check.json"
        if not path.exists():
            continue
        checks = json.loads(path.read_text())["checks"]
        bad = [c for c in checks if not c["ok"]]
        print(
            f"- {combo.name}: {len(checks) - len(bad)}/{len(checks)} reads exact"
            + (
                "; mismatches: " + "; ".join(f"{c['read']}: {c['problems'][:2]}" for c in bad)
                if bad
                else ""
            )
        )
    print()

    verdicts: list[str] = []
    for u in users:
        for db in dbs:
            small = run / f"{db}-small" / f"u{u}"
            large = run / f"{db}-large" / f"u{u}"
            print(
                f"## {db}, {u} concurrent user{'s' if u > 1 else ''} (closed loop, no think time)\n"
            )
            print(
                "| read | small median | p95 | p99 | req/s | large median | p95 | p99 | req/s "
                "| ratio large/small | target at large | foreign CPU small / large |"
            )
            print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|")
            for read in READS:
                s = load_read(small, read) if small.exists() else None
                g = load_read(large, read) if large.exists() else None
                if s is None and g is None:
                    continue
                cells = []
                for x in (s, g):
                    if x is None:
                        cells += ["–"] * 4
                    else:
                        fail = f" ({x['failures']} failed)" if x["failures"] else ""
                        cells += [
                            ms(x["median"]),
                            ms(x["p95"]),
                            ms(x["p99"]),
                            f"{x['rps']:.0f}{fail}",
                        ]
                ratio = g["median"] / s["median"] if s and g and s["median"] else None
                verdict = "–"
                if g is not None:
                    latency_ok = g["median"] < MEDIAN_TARGET and g["p99"] < P99_TARGET
                    ratio_ok = ratio is not None and ratio <= RATIO_TARGET
                    parts = ["latency ok" if latency_ok else "**latency miss**"]
                    if ratio is not None:
                        parts.append("ratio ok" if ratio_ok else "**ratio miss**")
                    if g["failures"]:
                        parts.append("**failures**")
                    verdict = ", ".join(parts)
                    if not (latency_ok and (ratio is None or ratio_ok)) or g["failures"]:
                        verdicts.append(f"{db}, u={u}, {read}: {verdict.replace('**', '')}")
                r = f"{ratio:.2f}" if ratio is not None else "–"
                foreign = " / ".join(
                    "–" if x is None or x["foreign"] is None else f"{x['foreign']:.2f}"
                    for x in (s, g)
                )
                print(
                    f"| {label(read)} | " + " | ".join(cells) + f" | {r} | {verdict} | {foreign} |"
                )
            print()

    print('## "My position" in-process (`boards.round_position`, ms per call)\n')
    print(
        "| database | size | entries in round | random students: median | p95 | p99 "
        "| top: median | median-ranked: median | last: median "
        "| overall_position random: median | p99 | wrong |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    positions: dict[tuple[str, str], dict[str, Any]] = {}
    for combo in combos:
        path = combo / "position.json"
        if not path.exists():
            continue
        db, size = combo.name.split("-", 1)
        p = json.loads(path.read_text())
        positions[(db, size)] = p
        r = p["round_position_random"]
        o = p["overall_position_random"]
        cells = [
            f"{p['round_entries']:,}",
            ms(r["median_ms"]),
            ms(r["p95_ms"]),
            ms(r["p99_ms"]),
            ms(p["round_position_top"]["median_ms"]),
            ms(p["round_position_median"]["median_ms"]),
            ms(p["round_position_last"]["median_ms"]),
            ms(o["median_ms"]),
            ms(o["p99_ms"]),
            str(len(p["wrong"]) or "none"),
        ]
        print(f"| {db} | {size} | " + " | ".join(cells) + " |")
    for db in dbs:
        s, g = positions.get((db, "small")), positions.get((db, "large"))
        if s and g:
            ratio = (
                g["round_position_random"]["median_ms"] / s["round_position_random"]["median_ms"]
            )
            ok = (
                g["round_position_random"]["median_ms"] < MEDIAN_TARGET
                and g["round_position_random"]["p99_ms"] < P99_TARGET
            )
            print(
                f"\n{db}: my position ratio of medians large/small {ratio:.2f}"
                f" ({'ok' if ratio <= RATIO_TARGET else 'miss'}); latency at large "
                f"{'ok' if ok else 'miss'} (in-process, without HTTP)"
            )
            if not ok or ratio > RATIO_TARGET:
                state = "ok" if ok else "miss"
                verdicts.append(
                    f"{db}, my position (in-process): ratio {ratio:.2f}, latency {state}"
                )
    print()
    print("## Misses\n")
    print("\n".join(f"- {v}" for v in verdicts) if verdicts else "None.")


if __name__ == "__main__":
    main()
