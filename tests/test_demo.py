"""``quiz demo``, the newcomer's first command, run for real as a newcomer would."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from sqlalchemy import func, select

from quiz import create_app
from quiz.accounts.models import User
from quiz.audit.models import AuditEntry
from quiz.certificates.models import Certificate
from quiz.db import get_session
from quiz.demo import DEMO_ACCOUNTS
from quiz.operations.analysis import analyse
from quiz.operations.integrity import pending_counts
from quiz.results.models import Appeal
from quiz.rounds.models import Round
from quiz.standings.models import RoundStanding


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url: str, language: str | None = None) -> str:
    request = urllib.request.Request(url, headers={"Accept-Language": language} if language else {})
    with urllib.request.urlopen(request, timeout=5) as response:
        return response.read().decode("utf-8")


@pytest.fixture
def demo(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("QUIZ_")}
    env["QUIZ_INSTANCE_PATH"] = str(tmp_path / "instance")
    process = subprocess.Popen(
        [sys.executable, "-m", "quiz", "demo", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                fetch(base + "/healthz")
                break
            except OSError:
                if process.poll() is not None:
                    pytest.fail("quiz demo stopped: " + process.stdout.read())
                time.sleep(0.5)
        else:
            pytest.fail("quiz demo did not answer within 60 s")
        yield base, process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=15)


def test_demo_serves_the_contest_in_three_languages_with_160_universities(demo):
    base, process = demo
    assert '<html lang="vi">' in fetch(base + "/")
    assert '<html lang="en">' in fetch(base + "/", "en")
    assert '<html lang="fr">' in fetch(base + "/", "fr")
    listing = fetch(base + "/universities")
    total = int(re.search(r"(\d+) ", listing.split('role="status">')[1]).group(1))
    assert total >= 160


def test_demo_prints_the_url_and_one_account_per_role(demo):
    base, process = demo
    os.killpg(process.pid, signal.SIGTERM)
    output = process.communicate(timeout=15)[0]
    assert base + "/" in output
    drawn = int(re.search(r"Papers drawn ahead: (\d+)", output).group(1))
    assert drawn >= 300  # every synthetic and demo student has one for the open round
    for role in ("student", "coordinator", "organiser"):
        assert re.search(rf"{role}\s+\S+@\S+ / \S+", output), output


def test_demo_has_a_flagged_question_an_override_a_regrade_and_signals(demo, tmp_path):
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'instance' / 'quiz.db'}"})
    with app.app_context():
        session = get_session()
        closed = session.scalars(select(Round).order_by(Round.closes_at)).first()
        result = analyse(session, closed.id)
        assert "likely_wrong_key" in result.questions[0].flags
        actions = set(session.scalars(select(AuditEntry.action)))
        assert {"operations.override", "operations.regrade"} <= actions
        pending = pending_counts(session, closed.id)
        assert pending["fast"] >= 1 and pending["crowd"] == 1
        # Its results are official, after two appeals answered.
        assert closed.official_at is not None and closed.results_published_at is not None
        answered = sorted(
            session.scalars(select(Appeal.status).where(Appeal.round_id == closed.id))
        )
        assert answered == ["accepted", "rejected"]
        # Its certificates are issued (the demo student's among them), and its
        # questions make a practice round.
        held = session.scalars(select(Certificate).where(Certificate.round_id == closed.id)).all()
        assert len(held) == session.scalar(
            select(func.count())
            .select_from(RoundStanding)
            .where(RoundStanding.round_id == closed.id, RoundStanding.view == "live")
        )
        student = session.scalar(select(User).where(User.email == DEMO_ACCOUNTS[0].email))
        assert student.id in {c.student_id for c in held}
        practice = session.scalar(select(Round).where(Round.ranked.is_(False)))
        assert practice.blueprint == closed.blueprint
