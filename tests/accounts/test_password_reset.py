"""Forgotten passwords: a link mailed through a real SMTP server, once, for one hour."""

from __future__ import annotations

import email
import email.policy
import re
import smtplib
import time
from datetime import timedelta

import pytest
import time_machine
from aiosmtpd.controller import Controller
from sqlalchemy import select

from quiz import mail
from quiz.accounts import resets
from quiz.accounts.models import Role, User
from quiz.clock import now
from quiz.config import production_problems
from tests.conftest import PASSWORD, log_in
from tests.test_demo import free_port

NEW_PASSWORD = "Orchard-Lantern-Quiet-93"


class Mailbox:
    """An SMTP server's handler keeping every message it receives."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], str]] = []

    async def handle_DATA(self, _server, _session, envelope):  # noqa: N802 - aiosmtpd's name
        self.messages.append((envelope.rcpt_tos, envelope.content.decode("utf-8", "replace")))
        return "250 OK"

    def wait(self, count: int = 1, seconds: float = 10) -> list[tuple[list[str], str]]:
        end = time.monotonic() + seconds
        while len(self.messages) < count and time.monotonic() < end:
            time.sleep(0.05)
        return self.messages


@pytest.fixture
def mailbox(app):
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    app.config["SMTP_URL"] = f"smtp://127.0.0.1:{controller.port}"
    try:
        yield box
    finally:
        app.config["SMTP_URL"] = None
        controller.stop()


def text_of(message: str) -> str:
    """The message's text as a reader sees it (transfer encoding undone)."""
    return email.message_from_string(message, policy=email.policy.default).get_content()


def link_in(message: str, kind: str = "reset") -> str:
    return re.search(rf"https?://[^/\s]+(/{kind}/[\w.-]+)", text_of(message)).group(1)


def ask(client, email):
    return client.post("/forgot", data={"email": email}, headers={"Accept-Language": "en"})


def test_the_answer_is_the_same_whether_or_not_the_address_has_an_account(client, student, mailbox):
    known, unknown = ask(client, student.email), ask(client, "nobody@example.edu.vn")
    assert known.status_code == unknown.status_code == 200
    assert "If an account exists for this address" in known.text
    strip = lambda page: re.sub(r'name="csrf_token"[^>]*>', "", page)  # noqa: E731
    assert strip(known.text) == strip(unknown.text)
    messages = mailbox.wait(1)
    time.sleep(0.3)
    assert [to for to, _ in messages] == [[student.email]]


def test_the_mailed_link_sets_a_new_password_once(app, client, student, mailbox):
    elsewhere = log_in(app, student)
    ask(client, student.email)
    ((_to, message),) = mailbox.wait(1)
    path = link_in(message)
    assert client.get(path).status_code == 200
    done = client.post(path, data={"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 302 and client.get("/profile").status_code == 200
    assert elsewhere.get("/profile").status_code == 302, "other devices are logged out"
    fresh = app.test_client()
    assert (
        fresh.post("/login", data={"email": student.email, "password": PASSWORD}).status_code == 200
    )
    assert (
        fresh.post("/login", data={"email": student.email, "password": NEW_PASSWORD}).status_code
        == 302
    )
    assert client.get(path).status_code == 404, "a link works once"


def test_a_link_is_valid_for_one_hour(app, client, student):
    with time_machine.travel(now(), tick=False) as clock:
        with app.app_context():
            path = "/reset/" + resets.reset_token(student)
        clock.shift(timedelta(minutes=59))
        assert client.get(path).status_code == 200
        clock.shift(timedelta(minutes=2))
        assert client.get(path).status_code == 404


def test_asking_again_and_again_is_limited(client, student, mailbox):
    statuses = [ask(client, student.email).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]


def test_without_mail_the_link_goes_to_the_server_log(client, student, caplog):
    with caplog.at_level("WARNING", logger="quiz.mail"):
        ask(client, student.email)
    assert "/reset/" in caplog.text and student.email in caplog.text


def test_an_organiser_can_hand_over_a_link(organiser_client, student):
    response = organiser_client.post(
        f"/organiser/users/{student.id}/reset-link", headers={"Accept-Language": "en"}
    )
    page = organiser_client.get(response.headers["Location"], headers={"Accept-Language": "en"})
    assert "/reset/" in page.text and student.email in page.text


def test_invitations_are_mailed_too(organiser_client, make_university, mailbox, client):
    university = make_university()
    organiser_client.post(
        "/organiser/users",
        data={
            "email": "new.coordinator@example.edu.vn",
            "full_name": "Phạm Văn Điều Phối",
            "role": Role.COORDINATOR.value,
            "university_code": university.code,
        },
    )
    ((to, message),) = mailbox.wait(1)
    assert to == ["new.coordinator@example.edu.vn"]
    path = link_in(message, "invitation")
    chosen = client.post(path, data={"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert chosen.status_code == 302


def test_a_message_leaves_only_when_its_transaction_commits(app, mailbox, db_session):
    with app.app_context():
        db_session.execute(select(User.id))  # a transaction, as every request has
        mail.send(db_session, "lost@example.edu.vn", "Lost", "its account was rolled back")
        db_session.rollback()
        db_session.execute(select(User.id))
        mail.send(db_session, "kept@example.edu.vn", "Kept", "its account was committed")
        assert mail.wait_sent(1) and mailbox.messages == [], "nothing before the commit"
        db_session.commit()
        assert mail.wait_sent(10)
    assert [to for to, _ in mailbox.messages] == [["kept@example.edu.vn"]]


def test_a_password_never_goes_to_a_server_without_starttls(app, mailbox, caplog):
    port = app.config["SMTP_URL"].rsplit(":", 1)[1]
    message = mail.compose("a@example.edu.vn", "Hello", "text", "quiz@example.edu.vn")
    with pytest.raises(smtplib.SMTPNotSupportedError):
        mail.deliver(f"smtp://quiz:secret@127.0.0.1:{port}", message)
    assert mailbox.messages == []


def test_mail_with_a_loopback_base_address_is_refused_in_production():
    problems = production_problems(
        {
            "SECRET_KEY": "x" * 64,
            "RATELIMIT_ENABLED": True,
            "SMTP_URL": "smtp://mail.example.edu.vn:587",
            "BASE_URL": "http://127.0.0.1:5000",
        }
    )
    assert any("QUIZ_BASE_URL" in problem for problem in problems)
    assert production_problems(
        {"SECRET_KEY": "x" * 64, "RATELIMIT_ENABLED": True, "SMTP_URL": "ftp://mail"}
    ) == ["QUIZ_SMTP_URL must be smtp://[user:password@]host[:port] or smtps://…"]
