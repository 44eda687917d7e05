"""The home page leads with the round open now (or the next one) and the contest's
live figures; the leaderboards' round tabs are in the reader's language."""

from __future__ import annotations

import re
from datetime import timedelta

import time_machine

from quiz.attempts import services as attempts
from quiz.clock import now
from tests.conftest import log_in

EN = {"Accept-Language": "en"}


def test_a_student_who_logs_in_finds_the_open_round_and_its_countdown_first(
    app, make_user, make_round
):
    round_ = make_round(title={"vi": "Vòng 1", "en": "Round 1"})
    student = make_user(display_name="An N.")
    page = log_in(app, student).get("/", headers=EN).get_data(as_text=True)
    assert 'data-home-round="open"' in page and "Open now: Round 1" in page
    assert f'href="/rounds/{round_.id}"' in page and "Take part now" in page
    left = int(re.search(r'data-countdown="(\d+)"', page).group(1))
    assert 3590 <= left <= 3600  # the round closes in an hour, by the server's clock
    assert "Welcome, An N." in page and "An N.." not in page


def test_before_a_round_the_home_page_counts_down_to_it_and_counts_participants(
    app, db_session, make_user, make_round, make_university
):
    done = make_round(title={"vi": "Vòng 1", "en": "Round 1"})
    home = make_university()
    students = [make_user(university=home) for _ in range(3)]
    for student in students:
        started = attempts.start(db_session, done, student)
        attempts.submit(db_session, started.attempt_id, student, None)
    later = make_round(
        title={"vi": "Vòng 2", "en": "Round 2"},
        opens_at=now() + timedelta(hours=3),
        closes_at=now() + timedelta(hours=4),
    )
    with time_machine.travel(done.closes_at + timedelta(minutes=1), tick=False):
        page = app.test_client().get("/", headers=EN).get_data(as_text=True)
    assert 'data-home-round="next"' in page and "Next round: Round 2" in page
    left = int(re.search(r'data-countdown="(\d+)"', page).group(1))
    assert left == int((later.opens_at - done.closes_at).total_seconds()) - 60
    figures = re.findall(r"<dd>([^<]*)</dd>", page)
    assert figures[:2] == ["3", "1"]  # students ranked, universities taking part
    assert "universities and colleges are registered" not in page


def test_the_round_tabs_of_the_leaderboards_follow_the_language(client, make_round):
    make_round(title={"vi": "Vòng thử", "en": "Test round", "fr": "Manche d’essai"})
    english = client.get("/leaderboards/students", headers=EN).get_data(as_text=True)
    french = client.get("/leaderboards/universities", headers={"Accept-Language": "fr"}).get_data(
        as_text=True
    )
    assert "Test round" in english and "Vòng thử" not in english
    assert "Manche d’essai" in french
