"""Logging in and out, remember me, rate limits, password change."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from email.utils import parsedate_to_datetime

import pytest

from quiz import create_app, migrate
from quiz.accounts import services
from quiz.accounts.models import Role, User
from quiz.accounts.passwords import hash_password
from quiz.clock import now
from quiz.db import session_scope
from tests.conftest import PASSWORD, log_in, on_postgres


def login(client, email, password, ip="203.0.113.7", **extra):
    return client.post(
        "/login",
        data={"email": email, "password": password, **extra},
        environ_base={"REMOTE_ADDR": ip},
    )


def test_login_with_the_right_password_opens_the_profile(client, student):
    response = login(client, student.email.upper(), PASSWORD)
    assert response.status_code == 302
    assert client.get("/profile").status_code == 200


def test_remember_me_sets_a_lasting_cookie(client, student):
    response = login(client, student.email, PASSWORD, remember="y")
    assert "remember_token=" in " ".join(response.headers.getlist("Set-Cookie"))


def test_wrong_password_says_so_without_telling_which_part_is_wrong(client, student):
    response = login(client, student.email, "not-the-password")
    assert response.status_code == 200
    assert "không đúng" in response.text
    unknown = login(client, "nobody@example.edu.vn", "not-the-password")
    assert "không đúng" in unknown.text


def test_a_hundred_and_first_failed_login_in_a_minute_from_one_address_is_429(client, make_user):
    """A campus behind one address mistypes too: 100 failures a minute pass, then 429."""
    users = [make_user() for _ in range(101)]
    for user in users[:100]:
        assert login(client, user.email, "wrong-password!").status_code == 200
    response = login(client, users[100].email, "wrong-password!")
    assert response.status_code == 429
    assert "Quá nhiều" in response.text
    # Another address is not blocked.
    assert login(client, users[100].email, PASSWORD, ip="198.51.100.1").status_code == 302


def test_failed_logins_against_one_account_are_limited_across_addresses(client, student):
    for n in range(10):
        login(client, student.email, "wrong-password!", ip=f"198.51.100.{n + 1}")
    response = login(client, student.email, PASSWORD, ip="198.51.100.99")
    assert response.status_code == 429


def test_successful_logins_do_not_use_up_the_limit(client, student):
    for _ in range(12):
        assert login(client, student.email, PASSWORD).status_code == 302
        client.post("/logout")


def test_api_token_login_is_rate_limited_too(client, student):
    for _ in range(10):
        response = client.post(
            "/api/v1/auth/token", json={"email": student.email, "password": "wrong-password!"}
        )
        assert response.status_code == 401
    response = client.post(
        "/api/v1/auth/token",
        json={"email": student.email, "password": PASSWORD},
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 429
    assert response.json["error"]["code"] == "rate_limited"
    assert "Too many" in response.json["error"]["message"]


def test_logout_ends_the_session(student_client):
    assert student_client.get("/profile").status_code == 200
    student_client.post("/logout")
    assert student_client.get("/profile").status_code == 302


def test_password_change_logs_out_other_devices(app, student, db_session):
    here = log_in(app, student)
    elsewhere = log_in(app, student)
    response = here.post(
        "/profile/password",
        data={
            "pw-current_password": PASSWORD,
            "pw-new_password": "brand-new-lantern-77",
            "pw-confirm": "brand-new-lantern-77",
        },
    )
    assert response.status_code == 302
    assert here.get("/profile").status_code == 200
    assert elsewhere.get("/profile").status_code == 302


def test_password_change_needs_the_current_password(student_client):
    response = student_client.post(
        "/profile/password",
        data={
            "pw-current_password": "not-it-at-all",
            "pw-new_password": "brand-new-lantern-77",
            "pw-confirm": "brand-new-lantern-77",
        },
    )
    assert response.status_code == 422
    assert "không đúng" in response.text


def test_logout_ends_the_session_on_the_server_even_for_a_copied_cookie(client, student):
    login(client, student.email, PASSWORD, remember="y")
    cookies = {c.key: c.value for c in client._cookies.values()}
    assert client.get("/profile").status_code == 200
    client.post("/logout")
    # Someone who copied the cookies before the logout gets nothing with them.
    thief = client.application.test_client()
    for name, value in cookies.items():
        thief.set_cookie(name, value)
    assert thief.get("/profile").status_code == 302
    remembered = client.application.test_client()
    remembered.set_cookie("remember_token", cookies["remember_token"])
    assert remembered.get("/profile").status_code == 302


def test_each_login_gets_its_own_remember_cookie_lasting_a_month(client, student):
    values = []
    for _ in range(2):
        response = login(client, student.email, PASSWORD, remember="y")
        cookie = next(h for h in response.headers.getlist("Set-Cookie") if "remember_token" in h)
        values.append(cookie.split(";")[0])
        assert "Expires=" in cookie
        client.post("/logout")
    assert values[0] != values[1]
    expires = cookie.split("Expires=")[1].split(";")[0]
    assert 29 <= (parsedate_to_datetime(expires) - now()).days <= 30


def test_guessing_from_many_addresses_does_not_lock_the_owner_out_of_their_device(app, student):
    phone = app.test_client()
    assert login(phone, student.email, PASSWORD).status_code == 302  # a device used before
    phone.post("/logout")
    attacker = app.test_client()
    for n in range(40):
        login(attacker, student.email, "wrong-password!", ip=f"198.51.100.{n + 1}")
    assert login(attacker, student.email, PASSWORD, ip="198.51.100.200").status_code == 429
    # The owner, on the phone that logged in before, from a fresh address: in.
    assert login(phone, student.email, PASSWORD, ip="203.0.113.99").status_code == 302


def test_a_new_password_voids_the_device_cookies_issued_before(app, student, db_session):
    thief = app.test_client()
    assert login(thief, student.email, PASSWORD).status_code == 302  # knew the old password
    services.set_new_password(db_session, student, "Orchard-Lantern-Quiet-93")
    db_session.commit()
    statuses = [
        login(thief, student.email, f"guess-number-{n}", ip=f"198.51.100.{n + 1}").status_code
        for n in range(12)
    ]
    # The old device cookie counts as none: the thief shares the account's 10 a minute.
    assert statuses[:10] == [200] * 10 and statuses[10:] == [429, 429]


def test_a_refused_login_says_when_to_try_again(client, student):
    for n in range(10):
        login(client, student.email, "wrong-password!", ip=f"198.51.100.{n + 1}")
    refused = login(client, student.email, PASSWORD, ip="198.51.100.99")
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60


def test_the_account_limit_is_counted_before_the_password_is_checked(client, student, monkeypatch):
    checks = []
    real = services.verify_password

    def counting(stored, given):
        checks.append(1)
        return real(stored, given)

    monkeypatch.setattr(services, "verify_password", counting)
    statuses = [
        login(client, student.email, "wrong-password!", ip=f"198.51.100.{n}").status_code
        for n in range(1, 16)
    ]
    assert statuses[:10] == [200] * 10 and set(statuses[10:]) == {429}
    assert len(checks) == 10, "no password is checked past the limit"


def test_serving_several_workers_without_redis_is_refused(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("QUIZ_")}
    env.update(QUIZ_INSTANCE_PATH=str(tmp_path), QUIZ_SECRET_KEY="k" * 48)
    result = subprocess.run(
        [sys.executable, "-m", "quiz", "serve", "--port", "1", "--workers", "2"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "set QUIZ_REDIS_URL" in result.stderr


def test_on_sqlite_other_writers_go_on_while_a_password_is_checked(tmp_path, monkeypatch):
    """The Argon2id check holds no write lock: a save on another server does not wait for it."""
    if on_postgres():
        pytest.skip("SQLite's write lock; runs with the SQLite pass")
    database = tmp_path / "quiz.db"
    monkeypatch.setenv("QUIZ_INSTANCE_PATH", str(tmp_path))
    app = create_app(
        {"DATABASE_URL": f"sqlite:///{database}", "WTF_CSRF_ENABLED": False, "TESTING": True}
    )
    with app.app_context():
        migrate.upgrade(app)
        with session_scope() as session:
            session.add(
                User(
                    email="an@example.edu.vn",
                    full_name="Nguyễn Thị An",
                    display_name="An N.",
                    role=Role.ORGANISER.value,
                    password_hash=hash_password(PASSWORD),
                )
            )
    other_writes: list[str] = []
    real_check = services.verify_password

    def check_while_another_server_writes(hashed: str, password: str) -> bool:
        other = sqlite3.connect(database, timeout=0, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
            other_writes.append("written")
        except sqlite3.OperationalError as error:
            other_writes.append(str(error))
        finally:
            other.close()
        return real_check(hashed, password)

    monkeypatch.setattr(services, "verify_password", check_while_another_server_writes)
    response = app.test_client().post(
        "/login", data={"email": "an@example.edu.vn", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert other_writes == ["written"]
    app.extensions["quiz_db"].engine.dispose()
