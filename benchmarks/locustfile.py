"""Locust scenarios of the start benchmark (see benchmarks/README.md).

``ContestStudent``, the contest-day model (the default): one simulated
student per Locust user, behaving as a browser does.

1. At a moment drawn uniformly over the ``BENCH_LOGIN_WINDOW`` seconds before
   the start instant: ``GET /login``, ``POST /login`` with the student's real
   password (production Argon2id), the round page (the waiting room), the
   style sheet and the scripts once, as a browser caches them, and, as the
   round page's script does, the student's sealed paper (``GET
   /rounds/{id}/paper``).
2. At the common instant ``BENCH_START_AT`` (a Unix time; the round opens
   then): ``POST /rounds/{id}/start`` as the round page's script sends it; its
   answer carries the paper's key, which opens the questions in place. Without
   a sealed paper (``BENCH_SEALED=0``, or none drawn), the form's post and
   ``GET /attempts/{id}``, the HTML page with its questions, as a browser
   without the script does.
3. 20 answer saves through the API as the page's script sends them
   (``PUT /api/v1/attempts/{id}/answers/{position}``, the session cookie and
   the ``X-CSRFToken`` header), each after a think time drawn uniformly in
   [BENCH_THINK_MIN, BENCH_THINK_MAX] seconds; an answer that fails (no
   answer, 5xx, 429) is sent again after 1, 2, 4... up to 15 s, as the page does.
4. The confirmation page, ``POST /attempts/{id}/submit`` (the form), the result page.

``StudentUser``, the stress model (``MODEL=stress``), finds the ceiling: a
student already holding an API token starts through the API at the instant,
saves 20 answers 0.5-3 s apart and submits.

Every acknowledged save (HTTP 200) is appended to ``BENCH_OUT/saves-<pid>.jsonl``
(attempt, position, choices, time of the acknowledgement, latency in ms) and
every student's outcome to ``BENCH_OUT/students-<pid>.jsonl``;
``check_saves.py`` compares them with the database afterwards. The run ends as
soon as every student is done (or at ``--run-time``).

``HealthzUser``: ``GET /healthz`` in a closed loop, the bare ceiling of the
same server and the same load generator.

Environment: BENCH_TOKENS (stress) or BENCH_STUDENTS + BENCH_PASSWORD (contest),
BENCH_ROUND_ID, BENCH_OUT, BENCH_START_AT, BENCH_LOGIN_WINDOW (600),
BENCH_THINK_MIN, BENCH_THINK_MAX, BENCH_TIMEOUT (120 s per request),
BENCH_PROCESSES (Locust worker processes, 1 when not distributed).
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
from cryptography.exceptions import InvalidTag
from locust import FastHttpUser, constant, events, task
from locust.exception import StopUser
from locust.runners import MasterRunner, WorkerRunner

from quiz.attempts import sealing  # noqa: E402 - the app's own sealing, to open the paper

OUT = Path(os.environ.get("BENCH_OUT", "benchmarks/out"))
ROUND_ID = int(os.environ.get("BENCH_ROUND_ID", "1"))
THINK_MIN = float(os.environ.get("BENCH_THINK_MIN", "0.5"))
THINK_MAX = float(os.environ.get("BENCH_THINK_MAX", "3.0"))
TIMEOUT = float(os.environ.get("BENCH_TIMEOUT", "120"))
START_AT = float(os.environ.get("BENCH_START_AT", "0"))
LOGIN_WINDOW = float(os.environ.get("BENCH_LOGIN_WINDOW", "600"))
PROCESSES = int(os.environ.get("BENCH_PROCESSES", "1"))
PASSWORD = os.environ.get("BENCH_PASSWORD", "")
SEALED = os.environ.get("BENCH_SEALED", "1") == "1"
START_TRIES = 5
#: The page's script retries an unsent answer after 1, 2, 4... seconds, at most 15.
RETRY_FIRST, RETRY_MAX, SAVE_TRIES = 1.0, 15.0, 12

CSRF_FIELD = re.compile(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"')
ATTEMPT = re.compile(r'data-attempt="(\d+)"')
PAGE_CSRF = re.compile(r'data-csrf="([^"]+)"')
SECTION = re.compile(r'<section class="card item[^"]*" data-position="(\d+)"')
OPTION = re.compile(r'<input type="(radio|checkbox)" name="choices"\s+value="([^"]+)"')
STATIC = re.compile(r"(/static/(?:css|js)/[\w.-]+\?v=[0-9a-f]+)")


class Recorder:
    """This process's students, its record files and its count of finished students."""

    def __init__(self) -> None:
        self.credentials: list[str] | None = None
        self.next = 0
        self.saves: Any = None
        self.students: Any = None

    def open(self, worker_index: int) -> None:
        path = os.environ.get("BENCH_TOKENS") or os.environ.get("BENCH_STUDENTS")
        if not path:
            return
        everything = Path(path).read_text().split()
        self.credentials = everything[worker_index::PROCESSES]
        OUT.mkdir(parents=True, exist_ok=True)
        pid = os.getpid()
        self.saves = open(OUT / f"saves-{pid}.jsonl", "w", buffering=1 << 16)  # noqa: SIM115
        self.students = open(OUT / f"students-{pid}.jsonl", "w", buffering=1 << 16)  # noqa: SIM115

    def take(self) -> str | None:
        if self.credentials is None or self.next >= len(self.credentials):
            return None
        value = self.credentials[self.next]
        self.next += 1
        return value

    def saved(self, attempt_id: int, position: int, choices: list[str], sent: float) -> None:
        moment = time.time()
        line = {"a": attempt_id, "p": position, "c": choices, "t": round(moment, 4)}
        line["l"] = round((moment - sent) * 1000, 2)
        self.saves.write(json.dumps(line) + "\n")

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


