"""Password hashing (Argon2id, memory-hard) and the password policy."""

from __future__ import annotations

import threading
from functools import cache
from importlib import resources

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import lazy_gettext as _l

MIN_LENGTH = 10
MAX_LENGTH = 256

#: OWASP's first Argon2id setting (Password Storage Cheat Sheet): 19 MiB, 2 passes, 1 lane.
#: About 24 ms of one core per check here: 10,000 students logging in over the ten
#: minutes before a round cost a fifth of a core, and 19 MiB per check in flight
#: keeps a worker's memory bounded. (argon2-cffi's default, RFC 9106's 64 MiB with
#: 4 lanes, costs 200 ms of CPU per check: 3.3 cores for the same logins.)
MEMORY_KIB = 19 * 1024
TIME_COST = 2
PARALLELISM = 1

_hasher = PasswordHasher(time_cost=TIME_COST, memory_cost=MEMORY_KIB, parallelism=PARALLELISM)
#: One check at a time per process: its memory stays one check's, and a burst of
#: logins queues here instead of crowding out the requests of students already
#: answering (each worker still checks one password while the others work).
_one_at_a_time = threading.Lock()


def hash_password(password: str) -> str:
    """Return an Argon2id hash of ``password`` (salted; parameters embedded)."""
    with _one_at_a_time:
        return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Whether ``password`` matches ``password_hash``; False for an empty hash."""
    if not password_hash:
        return False
    try:
        with _one_at_a_time:
            return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """Whether a hash was made with other parameters than today's (rehash at login)."""
    try:
        return _hasher.check_needs_rehash(password_hash)
    except InvalidHashError:
        return False


@cache
def common_passwords() -> frozenset[str]:
    """The bundled list of passwords too common to accept."""
    text = resources.files("quiz").joinpath("data/common-passwords.txt").read_text("utf-8")
    return frozenset(
        line.strip().lower() for line in text.splitlines() if line and not line.startswith("#")
    )


def password_problem(password: str, *, email: str = "", full_name: str = "") -> str | None:
    """Why ``password`` is not acceptable, as a translatable message, or None if it is."""
    if len(password) < MIN_LENGTH:
        return _l("The password must have at least %(n)d characters.", n=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        return _l("The password must have at most %(n)d characters.", n=MAX_LENGTH)
    lowered = password.lower()
    if lowered in common_passwords() or len(set(lowered)) <= 2:
        return _l("This password is too common. Choose one that is hard to guess.")
    local_part = email.split("@")[0].lower()
    if (local_part and len(local_part) >= 4 and local_part in lowered) or (
        full_name and lowered.replace(" ", "") == full_name.lower().replace(" ", "")
    ):
        return _l("The password must not contain your e-mail address or your name.")
    return None
