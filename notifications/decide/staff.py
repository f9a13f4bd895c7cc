"""Staff accounts' rules, decided purely: what makes a password acceptable, when repeated
failures lock an account, and when a console session lapses."""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

# NIST SP 800-63B: length matters, composition rules do not (they only make people write
# "Password1!"). The upper bound keeps hashing cheap whatever a client posts.
PASSWORD_MIN = 12
PASSWORD_MAX = 256
# However active, a session ends this long after its log-in.
SESSION_LIFETIME = timedelta(hours=12)

_EMAIL_SHAPE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def normalized_password(password: str) -> str:
    """PASSWORD in Unicode NFKC, as NIST asks before hashing: the same characters typed on
    two keyboards (composed "é" or e + accent) give the same password."""
    return unicodedata.normalize("NFKC", password)


def password_problem(password: str, email: str) -> str | None:
    """Why PASSWORD (normalized) cannot be the password of the account EMAIL (French), or
    None when it can."""
    if len(password) < PASSWORD_MIN:
        return f"le mot de passe doit compter au moins {PASSWORD_MIN} caractères"
    if len(password) > PASSWORD_MAX:
        return f"le mot de passe doit compter au plus {PASSWORD_MAX} caractères"
    words = password.strip().casefold()
    if words == email.casefold() or _EMAIL_SHAPE.match(words):
        return "une adresse e-mail ne peut pas servir de mot de passe"
    return None


@dataclass(frozen=True)
class LockPolicy:
    """How many failed log-ins in a row lock an account, and for how long."""

    max_failures: int
    lock: timedelta


@dataclass(frozen=True)
class FailureStep:
    """An account's state after one more failed log-in."""

    failures: int
    locked_until: datetime | None


def after_failure(failures: int, now: datetime, policy: LockPolicy) -> FailureStep:
    """The state after a failed log-in that follows FAILURES others in a row: locked once
    they reach the policy's maximum, the count then starting again (each lock gives the
    same number of tries after it)."""
    failures += 1
    if failures >= policy.max_failures:
        return FailureStep(0, now + policy.lock)
    return FailureStep(failures, None)


def locked_for(locked_until: datetime | None, now: datetime) -> int:
    """Whole seconds left before LOCKED_UNTIL (0 when not locked), rounded up."""
    if locked_until is None or locked_until <= now:
        return 0
    return math.ceil((locked_until - now).total_seconds())


def session_expiry(created_at: datetime, last_used_at: datetime, idle: timedelta) -> datetime:
    """When a session lapses unless used again: IDLE after its last use, never later than
    SESSION_LIFETIME after its log-in."""
    return min(last_used_at + idle, created_at + SESSION_LIFETIME)


def session_alive(
    created_at: datetime, last_used_at: datetime, idle: timedelta, now: datetime
) -> bool:
    return now < session_expiry(created_at, last_used_at, idle)
