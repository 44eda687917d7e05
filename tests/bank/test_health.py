"""The bank's health page and the lint findings on the organiser's bank pages."""

from __future__ import annotations

from datetime import timedelta

import time_machine

from quiz.accounts.models import Role
from quiz.bank.schema import OptionData, QuestionData, TopicData
from quiz.bank.services import import_bank
from tests.conftest import log_in
from tests.operations.test_analysis import miskeyed_round
from tests.operations.test_regrading import KEYS

ENGLISH = {"Accept-Language": "en"}


def longest_key_bank(db_session, n=10):
    """Single-choice questions whose key is always the one long option."""
    questions = [
        QuestionData(
            id=f"long-{i:02d}",
            difficulty="medium",
            kind="single",
            text={loc: f"Question {i} on subject {i * 13}?" for loc in ("vi", "en", "fr")},
            options=[
                OptionData("a", {loc: "No" for loc in ("vi", "en", "fr")}),
                OptionData("b", {loc: "Maybe" for loc in ("vi", "en", "fr")}),
                OptionData(
                    "c", {loc: "The one long and right answer" for loc in ("vi", "en", "fr")}, True
                ),
            ],
            explanation={"vi": "Vì.", "en": "Because.", "fr": "Car."},
            source="Convention",
        )
        for i in range(n)
    ]
    import_bank(db_session, [TopicData("long", {"vi": "Dài", "en": "Long"}, questions)])


def test_the_health_page_shows_the_banks_figures_and_findings(app, db_session, make_user):
    longest_key_bank(db_session)
    organiser = log_in(app, make_user(Role.ORGANISER))
    page = organiser.get("/organiser/bank/health", headers=ENGLISH).text
    assert "the key is the longest option in 10 of 10 single-choice questions" in page
    assert page.count("<svg") >= 4 and "Questions by difficulty" in page
    assert "long-03" in page and "clearly the longest option" in page
    # The bank's list marks each question with its findings, and links here.
    listing = organiser.get("/organiser/bank/", headers=ENGLISH).text
    assert "1 finding" in listing and "/organiser/bank/health" in listing
    detail = organiser.get("/organiser/bank/long-03", headers=ENGLISH).text
    assert "clearly the longest option" in detail


def test_the_health_page_lists_what_past_rounds_flagged(app, db_session, make_user):
    round_, _users = miskeyed_round(db_session, make_user, n=30)
    organiser = log_in(app, make_user(Role.ORGANISER))
    with time_machine.travel(round_.closes_at + timedelta(minutes=1)):
        page = organiser.get("/organiser/bank/health", headers=ENGLISH).text
        detail = organiser.get(f"/organiser/bank/{KEYS[0]}", headers=ENGLISH).text
    past = page[page.index("What past rounds") :]
    assert KEYS[0] in past and "Likely wrong key" in past
    assert f"/organiser/rounds/{round_.id}/analysis" in past
    assert "Likely wrong key" in detail


def test_only_organisers_see_the_banks_health(app, make_user, client):
    assert client.get("/organiser/bank/health").status_code in (302, 401)
    student = log_in(app, make_user())
    assert student.get("/organiser/bank/health").status_code == 403
