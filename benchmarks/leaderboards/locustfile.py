"""One leaderboard read, repeated in a closed loop (benchmarks/leaderboards/README.md).

Each Locust run measures exactly one read, so that the figures of one read are
never mixed with another's. ``run.sh`` starts one run per read and per number
of users, with:

- ``LB_NAME``: the read's name in the reports (``round_first``, ``uni_mean_round``...),
- ``LB_PATH``: the path to GET (query string included),
- ``LB_SAMPLES``: a file where every response time is written, in ms with
  microsecond precision, one per line (Locust's own CSV percentiles are whole
  milliseconds, too coarse for a ratio of medians of a few ms),
- ``LB_TIMEOUT``: seconds before a request counts as failed (default 30),
- ``LB_TOKENS`` (the "my position" reads): a JSON file of ``lbtool.py tokens``;
  each request is then made by one of those students, picked at random, with
  their bearer token, and ``LB_RANK`` names the rank the page must show
  (``round_rank`` or ``overall_rank``).

A response counts as a failure unless it is HTTP 200, JSON, and has an
``entries`` list and a ``total`` (with ``LB_TOKENS``: HTML that shows "Your
position" with the student's expected rank); the status and the first bytes of
any failure go to Locust's failure CSV.
"""

from __future__ import annotations

import json
import os
import random
import re
from pathlib import Path
from typing import Any

from locust import FastHttpUser, constant, events, task

NAME = os.environ.get("LB_NAME", "read")
PATH = os.environ.get("LB_PATH", "/healthz")
SAMPLES = os.environ.get("LB_SAMPLES")
TIMEOUT = float(os.environ.get("LB_TIMEOUT", "30"))
TOKENS = (
    json.loads(Path(os.environ["LB_TOKENS"]).read_text()) if os.environ.get("LB_TOKENS") else []
)
RANK = os.environ.get("LB_RANK", "round_rank")
#: The "my position" line of the students page (its text is translated; the markup is not).
POSITION = re.compile(r'<p class="lead">[^<]*?(\d+)</p>')

_times: list[float] = []


@events.request.add_listener
def _record(response_time: float, exception: Any, **_kwargs: Any) -> None:
    if exception is None:
        _times.append(response_time)


@events.test_stop.add_listener
def _write(**_kwargs: Any) -> None:
    if SAMPLES:
        with open(SAMPLES, "w") as handle:
            handle.write("\n".join(f"{t:.3f}" for t in _times))
            handle.write("\n")


class ReaderUser(FastHttpUser):
    """GET ``LB_PATH`` again and again, without think time."""

    wait_time = constant(0)
    network_timeout = TIMEOUT
    connection_timeout = TIMEOUT

    @task
    def read(self) -> None:
        if TOKENS:
            self.my_position(random.choice(TOKENS))
            return
        with self.client.get(PATH, name=NAME, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}: {(response.text or '')[:200]}")
                return
            try:
                body = json.loads(response.content)
            except ValueError:
                response.failure(f"not JSON: {(response.text or '')[:200]}")
                return
            if not isinstance(body.get("entries"), list) or "total" not in body:
                response.failure(f"unexpected body: {(response.text or '')[:200]}")

    def my_position(self, student: dict[str, Any]) -> None:
        headers = {"Authorization": f"Bearer {student['token']}"}
        with self.client.get(PATH, name=NAME, headers=headers, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}: {(response.text or '')[:200]}")
                return
            found = POSITION.search(response.text or "")
            if found is None or int(found.group(1)) != student[RANK]:
                shown = found.group(0) if found else "no position"
                response.failure(
                    f"student {student['student_id']}: {shown}, expected {student[RANK]}"
                )
