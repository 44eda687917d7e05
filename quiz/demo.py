"""The demo instance: a few known accounts so a newcomer can try every role."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from quiz.accounts import services as accounts
from quiz.accounts.models import Role, User
from quiz.accounts.passwords import hash_password

DEMO_UNIVERSITY = "BKA"


@dataclass(frozen=True)
class DemoAccount:
    role: str
    email: str
    password: str
    full_name: str


DEMO_ACCOUNTS = (
    DemoAccount("student", "student@demo.example.org", "Hanoi-Demo-2025-sv", "Nguyễn Văn An"),
    DemoAccount(
        "coordinator", "coordinator@demo.example.org", "Hanoi-Demo-2025-cb", "Trần Thị Bình"
    ),
    DemoAccount("organiser", "organiser@demo.example.org", "Hanoi-Demo-2025-btc", "Lê Minh Châu"),
)


def ensure_demo_accounts(session: Session) -> None:
    """Create the demo accounts, or reset their passwords if they exist."""
    for account in DEMO_ACCOUNTS:
        user = session.scalar(select(User).where(User.email == account.email))
        if user is None:
            role = Role(account.role)
            accounts.create_user(
                session,
                accounts.NewUser(
                    email=account.email,
                    full_name=account.full_name,
                    role=role,
                    university_code=None if role is Role.ORGANISER else DEMO_UNIVERSITY,
                    password=account.password,
                ),
                actor=None,
            )
        else:
            user.password_hash = hash_password(account.password)
    session.flush()
