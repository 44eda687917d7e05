"""Students behind one address: a lab, a carrier's NAT, a reverse proxy in front."""

from __future__ import annotations

from datetime import timedelta

import time_machine

from quiz import create_app
from quiz.accounts import limits
from quiz.api import attempts as attempt_api
from quiz.clock import now
from tests.conftest import PASSWORD, log_in

CAMPUS = "203.0.113.50"


def register(client, n, ip=CAMPUS):
    return client.post(
        "/api/v1/register",
        json={
            "email": f"lab{n}@example.edu.vn",
            "password": "Lantern-Quiet-River-58",
            "full_name": f"Nguyễn Văn Lab {n}",
            "university_code": "LAB",
        },
        environ_base={"REMOTE_ADDR": ip},
    )


def test_a_class_of_200_registers_from_one_address_within_ten_minutes(client, make_university):
    make_university(code="LAB")
    assert limits.REGISTRATIONS_PER_IP.startswith("300 per 10 minutes")
    with time_machine.travel(now(), tick=False) as clock:
        # The class arrives in a rush: 150 in the first minute, the rest over nine more.
        for n in range(200):
            assert register(client, n).status_code == 201, n
            clock.shift(timedelta(seconds=0.4 if n < 150 else 10))


def test_saves_and_starts_are_limited_per_account_never_per_address(app, make_user, make_round):
    round_ = make_round()
    busy, neighbour = log_in(app, make_user()), log_in(app, make_user())
    where = {"REMOTE_ADDR": CAMPUS}
    aid = busy.post(f"/api/v1/rounds/{round_.id}/attempts", environ_base=where).json["id"]
    url = f"/api/v1/attempts/{aid}/answers/1"
    assert attempt_api.SAVES_PER_ACCOUNT == "300 per minute"
    for _ in range(300):
        busy.put(url, json={"choices": ["a"]}, environ_base=where)
    assert busy.put(url, json={"choices": ["a"]}, environ_base=where).status_code == 429
    # The student next to them, behind the same address, is not slowed down at all.
    theirs = neighbour.post(f"/api/v1/rounds/{round_.id}/attempts", environ_base=where).json
    saved = neighbour.put(
        f"/api/v1/attempts/{theirs['id']}/answers/1", json={"choices": ["a"]}, environ_base=where
    )
    assert saved.status_code == 200


def test_behind_a_trusted_proxy_each_student_has_their_own_address(
    tmp_path, monkeypatch, app, make_user
):
    users = [make_user() for _ in range(101)]

    def fail_login(client, user, forwarded):
        return client.post(
            "/login",
            data={"email": user.email, "password": "wrong-password!"},
            environ_base={"REMOTE_ADDR": "127.0.0.1"},
            headers={"X-Forwarded-For": forwarded},
        ).status_code

    # Without the setting every request comes from the proxy: one address for all.
    plain = app.test_client()
    statuses = [fail_login(plain, u, f"198.51.100.{i % 200 + 1}") for i, u in enumerate(users)]
    assert statuses[-1] == 429
    # With QUIZ_PROXY_HOPS=1 the forwarded address counts.
    behind = create_proxied(app, monkeypatch, tmp_path)
    client = behind.test_client()
    statuses = [fail_login(client, u, f"198.51.100.{i % 200 + 1}") for i, u in enumerate(users)]
    assert 429 not in statuses
    assert client.get("/healthz").status_code == 200


def create_proxied(app, monkeypatch, tmp_path):
    """The same application behind one proxy hop, on the test's database session."""
    monkeypatch.setenv("QUIZ_INSTANCE_PATH", str(tmp_path))
    proxied = create_app({**app.config, "PROXY_HOPS": 1})
    proxied.extensions["quiz_db"] = app.extensions["quiz_db"]
    return proxied


def test_login_still_works_for_the_owner_after_neighbours_mistype(client, student):
    for n in range(50):
        client.post(
            "/login",
            data={"email": f"typo{n}@example.edu.vn", "password": "wrong-password!"},
            environ_base={"REMOTE_ADDR": CAMPUS},
        )
    response = client.post(
        "/login",
        data={"email": student.email, "password": PASSWORD},
        environ_base={"REMOTE_ADDR": CAMPUS},
    )
    assert response.status_code == 302