def pick(kind: str, ids: list[str]) -> list[str]:
    if kind in ("multiple", "checkbox") and len(ids) > 2 and random.random() < 0.5:
        return random.sample(ids, 2)
    return [random.choice(ids)]


def no_student_left(user: Any) -> None:
    """More users than students: nothing to do (reported as a failed start)."""
    events.request.fire(
        request_type="POST",
        name="start",
        response_time=0,
        response_length=0,
        exception=RuntimeError("no student left for this user"),
        context={},
    )
    student_finished(user.environment)
    raise StopUser()


class ContestStudent(FastHttpUser):
    """A student on contest day, as their browser behaves (see the module docstring)."""

    wait_time = constant(0)
    network_timeout = TIMEOUT
    connection_timeout = TIMEOUT

    def on_start(self) -> None:
        email = recorder.take()
        if email is None:
            no_student_left(self)
        self.email = email
        self.outcome: dict[str, Any] = {"email": email, "attempt": None, "saves": 0}
        # Log in at a moment spread over the window before the start, not all at once.
        login_at = START_AT - LOGIN_WINDOW + random.uniform(0, max(0.0, LOGIN_WINDOW - 15))
        delay = login_at - time.time()
        if delay > 0:
            gevent.sleep(delay)

    @task
    def take_round(self) -> None:
        try:
            if self.log_in() and self.wait_on_round_page():
                self.run_attempt()
        finally:
            recorder.students.write(json.dumps(self.outcome) + "\n")
            student_finished(self.environment)
        raise StopUser()

    def get(self, url: str, name: str) -> Any:
        with self.client.get(url, name=name, catch_response=True, allow_redirects=False) as r:
            if r.status_code == 200:
                r.success()
            else:
                r.failure(failure_text(r))
            return r

    def log_in(self) -> bool:
        page = self.get("/login", "login page")
        found = CSRF_FIELD.search(page.text or "") if page.status_code == 200 else None
        if not found:
            return False
        sent = time.time()
        with self.client.post(
            "/login",
            data={"csrf_token": found.group(1), "email": self.email, "password": PASSWORD},
            name="login",
            catch_response=True,
            allow_redirects=False,
        ) as response:
            if response.status_code != 302:
                response.failure(failure_text(response))
                return False
            response.success()
        self.outcome["login_ms"] = round((time.time() - sent) * 1000, 1)
        self.outcome["login_t"] = round(sent, 3)
        return True

    def wait_on_round_page(self) -> bool:
        page = self.get(f"/rounds/{ROUND_ID}", "round page")
        found = CSRF_FIELD.search(page.text or "") if page.status_code == 200 else None
        if not found:
            return False
        self.start_token = found.group(1)
        token = PAGE_CSRF.search(page.text)
        self.page_token = token.group(1) if token else self.start_token
        for asset in dict.fromkeys(STATIC.findall(page.text)):  # cached from then on
            self.get(asset, "static")
        self.parcel = None
        if SEALED:
            with self.client.get(
                f"/rounds/{ROUND_ID}/paper", name="sealed paper", catch_response=True
            ) as response:
                if response.status_code == 200:
                    self.parcel = response.json()
                    response.success()
                elif response.status_code == 404:
                    response.success()  # no paper drawn for this student: a plain start
                else:
                    response.failure(failure_text(response))
        delay = START_AT - time.time()
        if delay > 0:
            gevent.sleep(delay)
        else:
            self.outcome["late"] = True
        return True

    def start_in_place(self) -> tuple[int, str] | None:
        """The round page's script: the start, then the sealed paper opened with its key.

        (attempt id, questions HTML), or None when the attempt page must be loaded.
        """
        for attempt in range(START_TRIES):
            with self.client.post(
                f"/rounds/{ROUND_ID}/start",
                data={"csrf_token": self.start_token, "paper": self.parcel["key_id"]},
                headers={"Accept": "application/json"},
                name="start",
                catch_response=True,
            ) as response:
                if response.status_code == 200:
                    response.success()
                    answer = response.json()
                    self.outcome["start_s"] = round(time.time() - START_AT, 3)
                    break
                response.failure(failure_text(response))
            gevent.sleep(min(RETRY_MAX, RETRY_FIRST * 2**attempt))
        else:
            self.outcome["start_status"] = "failed"
            return None
        self.attempt_url = answer["url"].split("?")[0]
        if not answer.get("key"):
            return None
        try:
            html = sealing.unseal(sealing._bytes(answer["key"]), self.parcel)
        except (InvalidTag, ValueError):
            return None
        self.outcome["page_s"] = self.outcome["start_s"]
        self.outcome["opened_in_place"] = True
        return int(answer["attempt"]), html

    def run_attempt(self) -> None:
        opened = self.start_in_place() if self.parcel else None
        if opened is not None:
            attempt_id, html = opened
            self.outcome["attempt"] = attempt_id
            self.answer_all(attempt_id, html, {"X-CSRFToken": self.page_token})
            return
        if self.outcome.get("start_status") == "failed":
            return
        location = getattr(self, "attempt_url", None)  # started already, not opened in place
        for attempt in range(0 if location else START_TRIES):
            with self.client.post(
                f"/rounds/{ROUND_ID}/start",
                data={"csrf_token": self.start_token},
                name="start",
                catch_response=True,
                allow_redirects=False,
            ) as response:
                if response.status_code == 302 and "/attempts/" in (
                    response.headers.get("Location") or ""
                ):
                    response.success()
                    location = response.headers["Location"]
                    self.outcome["start_s"] = round(time.time() - START_AT, 3)
                    break
                response.failure(failure_text(response))
            gevent.sleep(min(RETRY_MAX, RETRY_FIRST * 2**attempt))
        if location is None:
            self.outcome["start_status"] = "failed"
            return
        path = "/" + location.split("/", 3)[-1] if location.startswith("http") else location
        self.outcome.setdefault("start_s", round(time.time() - START_AT, 3))
        page = None
        for attempt in range(START_TRIES):
            page = self.get(path, "attempt page")
            if page.status_code == 200:
                break
            gevent.sleep(min(RETRY_MAX, RETRY_FIRST * 2**attempt))
        if page is None or page.status_code != 200:
            return
        self.outcome["page_s"] = round(time.time() - START_AT, 3)
        html = page.text
        attempt_id = int(ATTEMPT.search(html).group(1))
        self.outcome["attempt"] = attempt_id
        self.answer_all(attempt_id, html, {"X-CSRFToken": PAGE_CSRF.search(html).group(1)})

    def answer_all(self, attempt_id: int, html: str, headers: dict) -> None:
        """Every question answered as the page's script saves it, then the submission."""
        sections = html.split('<section class="card item')[1:]
        for section in sections:
            position = int(SECTION.search('<section class="card item' + section).group(1))
            options = OPTION.findall(section)
            choices = pick(options[0][0], [value for _kind, value in options])
            gevent.sleep(random.uniform(THINK_MIN, THINK_MAX))
            if not self.save(attempt_id, position, choices, headers):
                break
        self.submit(attempt_id)

    def save(self, attempt_id: int, position: int, choices: list[str], headers: dict) -> bool:
        """Send one answer until the server has it (True), or says it never will (False)."""
        for attempt in range(SAVE_TRIES):
            sent = time.time()
            with self.client.put(
                f"/api/v1/attempts/{attempt_id}/answers/{position}",
                json={"choices": choices},
                headers=headers,
                name="save",
                catch_response=True,
            ) as response:
                if response.status_code == 200:
                    response.success()
                    self.outcome["saves"] += 1
                    recorder.saved(attempt_id, position, choices, sent)
                    return True
                response.failure(failure_text(response))
                if response.status_code in (409, 404, 422):
                    return response.status_code != 409
            gevent.sleep(min(RETRY_MAX, RETRY_FIRST * 2**attempt))
        return False

    def submit(self, attempt_id: int) -> None:
        page = self.get(f"/attempts/{attempt_id}/confirm", "confirm page")
        found = CSRF_FIELD.search(page.text or "") if page.status_code == 200 else None
        token = found.group(1) if found else self.start_token
        for attempt in range(START_TRIES):
            with self.client.post(
                f"/attempts/{attempt_id}/submit",
                data={"csrf_token": token},
                name="submit",
                catch_response=True,
                allow_redirects=False,
            ) as response:
                if response.status_code == 302 and "/result" in (
                    response.headers.get("Location") or ""
                ):
                    response.success()
                    break
                response.failure(failure_text(response))
            gevent.sleep(min(RETRY_MAX, RETRY_FIRST * 2**attempt))
        else:
            return
        result = self.get(f"/attempts/{attempt_id}/result", "result page")
        if result.status_code == 200:
            self.outcome["final_status"] = "submitted"


class StudentUser(FastHttpUser):
    """The stress model: a student who already holds a token, released at the instant."""

    wait_time = constant(0)
    network_timeout = TIMEOUT
    connection_timeout = TIMEOUT

    def on_start(self) -> None:
        token = recorder.take()
        if token is None:
            no_student_left(self)
        self.headers = {"Authorization": f"Bearer {token}", "Accept-Language": "vi"}
        delay = START_AT - time.time()
        if delay > 0:
            gevent.sleep(delay)

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
                    outcome["start_s"] = round(time.time() - START_AT, 3)
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
            choices = pick(item["kind"], [option["id"] for option in item["options"]])
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
                    recorder.saved(attempt_id, position, choices, sent)
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
