"""Sample CPU and memory per group of processes while the benchmark runs (Linux /proc).

    python benchmarks/cpu_sampler.py --server-pgids PGID[,PGID] --out FILE.csv \\
        [--rss-out RSS.csv] [--interval 2] [--max-seconds 1200]

Every interval writes one CSV line: time, then the CPU used by the app servers
(the gunicorn process groups), the load generator (command lines mentioning
locust), PostgreSQL, nginx, Redis, py-spy, everything else, and the machine's
idle time, each as a percentage of ONE core (so 200 = both cores of a 2-core
machine); last, the busiest of the other processes. With ``--rss-out``, also
one line per app server process and interval: time, pid, resident memory in MB.
"""

from __future__ import annotations

import argparse
import os
import re
import time
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")
PAGE_MB = os.sysconf("SC_PAGE_SIZE") / (1024 * 1024)
GROUPS = ("server", "locust", "postgres", "nginx", "redis", "pyspy", "other")


def processes() -> dict[int, tuple[str, int, float, float]]:
    """pid -> (command, pgid, cpu seconds, resident MB) for every process."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            resident = int((entry / "statm").read_text().split()[1]) * PAGE_MB
        except (OSError, IndexError, ValueError):
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        cpu = (int(fields[11]) + int(fields[12])) / TICKS
        found[int(entry.name)] = (f"{name} {cmdline}", int(fields[2]), cpu, resident)
    return found


def idle_seconds() -> float:
    fields = Path("/proc/stat").read_text().splitlines()[0].split()
    return (int(fields[4]) + int(fields[5])) / TICKS


def group_of(text: str, pgid: int, server_pgids: set[int]) -> str:
    if pgid in server_pgids:
        return "server"
    for group, marker in (
        ("locust", "locust"),
        ("pyspy", "py-spy"),
        ("nginx", "nginx"),
        ("redis", "redis-server"),
    ):
        if marker in text:
            return group
    if text.startswith("postgres"):
        return "postgres"
    return "other"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--server-pgids", required=True, help="comma-separated")
    parser.add_argument("--out", required=True)
    parser.add_argument("--rss-out")
    parser.add_argument("--interval", type=float, default=2.0)
    parser.add_argument("--max-seconds", type=float, default=1200.0)
    args = parser.parse_args()
    server_pgids = {int(p) for p in args.server_pgids.split(",") if p}
    end = time.time() + args.max_seconds
    before, idle_before, t_before = processes(), idle_seconds(), time.monotonic()
    rss = open(args.rss_out, "w", buffering=1) if args.rss_out else None  # noqa: SIM115
    if rss:
        rss.write("unix_time,pid,rss_mb\n")
    with open(args.out, "w", buffering=1) as out:
        out.write("unix_time," + ",".join(f"{g}_pct" for g in GROUPS) + ",idle_pct,top_other\n")
        while time.time() < end:
            time.sleep(args.interval)
            now, idle_now, t_now = processes(), idle_seconds(), time.monotonic()
            elapsed = t_now - t_before
            used = dict.fromkeys(GROUPS, 0.0)
            others: dict[str, float] = {}
            for pid, (text, pgid, cpu, resident) in now.items():
                if pid == os.getpid():
                    continue
                previous = before.get(pid)
                delta = cpu - previous[2] if previous else cpu
                group = group_of(text, pgid, server_pgids)
                used[group] += max(0.0, delta)
                if group == "server" and rss:
                    rss.write(f"{time.time():.0f},{pid},{resident:.1f}\n")
                if group == "other" and delta > 0:
                    label = re.sub(r"[^\w./:=-]+", " ", text.split(" ", 1)[-1])[:40]
                    others[label] = others.get(label, 0.0) + delta
            busiest = max(others, key=others.__getitem__, default="")
            share = others.get(busiest, 0) / elapsed * 100
            top_other = f"{busiest} {share:.0f}%" if busiest else ""
            idle = (idle_now - idle_before) / elapsed * 100
            out.write(
                f"{time.time():.0f},"
                + ",".join(f"{used[g] / elapsed * 100:.0f}" for g in GROUPS)
                + f",{idle:.0f},{top_other}\n"
            )
            before, idle_before, t_before = now, idle_now, t_now
    if rss:
        rss.close()


if __name__ == "__main__":
    main()
