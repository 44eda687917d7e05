"""Student self-registration, on the page and through the API."""

from __future__ import annotations

from sqlalchemy import func, select

from quiz.accounts.models import User


def user_count(db_session):
    return db_session.scalar(select(func.count(User.id)))


def form(university, **overrides):
    values = {
        "email": "lan.tran@example.edu.vn",
        "password": "quiet-river-lantern-42",
        "full_name": "Trần Thị Lan",
        "display_name": "",
        "university_code": university.code,
        "student_number": "B21DCCN001",
        "accept_rules": "y",
    }
    values.update(overrides)
    return values


def test_registration_page_creates_a_logged_in_student(client, make_university, db_session):
    university = make_university()
    response = client.post("/register", data=form(university))
    assert response.status_code == 302
    user = db_session.scalar(select(User).where(User.email == "lan.tran@example.edu.vn"))
    assert user.role == "student"
    assert user.university_id == university.id
    assert user.display_name == "Lan T."
    assert user.accepted_rules_at is not None
    assert client.get("/profile").status_code == 200


def test_password_is_stored_only_as_an_argon2_hash(client, make_university, db_session):
    client.post("/register", data=form(make_university()))
    user = db_session.scalar(select(User).where(User.email == "lan.tran@example.edu.vn"))
    assert user.password_hash.startswith("$argon2id$")
    assert "quiet-river-lantern-42" not in user.password_hash


def test_duplicate_email_in_other_letter_case_is_refused_and_changes_nothing(
    client, make_university, make_user, db_session
):
    university = make_university()
    make_user(email="lan.tran@example.edu.vn")
    before = user_count(db_session)
    response = client.post("/register", data=form(university, email="Lan.TRAN@Example.edu.vn"))
    assert response.status_code == 422
    assert "đã tồn tại" in response.text
    assert user_count(db_session) == before


def test_duplicate_email_through_the_api_is_a_409_in_the_callers_language(
    client, make_university, make_user, db_session
):
    university = make_university()
    make_user(email="lan.tran@example.edu.vn")
    before = user_count(db_session)
    response = client.post(
        "/api/v1/register",
        json=form(university, email="LAN.tran@example.edu.vn", accept_rules=True),
        headers={"Accept-Language": "fr"},
    )
    assert response.status_code == 409
    assert response.json["error"]["code"] == "email_taken"
    assert "existe déjà" in response.json["error"]["message"]
    assert user_count(db_session) == before


def test_unknown_university_is_refused(client, make_university, db_session):
    make_university()
    before = user_count(db_session)
    page = client.post("/register", data=form(make_university(), university_code="NOPE"))
    assert page.status_code == 422
    api = client.post(
        "/api/v1/register",
        json={**form(make_university(), university_code="NOPE"), "accept_rules": True},
    )
    assert api.status_code == 422
    assert "trường" in api.json["error"]["message"].lower()  # Vietnamese by default
    assert user_count(db_session) == before


def test_short_and_common_passwords_are_refused(client, make_university, db_session):
    university = make_university()
    before = user_count(db_session)
    for password in ("short-pw", "1234567890", "matkhau123", "qwertyuiop"):
        response = client.post(
            "/api/v1/register",
            json={**form(university, password=password), "accept_rules": True},
            headers={"Accept-Language": "en"},
        )
        assert response.status_code == 422, password
        assert "password" in response.json["error"]["message"].lower()
    assert user_count(db_session) == before


def test_registration_without_consent_is_refused(client, make_university, db_session):
    university = make_university()
    before = user_count(db_session)
    page = client.post("/register", data=form(university, accept_rules=""))
    assert page.status_code == 422
    api = client.post("/api/v1/register", json={**form(university), "accept_rules": False})
    assert api.status_code == 422
    assert user_count(db_session) == before


def test_api_registration_returns_the_new_id(client, make_university, db_session):
    university = make_university()
    body = form(university)
    del body["accept_rules"], body["display_name"]
    response = client.post("/api/v1/register", json=body)
    assert response.status_code == 201
    user = db_session.get(User, response.json["id"])
    assert user.email == "lan.tran@example.edu.vn"
    assert user.student_number == "B21DCCN001"


def test_api_registration_rejects_unknown_fields(client, make_university):
    body = {**form(make_university()), "accept_rules": True, "role": "organiser"}
    response = client.post("/api/v1/register", json=body)
    assert response.status_code == 422
    assert response.json["error"]["code"] == "invalid"
