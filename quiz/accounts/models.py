"""Users and their API tokens."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from quiz.clock import now
from quiz.db import Base, UTCDateTime
from quiz.universities.models import University


class Role(enum.StrEnum):
    """What a user may do (contest-rules.md, People)."""

    STUDENT = "student"
    COORDINATOR = "coordinator"
    ORGANISER = "organiser"


class User(Base):
    """A person with an account."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("role IN ('student', 'coordinator', 'organiser')", name="role"),
        # Students and coordinators belong to exactly one university.
        CheckConstraint("role = 'organiser' OR university_id IS NOT NULL", name="university"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Lower-cased at the service boundary, so uniqueness is case-insensitive.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    #: Argon2id hash; empty until an invited user sets a password.
    password_hash: Mapped[str] = mapped_column(String(255), default="")
    full_name: Mapped[str] = mapped_column(String(120))
    #: Shown on public boards instead of the full name.
    display_name: Mapped[str] = mapped_column(String(60))
    role: Mapped[str] = mapped_column(String(16), default=Role.STUDENT.value)
    university_id: Mapped[int | None] = mapped_column(
        ForeignKey("universities.id", ondelete="RESTRICT"), index=True
    )
    #: Optional; only the user, their coordinator and organisers see it.
    student_number: Mapped[str] = mapped_column(String(32), default="")
    #: Preferred interface language (vi, en, fr); null = follow the browser.
    locale: Mapped[str | None] = mapped_column(String(5))
    #: When the user accepted the contest rules and the privacy notice.
    accepted_rules_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: A coordinator's word on the student's claim to belong to the university:
    #: ``pending``, ``confirmed`` or ``rejected``.
    verification: Mapped[str] = mapped_column(
        String(16), default="pending", server_default="pending"
    )
    active: Mapped[bool] = mapped_column(default=True)
    #: Bumped when the password is set or changed: invitation links stop working.
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now)

    university: Mapped[University | None] = relationship(lazy="joined")

    # Flask-Login's protocol.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        """Not a session identity: log in with ``quiz.accounts.auth.sign_in``."""
        raise NotImplementedError("log users in with quiz.accounts.auth.sign_in")

    def has_role(self, *roles: Role) -> bool:
        return self.role in {r.value for r in roles}

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"


class ApiToken(Base):
    """A bearer token for the JSON API; only its SHA-256 digest is stored."""

    __tablename__ = "api_tokens"
    __table_args__ = (Index("ix_api_tokens_user_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    #: Hex SHA-256 of the token; the token itself is shown once and never stored.
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship(lazy="joined")


class LoginSession(Base):
    """One login on one device: what a session cookie and a remember-me cookie name.

    Logging out revokes it, so a cookie copied before the logout opens nothing
    afterwards; a password change revokes every other one of the user.
    """

    __tablename__ = "login_sessions"
    __table_args__ = (Index("ix_login_sessions_user_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Random, and part of the cookies' identity ("<user id>:<key>").
    key: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
