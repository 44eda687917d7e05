"""Bad input is refused with a clear 4xx in the reader's language, and writes nothing."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from quiz.accounts.models import Role, User
from quiz.clock import now
from quiz.rounds.models import Round
from tests.conftest import log_in

EN = {"Accept-Language": "en"}


def registration(**fields):
    body = {
        "email": "new.student@example.edu.vn",
        "password": "Lantern-Quiet-River-58",
        "full_name": "Trần Thị Mai",
        "university_code": "NUL1",
    }
    body.update(fields)
    return body


@pytest.mark.parametrize(
    "field, value",
    [
        ("full_name", "Trần\x00Mai"),
        ("email", "a\x00b@example.edu.vn"),
        ("display_name", "Mai\x07"),
        ("password", "Lantern\x00Quiet-58"),
    ],
)
def test_nul_and_control_characters_are_refused_naming_the_field(
    client, make_university, db_session, field, value
):
    make_university(code="NUL1")
    before = db_session.scalar(select(func.count(User.id)))
    response = client.post("/api/v1/register", json=registration(**{field: value}), headers=EN)
    assert response.status_code == 422
    assert field in response.json["error"]["message"]
    assert "not allowed" in response.json["error"]["message"]
    assert db_session.scalar(select(func.count(User.id))) == before


def test_control_characters_in_tokens_profile_and_searches(student_client, client):
    assert (
        client.post("/api/v1/auth/token", json={"email": "x\x00@y.vn", "password": "p"}).status_code
        == 422
    )
    form = {"display_name": "An\x00", "student_number": "", "locale": "vi"}
    assert student_client.post("/profile", data=form).status_code == 422
    for path in ("/universities?q=a%00b", "/leaderboards/students?q=%00", "/rounds?x=%1b"):
        assert client.get(path).status_code == 422, path


@pytest.mark.parametrize(
    "name, why",
    [("\u200b\u200b", "visible letters"), ("\u202eN ahT", "reverse the direction")],
)
def test_display_names_that_spoof_or_show_nothing_are_refused(client, make_university, name, why):
    make_university(code="NUL1")
    response = client.post("/api/v1/register", json=registration(display_name=name), headers=EN)
    assert response.status_code == 422 and why in response.json["error"]["message"]


def test_numbers_beyond_the_databases_range_are_404_or_422(client, student_client):
    huge = 9223372036854775808
    assert client.get(f"/api/v1/rounds/{huge}/leaderboard").status_code == 404
    assert client.get(f"/rounds/{huge}").status_code == 404
    assert client.get(f"/api/v1/leaderboard/students?offset={huge}").status_code == 422
    assert client.get(f"/api/v1/leaderboard/universities?round={huge}").status_code == 422
    assert client.get(f"/leaderboards/students?round={huge}").status_code == 404
    assert client.get(f"/leaderboards/students?page={huge}").status_code == 200
    assert client.get(f"/universities?page={huge}").status_code == 200


def test_a_huge_position_in_the_plain_answer_form_is_not_a_500(student_client, make_round):
    round_ = make_round()
    location = student_client.post(f"/rounds/{round_.id}/start").headers["Location"]
    aid = location.rsplit("/", 1)[-1]
    response = student_client.post(
        f"/attempts/{aid}/answer", data={"position": str(2**63), "choices": "a"}
    )
    assert response.status_code == 302


def test_json_nested_thousands_deep_is_malformed(client, student_client):
    deep = "[" * 3000 + "]" * 3000
    for target in (client, student_client):
        response = target.post("/api/v1/auth/token", data=deep, content_type="application/json")
        assert response.status_code == 400
        assert response.json["error"]["code"] == "bad_request"


def test_an_instant_the_calendar_cannot_hold_is_422(organiser, app, make_bank, db_session):
    make_bank(topic="law", easy=2)
    closes = now() + timedelta(days=30)
    body = {
        "title": "Vòng",
        "opens_at": "0001-01-01T00:00:00+01:00",
        "closes_at": closes.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "time_limit_seconds": 600,
        "blueprint": [{"topic": "law", "count": 1}],
    }
    response = log_in(app, organiser).post("/api/v1/rounds", json=body, headers=EN)
    assert response.status_code == 422 and "opens_at" in response.json["error"]["message"]
    form = {
        "title_vi": "Vòng",
        "opens_at": "0001-01-01T00:00",
        "closes_at": closes.strftime("%Y-%m-%dT%H:%M"),
        "time_limit_minutes": "10",
        "grace_seconds": "10",
        "max_attempts": "1",
        "attempt_policy": "best",
        "multiple_choice_policy": "all_or_nothing",
        "review": "after_close",
        "blueprint-0-topic": "law",
        "blueprint-0-count": "1",
        "save": "1",
    }
    page = log_in(app, organiser).post("/organiser/rounds/new", data=form, headers=EN)
    assert page.status_code == 422 and "between the years 2000 and 2999" in page.text
    assert db_session.scalar(select(func.count(Round.id))) == 0


def test_an_authorization_header_is_the_only_credential_of_its_request(app, student, csrf_enabled):
    client = log_in(app, student)
    assert client.get("/api/v1/attempts/999999").status_code == 404  # the cookie works
    junk = {"Authorization": "Bearer junk"}
    assert client.get("/api/v1/attempts/999999", headers=junk).status_code == 401
    # And it never lets a cookie session write without the CSRF token.
    response = client.post("/api/v1/rounds/1/attempts", headers=junk)
    assert response.status_code == 401


def test_the_coordinators_csv_never_runs_a_formula(app, make_user, make_university):
    university = make_university()
    make_user(full_name='=HYPERLINK("http://evil")', university=university)
    make_user(display_name="+1+2", university=university)
    coordinator = make_user(Role.COORDINATOR, university=university)
    text = log_in(app, coordinator).get("/coordinator/export.csv").data.decode("utf-8-sig")
    cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    assert '\'=HYPERLINK("http://evil")' in cells and "'+1+2" in cells
    assert not any(cell.startswith(("=", "+", "@")) for cell in cells)
