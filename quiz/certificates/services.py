"""Issuing, finding and revoking certificates.

A certificate is issued per participant of an official round, and per entry of the
overall ranking once every ranked round is official. Its facts are frozen at issue;
issuing again (after results were reopened and changed) keeps a certificate whose
facts are the same, revokes one whose facts changed and issues its successor, and
revokes those of students no longer in the results. PDFs are drawn on demand from
the facts (``quiz.certificates.pdf``): nothing but the facts is stored.
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, insert, or_, select, update
from sqlalchemy.orm import Session

from quiz.accounts.models import Role, User
from quiz.audit.services import record
from quiz.certificates.models import OVERALL, Certificate, round_scope
from quiz.clock import now
from quiz.errors import Conflict, InvalidInput, NotFound
from quiz.i18n import LOCALES
from quiz.results import public
from quiz.results.services import REASON_MAX_CHARS, ResultsState, locked_round, state_of
from quiz.rounds.models import Round
from quiz.rounds.services import list_rounds
from quiz.standings import boards
from quiz.standings.models import LIVE
from quiz.universities.models import University

#: Crockford's base 32: no I, L, O or U, so that a code read aloud or typed is not misread.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 12
#: The bands a rank is told in, as a share of the participants (contest-operations.md).
BANDS = (1, 5, 10, 25, 50)
#: Board entries read at a time while issuing.
PAGE = 5000


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def shown(code: str) -> str:
    """``ABCD2345WXYZ`` -> ``ABCD-2345-WXYZ``."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def normalise(typed: str) -> str:
    """A code as typed (dashes, spaces, lower case, O for 0, I or L for 1) as kept."""
    folded = "".join(typed.split()).replace("-", "").upper()
    return folded.translate(str.maketrans("OIL", "011"))


def band_of(rank: int, participants: int) -> int | None:
    """The smallest band (top 1 %, 5 %, ...) the rank is within, or None."""
    for band in BANDS:
        if rank <= math.ceil(participants * band / 100):
            return band
    return None


@dataclass
class Issued:
    issued: int
    kept: int
    revoked: int


# -- issuing -------------------------------------------------------------------------


def _facts_of_scope(session: Session, round_id: int | None) -> Iterator[tuple[int, dict]]:
    """(student id, facts without the person) for each entry of the scope's board."""
    if round_id is None:
        rounds = list_rounds(session, ranked_only=True)
        title = None
        date = max(r.official_at for r in rounds if r.official_at)
    else:
        round_ = session.get(Round, round_id)
        assert round_ is not None and round_.official_at is not None
        title, date = dict(round_.title), round_.official_at
    best = public.best_possible(session, round_id)
    # The organisers' board: once official, the same as the public one.
    for entries, total in boards.board_pages(session, round_id, view=LIVE, size=PAGE):
        for entry in entries:
            yield (
                entry.student_id,
                {
                    "title": title,
                    "score_units": entry.score_units,
                    "max_score": best,
                    "rank": entry.rank,
                    "participants": total,
                    "band": band_of(entry.rank, total),
                    "date": date.date().isoformat(),
                },
            )


def _people(session: Session, student_ids: list[int]) -> dict[int, Any]:
    return {
        row.id: row
        for row in session.execute(
            select(User.id, User.full_name, User.locale, User.university_id).where(
                User.id.in_(student_ids)
            )
        )
    }


