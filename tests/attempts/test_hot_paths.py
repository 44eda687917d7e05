"""The paths a whole contest takes at once stay a fixed, small number of statements."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from sqlalchemy import select, update

from quiz.accounts.models import ApiToken
from quiz.attempts.models import AttemptItem
from quiz.clock import now
from quiz.rounds.services import BlueprintLine
from tests.conftest import PASSWORD, log_in, on_postgres


def writes(seen):
    return [sql for sql in seen.sql if not sql.lstrip().upper().startswith("SELECT")]


def test_a_save_is_one_guarded_update(student_client, make_round, statements, db_session):
    round_ = make_round()
    aid = student_client.post(f"/api/v1/rounds/{round_.id}/attempts").json["id"]
    url = f"/api/v1/attempts/{aid}/answers/2"
    student_client.put(url, json={"choices": ["b"]})  # who is asking is now known
    with statements() as seen:
        response = student_client.put(url, json={"choices": ["a"]})
    assert response.status_code == 200
    assert len(seen) == 1, seen.sql
    (sql,) = seen.sql
    assert sql.lstrip().upper().startswith("UPDATE ATTEMPT_ITEMS")
    assert "save_until" in sql and "EXISTS" in sql.upper()
    if on_postgres():
        assert "FOR SHARE" in sql.upper()
    stored = db_session.scalar(
        select(AttemptItem.choices).where(AttemptItem.attempt_id == aid, AttemptItem.position == 2)
    )
    assert stored == ["a"]


def test_wildcards_never_match_an_option(student_client, make_round):
    round_ = make_round()
    aid = student_client.post(f"/api/v1/rounds/{round_.id}/attempts").json["id"]
    for bad in (["_"], ["%"], ['a"'], ["a", "a_"]):
        response = student_client.put(f"/api/v1/attempts/{aid}/answers/1", json={"choices": bad})
        assert response.status_code == 422, bad
    items = student_client.get(f"/api/v1/attempts/{aid}").json["items"]
    assert items[0]["choices"] == []


def test_a_start_from_a_paper_copies_it_and_draws_nothing(
    app, runner, make_round, student, statements
):
    round_ = make_round()
    assert runner.invoke(["papers", "prepare", "--round", str(round_.id)]).exit_code == 0
    client = log_in(app, student)
    client.get(f"/rounds/{round_.id}")
    with statements() as seen:
        response = client.post(f"/rounds/{round_.id}/start")
    assert response.status_code == 302
    changed = [sql.split("(")[0].split()[:3] for sql in writes(seen)]
    assert changed[:3] == [
        ["INSERT", "INTO", "attempts"],
        ["INSERT", "INTO", "attempt_items"],
        ["UPDATE", "papers", "SET"],
    ]
    assert not any("FROM questions" in sql for sql in seen.sql), "no draw at the start"
    assert len(seen) <= 7, seen.sql


def test_the_attempt_page_reads_question_versions_once_per_process(
    app, make_bank, make_round, make_user, statements
):
    make_bank(topic="four", easy=4)
    round_ = make_round(blueprint=[BlueprintLine(4, "four", "easy")])  # everyone gets all four
    first, second = log_in(app, make_user()), log_in(app, make_user())
    first.get(first.post(f"/rounds/{round_.id}/start").headers["Location"])
    location = second.post(f"/rounds/{round_.id}/start").headers["Location"]
    with statements() as seen:
        page = second.get(location)
    assert page.status_code == 200 and 'class="card item current"' in page.text
    assert not any("question_versions" in sql for sql in seen.sql), seen.sql
    assert len(seen) <= 4, seen.sql


def get_token(client, user):
    return client.post("/api/v1/auth/token", json={"email": user.email, "password": PASSWORD}).json[
        "token"
    ]


def test_a_token_revoked_elsewhere_stops_working_within_five_seconds(client, student, db_session):
    token = get_token(client, student)
    headers = {"Authorization": f"Bearer {token}"}
    with time_machine.travel(now(), tick=False) as clock:
        assert client.get("/api/v1/rounds", headers=headers).status_code == 200
        probe = f"/api/v1/attempts/{10**6}"
        assert client.get(probe, headers=headers).status_code == 404  # known, not found
        # Another server revokes it (logout there, password change, an organiser).
        db_session.execute(
            update(ApiToken).where(ApiToken.user_id == student.id).values(revoked_at=now())
        )
        db_session.flush()
        clock.shift(timedelta(seconds=5))
        assert client.get(probe, headers=headers).status_code == 401


def test_a_token_revoked_here_stops_at_once(client, student):
    token = get_token(client, student)
    headers = {"Authorization": f"Bearer {token}"}
    probe = f"/api/v1/attempts/{10**6}"
    assert client.get(probe, headers=headers).status_code == 404
    assert client.delete("/api/v1/auth/token", headers=headers).status_code == 204
    assert client.get(probe, headers=headers).status_code == 401
