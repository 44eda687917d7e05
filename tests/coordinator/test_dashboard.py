"""The coordinator's dashboard: own university only, verification, charts, export."""

from __future__ import annotations

import re

from sqlalchemy import select

from quiz.accounts.models import Role
from quiz.audit.models import AuditEntry
from tests.conftest import log_in
from tests.standings.test_leaderboard_api import take


def test_coordinator_sees_full_details_of_their_own_students(
    app, make_user, make_round, make_university
):
    university = make_university()
    coordinator = make_user(Role.COORDINATOR, university=university)
    student = make_user(university=university, full_name="Lê Thị Hồng", student_number="B22-9")
    take(log_in(app, student), make_round())
    page = log_in(app, coordinator).get("/coordinator/").text
    assert "Lê Thị Hồng" in page and "B22-9" in page and student.email in page
    assert "<svg" in page and 'role="img"' in page


def test_another_universitys_dashboard_and_export_are_403(app, make_user, make_university):
    mine, theirs = make_university(), make_university()
    coordinator = log_in(app, make_user(Role.COORDINATOR, university=mine))
    assert coordinator.get(f"/coordinator/?university={theirs.code}").status_code == 403
    assert coordinator.get(f"/coordinator/export.csv?university={theirs.code}").status_code == 403


def test_students_get_403_and_visitors_log_in(student_client, client):
    for path in ("/coordinator/", "/coordinator/export.csv"):
        assert student_client.get(path).status_code == 403
        assert client.get(path).status_code == 302


def test_verification_is_audited_and_limited_to_the_university(
    app, make_user, make_university, db_session
):
    university, other = make_university(), make_university()
    coordinator = make_user(Role.COORDINATOR, university=university)
    mine, theirs = make_user(university=university), make_user(university=other)
    client = log_in(app, coordinator)
    assert (
        client.post(
            f"/coordinator/students/{mine.id}/verification", data={"decision": "confirmed"}
        ).status_code
        == 302
    )
    db_session.refresh(mine)
    assert mine.verification == "confirmed"
    entry = db_session.scalar(select(AuditEntry).where(AuditEntry.target == f"user:{mine.id}"))
    assert entry.action == "students.confirmed" and entry.actor_id == coordinator.id
    assert (
        client.post(
            f"/coordinator/students/{theirs.id}/verification", data={"decision": "rejected"}
        ).status_code
        == 403
    )
    db_session.refresh(theirs)
    assert theirs.verification == "pending"


def test_unverified_students_are_marked_on_the_dashboard(app, make_user, make_university):
    university = make_university()
    coordinator = make_user(Role.COORDINATOR, university=university)
    make_user(university=university, full_name="Trần Văn Chưa")
    page = log_in(app, coordinator).get("/coordinator/", headers={"Accept-Language": "en"}).text
    assert "Trần Văn Chưa" in page and "unverified" in page


def test_csv_export_opens_in_excel_with_vietnamese_names(
    app, make_user, make_round, make_university
):
    university = make_university()
    coordinator = make_user(Role.COORDINATOR, university=university)
    student = make_user(university=university, full_name="Đặng Thị Ánh")
    take(log_in(app, student), make_round())
    response = log_in(app, coordinator).get("/coordinator/export.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.data.startswith("\ufeff".encode())
    text = response.data.decode("utf-8-sig")
    assert "Đặng Thị Ánh" in text and "4.00" in text


def test_with_verification_required_only_confirmed_students_count(
    app, make_user, make_round, make_university, client
):
    university = make_university()
    coordinator = make_user(Role.COORDINATOR, university=university)
    student = make_user(university=university)
    app.config["REQUIRE_VERIFICATION"] = True
    try:
        take(log_in(app, student), make_round())
        board = client.get("/api/v1/leaderboard/universities?method=participants").json
        row = next(e for e in board["entries"] if e["university_code"] == university.code)
        assert row["participants"] == 0
        log_in(app, coordinator).post(
            f"/coordinator/students/{student.id}/verification", data={"decision": "confirmed"}
        )
        board = client.get("/api/v1/leaderboard/universities?method=participants").json
        row = next(e for e in board["entries"] if e["university_code"] == university.code)
        assert row["participants"] == 1
    finally:
        app.config["REQUIRE_VERIFICATION"] = False


def test_the_score_distribution_runs_to_the_rounds_maximum_not_the_best_score(
    app, make_user, make_round, make_university
):
    university = make_university()
    coordinator = make_user(Role.COORDINATOR, university=university)
    round_ = make_round()  # 4 questions of 1 point
    take(log_in(app, make_user(university=university)), round_, right=False)
    page = log_in(app, coordinator).get(f"/coordinator/?round={round_.id}").text
    figures = page.split('<details class="chart-figures">')[1].split("</details>")[0]
    assert re.findall(r'<th scope="row">([^<]+)</th>', figures) == ["0", "1", "2", "3", "4"]
    assert 'font-size="15"' in page  # 12 px or more inside a card on a 360 px phone
