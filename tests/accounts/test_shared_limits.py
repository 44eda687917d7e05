"""With QUIZ_REDIS_URL set, several app servers count rate limits together.

Two real ``quiz serve`` processes share one database and one Redis: failed
logins sent to either of them add up.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
import redis

from tests.test_demo import free_port

REDIS_URL = "redis://127.0.0.1:6379/15"
PASSWORD = "harbour-lantern-quiet-7"


@pytest.fixture
def redis_db():
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.ConnectionError:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("Redis is not running on 127.0.0.1:6379")
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    client.flushdb()
    yield client
    client.flushdb()


def quiz(env, *args, **kwargs):
    return subprocess.run(
        [sys.executable, "-m", "quiz", *args],
        env=env,
        check=True,
        capture_output=True,
        text=True,
        **kwargs,
    )


def post_login(port, email, password):
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1/auth/token",
        data=json.dumps({"email": email, "password": password}).encode(),
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.fixture
def two_servers(tmp_path, redis_db):
    env = {k: v for k, v in os.environ.items() if not k.startswith("QUIZ_")}
    env.update(
        QUIZ_INSTANCE_PATH=str(tmp_path),
        QUIZ_SECRET_KEY="s" * 48,
        QUIZ_REDIS_URL=REDIS_URL,
        QUIZ_DATABASE_URL=f"sqlite:///{tmp_path / 'shared.db'}",
    )
    quiz(env, "db", "upgrade")
    quiz(
        env,
        "users",
        "create",
        "--role",
        "organiser",
        "--email",
        "boss@example.org",
        "--name",
        "Đỗ Quang",
        "--password-stdin",
        input=PASSWORD + "\n",
    )
    ports = [free_port(), free_port()]
    servers = [
        subprocess.Popen(
            [sys.executable, "-m", "quiz", "serve", "--port", str(port), "--workers", "1"],
            env=env,
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for port in ports
    ]
    try:
        for port in ports:
            for _ in range(60):
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
                    break
                except OSError:
                    time.sleep(0.25)
        yield ports
    finally:
        for server in servers:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=15)


def test_failed_logins_add_up_across_two_servers(two_servers):
    first, second = two_servers
    for attempt in range(10):
        port = first if attempt % 2 else second
        assert post_login(port, "boss@example.org", "wrong-password!") == 401
    # The right password, but the account's failures already reached the limit.
    assert post_login(first, "boss@example.org", PASSWORD) == 429
    assert post_login(second, "boss@example.org", PASSWORD) == 429


def request(port, path, method="GET", body=None, headers=None):
    """(status, parsed JSON or text, response headers) of one request to a server."""
    data = json.dumps(body).encode() if body is not None else None
    call = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        data=data,
        method=method,
        headers={"Content-Type": "application/json", **(headers or {})},
    )
    try:
        with urllib.request.urlopen(call, timeout=5) as response:
            text = response.read().decode()
            return response.status, text, response.headers
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(), error.headers


def test_a_token_and_a_session_from_one_server_work_on_the_other(two_servers):
    first, second = two_servers
    status, text, _ = request(
        first, "/api/v1/auth/token", "POST", {"email": "boss@example.org", "password": PASSWORD}
    )
    assert status == 200
    token = json.loads(text)["token"]
    bearer = {"Authorization": f"Bearer {token}"}
    assert request(second, "/api/v1/attempts/999999", headers=bearer)[0] == 404  # known there
    # Revoked on the second server, refused there at once and on the first within seconds.
    assert request(second, "/api/v1/auth/token", "DELETE", headers=bearer)[0] == 204
    assert request(second, "/api/v1/attempts/999999", headers=bearer)[0] == 401
    time.sleep(3.5)
    assert request(first, "/api/v1/attempts/999999", headers=bearer)[0] == 401
    # A page session made by the first server opens pages of the second.
    page = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
    form = page.open(f"http://127.0.0.1:{first}/login", timeout=5).read().decode()
    csrf = form.split('name="csrf_token" type="hidden" value="', 1)[1].split('"', 1)[0]
    fields = urllib.parse.urlencode(
        {"csrf_token": csrf, "email": "boss@example.org", "password": PASSWORD}
    ).encode()
    page.open(f"http://127.0.0.1:{first}/login", data=fields, timeout=5)
    profile = page.open(f"http://127.0.0.1:{second}/profile", timeout=5)
    assert profile.status == 200 and "boss@example.org" in profile.read().decode()
