"""Staff accounts' rules, decided purely: what makes a password acceptable, when repeated
failures lock an account, when a console session lapses, and which second-factor code
(TOTP) is accepted."""

from __future__ import annotations

import hmac
import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

import pyotp

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


# --- The second factor (TOTP, RFC 6238: six digits, a new code every 30 seconds) -------------

TOTP_DIGITS = 6
# A log-in whose password was right waits this long for its code.
PENDING_LIFETIME = timedelta(minutes=5)
# Codes of the previous and next time steps are accepted too: a phone's clock a little off,
# a code typed as it changed.
TOTP_WINDOW = 1
_SPACES = re.compile(r"[\s\u00a0\u202f-]+")


def totp_code(text: str) -> str | None:
    """TEXT as a code (spaces and dashes people type between the digits removed), or None
    when it is not six ASCII digits."""
    code = _SPACES.sub("", text)
    return code if len(code) == TOTP_DIGITS and code.isascii() and code.isdigit() else None


def accepted_step(secret: str, code: str, now: datetime, last_step: int | None) -> int | None:
    """The time step whose code CODE is, for the base32 SECRET at NOW (one step either side
    accepted), or None. A step at or before LAST_STEP, the latest accepted, never counts:
    a code seen over a shoulder or in a browser's history cannot be played again."""
    totp = pyotp.TOTP(secret, digits=TOTP_DIGITS)
    current = totp.timecode(now)
    for step in range(current - TOTP_WINDOW, current + TOTP_WINDOW + 1):
        if last_step is not None and step <= last_step:
            continue
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def grouped(secret: str) -> str:
    """SECRET in groups of four characters, for people who type it into their app."""
    return " ".join(secret[start : start + 4] for start in range(0, len(secret), 4))


def pending_alive(until: datetime | None, now: datetime) -> bool:
    """Whether a log-in waiting for its code until UNTIL may still receive it."""
    return until is not None and now < until


def must_enrol(is_admin: bool, has_totp: bool, *, admins_required: bool) -> bool:
    """Whether an account must set up its second factor before anything else."""
    return admins_required and is_admin and not has_totp
