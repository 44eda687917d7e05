"""Item analysis of a round (contest-operations.md, Item analysis)."""

from __future__ import annotations

import csv
import io
import math
from datetime import timedelta

import time_machine

from quiz.accounts.models import Role
from quiz.clock import now
from quiz.operations.analysis import analyse, of_round
from quiz.operations.models import RoundAnalysisCache
from quiz.operations.regrading import RegradeData, regrade
from tests.conftest import log_in
from tests.operations.test_regrading import KEYS, after_close, closed_round

RIGHT = {k: "a" for k in KEYS}


def by_key(result):
    return {q.question_id: q for q in result.questions}


def test_facility_options_and_blanks_of_a_small_round(db_session, make_user):
    users = [make_user() for _ in range(3)]
    answers = [RIGHT, {**RIGHT, KEYS[0]: "b"}, {}]
    round_ = closed_round(db_session, users, answers, now())
    result = analyse(db_session, round_.id)
    first = by_key(result)[KEYS[0]]
    assert first.n == 3 and math.isclose(first.facility, 1 / 3)
    assert first.discrimination is None  # fewer than 30 attempts: "too few"
    assert math.isclose(first.blank, 1 / 3)
    shares = {o.id: o.share for o in first.options}
    assert math.isclose(shares["a"], 1 / 3) and math.isclose(shares["b"], 1 / 3)
    assert shares["c"] == 0 and "dead_distractor" in first.flags
    assert result.attempts == 3 and result.max_score == 4
    assert result.distribution == [(0.0, 1), (3.0, 1), (4.0, 1)]
    assert (result.mean, result.median) == (7 / 3, 3.0)
    assert math.isclose(
        result.sd, math.sqrt(((0 - 7 / 3) ** 2 + (3 - 7 / 3) ** 2 + (4 - 7 / 3) ** 2) / 3)
    )
    assert result.same_questions and result.kr20 is not None


def miskeyed_round(db_session, make_user, n=40):
    """Strong students (right on three questions) pick b on the first; weak ones a, its key."""
    users = [make_user() for _ in range(n)]
    answers = []
    for index in range(n):
        strong = index < n // 2
        chosen = {k: ("a" if strong else "c") for k in KEYS[1:]}
        chosen[KEYS[0]] = "b" if strong else "a"
        answers.append(chosen)
    return closed_round(db_session, users, answers, now()), users


def test_a_miskeyed_question_is_flagged_and_listed_first(db_session, make_user):
    round_, _users = miskeyed_round(db_session, make_user)
    result = analyse(db_session, round_.id)
    first = result.questions[0]
    assert first.question_id == KEYS[0]
    assert {"likely_wrong_key", "check_key", "weak"} <= set(first.flags)
    # k = ceil(0.27 * 40) = 11: the best 11 all chose b, the weakest 11 all chose a.
    assert first.discrimination == -1.0
    options = {o.id: o for o in first.options}
    assert options["b"].upper == 1.0 and options["a"].lower == 1.0
    assert first.point_biserial is not None and first.point_biserial < -0.9
    others = by_key(result)[KEYS[1]]
    assert others.discrimination == 1.0 and "likely_wrong_key" not in others.flags


def test_the_api_the_page_and_the_csv_agree(app, db_session, make_user):
    round_, _users = miskeyed_round(db_session, make_user, n=30)
    organiser = log_in(app, make_user(Role.ORGANISER))
    body = organiser.get(f"/api/v1/rounds/{round_.id}/analysis").json
    assert body["attempts"] == 30 and body["questions"][0]["question_id"] == KEYS[0]
    assert body["questions"][0]["discrimination"] == -1.0
    assert set(body["questions"][0]["options"][0]) == {"id", "share", "upper", "lower"}
    page = organiser.get(
        f"/organiser/rounds/{round_.id}/analysis", headers={"Accept-Language": "en"}
    ).get_data(as_text=True)
    assert page.index(KEYS[0]) < page.index(KEYS[1])
    assert "Likely wrong key" in page and "<svg" in page
    french = organiser.get(
        f"/organiser/rounds/{round_.id}/analysis", headers={"Accept-Language": "fr"}
    ).get_data(as_text=True)
    assert "-1,00" in french  # decimals the French way
    exported = organiser.get(f"/organiser/rounds/{round_.id}/analysis.csv")
    assert exported.data.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(exported.data.decode("utf-8-sig"))))
    assert len(rows) == 4 * 4 and rows[0]["question_id"] == KEYS[0]
    assert rows[0]["discrimination"] == "-1.0000"


def test_the_closed_rounds_page_leads_with_the_questions_most_likely_wrong(
    app, db_session, make_user
):
    round_, _users = miskeyed_round(db_session, make_user, n=30)
    organiser = log_in(app, make_user(Role.ORGANISER))

    with time_machine.travel(round_.closes_at + timedelta(minutes=1)):
        page = organiser.get(
            f"/organiser/rounds/{round_.id}", headers={"Accept-Language": "en"}
        ).get_data(as_text=True)
    assert "Item analysis: the questions most likely wrong" in page
    assert page.index("Item analysis: the questions most likely wrong") < page.index("Opens at")


def test_a_closed_rounds_analysis_is_kept_and_forgotten_when_a_regrade_changes_it(
    db_session, make_user
):
    round_, _users = miskeyed_round(db_session, make_user)
    with after_close(round_):
        first = of_round(db_session, round_)
        assert db_session.get(RoundAnalysisCache, round_.id) is not None
        assert of_round(db_session, round_) == first == analyse(db_session, round_.id)
        regrade(
            db_session,
            round_.id,
            RegradeData(KEYS[0], "neutralise", "Đáp án sai"),
            dry_run=False,
            actor_id=None,
        )
        assert db_session.get(RoundAnalysisCache, round_.id) is None
        after = by_key(of_round(db_session, round_))[KEYS[0]]
    assert after.facility == 1.0  # everyone now has the point: not the kept 0.5


def test_an_open_rounds_analysis_is_computed_each_time(db_session, make_user):
    round_, _users = miskeyed_round(db_session, make_user, n=4)
    of_round(db_session, round_)
    assert db_session.get(RoundAnalysisCache, round_.id) is None


def test_flag_labels_show_a_plain_percent_sign(app):
    from quiz.operations.analysis import FLAG_LABELS

    for language, words in (("en", "over 90 % right"), ("vi", "trên 90 % trả lời đúng")):
        with app.test_request_context(headers={"Accept-Language": language}):
            assert words in str(FLAG_LABELS["too_easy"])
            assert "%%" not in str(FLAG_LABELS["too_hard"])