def _issue(session: Session, scope: str, round_id: int | None, actor_id: int | None) -> Issued:
    moment = now()
    universities = {
        u.id: u
        for u in session.execute(
            select(University.id, University.code, University.name_vi, University.name_en)
        )
    }
    in_force = {
        c.student_id: c
        for c in session.scalars(
            select(Certificate).where(Certificate.scope == scope, Certificate.revoked_at.is_(None))
        )
    }
    rows: list[dict[str, Any]] = []
    changed: list[int] = []
    kept = 0
    scope_facts = list(_facts_of_scope(session, round_id))
    people: dict[int, Any] = {}
    for start in range(0, len(scope_facts), PAGE):
        people |= _people(session, [sid for sid, _f in scope_facts[start : start + PAGE]])
    for student_id, facts in scope_facts:
        person = people[student_id]
        university = universities[person.university_id]
        facts = {
            "name": person.full_name,
            "university_code": university.code,
            "university": {"vi": university.name_vi, "en": university.name_en},
            **facts,
        }
        before = in_force.pop(student_id, None)
        if before is not None and before.facts == facts:
            kept += 1
            continue
        if before is not None:
            changed.append(before.id)
        rows.append(
            {
                "code": new_code(),
                "scope": scope,
                "round_id": round_id,
                "student_id": student_id,
                "university_id": person.university_id,
                "rank": facts["rank"],
                "locale": person.locale if person.locale in LOCALES else "vi",
                "facts": facts,
                "issued_at": moment,
            }
        )
    _revoke_ids(session, changed, "results changed", moment)
    gone = [c.id for c in in_force.values()]
    _revoke_ids(session, gone, "no longer in the results", moment)
    if rows:
        session.execute(insert(Certificate), rows)
    result = Issued(issued=len(rows), kept=kept, revoked=len(changed) + len(gone))
    record(
        session,
        actor_id,
        "certificates.issue",
        scope,
        issued=result.issued,
        kept=result.kept,
        revoked=result.revoked,
    )
    session.flush()
    return result


def issue_round(session: Session, round_id: int, *, actor_id: int | None) -> Issued:
    """Certificates for every participant of an official round."""
    round_ = locked_round(session, round_id)
    if not round_.ranked:
        raise NotFound(_l("A practice round has no certificates."))
    if state_of(round_) is not ResultsState.OFFICIAL:
        raise Conflict(
            _l("Certificates are issued once the round's results are official."),
            code="not_official",
        )
    return _issue(session, round_scope(round_id), round_id, actor_id)


def overall_ready(session: Session) -> bool:
    """The contest has ended: there is a ranked round, and every one is official."""
    rounds = list_rounds(session, ranked_only=True)
    return bool(rounds) and all(state_of(r) is ResultsState.OFFICIAL for r in rounds)


def issue_overall(session: Session, *, actor_id: int | None) -> Issued:
    """Certificates for every entry of the overall ranking, once the contest has ended."""
    for round_ in list_rounds(session, ranked_only=True):
        locked_round(session, round_.id)  # no round reopened meanwhile
    if not overall_ready(session):
        raise Conflict(
            _l("Certificates of the overall ranking are issued once every round is official."),
            code="not_official",
        )
    return _issue(session, OVERALL, None, actor_id)


# -- revoking ------------------------------------------------------------------------


def _revoke_ids(session: Session, ids: list[int], reason: str, moment: datetime) -> None:
    for start in range(0, len(ids), PAGE):
        session.execute(
            update(Certificate)
            .where(Certificate.id.in_(ids[start : start + PAGE]))
            .values(revoked_at=moment, revoked_reason=reason)
        )
    if ids:
        session.flush()


