"""Account rules: registration, logging in, passwords, creating and importing users.

Every function takes the request's session, only flushes, and raises a
:class:`quiz.errors.ServiceError` (nothing changed) when a rule refuses.
"""

from __future__ import annotations

import csv
import io
import secrets
import unicodedata
from dataclasses import dataclass
from typing import Any

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from quiz.accounts import logins
from quiz.accounts.models import Role, User
from quiz.accounts.passwords import (
    hash_password,
    needs_rehash,
    password_problem,
    verify_password,
)
from quiz.accounts.principal import Person
from quiz.accounts.tokens import revoke_all_tokens
from quiz.audit.services import record
from quiz.clock import now
from quiz.db import reading_first
from quiz.errors import Conflict, InvalidInput, NotFound
from quiz.universities.services import by_code

LOCALES = ("vi", "en", "fr")


def normalize_email(email: str) -> str:
    """The stored form of an address: trimmed and lower-cased (unique case-insensitively)."""
    return email.strip().lower()


def default_display_name(full_name: str) -> str:
    """Given name and family-name initial, in Vietnamese name order.

    "Nguyễn Văn An" becomes "An N.": Vietnamese names put the family name
    first and the given name last.
    """
    parts = full_name.split()
    if len(parts) < 2:
        return full_name.strip()[:60]
    return f"{parts[-1]} {parts[0][0]}."[:60]


#: Bidirectional embeddings, overrides and isolates: they turn a name shown on a public
#: board into another one ("\u202eN ahT" reads as "Tha N").
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def name_problem(name: str) -> Any | None:
    """Why a name shown to others cannot be accepted, or None."""
    if any(ch in BIDI_CONTROLS for ch in name):
        return _l("A name cannot hold characters that reverse the direction of the text.")
    visible = "".join(ch for ch in name if unicodedata.category(ch) not in ("Cf", "Zs", "Cc"))
    if not visible:
        return _l("A name needs visible letters.")
    return None


@dataclass
class NewUser:
    """What it takes to create an account."""

    email: str
    full_name: str
    role: Role = Role.STUDENT
    university_code: str | None = None
    password: str | None = None
    display_name: str | None = None
    student_number: str = ""


def _checked(session: Session, new: NewUser) -> User:
    """Validate ``new`` against every account rule and build (not add) the user."""
    errors: dict[str, object] = {}
    try:
        email = validate_email(new.email.strip(), check_deliverability=False).normalized
    except EmailNotValidError:
        errors["email"] = _l("Enter a valid e-mail address.")
        email = new.email
    full_name = " ".join(new.full_name.split())
    if not full_name or len(full_name) > 120:
        errors["full_name"] = _l("Enter your full name (at most 120 characters).")
    elif name_problem(full_name):
        errors["full_name"] = name_problem(full_name)
    display_name = " ".join((new.display_name or "").split()) or default_display_name(full_name)
    if len(display_name) > 60:
        errors["display_name"] = _l("The display name must have at most 60 characters.")
    elif name_problem(display_name):
        errors["display_name"] = name_problem(display_name)
    student_number = new.student_number.strip()
    if len(student_number) > 32:
        errors["student_number"] = _l("The student number must have at most 32 characters.")
    if new.password is not None:
        problem = password_problem(new.password, email=email, full_name=full_name)
        if problem:
            errors["password"] = problem
    university_id = None
    if new.role is not Role.ORGANISER:
        try:
            university_id = by_code(session, new.university_code or "").id
        except NotFound as exc:
            errors["university_code"] = exc.message
    if errors:
        raise InvalidInput(errors)
    if session.scalar(select(User.id).where(User.email == normalize_email(email))) is not None:
        raise Conflict(
            _l("An account with this e-mail address already exists."),
            field="email",
            code="email_taken",
        )
    return User(
        email=normalize_email(email),
        password_hash=hash_password(new.password) if new.password else "",
        full_name=full_name,
        display_name=display_name,
        role=new.role.value,
        university_id=university_id,
        student_number=student_number,
    )


def register_student(session: Session, new: NewUser, *, accepted_rules: bool) -> User:
    """Self-registration of a student who accepted the rules and privacy notice.

    Raises InvalidInput (field errors) or Conflict (e-mail taken, in any letter case).
    """
    if not accepted_rules:
        raise InvalidInput(
            {"accept_rules": _l("You must accept the contest rules and the privacy notice.")}
        )
    if new.password is None:
        raise InvalidInput({"password": _l("Choose a password.")})
    new.role = Role.STUDENT
    user = _checked(session, new)
    user.accepted_rules_at = now()
    _add_once(session, user)
    return user


def _add_once(session: Session, user: User) -> None:
    """Insert ``user``; a racing registration with the same e-mail is a Conflict, not a 500."""
    try:
        with session.begin_nested():
            session.add(user)
            session.flush()
    except IntegrityError:
        raise Conflict(
            _l("An account with this e-mail address already exists."),
            field="email",
            code="email_taken",
        ) from None


def user_of(session: Session, person: Person) -> User:
    """The full account of the person asking (to show or change it)."""
    user = session.get(User, person.id)
    if user is None:
        raise NotFound(_l("This account does not exist."))
    return user


