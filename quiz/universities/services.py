"""Finding universities and importing them from CSV."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from quiz.errors import InvalidInput, NotFound
from quiz.text import fold
from quiz.universities.models import University

CSV_COLUMNS = ("code", "name_vi", "name_en", "short_name", "city")


def by_code(session: Session, code: str) -> University:
    """The university with ``code`` (case-insensitive); NotFound otherwise."""
    university = session.scalar(select(University).where(University.code == code.strip().upper()))
    if university is None:
        raise NotFound(
            _l("Unknown university."), field="university_code", code="unknown_university"
        )
    return university


def search(
    session: Session, query: str = "", *, limit: int = 50, offset: int = 0
) -> tuple[list[University], int]:
    """Universities whose code, names, short name or city contain ``query``.

    Returns one page ordered by Vietnamese name, and the total number of matches.
    """
    statement = select(University)
    for word in fold(query).split()[:8]:
        escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        statement = statement.where(University.search_key.like(f"%{escaped}%", escape="\\"))
    total = session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    page = session.scalars(
        statement.order_by(University.name_vi, University.code).limit(limit).offset(offset)
    )
    return list(page), total


def all_universities(session: Session) -> list[University]:
    """Every university, ordered by Vietnamese name (for pickers)."""
    return list(session.scalars(select(University).order_by(University.name_vi)))


@dataclass
class ImportSummary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def import_csv(session: Session, text: str) -> ImportSummary:
    """Create or update universities from CSV ``text`` (header per spec/cli.md).

    Atomic: any bad line raises InvalidInput naming the line, and nothing is
    written. Extra columns are allowed and ignored.
    """
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [c for c in CSV_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise InvalidInput(
            {"file": _l("Line 1: missing columns: %(cols)s.", cols=", ".join(missing))}
        )
    rows: dict[str, dict[str, str]] = {}
    for row in reader:
        line = reader.line_num
        values = {c: (row.get(c) or "").strip() for c in CSV_COLUMNS}
        values["code"] = values["code"].upper()
        problem = _row_problem(values, rows)
        if problem is not None:
            raise InvalidInput(
                {"file": _l("Line %(line)d: %(problem)s", line=line, problem=problem)}
            )
        rows[values["code"]] = values
    existing = {u.code: u for u in session.scalars(select(University))}
    summary = ImportSummary()
    for code, values in rows.items():
        university = existing.get(code)
        if university is None:
            university = University(**values)
            university.refresh_search_key()
            session.add(university)
            summary.created += 1
        elif any(getattr(university, c) != values[c] for c in CSV_COLUMNS):
            for column in CSV_COLUMNS:
                setattr(university, column, values[column])
            university.refresh_search_key()
            summary.updated += 1
        else:
            summary.unchanged += 1
    session.flush()
    return summary


def _row_problem(values: dict[str, str], seen: dict[str, dict[str, str]]) -> object | None:
    code = values["code"]
    if not code or len(code) > 32 or not code.replace("-", "").replace("_", "").isalnum():
        return _l("the code must be 1 to 32 letters, digits, - or _.")
    if code in seen:
        return _l("the code %(code)s appears twice.", code=code)
    if not values["name_vi"] or not values["name_en"]:
        return _l("name_vi and name_en are required.")
    if len(values["name_vi"]) > 255 or len(values["name_en"]) > 255:
        return _l("a name is longer than 255 characters.")
    if len(values["short_name"]) > 64 or len(values["city"]) > 128:
        return _l("short_name or city is too long.")
    return None
