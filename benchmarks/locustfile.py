"""Locust scenarios of the synchronized-start benchmark (see benchmarks/README.md).

``StudentUser``: one simulated student per Locust user. Each takes one token
from ``BENCH_TOKENS`` (disjoint slices when Locust runs several worker
processes), waits for the shared start instant ``BENCH_START_AT`` (a Unix
time; every user is spawned before it, so all start together), then:

1. ``POST /api/v1/rounds/{id}/attempts`` (retried up to 3 times if it fails:
   a student without an attempt cannot go on; every failure is still counted),
2. 20 x ``PUT /api/v1/attempts/{id}/answers/{position}`` with a random valid
   option (one or two for multiple-answer items), each after a think time drawn
   uniformly in [BENCH_THINK_MIN, BENCH_THINK_MAX] seconds,
3. ``POST /api/v1/attempts/{id}/submit``,

and stops. Every acknowledged save (HTTP 200) is appended to
``BENCH_OUT/saves-<pid>.jsonl`` (attempt, position, choices, the time of the
acknowledgement and the latency in ms) and every student's outcome to
``BENCH_OUT/students-<pid>.jsonl``; ``check_saves.py`` compares them
with the database afterwards. The run ends as soon as every student is done
(or at ``--run-time``, whichever comes first).

``HealthzUser``: ``GET /healthz`` in a closed loop without think time, the
bare ceiling of the same server and the same load generator.

Environment: BENCH_TOKENS, BENCH_ROUND_ID, BENCH_OUT, BENCH_START_AT,
BENCH_THINK_MIN (0.5), BENCH_THINK_MAX (3.0), BENCH_TIMEOUT (120 s per request),
BENCH_PROCESSES (number of Locust worker processes, 1 when not distributed).
"""

from __future__ import annotations

import json
import os
import random
import re
import time
from pathlib import Path
from typing import Any

import gevent
from locust import FastHttpUser, constant, events, task
from locust.exception import StopUser
from locust.runners import MasterRunner, WorkerRunner

OUT = Path(os.environ.get("BENCH_OUT", "benchmarks/out"))
ROUND_ID = int(os.environ.get("BENCH_ROUND_ID", "1"))
THINK_MIN = float(os.environ.get("BENCH_THINK_MIN", "0.5"))
THINK_MAX = float(os.environ.get("BENCH_THINK_MAX", "3.0"))
TIMEOUT = float(os.environ.get("BENCH_TIMEOUT", "120"))
START_AT = float(os.environ.get("BENCH_START_AT", "0"))
PROCESSES = int(os.environ.get("BENCH_PROCESSES", "1"))
START_TRIES = 3


class Recorder:
    """This process's tokens, its record files and its count of finished students."""

    def __init__(self) -> None:
        self.tokens: list[str] | None = None
        self.next = 0
        self.finished = 0
        self.saves: Any = None
        self.students: Any = None
        self.late_starts = 0

    def open(self, worker_index: int) -> None:
        path = os.environ.get("BENCH_TOKENS")
        if not path:
            return
        everything = Path(path).read_text().split()
        self.tokens = everything[worker_index::PROCESSES]
        OUT.mkdir(parents=True, exist_ok=True)
        pid = os.getpid()
        self.saves = open(OUT / f"saves-{pid}.jsonl", "w", buffering=1 << 16)  # noqa: SIM115
        self.students = open(OUT / f"students-{pid}.jsonl", "w", buffering=1 << 16)  # noqa: SIM115

    def take_token(self) -> str | None:
        if self.tokens is None or self.next >= len(self.tokens):
            return None
        token = self.tokens[self.next]
        self.next += 1
        return token

    def flush(self) -> None:
        for handle in (self.saves, self.students):
            if handle is not None and not handle.closed:
                handle.flush()


recorder = Recorder()
done_total = 0  # on the master (or the local runner): students finished everywhere


def maybe_quit(environment: Any) -> None:
    """Stop the test once every spawned student is done."""
    target = environment.parsed_options.num_users if environment.parsed_options else None
    if target and done_total >= target:
        recorder.flush()
        gevent.spawn_later(1.0, environment.runner.quit)


@events.init.add_listener
def on_init(environment: Any, **_kwargs: Any) -> None:
    runner = environment.runner
    if isinstance(runner, MasterRunner):

        def on_done(msg: Any, **_kw: Any) -> None:
            global done_total
            done_total += int(msg.data)
            maybe_quit(environment)

        runner.register_message("student_done", on_done)
        return
    index = runner.worker_index if isinstance(runner, WorkerRunner) else 0
    recorder.open(index)


