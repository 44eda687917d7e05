"""Papers sent ahead sealed: unreadable before the start, opened by the key it gives out."""

from __future__ import annotations

from datetime import timedelta

from cryptography.exceptions import InvalidTag
from sqlalchemy import select

from quiz.attempts import sealing
from quiz.attempts.models import Paper
from quiz.bank.models import QuestionVersion
from quiz.clock import now
from tests.conftest import log_in

JSON = {"Accept": "application/json"}


def prepare(runner, round_):
    assert runner.invoke(["papers", "prepare", "--round", str(round_.id)]).exit_code == 0


def texts_of(db_session, round_, student):
    paper = db_session.scalar(
        select(Paper).where(Paper.round_id == round_.id, Paper.student_id == student.id)
    )
    versions = db_session.scalars(select(QuestionVersion)).all()
    return paper, [v.text["vi"] for v in versions]


def test_the_sealed_paper_reveals_nothing_before_the_start(
    app, runner, db_session, make_round, student
):
    moment = now()
    round_ = make_round(
        opens_at=moment + timedelta(minutes=5), closes_at=moment + timedelta(hours=1)
    )
    prepare(runner, round_)
    client = log_in(app, student)
    page = client.get(f"/rounds/{round_.id}").text
    response = client.get(f"/rounds/{round_.id}/paper")
    assert response.status_code == 200
    assert "no-store" in response.headers["Cache-Control"]
    parcel = response.json
    assert set(parcel) == {"key_id", "iv", "sealed", "count"} and parcel["count"] == 4
    paper, texts = texts_of(db_session, round_, student)
    for text in texts:
        assert text not in page and text not in response.text
    # Another key cannot open it; the paper's own key can.
    try:
        sealing.unseal(bytes(32), parcel)
        raise AssertionError("opened with the wrong key")
    except InvalidTag:
        pass
    html = sealing.unseal(paper.key, parcel)
    assert sum(text in html for text in texts) == 4
    assert parcel["key_id"] == sealing.key_id(paper.key)
    assert sealing.key_id(paper.key) not in sealing.key_text(paper.key)


def test_the_start_gives_out_the_key_of_the_paper_the_browser_holds(
    app, runner, db_session, make_round, student
):
    round_ = make_round()
    prepare(runner, round_)
    client = log_in(app, student)
    parcel = client.get(f"/rounds/{round_.id}/paper").json
    answer = client.post(
        f"/rounds/{round_.id}/start", data={"paper": parcel["key_id"]}, headers=JSON
    )
    assert answer.status_code == 200
    body = answer.json
    assert body["url"].endswith(f"/attempts/{body['attempt']}?q=1")
    assert 0 < body["remaining_seconds"] <= 600
    html = sealing.unseal(sealing._bytes(body["key"]), parcel)
    questions = client.get(f"/api/v1/attempts/{body['attempt']}").json["items"]
    assert all(item["text"] in html for item in questions)
    # Starting again (a second tab, a retry) returns the attempt, never a key again.
    again = client.post(
        f"/rounds/{round_.id}/start", data={"paper": parcel["key_id"]}, headers=JSON
    ).json
    assert again["attempt"] == body["attempt"] and again["key"] is None


def test_a_paper_drawn_again_since_is_not_opened_and_the_page_loads_instead(
    app, runner, db_session, make_round, student
):
    round_ = make_round()
    prepare(runner, round_)
    client = log_in(app, student)
    answer = client.post(f"/rounds/{round_.id}/start", data={"paper": "0" * 32}, headers=JSON).json
    assert answer["key"] is None and "/attempts/" in answer["url"]


def test_without_a_paper_there_is_nothing_to_fetch_and_the_start_still_works(
    app, make_round, student
):
    round_ = make_round()
    client = log_in(app, student)
    assert client.get(f"/rounds/{round_.id}/paper").status_code == 404
    answer = client.post(f"/rounds/{round_.id}/start", headers=JSON).json
    assert answer["key"] is None
    assert client.get(answer["url"]).status_code == 200


def test_a_start_refused_says_why_in_json(app, runner, make_round, student):
    moment = now()
    round_ = make_round(
        opens_at=moment + timedelta(minutes=5), closes_at=moment + timedelta(hours=1)
    )
    response = log_in(app, student).post(
        f"/rounds/{round_.id}/start", headers={**JSON, "Accept-Language": "en"}
    )
    assert response.status_code == 409
    assert response.json["error"]["message"] == "This round has not opened yet."


def test_the_round_page_holds_an_empty_attempt_for_the_sealed_questions(
    app, runner, make_round, student
):
    round_ = make_round()
    page = log_in(app, student).get(f"/rounds/{round_.id}").text
    assert 'data-attempt="0" hidden' in page and "<div data-items></div>" in page
    assert "js/round.js" in page and "js/attempt.js" in page
