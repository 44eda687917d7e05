"""The student's pages, used without JavaScript (plain form posts)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import time_machine
from sqlalchemy import select

from quiz.clock import now
from quiz.rounds.models import Round
from tests.conftest import log_in

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")


def hanoi_field(moment: datetime) -> str:
    """A datetime-local form value: the instant in the contest's time zone."""
    return moment.astimezone(HANOI).strftime("%Y-%m-%dT%H:%M")


def start_page(client, round_):
    response = client.post(f"/rounds/{round_.id}/start")
    assert response.status_code == 302
    return response.headers["Location"]


def attempt_id(location):
    return int(re.search(r"/attempts/(\d+)", location).group(1))


def test_rounds_list_shows_state_and_my_results(student_client, make_round):
    round_ = make_round()
    page = student_client.get("/rounds", headers={"Accept-Language": "en"}).text
    assert "Test round" in page and "Open" in page
    aid = attempt_id(start_page(student_client, round_))
    student_client.post(f"/attempts/{aid}/submit")
    page = student_client.get("/rounds", headers={"Accept-Language": "en"}).text
    assert "Score: 0.00 / 4" in page


def test_start_page_states_the_rules(client, make_round):
    round_ = make_round(time_limit_seconds=900, review="after_close")
    page = client.get(f"/rounds/{round_.id}", headers={"Accept-Language": "en"}).text
    assert "4 questions" in page and "15 minutes" in page
    assert "once" in page and "after the round closes" in page
    assert "Log in to take part" in page


def test_a_whole_attempt_without_javascript(student_client, make_round):
    round_ = make_round()
    location = start_page(student_client, round_)
    aid = attempt_id(location)
    page = student_client.get(location).text
    assert page.count('class="card item') == 4
    for position in range(1, 5):
        response = student_client.post(
            f"/attempts/{aid}/answer",
            data={"position": position, "choices": "a", "go": position + 1},
        )
        assert response.status_code == 302
    confirm = student_client.get(f"/attempts/{aid}/confirm", headers={"Accept-Language": "en"})
    assert "Every question has an answer" in confirm.text
    result = student_client.post(f"/attempts/{aid}/submit")
    assert result.headers["Location"].endswith(f"/attempts/{aid}/result")
    page = student_client.get(f"/attempts/{aid}/result").text
    assert "4,00" in page  # the decimal comma of Vietnamese


def test_confirmation_lists_the_unanswered_questions(student_client, make_round):
    round_ = make_round()
    aid = attempt_id(start_page(student_client, round_))
    student_client.post(f"/attempts/{aid}/answer", data={"position": 2, "choices": "b"})
    page = student_client.get(f"/attempts/{aid}/confirm", headers={"Accept-Language": "en"}).text
    assert "3 questions are unanswered" in page
    assert f"/attempts/{aid}?q=1" in page and f"/attempts/{aid}?q=3" in page
    assert f"/attempts/{aid}?q=2" not in page


def test_reload_resumes_where_the_student_was_with_their_answers(student_client, make_round):
    round_ = make_round()
    aid = attempt_id(start_page(student_client, round_))
    student_client.post(f"/attempts/{aid}/answer", data={"position": 3, "choices": "c", "go": 3})
    page = student_client.get(f"/attempts/{aid}").text
    current = page.split('class="card item current"')[1]
    assert 'data-position="3"' in current.split(">")[0]
    assert re.search(r'value="c" checked', current.split("</section>")[0])


def test_review_page_only_when_allowed(student_client, make_round):
    round_ = make_round()
    aid = attempt_id(start_page(student_client, round_))
    student_client.post(f"/attempts/{aid}/answer", data={"position": 1, "choices": "b"})
    student_client.post(f"/attempts/{aid}/submit")
    early = student_client.get(f"/attempts/{aid}/review", headers={"Accept-Language": "en"})
    # Refused, saying when the answers are shown (the round's last save instant).
    assert early.status_code == 403 and "The answers are shown once the round is over" in early.text
    with time_machine.travel(round_.closes_at + timedelta(minutes=1)):
        page = student_client.get(f"/attempts/{aid}/review", headers={"Accept-Language": "en"})
    assert page.status_code == 200 and "correct answer" in page.text
    assert "Because" in page.text
    # The wrong choice is said in words and marked, not only by its colour.
    assert 'data-chosen="wrong"' in page.text and "your answer: wrong" in page.text
    assert page.text.count('class="mark" aria-hidden="true">✗') >= 1


def test_a_result_says_when_the_time_ran_out_and_it_was_submitted_automatically(
    student_client, make_round
):
    round_ = make_round(time_limit_seconds=60, grace_seconds=10)
    with time_machine.travel(now(), tick=False) as clock:
        aid = attempt_id(start_page(student_client, round_))
        clock.shift(timedelta(seconds=61))  # the page's countdown reached zero and submitted
        student_client.post(f"/api/v1/attempts/{aid}/submit", json={})
        page = student_client.get(f"/attempts/{aid}/result", headers={"Accept-Language": "en"})
    assert 'data-ended="timed_out"' in page.text
    assert "The time ran out: your attempt was submitted automatically" in page.text


def test_a_late_plain_save_is_refused_with_a_message(student_client, make_round):
    round_ = make_round(time_limit_seconds=60, grace_seconds=10)
    with time_machine.travel(now(), tick=False) as clock:
        aid = attempt_id(start_page(student_client, round_))
        clock.shift(timedelta(seconds=75))
        response = student_client.post(
            f"/attempts/{aid}/answer", data={"position": 1, "choices": "a"}
        )
        assert response.headers["Location"].endswith("/result")
        page = student_client.get(
            response.headers["Location"], headers={"Accept-Language": "en"}
        ).text
    assert "too late" in page or "ran out" in page