@events.test_stopping.add_listener
def on_stopping(**_kwargs: Any) -> None:
    recorder.flush()


@events.quitting.add_listener
def on_quitting(**_kwargs: Any) -> None:
    recorder.flush()


def student_finished(environment: Any) -> None:
    global done_total
    recorder.finished += 1
    runner = environment.runner
    if isinstance(runner, WorkerRunner):
        runner.send_message("student_done", 1)
    else:
        done_total += 1
        maybe_quit(environment)


def failure_text(response: Any) -> str:
    """The status and body of a failed request, or the connection error (status 0)."""
    if not response.status_code:
        # Without the URL (attempt ids) so that Locust groups the failures.
        text = re.sub(r"URL \S+", "URL", str(response.error))[:160]
        return f"no response: {type(response.error).__name__}: {text}"
    return f"HTTP {response.status_code}: {(response.text or '')[:200]}"


def pick(item: dict[str, Any]) -> list[str]:
    ids = [option["id"] for option in item["options"]]
    if item["kind"] == "multiple" and len(ids) > 2 and random.random() < 0.5:
        return random.sample(ids, 2)
    return [random.choice(ids)]


class StudentUser(FastHttpUser):
    """A student who already holds a token, in a synchronized start."""

    wait_time = constant(0)
    network_timeout = TIMEOUT
    connection_timeout = TIMEOUT

    def on_start(self) -> None:
        token = recorder.take_token()
        if token is None:
            # More users than tokens: nothing to do (reported as a failed start).
            events.request.fire(
                request_type="POST", name="start", response_time=0, response_length=0,
                exception=RuntimeError("no token left for this user"), context={},
            )
            student_finished(self.environment)
            raise StopUser()
        self.headers = {"Authorization": f"Bearer {token}", "Accept-Language": "vi"}
        delay = START_AT - time.time()
        if delay > 0:
            gevent.sleep(delay)
        else:
            recorder.late_starts += 1

    @task
    def take_round(self) -> None:
        outcome: dict[str, Any] = {"attempt": None, "saves": 0, "save_failures": 0}
        try:
            self.run_attempt(outcome)
        finally:
            recorder.students.write(json.dumps(outcome) + "\n")
            student_finished(self.environment)
        raise StopUser()

    def run_attempt(self, outcome: dict[str, Any]) -> None:
        attempt = None
        for _ in range(START_TRIES):
            with self.client.post(
                f"/api/v1/rounds/{ROUND_ID}/attempts",
                headers=self.headers,
                name="start",
                catch_response=True,
            ) as response:
                if response.status_code in (200, 201):
                    try:
                        attempt = response.json()
                    except Exception as error:  # noqa: BLE001
                        response.failure(f"bad JSON: {error}")
                        continue
                    outcome["start_status"] = response.status_code
                    response.success()
                    break
                response.failure(failure_text(response))
            gevent.sleep(random.uniform(1, 3))
        if attempt is None:
            outcome["start_status"] = "failed"
            return
        attempt_id = attempt["id"]
        outcome["attempt"] = attempt_id
        for item in attempt["items"]:
            gevent.sleep(random.uniform(THINK_MIN, THINK_MAX))
            choices = pick(item)
            position = item["position"]
            sent = time.time()
            with self.client.put(
                f"/api/v1/attempts/{attempt_id}/answers/{position}",
                json={"choices": choices},
                headers=self.headers,
                name="save",
                catch_response=True,
            ) as response:
                if response.status_code == 200:
                    response.success()
                    outcome["saves"] += 1
                    recorder.saves.write(
                        json.dumps(
                            {
                                "a": attempt_id,
                                "p": position,
                                "c": choices,
                                "t": round(time.time(), 4),
                                "l": round((time.time() - sent) * 1000, 2),
                            }
                        )
                        + "\n"
                    )
                else:
                    outcome["save_failures"] += 1
                    response.failure(failure_text(response))
        with self.client.post(
            f"/api/v1/attempts/{attempt_id}/submit",
            headers=self.headers,
            name="submit",
            catch_response=True,
        ) as response:
            outcome["submit_status"] = response.status_code
            if response.status_code == 200:
                body = response.json()
                outcome["final_status"] = body.get("status")
                if body.get("status") == "submitted":
                    response.success()
                else:
                    response.failure(f"status {body.get('status')}")
            else:
                response.failure(failure_text(response))


class HealthzUser(FastHttpUser):
    """The bare endpoint, no database and no auth: this machine's ceiling."""

    wait_time = constant(0)
    network_timeout = TIMEOUT
    connection_timeout = TIMEOUT

    @task
    def healthz(self) -> None:
        self.client.get("/healthz", name="healthz")
