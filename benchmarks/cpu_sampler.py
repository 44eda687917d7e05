"""Sample CPU use per group of processes while the benchmark runs (Linux /proc).

    python benchmarks/cpu_sampler.py --server-pgid PGID --out FILE.csv [--interval 5] [--max-seconds 1200]

Every interval writes one CSV line: time, then the CPU used by the server (the
gunicorn process group), the load generator (processes whose command line
mentions locust), PostgreSQL (processes named postgres), py-spy, everything
else, and the machine's idle time, each as a percentage of ONE core (so 200 =
both cores of a 2-core machine); last, the busiest of the other processes.
Shows who gets the two cores: server, load tool, database, anything else.
"""

from __future__ import annotations

import argparse
import os
import re
import time
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def processes() -> dict[int, tuple[str, int, float]]:
    """pid -> (group, pgid, cpu seconds) for every process."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        pgid = int(fields[2])
        cpu = (int(fields[11]) + int(fields[12])) / TICKS
        found[int(entry.name)] = (f"{name} {cmdline}", pgid, cpu)
    return found


def idle_seconds() -> float:
    fields = Path("/proc/stat").read_text().splitlines()[0].split()
    return (int(fields[4]) + int(fields[5])) / TICKS


def group_of(text: str, pgid: int, server_pgid: int) -> str:
    if pgid == server_pgid:
        return "server"
    if "locust" in text:
        return "locust"
    if "py-spy" in text:
        return "pyspy"
    if text.startswith("postgres"):
        return "postgres"
    return "other"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--server-pgid", type=int, required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--interval", type=float, default=5.0)
    parser.add_argument("--max-seconds", type=float, default=1200.0)
    args = parser.parse_args()
    groups = ("server", "locust", "postgres", "pyspy", "other")
    end = time.time() + args.max_seconds
    before, idle_before, t_before = processes(), idle_seconds(), time.monotonic()
    with open(args.out, "w", buffering=1) as out:
        out.write("unix_time," + ",".join(f"{g}_pct" for g in groups) + ",idle_pct,top_other\n")
        while time.time() < end:
            time.sleep(args.interval)
            now, idle_now, t_now = processes(), idle_seconds(), time.monotonic()
            elapsed = t_now - t_before
            used = dict.fromkeys(groups, 0.0)
            others: dict[str, float] = {}
            for pid, (text, pgid, cpu) in now.items():
                previous = before.get(pid)
                delta = cpu - previous[2] if previous else cpu
                if pid == os.getpid():
                    continue
                group = group_of(text, pgid, args.server_pgid)
                used[group] += max(0.0, delta)
                if group == "other" and delta > 0:
                    label = re.sub(r"[^\w./:=-]+", " ", text.split(" ", 1)[-1])[:40]
                    others[label] = others.get(label, 0.0) + delta
            busiest = max(others, key=others.__getitem__, default="")
            top_other = f"{busiest} {others.get(busiest, 0) / elapsed * 100:.0f}%" if busiest else ""
            idle = (idle_now - idle_before) / elapsed * 100
            out.write(
                f"{time.time():.0f},"
                + ",".join(f"{used[g] / elapsed * 100:.0f}" for g in groups)
                + f",{idle:.0f},{top_other}\n"
            )
            before, idle_before, t_before = now, idle_now, t_now


if __name__ == "__main__":
    main()
