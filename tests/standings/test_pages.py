"""Public leaderboard pages."""

from __future__ import annotations

import re
from datetime import timedelta

import time_machine

from quiz.clock import now
from tests.conftest import log_in
from tests.standings.test_leaderboard_api import take


def test_student_board_shows_ranks_and_my_position(app, make_user, make_round, client):
    round_ = make_round()
    ana = make_user(display_name="Ana N.", full_name="Nguyễn Thị Ana")
    bao = make_user(display_name="Bảo T.")
    take(log_in(app, ana), round_)
    take(log_in(app, bao), round_, right=False)
    page = client.get(
        f"/leaderboards/students?round={round_.id}", headers={"Accept-Language": "en"}
    ).text
    assert page.index("Ana N.") < page.index("Bảo T.")
    assert "Nguyễn Thị Ana" not in page and ana.email not in page
    mine = log_in(app, bao).get("/leaderboards/students", headers={"Accept-Language": "en"})
    assert "Your position: 2" in mine.text


def test_a_students_own_row_stays_in_sight_when_it_is_on_another_page(
    app, make_user, make_round, client, monkeypatch
):
    monkeypatch.setattr("quiz.standings.views.PAGE_SIZE", 1)
    round_ = make_round()
    ana, bao = make_user(display_name="Ana N."), make_user(display_name="Bảo T.")
    take(log_in(app, ana), round_)
    take(log_in(app, bao), round_, right=False)
    english = {"Accept-Language": "en"}
    for url in (f"/leaderboards/students?round={round_.id}", "/leaderboards/students"):
        page = log_in(app, bao).get(url, headers=english).text
        pinned = page[page.index('<tbody class="pinned">') : page.index("</tbody>")]
        assert "Bảo T." in pinned and ">2<" in pinned and "You" in pinned, url
        assert page.index("Bảo T.") < page.index("Ana N."), url  # above the page's rows
        # On the page where the row is, it is marked where it stands, not pinned twice.
        second = log_in(app, bao).get(
            url + ("&" if "?" in url else "?") + "page=2", headers=english
        )
        assert 'class="pinned"' not in second.text and 'id="me"' in second.text
        assert "Show my row" in second.text
    # Someone else's visit pins nothing.
    assert 'class="pinned"' not in client.get("/leaderboards/students", headers=english).text


def test_university_board_explains_each_method(make_user, make_round, client, app):
    round_ = make_round()
    take(log_in(app, make_user()), round_)
    for method, words in (
        ("top_n_mean", "best students"),
        ("participants", "finished"),
        ("total", "sum of all"),
        ("mean", "not ranked"),
    ):
        page = client.get(
            f"/leaderboards/universities?method={method}", headers={"Accept-Language": "en"}
        )
        assert page.status_code == 200 and words in page.text, method
    assert client.get("/leaderboards/universities?method=nope").status_code == 404


def test_frozen_board_page_hides_later_results(app, make_user, make_round, client):
    start = now()
    round_ = make_round(leaderboard_freeze_at=start + timedelta(minutes=5))
    early, late = make_user(display_name="Early E."), make_user(display_name="Late L.")
    with time_machine.travel(start, tick=False) as clock:
        take(log_in(app, early), round_, right=False)
        clock.shift(timedelta(minutes=10))
        late_client = log_in(app, late)
        take(late_client, round_)
        page = client.get(
            f"/leaderboards/students?round={round_.id}", headers={"Accept-Language": "en"}
        ).text
        own = late_client.get(
            f"/leaderboards/students?round={round_.id}", headers={"Accept-Language": "en"}
        ).text
        result = late_client.get("/rounds", headers={"Accept-Language": "en"}).text
    assert "frozen" in page and "Early E." in page and "Late L." not in page
    assert "Late L." not in own and "Your position" not in own
    assert "Score: 4.00 / 4" in result  # a student still sees their own score


def test_university_page_shows_ranks_chart_and_best_students(app, make_user, make_round, client):
    round_ = make_round()
    ana = make_user(display_name="Ana N.", full_name="Nguyễn Thị Ana")
    take(log_in(app, ana), round_)
    page = client.get(
        f"/leaderboards/universities/{ana.university.code}", headers={"Accept-Language": "en"}
    )
    assert page.status_code == 200
    assert "Ana N." in page.text and "Nguyễn Thị Ana" not in page.text
    assert "<svg" in page.text and "#1 overall" in page.text
    assert client.get("/leaderboards/universities/NOPE").status_code == 404


def test_university_page_respects_the_freeze(app, make_user, make_round, client):
    start = now()
    round_ = make_round(leaderboard_freeze_at=start + timedelta(minutes=5))
    late = make_user(display_name="Late L.")
    with time_machine.travel(start + timedelta(minutes=10), tick=False):
        take(log_in(app, late), round_)
        page = client.get(f"/leaderboards/universities/{late.university.code}").text
    assert "Late L." not in page


def test_searching_the_board_keeps_each_entrys_rank(app, make_user, make_round, client):
    round_ = make_round()
    ana = make_user(display_name="Ana N.")
    make_user_2 = make_user(display_name="Bảo T.")
    take(log_in(app, ana), round_, right=False)
    take(log_in(app, make_user_2), round_)
    page = client.get(f"/leaderboards/students?round={round_.id}&q=ana").text
    assert "Ana N." in page and "Bảo T." not in page
    row = re.search(
        r'<td class="num rank"><span>(\d+)</span></td>\s*'
        r'<td class="who"><span class="name">Ana N\.',
        page,
    )
    assert row and row.group(1) == "2"


def test_the_mean_board_folds_the_unranked_universities_after_the_ranked(
    make_user, make_round, make_university, client, app
):
    round_ = make_round()
    few = make_university(code="FEW")
    for _ in range(2):
        make_university()  # no participants
    take(log_in(app, make_user(university=few)), round_)
    page = client.get(
        "/leaderboards/universities?method=mean", headers={"Accept-Language": "en"}
    ).text
    table = page.split("</table>")[0]
    assert "No university is ranked yet." in table and "FEW" not in table
    folded = page.split('<details class="unranked"')[1].split("</details>")[0]
    assert "1 of them with participants" in folded and "FEW" in folded
    assert "1 participant" in folded and "more without participants" in folded
    ranked = client.get("/leaderboards/universities?method=participants").text
    assert "FEW" in ranked.split("</table>")[0] and '<details class="unranked"' in ranked