def test_someone_elses_attempt_page_is_404(app, make_user, make_round, student_client):
    round_ = make_round()
    aid = attempt_id(start_page(student_client, round_))
    other = log_in(app, make_user())
    for path in ("", "/confirm", "/result", "/review"):
        assert other.get(f"/attempts/{aid}{path}").status_code == 404, path


def test_organiser_creates_a_round_from_the_form(organiser_client, make_bank, db_session):
    make_bank(topic="law", easy=3)
    opens = (now().astimezone(HANOI) + timedelta(days=1)).replace(hour=8, minute=0)
    page = organiser_client.get("/organiser/rounds/new")
    assert page.status_code == 200
    data = {
        "title_vi": "Vòng 1",
        "opens_at": hanoi_field(opens),
        "closes_at": hanoi_field(opens + timedelta(days=6)),
        "time_limit_minutes": "15",
        "grace_seconds": "10",
        "max_attempts": "1",
        "attempt_policy": "best",
        "multiple_choice_policy": "all_or_nothing",
        "review": "after_close",
        "blueprint-0-topic": "law",
        "blueprint-0-difficulty": "easy",
        "blueprint-0-count": "4",
        "save": "1",
    }
    refused = organiser_client.post(
        "/organiser/rounds/new", data=data, headers={"Accept-Language": "en"}
    )
    assert refused.status_code == 422 and "Line 1" in refused.text
    assert "3 active questions match" in refused.text
    data["blueprint-0-count"] = "3"
    created = organiser_client.post("/organiser/rounds/new", data=data)
    assert created.status_code == 302
    round_ = db_session.scalar(select(Round).where(Round.title["vi"].as_string() == "Vòng 1"))
    # 08:00 in Hanoi is 01:00 UTC.
    assert round_.opens_at.hour == 1


def test_a_started_round_only_takes_a_new_title_or_a_later_close(
    organiser_client, student_client, make_round
):
    round_ = make_round()
    start_page(student_client, round_)
    form = organiser_client.get(f"/organiser/rounds/{round_.id}/edit").text
    assert "Vòng thử" in form
    response = organiser_client.post(
        f"/organiser/rounds/{round_.id}/edit",
        data={
            "title_vi": "Vòng thử",
            "opens_at": hanoi_field(round_.opens_at),
            "closes_at": hanoi_field(round_.closes_at + timedelta(days=30)),
            "time_limit_minutes": "1",
            "grace_seconds": "10",
            "max_attempts": "1",
            "attempt_policy": "best",
            "multiple_choice_policy": "all_or_nothing",
            "review": "after_close",
            "blueprint-0-topic": "basics",
            "blueprint-0-difficulty": "easy",
            "blueprint-0-count": "4",
            "save": "1",
        },
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 409
    assert "only the title and a later closing time" in response.text


def test_students_cannot_open_round_administration(student_client, client, make_round):
    round_ = make_round()
    for path in (
        "/organiser/rounds/",
        "/organiser/rounds/new",
        f"/organiser/rounds/{round_.id}",
        f"/organiser/rounds/{round_.id}/edit",
    ):
        assert student_client.get(path).status_code == 403
        assert client.get(path).status_code == 302


def test_waiting_for_an_upcoming_round_shows_the_servers_countdown(student_client, make_round):
    with time_machine.travel(now(), tick=False):
        round_ = make_round(
            opens_at=now() + timedelta(minutes=2, seconds=5),
            closes_at=now() + timedelta(hours=1),
        )
        page = student_client.get(f"/rounds/{round_.id}", headers={"Accept-Language": "en"})
    assert 'data-opens-in="125"' in page.text and "2:05" in page.text
    assert "The round opens in" in page.text and "data-start-button" in page.text
    # Pressed before the instant (no JavaScript), the start says so and starts nothing.
    early = student_client.post(f"/rounds/{round_.id}/start", headers={"Accept-Language": "en"})
    assert early.status_code == 302 and early.headers["Location"].endswith(f"/rounds/{round_.id}")
    flashed = student_client.get(early.headers["Location"], headers={"Accept-Language": "en"})
    assert "This round has not opened yet." in flashed.text


def test_a_result_tells_the_rank_the_band_the_distribution_and_later_each_topic(
    app, db_session, make_user, make_round
):
    from quiz.attempts import services as attempts_services

    round_ = make_round()
    students = [make_user() for _ in range(3)]
    for n, person in enumerate(students):
        started = attempts_services.start(db_session, round_, person)
        sheet = attempts_services.sheet(db_session, started.attempt_id, person)
        for item in sheet.items[: 3 - n]:
            right = item.version.correct_ids()
            attempts_services.save_answer(
                db_session, started.attempt_id, person, item.position, right
            )
        attempts_services.submit(db_session, started.attempt_id, person, None)
    mine = log_in(app, students[1])
    page = mine.get(
        f"/attempts/{started.attempt_id - 1}/result", headers={"Accept-Language": "en"}
    ).text
    assert 'data-rank="2"' in page and "Rank 2 of 3" in page
    assert 'class="bar mine"' in page and "◀ you" in page  # where the score sits
    assert "data-celebrate" in page  # just finished
    assert "data-topics" not in page  # not before review: it would tell which were right
    with time_machine.travel(round_.closes_at + timedelta(minutes=1)):
        later = mine.get(
            f"/attempts/{started.attempt_id - 1}/result", headers={"Accept-Language": "en"}
        ).text
    assert "data-topics" in later and "2,00 / 4" not in later and "2.00 / 4" in later
    assert "data-celebrate" not in later
