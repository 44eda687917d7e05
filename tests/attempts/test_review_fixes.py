"""Inputs and bank changes that must never break a round or give a 500."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from quiz.bank.gift import read_gift
from quiz.bank.models import Question
from quiz.bank.moodlexml import read_moodle_xml
from quiz.errors import InvalidInput
from quiz.rounds.services import BlueprintLine, RoundData, create_round


def test_retiring_a_question_an_open_round_needs_is_refused(
    organiser_client, make_round, db_session
):
    round_ = make_round()  # draws 4 of the 6 easy "basics" questions
    keys = list(db_session.scalars(select(Question.key).order_by(Question.key)))
    assert organiser_client.post(f"/organiser/bank/{keys[0]}/retire").status_code == 302
    assert organiser_client.post(f"/organiser/bank/{keys[1]}/retire").status_code == 302
    refused = organiser_client.post(
        f"/organiser/bank/{keys[2]}/retire", headers={"Accept-Language": "en"}
    )
    assert refused.status_code == 409
    assert "no longer have enough questions" in refused.text
    question = db_session.scalar(
        select(Question).where(Question.key == keys[2]).execution_options(populate_existing=True)
    )
    assert question.status == "active"
    assert round_.id


def test_retiring_an_unknown_question_is_404(organiser_client):
    assert organiser_client.post("/organiser/bank/nope/retire").status_code == 404


@pytest.mark.parametrize("value", ["²", "-3", "1.5", "99999999999999999999", "abc"])
def test_odd_predictions_on_the_page_are_refused_without_error(student_client, make_round, value):
    round_ = make_round(prediction_text={"vi": "Bao nhiêu?"})
    aid = student_client.post(f"/api/v1/rounds/{round_.id}/attempts").json["id"]
    response = student_client.post(f"/attempts/{aid}/submit", data={"prediction": value})
    assert response.status_code == 302 and response.headers["Location"].endswith("/confirm")


def test_a_huge_prediction_through_the_api_is_422(student_client, make_round):
    round_ = make_round(prediction_text={"vi": "Bao nhiêu?"})
    aid = student_client.post(f"/api/v1/rounds/{round_.id}/attempts").json["id"]
    response = student_client.post(f"/api/v1/attempts/{aid}/submit", json={"prediction": 10**20})
    assert response.status_code == 422


def test_answers_shown_immediately_with_several_attempts_is_refused(
    db_session, make_round, make_bank
):
    round_ = make_round()
    with pytest.raises(InvalidInput):
        create_round(
            db_session,
            RoundData(
                title={"vi": "x"},
                opens_at=round_.opens_at,
                closes_at=round_.closes_at,
                time_limit_seconds=60,
                blueprint=[BlueprintLine(1, "basics", None)],
                max_attempts=2,
                review="immediately",
            ),
            actor_id=None,
        )


def test_a_started_round_takes_a_new_title_from_the_form(
    organiser_client, student_client, make_round
):
    round_ = make_round()
    student_client.post(f"/rounds/{round_.id}/start")
    form = organiser_client.get(f"/organiser/rounds/{round_.id}/edit").text
    data = {
        name: value
        for name, value in re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', form)
    }
    data.update(
        {
            "title_vi": "Vòng thử (đổi tên)",
            "review": "after_close",
            "attempt_policy": "best",
            "multiple_choice_policy": "all_or_nothing",
            "blueprint-0-topic": "basics",
            "blueprint-0-difficulty": "easy",
            "save": "1",
        }
    )
    response = organiser_client.post(f"/organiser/rounds/{round_.id}/edit", data=data)
    assert response.status_code == 302, response.text


def test_bad_moodle_values_are_problems_not_errors():
    xml = (
        b'<quiz><question type="multichoice"><name><text>n1</text></name>'
        b"<questiontext><text>Q?</text></questiontext><defaultgrade>nan</defaultgrade>"
        b'<answer fraction="100"><text>A</text></answer>'
        b'<answer fraction="0"><text>B</text></answer></question></quiz>'
    )
    _, problems = read_moodle_xml(xml, "x.xml")
    assert "defaultgrade" in str(problems[0])
    topics, problems = read_gift(
        '// quiz-meta:{"options": 3, "tags": "x"}\n::g1::Q?{=a ~b}\n', "g.gift"
    )
    assert problems == [] and topics[0].questions[0].tags == []
