"""Sending mail: one setting, a real SMTP client, and the server log without it.

``QUIZ_SMTP_URL`` names the server: ``smtp://user:password@host:587`` (STARTTLS,
required as soon as there is a login), ``smtps://…@host:465`` (TLS from the
start), or ``smtp://host:25`` without a login; ``QUIZ_MAIL_FROM`` the sender.
Without ``QUIZ_SMTP_URL`` nothing is sent: the message, links included, goes to
the server log at WARNING, and an organiser can hand the link over.

A message is queued with the database session that made it and leaves only
once that session commits (a rolled-back account gets no invitation); one
background thread per process sends the queue, so that an answer takes as long
whether or not a message was sent (a password reset tells nobody whether an
address has an account) and a roster of thousands opens no more than one
connection at a time.
"""

from __future__ import annotations

import logging
import queue
import smtplib
import ssl
import threading
import time
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

logger = logging.getLogger(__name__)
TIMEOUT_SECONDS = 20
OUTBOX = "mail_outbox"

_queue: queue.Queue[tuple[str, EmailMessage]] = queue.Queue()
_worker: list[threading.Thread] = []
_worker_lock = threading.Lock()


def compose(to: str, subject: str, body: str, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    return message


def deliver(url: str, message: EmailMessage) -> None:
    """Hand ``message`` to the SMTP server of ``url`` (raises on failure)."""
    parts = urlsplit(url)
    host, port = parts.hostname or "localhost", parts.port
    if parts.scheme == "smtps":
        client: smtplib.SMTP = smtplib.SMTP_SSL(
            host, port or 465, timeout=TIMEOUT_SECONDS, context=ssl.create_default_context()
        )
    else:
        client = smtplib.SMTP(host, port or 25, timeout=TIMEOUT_SECONDS)
    with client:
        if parts.scheme == "smtp":
            client.ehlo()
            if client.has_extn("starttls"):
                client.starttls(context=ssl.create_default_context())
                client.ehlo()
            elif parts.username:
                # Never send a password in clear, whoever removed STARTTLS from the offer.
                raise smtplib.SMTPNotSupportedError("the server offers no STARTTLS")
        if parts.username:
            client.login(unquote(parts.username), unquote(parts.password or ""))
        client.send_message(message)


def send(session: Session, to: str, subject: str, body: str) -> None:
    """Queue a message to leave when ``session`` commits (without mail set up, log it then)."""
    app = current_app
    message = compose(to, subject, body, app.config.get("MAIL_FROM") or "quiz@localhost")
    session.info.setdefault(OUTBOX, []).append((app.config.get("SMTP_URL"), message))


def wait_sent(seconds: float = 30) -> bool:
    """Wait until every queued message was handed over or failed (commands end after)."""
    end = time.monotonic() + seconds
    while _queue.unfinished_tasks and time.monotonic() < end:
        time.sleep(0.05)
    return not _queue.unfinished_tasks


def _work() -> None:
    while True:
        url, message = _queue.get()
        try:
            deliver(url, message)
        except (OSError, smtplib.SMTPException) as error:
            logger.error("could not send mail to %s: %s", message["To"], error)
        finally:
            _queue.task_done()


def _start_worker() -> None:
    with _worker_lock:
        if not _worker or not _worker[0].is_alive():
            _worker[:] = [threading.Thread(target=_work, name="mail", daemon=True)]
            _worker[0].start()


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if session.in_nested_transaction():  # a savepoint released: the work may still be undone
        return
    for url, message in session.info.pop(OUTBOX, []):
        if not url:
            logger.warning(
                "mail is not set up (QUIZ_SMTP_URL); not sent to %s:\n%s",
                message["To"],
                message.get_content(),
            )
            continue
        _start_worker()
        _queue.put((url, message))


@event.listens_for(Session, "after_transaction_end")
def _after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # rolled back or closed: what it queued never happened
        session.info.pop(OUTBOX, None)
