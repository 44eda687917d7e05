"""Drawing a set, pinning versions, scoring with both multiple-choice policies."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from quiz.attempts.models import Attempt, AttemptItem
from quiz.attempts.scoring import SCORE_UNIT, item_units
from quiz.bank.models import Question
from quiz.bank.schema import OptionData, QuestionData, TopicData
from quiz.bank.services import import_bank
from quiz.rounds import drawing
from quiz.rounds.services import BlueprintLine, blueprint_pool, draw_questions


def start(client, round_):
    return client.post(f"/api/v1/rounds/{round_.id}/attempts").json


def test_the_set_follows_the_blueprint_with_distinct_questions(
    student_client, make_bank, make_round
):
    make_bank(topic="law", easy=5, hard=3)
    make_bank(topic="safety", easy=4, medium=4)
    round_ = make_round(
        blueprint=[
            BlueprintLine(2, "law", "hard"),
            BlueprintLine(3, None, "easy"),
            BlueprintLine(4, None, None),
        ]
    )
    attempt = start(student_client, round_)
    keys = [item["question_id"] for item in attempt["items"]]
    assert len(keys) == 9 and len(set(keys)) == 9
    assert sum("law-hard" in k for k in keys) >= 2
    assert sum("-easy-" in k for k in keys) >= 3
    assert [item["position"] for item in attempt["items"]] == list(range(1, 10))


def test_a_seed_reproduces_the_draw_and_the_shuffles(student_client, make_round, db_session):
    round_ = make_round()
    attempt = start(student_client, round_)
    stored = db_session.get(Attempt, attempt["id"])
    again = draw_questions(db_session, blueprint_pool(db_session, round_), stored.seed)
    assert [i.version.id for i in again] == [i.question_version_id for i in stored.items]
    assert [i.option_order for i in again] == [i.option_order for i in stored.items]


def test_draws_are_spread_over_the_bank_and_options_are_shuffled(make_bank):
    keys = [f"k{i}" for i in range(10)]
    seen = {k: 0 for k in keys}
    for seed in range(2000):
        for key in drawing.draw([(keys, 3)], random.Random(seed)):
            seen[key] += 1
    # 600 expected each; a fair draw stays well within +-20 %.
    assert all(480 < n < 720 for n in seen.values()), seen


@given(
    st.lists(
        st.tuples(st.sets(st.integers(0, 12), max_size=10), st.integers(1, 4)),
        min_size=1,
        max_size=5,
    ),
    st.integers(0, 10_000),
)
def test_draw_never_fails_when_the_matching_says_the_bank_can_fill(lines, seed):
    lines = [([f"q{k}" for k in sorted(keys)], count) for keys, count in lines]
    if drawing.unfillable_line(lines) is not None:
        with pytest.raises(ValueError):
            drawing.draw(lines, random.Random(seed))
        return
    chosen = drawing.draw(lines, random.Random(seed))
    assert len(chosen) == len(set(chosen)) == sum(count for _, count in lines)
    position = 0
    for candidates, count in lines:
        assert set(chosen[position : position + count]) <= set(candidates)
        position += count


def test_editing_a_question_later_changes_no_past_attempt(student_client, make_round, db_session):
    round_ = make_round()
    attempt = start(student_client, round_)
    key = attempt["items"][0]["question_id"]
    question = db_session.scalar(select(Question).where(Question.key == key))
    version = question.current_version
    edited = QuestionData(
        id=key,
        difficulty="easy",
        kind="single",
        points=1,
        text={"vi": "Văn bản đã sửa?"},
        options=[OptionData(o["id"], o["text"], o["correct"]) for o in version.options],
        explanation=version.explanation,
        source=version.source,
    )
    import_bank(db_session, [TopicData("basics", {"vi": "basics"}, [edited])])
    again = student_client.get(f"/api/v1/attempts/{attempt['id']}").json
    assert again["items"][0]["text"] == attempt["items"][0]["text"] != "Văn bản đã sửa?"


@pytest.mark.parametrize(
    ("kind", "chosen", "policy", "expected"),
    [
        ("single", ["a"], "all_or_nothing", 2),
        ("single", ["b"], "all_or_nothing", 0),
        ("single", [], "all_or_nothing", 0),
        ("true_false", ["a"], "partial", 2),
        ("multiple", ["a", "b"], "all_or_nothing", 2),
        ("multiple", ["a"], "all_or_nothing", 0),
        ("multiple", ["a"], "partial", 1),
        ("multiple", ["a", "b", "c"], "partial", 1),
        ("multiple", ["a", "c"], "partial", 0),
        ("multiple", ["c", "d"], "partial", 0),
    ],
)
def test_item_scores(kind, chosen, policy, expected):
    correct = ["a", "b"] if kind == "multiple" else ["a"]
    assert item_units(kind, 2, correct, chosen, policy) == expected * SCORE_UNIT


def test_partial_thirds_are_exact():
    assert item_units("multiple", 1, ["a", "b", "c"], ["a"], "partial") * 3 == SCORE_UNIT


def test_a_submitted_attempt_is_scored_with_the_rounds_policy(
    student_client, make_bank, make_round, db_session
):
    make_bank(topic="multi", kind="multiple", points=3, medium=2)
    round_ = make_round(
        blueprint=[BlueprintLine(2, "multi", None)], multiple_choice_policy="partial"
    )
    attempt = start(student_client, round_)
    first, second = attempt["items"]
    student_client.put(f"/api/v1/attempts/{attempt['id']}/answers/1", json={"choices": ["a"]})
    student_client.put(f"/api/v1/attempts/{attempt['id']}/answers/2", json={"choices": ["a", "b"]})
    result = student_client.post(f"/api/v1/attempts/{attempt['id']}/submit", json={}).json
    assert result["score"] == 4.5 and result["max_score"] == 6
    items = db_session.scalars(
        select(AttemptItem)
        .where(AttemptItem.attempt_id == attempt["id"])
        .order_by(AttemptItem.position)
    ).all()
    assert [i.score_units for i in items] == [3 * SCORE_UNIT // 2, 3 * SCORE_UNIT]


def test_the_last_save_counts_and_an_empty_list_clears(student_client, make_round):
    round_ = make_round()
    attempt = start(student_client, round_)
    url = f"/api/v1/attempts/{attempt['id']}/answers/1"
    student_client.put(url, json={"choices": ["b"]})
    student_client.put(url, json={"choices": ["a"]})
    assert student_client.get(f"/api/v1/attempts/{attempt['id']}").json["items"][0]["choices"] == [
        "a"
    ]
    student_client.put(url, json={"choices": []})
    assert student_client.get(f"/api/v1/attempts/{attempt['id']}").json["items"][0]["choices"] == []


def test_prediction_is_kept_with_the_submission(student_client, make_round, db_session):
    round_ = make_round(prediction_text={"vi": "Bao nhiêu bài đạt điểm tối đa?"})
    attempt = start(student_client, round_)
    student_client.post(f"/api/v1/attempts/{attempt['id']}/submit", json={"prediction": 42})
    assert db_session.get(Attempt, attempt["id"]).prediction == 42


def test_prediction_where_the_round_asks_none_is_refused(student_client, make_round):
    round_ = make_round()
    attempt = start(student_client, round_)
    response = student_client.post(
        f"/api/v1/attempts/{attempt['id']}/submit", json={"prediction": 3}
    )
    assert response.status_code == 422
