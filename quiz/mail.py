"""Sending mail: one setting, a real SMTP client, and the server log without it.

``QUIZ_SMTP_URL`` names the server: ``smtp://user:password@host:587`` (STARTTLS
when the server offers it), ``smtps://…@host:465`` (TLS from the start), or
``smtp://host:25`` without a login; ``QUIZ_MAIL_FROM`` the sender. Without
``QUIZ_SMTP_URL`` nothing is sent: the message, links included, goes to the
server log at WARNING, and an organiser can hand the link over.

Messages are sent from a background thread, so that an answer takes as long
whether or not a message was sent (a password reset tells nobody whether an
address has an account).
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import threading
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

from flask import Flask, current_app

logger = logging.getLogger(__name__)
TIMEOUT_SECONDS = 20


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
        if parts.username:
            client.login(unquote(parts.username), unquote(parts.password or ""))
        client.send_message(message)


def send(to: str, subject: str, body: str) -> threading.Thread | None:
    """Send a message (in the background); without mail set up, log it."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    url = app.config.get("SMTP_URL")
    message = compose(to, subject, body, app.config.get("MAIL_FROM") or "quiz@localhost")
    if not url:
        logger.warning("mail is not set up (QUIZ_SMTP_URL); not sent to %s:\n%s", to, body)
        return None

    def work() -> None:
        try:
            deliver(url, message)
        except (OSError, smtplib.SMTPException) as error:
            logger.error("could not send mail to %s: %s", to, error)

    thread = threading.Thread(target=work, name="mail", daemon=True)
    thread.start()
    return thread
