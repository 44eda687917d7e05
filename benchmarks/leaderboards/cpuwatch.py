"""Run a command and measure whose CPU the machine spent meanwhile.

    python cpuwatch.py --server-pgid PGID --database quiz_bench_lb --out X.json -- CMD ARGS...

Before and after CMD, reads every process's CPU time from /proc and sorts the
difference into "benchmark" (the server's process group, CMD and its children,
PostgreSQL backends of the benchmark's database) and "foreign" (everything
else: another benchmark on the same cores, a build...). Writes both, in cores
(CPU seconds per second), and the busiest foreign processes to X.json; exits
with CMD's status. run.sh repeats a measurement whose foreign share is too high.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time

TICKS = os.sysconf("SC_CLK_TCK")


def machine_busy() -> int:
    """CPU ticks the whole machine spent not idle (all cores), from /proc/stat."""
    with open("/proc/stat") as handle:
        values = [int(x) for x in handle.readline().split()[1:]]
    return sum(values[:8]) - values[3] - values[4]


def snapshot() -> dict[tuple[int, int], tuple[int, int, int, str]]:
    """(pid, start time) -> (cpu ticks, pgid, ppid, command line) of every process."""
    out = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as handle:
                stat = handle.read()
            with open(f"/proc/{name}/cmdline", "rb") as handle:
                cmdline = handle.read().replace(b"\0", b" ").decode("utf-8", "replace").strip()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        # fields[0] is field 3 (state): ppid = 4, pgrp = 5, utime = 14, stime = 15.
        ppid, pgid = int(fields[1]), int(fields[2])
        ticks = int(fields[11]) + int(fields[12])
        start = int(fields[19])
        if not cmdline:
            cmdline = "[" + stat[stat.index("(") + 1 : stat.rindex(")")] + "]"
        out[(int(name), start)] = (ticks, pgid, ppid, cmdline)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--server-pgid", type=int, required=True)
    parser.add_argument("--database", default="quiz_bench_lb")
    parser.add_argument("--out", required=True)
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    me = os.getpid()
    before = snapshot()
    busy_before = machine_busy()
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    child = subprocess.Popen(command)
    children = {child.pid}
    # Follow CMD's descendants while it runs (Locust is one process, but be safe).
    while child.poll() is None:
        for (pid, _s), (_t, _g, ppid, _c) in snapshot().items():
            if ppid in children:
                children.add(pid)
        time.sleep(1)
    after = snapshot()
    busy_after = machine_busy()
    seconds = time.monotonic() - started
    children_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    ours: dict[str, float] = {"server": 0, "load generator": 0, "postgresql": 0, "watch": 0}
    foreign: dict[str, float] = {}
    # CMD has exited (and been waited for): its CPU is in RUSAGE_CHILDREN.
    ours["load generator"] = TICKS * (
        children_after.ru_utime
        + children_after.ru_stime
        - children_before.ru_utime
        - children_before.ru_stime
    )
    for key, (ticks, pgid, ppid, cmdline) in after.items():
        pid = key[0]
        spent = ticks - (before[key][0] if key in before else 0)
        if spent <= 0:
            continue
        if pgid == args.server_pgid:
            ours["server"] += spent
        elif pid in children or ppid in children:
            ours["load generator"] += spent
        elif cmdline.startswith("postgres:") and f" {args.database} " in f" {cmdline} ":
            ours["postgresql"] += spent
        elif pid == me or ppid == me:
            ours["watch"] += spent
        else:
            foreign[f"{pid} {cmdline[:120]}"] = foreign.get(f"{pid} {cmdline[:120]}", 0) + spent
    cores = lambda ticks: round(ticks / TICKS / seconds, 3)  # noqa: E731
    busiest = sorted(foreign.items(), key=lambda item: -item[1])[:5]
    result = {
        "seconds": round(seconds, 1),
        "cores": {k: cores(v) for k, v in ours.items()},
        # The machine's busy time minus the benchmark's: also counts foreign processes
        # that ended during the run (their CPU is no longer in /proc).
        "foreign_cores": max(cores(busy_after - busy_before - sum(ours.values())), 0.0),
        "machine_busy_cores": cores(busy_after - busy_before),
        "foreign_busiest": {k: cores(v) for k, v in busiest},
    }
    with open(args.out, "w") as handle:
        json.dump(result, handle, indent=2)
    sys.exit(child.returncode)


if __name__ == "__main__":
    main()
