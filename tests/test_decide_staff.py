"""The staff accounts' pure rules: acceptable passwords, the lock after failed log-ins, and
when a console session lapses."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from notifications.decide.staff import (
    PASSWORD_MAX,
    SESSION_LIFETIME,
    FailureStep,
    LockPolicy,
    after_failure,
    locked_for,
    normalized_password,
    password_problem,
    session_alive,
    session_expiry,
)

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
EMAIL = "agent@mairie-trilport.fr"
POLICY = LockPolicy(max_failures=5, lock=timedelta(seconds=900))


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("correct horse", None),  # 13 characters, no composition rule
        ("aaaaaaaaaaaa", None),  # exactly 12
        ("a" * PASSWORD_MAX, None),
        ("aaaaaaaaaaa", "au moins 12 caractères"),  # 11
        ("", "au moins 12 caractères"),
        ("a" * (PASSWORD_MAX + 1), "au plus 256 caractères"),
        ("été à la mer", None),  # 12 characters, not 12 bytes
        (EMAIL, "une adresse e-mail ne peut pas servir"),
        ("  Agent@Mairie-Trilport.FR ", "une adresse e-mail ne peut pas servir"),
        ("quelqu.un@ailleurs.fr", "une adresse e-mail ne peut pas servir"),
        ("mon chat @ la maison.", None),  # a sentence with an @, not an address
    ],
)
def test_password_rules(password: str, problem: str | None) -> None:
    found = password_problem(password, EMAIL)
    if problem is None:
        assert found is None
    else:
        assert found is not None and problem in found


@pytest.mark.parametrize(
    ("typed", "normalized"),
    [
        ("e\u0301te\u0301 e\u0301te\u0301", "été été"),  # combining accents composed
        ("ﬁnale", "finale"),  # a ligature, as some keyboards type it
        ("déjà vu", "déjà vu"),
    ],
)
def test_passwords_are_normalized(typed: str, normalized: str) -> None:
    assert normalized_password(typed) == normalized


@pytest.mark.parametrize(
    ("failures", "step"),
    [
        (0, FailureStep(1, None)),
        (3, FailureStep(4, None)),
        (4, FailureStep(0, NOW + timedelta(seconds=900))),  # the fifth: locked, count anew
        (9, FailureStep(0, NOW + timedelta(seconds=900))),  # a policy lowered meanwhile
    ],
)
def test_the_fifth_failure_in_a_row_locks(failures: int, step: FailureStep) -> None:
    assert after_failure(failures, NOW, POLICY) == step


def test_a_policy_of_one_failure_locks_at_once() -> None:
    policy = LockPolicy(max_failures=1, lock=timedelta(minutes=1))
    assert after_failure(0, NOW, policy) == FailureStep(0, NOW + timedelta(minutes=1))


@pytest.mark.parametrize(
    ("locked_until", "seconds"),
    [
        (None, 0),
        (NOW - timedelta(seconds=1), 0),
        (NOW, 0),
        (NOW + timedelta(seconds=900), 900),
        (NOW + timedelta(seconds=0.2), 1),  # rounded up: never "0 seconds left" while locked
    ],
)
def test_time_left_locked(locked_until: datetime | None, seconds: int) -> None:
    assert locked_for(locked_until, NOW) == seconds


IDLE = timedelta(minutes=30)


@pytest.mark.parametrize(
    ("created", "last_used", "expiry"),
    [
        (NOW, NOW, NOW + IDLE),
        (NOW - timedelta(hours=2), NOW, NOW + IDLE),
        # Used all day long: it still ends 12 hours after the log-in.
        (NOW - timedelta(hours=11, minutes=50), NOW, NOW + timedelta(minutes=10)),
        (NOW - SESSION_LIFETIME, NOW, NOW),
    ],
)
def test_session_expiry(created: datetime, last_used: datetime, expiry: datetime) -> None:
    assert session_expiry(created, last_used, IDLE) == expiry


@pytest.mark.parametrize(
    ("last_used", "now", "alive"),
    [
        (NOW, NOW, True),
        (NOW, NOW + IDLE - timedelta(seconds=1), True),
        (NOW, NOW + IDLE, False),  # exactly the idle time: gone
        (NOW + timedelta(hours=1), NOW + timedelta(hours=1, minutes=29), True),
        (NOW + timedelta(hours=12), NOW + timedelta(hours=12), False),  # past the lifetime
    ],
)
def test_session_alive(last_used: datetime, now: datetime, alive: bool) -> None:
    assert session_alive(NOW, last_used, IDLE, now) is alive
