"""The leaderboard endpoints: shapes, privacy, and the freeze."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from sqlalchemy import select

from quiz.clock import now
from quiz.rounds.models import Round
from quiz.standings.services import publish_results
from tests.conftest import log_in
from tests.standings.test_property import histograms


def take(client, round_, right=True):
    attempt = client.post(f"/api/v1/rounds/{round_.id}/attempts").json
    if right:
        for item in attempt["items"]:
            client.put(
                f"/api/v1/attempts/{attempt['id']}/answers/{item['position']}",
                json={"choices": ["a"]},
            )
    return client.post(f"/api/v1/attempts/{attempt['id']}/submit", json={}).json


def test_boards_have_the_specified_fields_and_no_private_data(
    app, make_user, make_round, client, db_session
):
    round_ = make_round()
    ana = make_user(display_name="Ana N.", full_name="Nguyễn Thị Ana", student_number="SV-77")
    take(log_in(app, ana), round_)
    board = client.get(f"/api/v1/rounds/{round_.id}/leaderboard").json
    assert set(board) == {"entries", "total", "frozen"} and board["frozen"] is False
    assert board["entries"][0] == {
        "rank": 1,
        "display_name": "Ana N.",
        "university_code": ana.university.code,
        "score": 4.0,
        "duration_ms": board["entries"][0]["duration_ms"],
    }
    overall = client.get("/api/v1/leaderboard/students").json
    assert set(overall["entries"][0]) == {
        "rank",
        "display_name",
        "university_code",
        "total",
        "duration_ms",
    }
    universities = client.get("/api/v1/leaderboard/universities?method=total").json
    assert universities["method"] == "total"
    assert universities["entries"][0] == {
        "rank": 1,
        "university_code": ana.university.code,
        "name": ana.university.name_vi,
        "value": "4.00",
        "participants": 1,
    }
    everything = str(board) + str(overall) + str(universities)
    for secret in (ana.email, "Nguyễn Thị Ana", "SV-77"):
        assert secret not in everything


def test_unknown_method_or_round_is_refused(client):
    assert client.get("/api/v1/leaderboard/universities?method=best").status_code == 422
    assert client.get("/api/v1/leaderboard/universities?round=x").status_code == 422
    assert client.get("/api/v1/leaderboard/universities?round=999").status_code == 404
    assert client.get("/api/v1/rounds/999/leaderboard").status_code == 404


def test_the_freeze_hides_later_results_from_public_boards_until_published(
    app, make_user, make_round, client, organiser_client, db_session
):
    start = now()
    round_ = make_round(leaderboard_freeze_at=start + timedelta(minutes=5))
    early, late = make_user(display_name="Early E."), make_user(display_name="Late L.")
    with time_machine.travel(start, tick=False) as clock:
        take(log_in(app, early), round_, right=False)
        clock.shift(timedelta(minutes=10))
        take(log_in(app, late), round_)
        public = client.get(f"/api/v1/rounds/{round_.id}/leaderboard").json
        live = organiser_client.get(f"/api/v1/rounds/{round_.id}/leaderboard").json
        overall = client.get("/api/v1/leaderboard/students").json
        universities = client.get("/api/v1/leaderboard/universities?method=participants").json
    assert public["frozen"] is True
    assert [e["display_name"] for e in public["entries"]] == ["Early E."]
    assert [e["display_name"] for e in overall["entries"]] == ["Early E."]
    assert sum(e["participants"] for e in universities["entries"]) == 1
    assert live["frozen"] is False
    assert [e["display_name"] for e in live["entries"]] == ["Late L.", "Early E."]
    stored = db_session.scalar(select(Round).where(Round.id == round_.id))
    publish_results(db_session, stored, actor_id=None)
    published = client.get(f"/api/v1/rounds/{round_.id}/leaderboard").json
    assert published["frozen"] is False
    assert [e["display_name"] for e in published["entries"]] == ["Late L.", "Early E."]
    kept_levels, counted_levels = histograms(db_session)
    assert kept_levels == counted_levels


def test_organisers_publish_results_and_enter_the_true_value_from_the_round_page(
    app, make_user, make_round, organiser_client, client
):
    start = now()
    round_ = make_round(
        leaderboard_freeze_at=start + timedelta(minutes=5),
        prediction_text={"vi": "Bao nhiêu bài đạt điểm tối đa?"},
    )
    late = make_user(display_name="Late L.")
    with time_machine.travel(start + timedelta(minutes=10), tick=False):
        take(log_in(app, late), round_)
        page = organiser_client.get(
            f"/organiser/rounds/{round_.id}", headers={"Accept-Language": "en"}
        ).text
        assert "Entries with full marks so far: 1" in page
        bad = organiser_client.post(
            f"/organiser/rounds/{round_.id}/prediction", data={"value": "-4"}
        )
        assert bad.status_code == 422
        assert (
            organiser_client.post(
                f"/organiser/rounds/{round_.id}/prediction", data={"value": "1"}
            ).status_code
            == 302
        )
        assert "Late L." not in client.get(f"/leaderboards/students?round={round_.id}").text
        assert organiser_client.post(f"/organiser/rounds/{round_.id}/publish").status_code == 302
        assert "Late L." in client.get(f"/leaderboards/students?round={round_.id}").text
