"""The organisers' exports of final results: CSV with a byte order mark, and XLSX."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

from quiz.accounts.models import Role
from quiz.clock import now
from tests.conftest import log_in
from tests.operations.test_regrading import KEYS, closed_round

EN = {"Accept-Language": "en"}


def contest(db_session, make_user, make_university):
    home = make_university(code="HNU")
    best = make_user(university=home, full_name="Nguyễn Thị Ánh", email="anh@example.edu.vn")
    second = make_user(full_name="Trần Văn Bảo")
    answers = [{k: "a" for k in KEYS}, {**{k: "a" for k in KEYS}, KEYS[0]: "b"}]
    # ``second`` is listed first (they finish first) but scores less: order is by score.
    return closed_round(db_session, [second, best], answers[::-1], now()), best, second


def test_the_students_of_a_round_as_csv_and_xlsx_in_rank_order(
    app, db_session, make_user, make_university
):
    round_, best, second = contest(db_session, make_user, make_university)
    organiser = log_in(app, make_user(Role.ORGANISER))
    response = organiser.get(f"/organiser/results/students.csv?round={round_.id}", headers=EN)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert 'filename="students-round-' in response.headers["Content-Disposition"]
    assert response.data.startswith("\ufeff".encode())  # Excel reads it as UTF-8
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][:4] == ["Rank", "Full name", "Display name", "E-mail"]
    assert [(r[0], r[1], r[3], r[5], r[6]) for r in rows[1:]] == [
        ("1", "Nguyễn Thị Ánh", "anh@example.edu.vn", "HNU", "4.0"),
        ("2", "Trần Văn Bảo", second.email, second.university.code, "3.0"),
    ]
    sheet = organiser.get(f"/organiser/results/students.xlsx?round={round_.id}", headers=EN)
    book = load_workbook(io.BytesIO(sheet.data), read_only=True)
    cells = [list(r) for r in book.active.iter_rows(values_only=True)]
    assert cells[0][0] == "Rank" and cells[1][:2] == [1, "Nguyễn Thị Ánh"]
    assert cells[2][:2] == [2, "Trần Văn Bảo"] and len(cells) == 3


def test_the_universities_overall_with_every_method(app, db_session, make_user, make_university):
    round_, best, _second = contest(db_session, make_user, make_university)
    organiser = log_in(app, make_user(Role.ORGANISER))
    response = organiser.get("/organiser/results/universities.csv", headers=EN)
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    header = rows[0]
    assert header[:4] == ["Code", "Name (vi)", "Name (en)", "Participants"]
    assert "Rank (top_n_mean)" in header and "mean" in header
    home = next(r for r in rows[1:] if r[0] == "HNU")
    assert home[3] == "1" and home[header.index("total")] == "4.0"


def test_exports_refuse_a_practice_round_and_unknown_kinds(app, db_session, make_user, make_round):
    practice = make_round(ranked=False)
    organiser = log_in(app, make_user(Role.ORGANISER))
    assert organiser.get(f"/organiser/results/students.csv?round={practice.id}").status_code == 404
    assert organiser.get("/organiser/results/answers.csv").status_code == 404
    assert organiser.get("/organiser/results/students.pdf").status_code == 404
    assert organiser.get("/organiser/results/students.csv?round=x").status_code == 404