def revoke(session: Session, code: str, reason: str, *, actor_id: int | None) -> Certificate:
    """Revoke one certificate in force, with a reason (kept for organisers)."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput({"reason": _l("Give a reason.")})
    if len(reason) > REASON_MAX_CHARS:
        raise InvalidInput({"reason": _l("At most %(most)d characters.", most=REASON_MAX_CHARS)})
    certificate = by_code(session, code)
    if certificate is None:
        raise InvalidInput({"code": _l("No certificate has this code.")})
    if certificate.revoked_at is not None:
        raise Conflict(_l("This certificate is already revoked."), code="revoked")
    _revoke_ids(session, [certificate.id], reason, now())
    record(
        session, actor_id, "certificates.revoke", f"certificate:{certificate.code}", reason=reason
    )
    session.refresh(certificate)
    return certificate


def revoke_students(session: Session, round_id: int, student_ids: set[int], reason: str) -> int:
    """After a disqualification: the students' certificates of the round and of the
    overall ranking (whose total included it) stop being valid. Returns how many."""
    if not student_ids:
        return 0
    ids = list(
        session.scalars(
            select(Certificate.id).where(
                Certificate.scope.in_((round_scope(round_id), OVERALL)),
                Certificate.student_id.in_(student_ids),
                Certificate.revoked_at.is_(None),
            )
        )
    )
    _revoke_ids(session, ids, reason, now())
    return len(ids)


# -- reading -------------------------------------------------------------------------


def by_code(session: Session, typed: str) -> Certificate | None:
    code = normalise(typed)
    if len(code) != CODE_LENGTH or set(code) - set(ALPHABET):
        return None
    return session.scalar(select(Certificate).where(Certificate.code == code))


def may_read(certificate: Certificate, person: Any) -> bool:
    """Who may download a certificate's PDF: its student, their university's
    coordinators, and organisers (anyone may check its facts at /verify)."""
    return bool(
        certificate.student_id == person.id
        or person.has_role(Role.ORGANISER)
        or (person.has_role(Role.COORDINATOR) and person.university_id == certificate.university_id)
    )


def of_student(session: Session, student_id: int) -> list[Certificate]:
    """The student's certificates, the newest first (revoked ones too: they say so)."""
    return list(
        session.scalars(
            select(Certificate)
            .where(Certificate.student_id == student_id)
            .order_by(Certificate.issued_at.desc(), Certificate.id.desc())
        )
    )


def in_force(session: Session, scope: str, *, university_id: int | None = None) -> Iterator[Any]:
    """The scope's certificates in force (of one university), best rank first: rows
    (id, code, rank, locale, facts, issued_at) read in pages, so that a round of many
    thousands is never held in memory at once."""
    statement = (
        select(
            Certificate.id,
            Certificate.code,
            Certificate.rank,
            Certificate.locale,
            Certificate.facts,
            Certificate.issued_at,
        )
        .where(Certificate.scope == scope, Certificate.revoked_at.is_(None))
        .order_by(Certificate.rank, Certificate.id)
        .limit(PAGE)
    )
    if university_id is not None:
        statement = statement.where(Certificate.university_id == university_id)
    after: tuple[int, int] | None = None
    while True:
        paged = statement
        if after is not None:
            rank, last = after
            paged = statement.where(
                or_(Certificate.rank > rank, and_(Certificate.rank == rank, Certificate.id > last))
            )
        page = session.execute(paged).all()
        if not page:
            return
        yield from page
        after = (page[-1].rank, page[-1].id)


@dataclass
class ScopeCount:
    scope: str
    round: Round | None
    in_force: int
    revoked: int


def counts(session: Session, *, university_id: int | None = None) -> dict[str, tuple[int, int]]:
    """Per scope: (in force, revoked)."""
    statement = select(
        Certificate.scope,
        func.count().filter(Certificate.revoked_at.is_(None)),
        func.count().filter(Certificate.revoked_at.is_not(None)),
    ).group_by(Certificate.scope)
    if university_id is not None:
        statement = statement.where(Certificate.university_id == university_id)
    return {scope: (valid, revoked) for scope, valid, revoked in session.execute(statement)}


def scopes(session: Session, *, university_id: int | None = None) -> list[ScopeCount]:
    """Every ranked round, then the overall ranking, with their certificates' counts."""
    found = counts(session, university_id=university_id)
    listed = [
        ScopeCount(round_scope(r.id), r, *found.get(round_scope(r.id), (0, 0)))
        for r in list_rounds(session, ranked_only=True)
    ]
    listed.append(ScopeCount(OVERALL, None, *found.get(OVERALL, (0, 0))))
    return listed