def create_user(session: Session, new: NewUser, *, actor: Person | None) -> User:
    """An organiser (or the command line, ``actor=None``) creates any kind of account.

    Without a password the account waits for its owner to set one (invitation).
    The creation is written to the audit log.
    """
    user = _checked(session, new)
    _add_once(session, user)
    record(
        session,
        actor.id if actor else None,
        "users.create",
        f"user:{user.id}",
        email=user.email,
        role=user.role,
        university_id=user.university_id,
    )
    return user


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The active user with these credentials, or None (same answer for any failure)."""
    # The check (Argon2id: deliberately slow) holds no write lock (SQLite).
    with reading_first(session):
        user = session.scalar(select(User).where(User.email == normalize_email(email)))
        if user is None or not user.password_hash or not user.is_active:
            # Spend the same effort as a real check, so timing does not reveal accounts.
            verify_password(_dummy_hash(), password)
            return None
        if not verify_password(user.password_hash, password):
            return None
    if needs_rehash(user.password_hash):
        # Made with older parameters: keep it with today's, now that we know the password.
        user.password_hash = hash_password(password)
    return user


_DUMMY: list[str] = []


def _dummy_hash() -> str:
    if not _DUMMY:
        _DUMMY.append(hash_password(secrets.token_hex(16)))
    return _DUMMY[0]


def change_password(session: Session, user: User, current: str, new_password: str) -> None:
    """Change ``user``'s password, ending their other sessions and revoking their tokens."""
    if not verify_password(user.password_hash, current):
        raise InvalidInput({"current_password": _l("The current password is not correct.")})
    set_new_password(session, user, new_password)


def set_new_password(session: Session, user: User, new_password: str) -> None:
    """Give ``user`` a new password: every login and token of theirs ends."""
    problem = password_problem(new_password, email=user.email, full_name=user.full_name)
    if problem:
        raise InvalidInput({"new_password": problem})
    user.password_hash = hash_password(new_password)
    user.session_version += 1
    logins.end_every_login(session, user)
    revoke_all_tokens(session, user)
    session.flush()


def set_locale(session: Session, user: User, locale: str) -> None:
    """Remember ``user``'s interface language."""
    if locale not in LOCALES:
        raise InvalidInput({"locale": _l("Unknown language.")})
    user.locale = locale
    session.flush()


def update_profile(session: Session, user: User, *, display_name: str, student_number: str) -> None:
    """Change what a user may change about themselves."""
    display_name = " ".join(display_name.split())
    if not display_name or len(display_name) > 60:
        raise InvalidInput({"display_name": _l("The display name must have 1 to 60 characters.")})
    problem = name_problem(display_name)
    if problem:
        raise InvalidInput({"display_name": problem})
    if len(student_number.strip()) > 32:
        raise InvalidInput(
            {"student_number": _l("The student number must have at most 32 characters.")}
        )
    user.display_name = display_name
    user.student_number = student_number.strip()
    session.flush()


ROSTER_REQUIRED = ("email", "full_name", "role", "university_code")
ROSTER_OPTIONAL = ("display_name", "student_number", "password")


@dataclass
class ImportedUser:
    user: User
    #: Set when the row had no password: the owner must be invited to choose one.
    needs_invitation: bool


def import_roster(session: Session, text: str, *, actor: Person | None) -> list[ImportedUser]:
    """Create the students and coordinators listed in CSV ``text`` (spec/cli.md).

    Atomic: the first bad line raises InvalidInput naming it, and the caller's
    transaction must be rolled back (nothing is kept).
    """
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [c for c in ROSTER_REQUIRED if c not in (reader.fieldnames or [])]
    if missing:
        raise InvalidInput(
            {"file": _l("Line 1: missing columns: %(cols)s.", cols=", ".join(missing))}
        )
    created: list[ImportedUser] = []
    for row in reader:
        line = reader.line_num
        values = {k: (row.get(k) or "").strip() for k in ROSTER_REQUIRED + ROSTER_OPTIONAL}
        try:
            role = Role(values["role"].lower())
            if role is Role.ORGANISER:
                raise ValueError(role)
            new = NewUser(
                email=values["email"],
                full_name=values["full_name"],
                role=role,
                university_code=values["university_code"],
                password=values["password"] or None,
                display_name=values["display_name"] or None,
                student_number=values["student_number"],
            )
            user = create_user(session, new, actor=actor)
        except ValueError:
            raise InvalidInput(
                {"file": _l("Line %(line)d: the role must be student or coordinator.", line=line)}
            ) from None
        except (InvalidInput, Conflict) as exc:
            raise InvalidInput(
                {"file": _l("Line %(line)d: %(problem)s", line=line, problem=exc.message)}
            ) from None
        created.append(ImportedUser(user, needs_invitation=not values["password"]))
    return created


def get_user(session: Session, user_id: int) -> User | None:
    """The user with ``user_id``, or None."""
    return session.get(User, user_id)


def list_users(session: Session, role: Role | None = None, limit: int = 200) -> list[User]:
    """Users, newest first, optionally of one role."""
    statement = select(User).order_by(User.id.desc()).limit(limit)
    if role is not None:
        statement = statement.where(User.role == role.value)
    return list(session.scalars(statement))
