"""A certificate: the facts of one student's official result, frozen when issued,
under a code anyone can check at ``/verify/<code>``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from quiz.db import Base, UTCDateTime

#: The scope of a certificate of the overall ranking (a round's is ``round:<id>``).
OVERALL = "overall"


def round_scope(round_id: int) -> str:
    return f"round:{round_id}"


class Certificate(Base):
    __tablename__ = "certificates"
    __table_args__ = (
        # At most one certificate in force per student and scope; revoked ones stay.
        Index(
            "uq_certificates_in_force",
            "scope",
            "student_id",
            unique=True,
            sqlite_where=text("revoked_at IS NULL"),
            postgresql_where=text("revoked_at IS NULL"),
        ),
        Index("ix_certificates_scope_rank", "scope", "rank"),
        Index("ix_certificates_scope_university", "scope", "university_id", "rank"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Twelve characters of Crockford's base 32 (60 random bits), kept without dashes.
    code: Mapped[str] = mapped_column(String(16), unique=True)
    #: ``overall`` or ``round:<id>``.
    scope: Mapped[str] = mapped_column(String(32))
    round_id: Mapped[int | None] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"))
    student_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    university_id: Mapped[int] = mapped_column(ForeignKey("universities.id"))
    #: The rank it states: zips list a scope's certificates best first.
    rank: Mapped[int]
    #: The student's language when it was issued: the PDF is written in it.
    locale: Mapped[str] = mapped_column(String(5))
    #: What the certificate states (name, university, round, score, rank, band, date):
    #: later changes to an account or a board do not rewrite an issued certificate.
    facts: Mapped[dict[str, Any]] = mapped_column(JSON)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Read by organisers only; the public page says that it was revoked, and when.
    revoked_reason: Mapped[str | None] = mapped_column(Text)
