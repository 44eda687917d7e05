"""Organisers create accounts; every change goes to the audit log."""

from __future__ import annotations

import io

from sqlalchemy import func, select

from quiz.accounts.models import User
from quiz.audit.models import AuditEntry


def user_count(db_session):
    return db_session.scalar(select(func.count(User.id)))


def test_organiser_creates_a_coordinator_and_it_is_audited(
    organiser_client, organiser, make_university, db_session
):
    university = make_university()
    response = organiser_client.post(
        "/organiser/users",
        data={
            "role": "coordinator",
            "email": "Coord@Example.edu.vn",
            "full_name": "Phạm Thu Hà",
            "university_code": university.code,
        },
    )
    assert response.status_code == 200
    assert "/invitation/" in response.text
    user = db_session.scalar(select(User).where(User.email == "coord@example.edu.vn"))
    assert user.role == "coordinator" and user.university_id == university.id
    entry = db_session.scalar(select(AuditEntry).where(AuditEntry.target == f"user:{user.id}"))
    assert entry.actor_id == organiser.id and entry.action == "users.create"
    assert f"user:{user.id}" in organiser_client.get("/organiser/audit").text


def test_coordinator_without_university_is_refused(organiser_client, db_session):
    before = user_count(db_session)
    response = organiser_client.post(
        "/organiser/users",
        data={"role": "coordinator", "email": "c@example.edu.vn", "full_name": "Phạm Hà"},
    )
    assert response.status_code == 422
    assert user_count(db_session) == before


def test_invited_user_chooses_a_password_once(
    app, organiser_client, make_university, db_session, client
):
    university = make_university()
    response = organiser_client.post(
        "/organiser/users",
        data={
            "role": "coordinator",
            "email": "inv@example.edu.vn",
            "full_name": "Võ Minh",
            "university_code": university.code,
        },
    )
    link = response.text.split("/invitation/")[1].split("<")[0]
    path = "/invitation/" + link
    data = {"new_password": "violet-harbour-ride-5", "confirm": "violet-harbour-ride-5"}
    assert client.post(path, data=data).status_code == 302
    client.post("/logout")
    again = client.post(path, data=data, headers={"Accept-Language": "en"})
    assert again.status_code == 200
    assert "not valid or has expired" in again.text


def roster(text):
    return {"roster-roster": (io.BytesIO(text.encode("utf-8")), "roster.csv")}


def test_roster_with_a_bad_line_imports_nothing_and_names_the_line(
    organiser_client, make_university, db_session
):
    university = make_university()
    before = user_count(db_session)
    text = (
        "email,full_name,role,university_code\n"
        f"a1@example.edu.vn,Nguyễn An,student,{university.code}\n"
        f"a2@example.edu.vn,Nguyễn Bình,student,{university.code}\n"
        f"a3@example.edu.vn,Nguyễn Chi,student,NOPE\n"
    )
    response = organiser_client.post(
        "/organiser/users/import", data=roster(text), content_type="multipart/form-data"
    )
    assert response.status_code == 422
    assert "4" in response.text
    assert user_count(db_session) == before


def test_roster_import_creates_everyone(organiser_client, make_university, db_session):
    university = make_university()
    before = user_count(db_session)
    text = (
        "email,full_name,role,university_code,display_name,student_number,password\n"
        f"b1@example.edu.vn,Nguyễn An,student,{university.code},An,SV1,tall-maple-window-3\n"
        f"b2@example.edu.vn,Nguyễn Bình,coordinator,{university.code},,,\n"
    )
    response = organiser_client.post(
        "/organiser/users/import", data=roster(text), content_type="multipart/form-data"
    )
    assert response.status_code == 200
    assert "b2@example.edu.vn" in response.text and "/invitation/" in response.text
    assert user_count(db_session) == before + 2


def test_cli_users_create_and_import(runner, tmp_path, make_university, db_session):
    university = make_university()
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--role",
            "organiser",
            "--email",
            "boss@example.org",
            "--name",
            "Đỗ Quang",
            "--password-stdin",
        ],
        input="stone-lake-harvest-8\n",
    )
    assert result.exit_code == 0, result.output
    assert "Created organiser boss@example.org" in result.output
    path = tmp_path / "roster.csv"
    path.write_text(
        "email,full_name,role,university_code\n"
        f"s1@example.edu.vn,Lý Hoa,student,{university.code}\n",
        encoding="utf-8",
    )
    result = runner.invoke(args=["users", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "Invitation for s1@example.edu.vn" in result.output


def test_cli_roster_with_bad_line_exits_1_and_imports_nothing(runner, tmp_path, db_session):
    before = user_count(db_session)
    path = tmp_path / "roster.csv"
    path.write_text(
        "email,full_name,role,university_code\nx@example.org,X Y,admin,ABC\n", encoding="utf-8"
    )
    result = runner.invoke(args=["users", "import", str(path)])
    assert result.exit_code == 1
    assert "2" in result.output
    assert user_count(db_session) == before
