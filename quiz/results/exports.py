"""Final results for organisers, per round or overall, students or universities: CSV
(UTF-8 with a byte order mark, so that Excel reads Vietnamese names) and XLSX
(openpyxl in write-only mode: rows streamed into the file, not kept as cells).

The rows are the organisers' (live) boards in their own order and competition ranks;
students' rows carry what only organisers may read (full name, e-mail, student
number), which is why only organisers may download them.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from quiz.accounts.models import User
from quiz.attempts.models import SCORE_UNIT
from quiz.standings import boards, university_boards
from quiz.standings.models import LIVE
from quiz.universities.models import University

#: How many board entries are read at a time.
PAGE = 5000
KINDS = ("students", "universities")


@dataclass
class Table:
    name: str
    header: list[str]
    rows: Iterator[list[Any]]


def _points(units: int) -> float:
    return round(units / SCORE_UNIT, 2)


def _students(session: Session, round_id: int | None) -> Iterator[list[Any]]:
    for entries, _total in boards.board_pages(session, round_id, view=LIVE, size=PAGE):
        people = {
            row.id: row
            for row in session.execute(
                select(User.id, User.full_name, User.email, User.student_number).where(
                    User.id.in_([e.student_id for e in entries])
                )
            )
        }
        for entry in entries:
            person = people[entry.student_id]
            yield [
                entry.rank,
                person.full_name,
                entry.display_name,
                person.email,
                person.student_number,
                entry.university_code,
                _points(entry.score_units),
                round(entry.duration_ms / 1000, 1),
            ]


def _universities(session: Session, round_id: int | None) -> Iterator[list[Any]]:
    """One row per university: its rank and value by every method."""
    by_method = {
        method: {
            e.university_id: e
            for e in university_boards.university_board(
                session, method, round_id, limit=10**6, view=LIVE
            )[0]
        }
        for method in university_boards.METHODS
    }
    names = {
        u.id: u
        for u in session.execute(
            select(University.id, University.code, University.name_vi, University.name_en)
        )
    }
    first = by_method[university_boards.METHODS[0]]
    for university_id, entry in first.items():
        row: list[Any] = [entry.code, names[university_id].name_vi, names[university_id].name_en]
        row.append(entry.participants)
        for method in university_boards.METHODS:
            found = by_method[method].get(university_id)
            row.append(found.rank if found and found.rank is not None else "")
            row.append(float(university_boards.value_text(found.value)) if found else "")
        yield row


def table(session: Session, kind: str, round_id: int | None) -> Table:
    if kind == "students":
        header = [
            _("Rank"),
            _("Full name"),
            _("Display name"),
            _("E-mail"),
            _("Student number"),
            _("University"),
            _("Score") if round_id else _("Total"),
            _("Time (s)"),
        ]
        return Table("students", header, _students(session, round_id))
    header = [_("Code"), _("Name (vi)"), _("Name (en)"), _("Participants")]
    for method in university_boards.METHODS:
        header += [f"{_('Rank')} ({method})", method]
    return Table("universities", header, _universities(session, round_id))


def as_csv(result: Table) -> Iterator[bytes]:
    """The table as CSV in pieces of about 64 KB, a byte order mark first."""
    out = io.StringIO()
    writer = csv.writer(out)
    yield "\ufeff".encode()
    writer.writerow(result.header)
    for row in result.rows:
        writer.writerow(row)
        if out.tell() > 64 * 1024:
            yield out.getvalue().encode("utf-8")
            out.seek(0)
            out.truncate()
    yield out.getvalue().encode("utf-8")


def as_xlsx(result: Table) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(result.name)
    sheet.append(result.header)
    for row in result.rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
