"""The attempt page on a phone over slow 3G: how long until the first question reads.

    python benchmarks/slow_3g.py [--runs 5]

Starts ``quiz demo`` (gunicorn, SQLite) in a temporary instance on a free loopback
port, logs the demo student in with Debian's Chromium, starts the open round (20
questions), then loads the attempt page in a fresh browser (nothing cached) with
Chromium's network emulation at 400 kbit/s each way and a 400 ms round trip, timing
from the navigation to the first question's text on screen. Prints one JSON line:
the runs, their median, and the bytes transferred.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SLOW_3G = {
    "offline": False,
    "latency": 400,
    "downloadThroughput": 400 * 1000 / 8,
    "uploadThroughput": 400 * 1000 / 8,
}
TRANSFERRED = """() => performance.getEntriesByType('navigation')[0].transferSize +
  performance.getEntriesByType('resource').reduce((sum, r) => sum + r.transferSize, 0)"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--no-throttle", action="store_true", help="the same without the emulation (loopback)"
    )
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as instance:
        env = {k: v for k, v in os.environ.items() if not k.startswith("QUIZ_")}
        env["QUIZ_INSTANCE_PATH"] = instance
        demo = subprocess.Popen(
            [sys.executable, "-m", "quiz", "demo", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            for _ in range(240):
                try:
                    urllib.request.urlopen(base + "/healthz", timeout=2)
                    break
                except OSError:
                    time.sleep(0.5)
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                context = browser.new_context(viewport={"width": 390, "height": 844})
                page = context.new_page()
                page.goto(base + "/login")
                page.fill("#email", "student@demo.example.org")
                page.fill("#password", "Hanoi-Demo-2025-sv")
                page.click("form[novalidate] button[type=submit]")
                page.wait_for_load_state()
                rounds = page.request.get(base + "/api/v1/rounds").json()["rounds"]
                # The demo's ranked open round (its practice round has fewer questions).
                open_round = max(
                    (r for r in rounds if r["status"] == "open"), key=lambda r: r["question_count"]
                )
                token = page.evaluate("document.querySelector('[name=csrf_token]').value")
                started = page.request.post(
                    f"{base}/api/v1/rounds/{open_round['id']}/attempts",
                    headers={"X-CSRFToken": token},
                )
                attempt = started.json()["id"]
                state = context.storage_state()
                times, sizes = [], []
                for _ in range(args.runs):
                    fresh = browser.new_context(
                        viewport={"width": 390, "height": 844}, storage_state=state
                    )
                    phone = fresh.new_page()
                    cdp = fresh.new_cdp_session(phone)
                    cdp.send("Network.enable")
                    if not args.no_throttle:
                        cdp.send("Network.emulateNetworkConditions", SLOW_3G)
                    begun = time.perf_counter()
                    phone.goto(f"{base}/attempts/{attempt}", wait_until="commit")
                    phone.locator(".item.current .question-text").wait_for(state="visible")
                    times.append(round(time.perf_counter() - begun, 2))
                    phone.wait_for_load_state("load")
                    sizes.append(phone.evaluate(TRANSFERRED))
                    fresh.close()
                browser.close()
        finally:
            os.killpg(demo.pid, signal.SIGTERM)
            demo.wait(timeout=15)
    print(
        json.dumps(
            {
                "runs_s": times,
                "median_s": statistics.median(times),
                "transferred_bytes": sizes,
                "network": "loopback"
                if args.no_throttle
                else "400 kbit/s each way, 400 ms round trip",
            }
        )
    )


if __name__ == "__main__":
    main()
