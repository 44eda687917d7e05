"""The public results pages of official rounds and of the whole contest."""

from __future__ import annotations

import re

from quiz.accounts.models import Role
from quiz.clock import now
from tests.conftest import log_in
from tests.operations.test_regrading import KEYS, after_close, closed_round

EN = {"Accept-Language": "en"}


def test_an_official_round_has_a_public_results_page_with_its_podium(
    app, db_session, make_user, make_university
):
    home = make_university(code="HNU")
    users = [make_user(university=home, display_name=f"Bạn {n}") for n in range(4)]
    right = {k: "a" for k in KEYS}
    answers = [right, {**right, KEYS[0]: "b"}, {**right, KEYS[0]: "b", KEYS[1]: "b"}, {}]
    round_ = closed_round(db_session, users, answers, now())
    visitor = app.test_client()
    with after_close(round_):
        assert visitor.get(f"/results/{round_.id}").status_code == 404  # provisional
        organiser = log_in(app, make_user(Role.ORGANISER))
        assert organiser.post(f"/api/v1/rounds/{round_.id}/official").status_code == 200
        page = visitor.get(f"/results/{round_.id}", headers=EN)
        overall = visitor.get("/results", headers=EN).get_data(as_text=True)
        board = visitor.get(f"/leaderboards/students?round={round_.id}", headers=EN)
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and 'data-results="official"' in text
    podium = text.split("data-podium")[1].split("</ol>")[0]
    assert re.findall(r'data-rank="(\d)"', podium) == ["1", "2", "3"]
    assert podium.index("Bạn 0") < podium.index("Bạn 1") < podium.index("Bạn 2")
    assert "Bạn 3" not in podium
    assert "<dt>Participants</dt><dd>4</dd>" in text
    assert 'data-method="top_n_mean"' in text and "HNU" in text
    assert (
        text.count('<figure class="chart">') == 2
        and 'viewBox="0 0 360 ' in text
        and 'font-size="15"' in text
    )
    # One bar per point from 0 to the round's maximum (4 points).
    labels = re.findall(
        r'class="label"[^>]*>([^<]+)</text>', text.split("Score distribution", 1)[1]
    )
    assert labels[:5] == ["0", "1", "2", "3", "4"]
    assert "1 round has official results" in overall and "Bạn 0" in overall
    assert f'href="/results/{round_.id}"' in board.get_data(as_text=True)


def test_the_contest_results_page_before_any_official_round(app, db_session):
    page = app.test_client().get("/results", headers=EN)
    assert page.status_code == 200 and "No official results yet." in page.get_data(as_text=True)
