"""Staff accounts of the console, on SQLite and PostgreSQL: one-time links, log-in and its
lock, sessions that lapse or are ended, the optional second factor (TOTP: its rules, set-up,
codes accepted once, removal), and an audit that holds no password, secret nor code."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path

import pyotp
import pytest
from alembic import command
from argon2 import PasswordHasher
from cryptography.fernet import Fernet
from sqlalchemy import select

from notifications.decide.staff import (
    PENDING_LIFETIME,
    accepted_step,
    grouped,
    must_enrol,
    pending_alive,
    totp_code,
)
from notifications.errors import Conflict, InvalidInput, NotFound
from notifications.hub import Hub
from notifications.staff import (
    CLI_ACTOR,
    LINK_INVALID,
    AccountLocked,
    CodeRequired,
    LoginRefused,
    Role,
    StaffAction,
    add_staff,
    audit,
    audit_entries,
    disable_staff,
    list_staff,
    log_in,
    log_out,
    reset_staff,
    session_of,
    set_password,
)
from notifications.staff_secrets import GENERATED_TOTP_KEY_FILE, SecondFactorUnavailable
from notifications.staff_totp import (
    CodeExpired,
    CodeRefused,
    confirm_totp,
    disable_totp,
    log_in_code,
    pending_email,
    totp_active_since,
    totp_setup,
)
from notifications.store import staff as store
from notifications.store.console_tables import StaffAccountRow, StaffSessionRow
from notifications.store.migrate import alembic_config, head_revision, upgrade
from notifications.store.staff import AuditEntry
from tests.hub_support import START, FakeClock, make_test_hub

EMAIL = "agent@mairie-trilport.fr"
PASSWORD = "une longue phrase de passe"
OTHER = "une autre phrase de passe"
CLIENT = "192.0.2.7"
IDLE = 1800  # the default AROBASE_STAFF_IDLE


def staff(hub: Hub, email: str = EMAIL, password: str | None = PASSWORD) -> str | None:
    """An account (an editor); the token of its one-time link when it has no password."""
    return add_staff(hub, email, "editor", password, actor=CLI_ACTOR)[1]


def actions(hub: Hub) -> list[str]:
    """The audit's actions, oldest first."""
    return [entry.action for entry in reversed(audit_entries(hub))]


def refused(hub: Hub, password: str, email: str = EMAIL) -> None:
    with pytest.raises(LoginRefused, match=r"^adresse e-mail ou mot de passe incorrect$"):
        log_in(hub, email, password, client=CLIENT)


# --- accounts and one-time links -----------------------------------------------------------


def test_an_account_logs_in_and_its_session_is_found(hub: Hub, clock: FakeClock) -> None:
    account, token = add_staff(
        hub, " Agent@Mairie-Trilport.FR", "editor", PASSWORD, actor=CLI_ACTOR
    )
    assert token is None
    assert (account.email, account.role, account.active, account.has_password) == (
        EMAIL, Role.EDITOR, True, True,
    )  # fmt: skip
    browser_token, session = log_in(hub, "AGENT@mairie-trilport.fr", PASSWORD, client=CLIENT)
    assert session.account == account
    assert session.expires_at == clock.moment + timedelta(seconds=IDLE)
    assert len(session.csrf) >= 40
    assert session_of(hub, browser_token) == session
    assert list_staff(hub) == [account]


def test_only_digests_of_the_tokens_and_an_argon2_hash_are_stored(hub: Hub) -> None:
    link = staff(hub, password=None)
    assert link is not None
    with hub.db.reading() as session:
        row = session.scalars(select(StaffAccountRow)).one()
        assert row.link_hash is not None and link not in row.link_hash
    set_password(hub, link, PASSWORD)
    browser_token, _ = log_in(hub, EMAIL, PASSWORD, client=CLIENT)
    with hub.db.reading() as session:
        row = session.scalars(select(StaffAccountRow)).one()
        stored = session.scalars(select(StaffSessionRow)).one()
    assert row.password_hash is not None and row.password_hash.startswith("$argon2id$")
    assert PASSWORD not in row.password_hash
    assert row.link_hash is None  # spent
    assert browser_token not in stored.token_hash and len(stored.token_hash) == 64


def test_a_one_time_link_sets_the_password_once(hub: Hub) -> None:
    link = staff(hub, password=None)
    assert link is not None
    [account] = list_staff(hub)
    assert not account.has_password
    refused(hub, "")  # no password yet: refused like any other
    with pytest.raises(InvalidInput, match="au moins 12 caractères"):
        set_password(hub, link, "trop court")
    with pytest.raises(InvalidInput, match="une adresse e-mail ne peut pas servir"):
        set_password(hub, link, EMAIL)
    account = set_password(hub, link, PASSWORD)  # the link survived the refusals
    assert account.has_password
    with pytest.raises(InvalidInput, match=re.escape(LINK_INVALID)):
        set_password(hub, link, OTHER)
    log_in(hub, EMAIL, PASSWORD, client=CLIENT)
    refused(hub, OTHER)


def test_a_one_time_link_expires(hub: Hub, clock: FakeClock) -> None:
    link = staff(hub, password=None)
    assert link is not None
    clock.advance(24 * 3600)
    with pytest.raises(InvalidInput, match=re.escape(LINK_INVALID)):
        set_password(hub, link, PASSWORD)
    with pytest.raises(InvalidInput, match=re.escape(LINK_INVALID)):
        set_password(hub, "un-jeton-inconnu", PASSWORD)


def test_accounts_are_checked_when_added(hub: Hub) -> None:
    staff(hub)
    with pytest.raises(Conflict, match=re.escape(f"un compte existe déjà pour « {EMAIL} »")):
        staff(hub, "AGENT@mairie-trilport.fr")
    with pytest.raises(InvalidInput, match="rôle inconnu « maire » : admin, editor, agent"):
        add_staff(hub, "maire@mairie-trilport.fr", "maire", actor=CLI_ACTOR)
    with pytest.raises(InvalidInput, match="il manque le @"):
        add_staff(hub, "maire", "admin", actor=CLI_ACTOR)
    with pytest.raises(InvalidInput, match="au moins 12 caractères"):
        add_staff(hub, "maire@mairie-trilport.fr", "admin", "court", actor=CLI_ACTOR)
    with pytest.raises(NotFound, match=re.escape("aucun compte « personne@mairie-trilport.fr »")):
        disable_staff(hub, "personne@mairie-trilport.fr", actor=CLI_ACTOR)
    assert [a.email for a in list_staff(hub)] == [EMAIL]


# --- log-in and its lock -------------------------------------------------------------------


def test_wrong_passwords_and_unknown_accounts_get_one_answer(hub: Hub) -> None:
    staff(hub)
    staff(hub, "parti@mairie-trilport.fr")
    disable_staff(hub, "parti@mairie-trilport.fr", actor=CLI_ACTOR)
    refused(hub, OTHER)
    refused(hub, PASSWORD, "personne@mairie-trilport.fr")
    refused(hub, PASSWORD, "pas une adresse")
    refused(hub, PASSWORD, "parti@mairie-trilport.fr")  # the right password, a disabled account


def test_five_failures_lock_the_account_until_the_lock_ends(hub: Hub, clock: FakeClock) -> None:
    staff(hub)
    for _ in range(4):
        refused(hub, OTHER)
    with pytest.raises(AccountLocked, match="bloqué, réessayez dans 15 minutes") as locked:
        log_in(hub, EMAIL, OTHER, client=CLIENT)
    assert locked.value.seconds == 900
    clock.advance(600)
    with pytest.raises(AccountLocked) as still:  # even the right password
        log_in(hub, EMAIL, PASSWORD, client=CLIENT)
    assert still.value.seconds == 300 and "5 minutes" in str(still.value)
    [account] = list_staff(hub)
    assert account.locked_until == clock.moment + timedelta(seconds=300)
    clock.advance(300)
    _, session = log_in(hub, EMAIL, PASSWORD, client=CLIENT)
    assert session.account.locked_until is None
    assert list_staff(hub)[0].locked_until is None


def test_a_success_starts_the_count_again(hub: Hub) -> None:
    staff(hub)
    for _ in range(4):
        refused(hub, OTHER)
    log_in(hub, EMAIL, PASSWORD, client=CLIENT)
    for _ in range(4):
        refused(hub, OTHER)
    log_in(hub, EMAIL, PASSWORD, client=CLIENT)


def test_an_old_hash_is_replaced_at_log_in(hub: Hub) -> None:
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    note = AuditEntry(hub.now(), CLI_ACTOR, "test", "")
    store.add(hub.db, EMAIL, Role.AGENT, weak, None, note)
    log_in(hub, EMAIL, PASSWORD, client=CLIENT)
    found = store.credentials(hub.db, EMAIL)
    assert found is not None and found.password_hash not in (None, weak)
    assert not PasswordHasher().check_needs_rehash(found.password_hash or "")
    log_in(hub, EMAIL, PASSWORD, client=CLIENT)


# --- sessions ------------------------------------------------------------------------------


def test_a_session_lapses_when_idle(hub: Hub, clock: FakeClock) -> None:
    staff(hub)
    token, _ = log_in(hub, EMAIL, PASSWORD, client=CLIENT)
    for _ in range(3):  # each use starts the idle time again
        clock.advance(IDLE - 1)
        session = session_of(hub, token)
        assert session is not None
        assert session.expires_at == clock.moment + timedelta(seconds=IDLE)
    clock.advance(IDLE)
    assert session_of(hub, token) is None
    assert session_of(hub, "un-jeton-inconnu") is None


def test_a_session_ends_twelve_hours_after_its_log_in(hub: Hub, clock: FakeClock) -> None:
    staff(hub)
    token, _ = log_in(hub, EMAIL, PASSWORD, client=CLIENT)
    for _ in range(11 * 3 + 2):  # used every 20 minutes: 11 h 40 min
        clock.advance(1200)
        assert session_of(hub, token) is not None
    last = session_of(hub, token)
    assert last is not None and last.expires_at == clock.moment + timedelta(minutes=20)
    clock.advance(1200)
    assert session_of(hub, token) is None


def test_log_out_disable_and_reset_end_sessions(hub: Hub) -> None:
    staff(hub)
    first, _ = log_in(hub, EMAIL, PASSWORD, client=CLIENT)
    second, _ = log_in(hub, EMAIL, PASSWORD, client=CLIENT)
    log_out(hub, first)
    assert session_of(hub, first) is None and session_of(hub, second) is not None
    log_out(hub, first)  # twice: nothing happens

    link = reset_staff(hub, EMAIL, actor=CLI_ACTOR)
    assert session_of(hub, second) is None
    refused(hub, PASSWORD)  # the password is cleared
    set_password(hub, link, OTHER)
    third, _ = log_in(hub, EMAIL, OTHER, client=CLIENT)

    account = disable_staff(hub, EMAIL, actor=CLI_ACTOR)
    assert not account.active
    assert session_of(hub, third) is None
    refused(hub, OTHER)


def test_reset_reactivates_and_replaces_the_link(hub: Hub) -> None:
    first = staff(hub, password=None)
    assert first is not None
    disable_staff(hub, EMAIL, actor=CLI_ACTOR)
    with pytest.raises(InvalidInput, match=re.escape(LINK_INVALID)):  # a disabled account's link
        set_password(hub, first, PASSWORD)
    second = reset_staff(hub, EMAIL, actor=CLI_ACTOR)
    with pytest.raises(InvalidInput, match=re.escape(LINK_INVALID)):
        set_password(hub, first, PASSWORD)
    assert set_password(hub, second, PASSWORD).active
    log_in(hub, EMAIL, PASSWORD, client=CLIENT)


# --- audit ---------------------------------------------------------------------------------


def test_the_audit_tells_what_happened_without_any_password(hub: Hub, clock: FakeClock) -> None:
    link = staff(hub, password=None)
    assert link is not None
    clock.advance(1)
    set_password(hub, link, PASSWORD)
    token, _ = log_in(hub, EMAIL, PASSWORD, client=CLIENT)
    log_out(hub, token)
    refused(hub, OTHER, "personne@mairie-trilport.fr")
    for _ in range(4):
        refused(hub, OTHER)
    with pytest.raises(AccountLocked):
        log_in(hub, EMAIL, OTHER, client=CLIENT)
    reset_staff(hub, EMAIL, actor="admin@mairie-trilport.fr")
    disable_staff(hub, EMAIL, actor="admin@mairie-trilport.fr")
    audit(hub, "admin@mairie-trilport.fr", "annonce", "« Travaux rue Jean Jaurès »")

    assert actions(hub) == [
        StaffAction.ADDED,
        StaffAction.PASSWORD_SET,
        StaffAction.LOGGED_IN,
        StaffAction.LOGGED_OUT,
        *[StaffAction.LOGIN_FAILED] * 6,
        StaffAction.LOCKED,
        StaffAction.RESET,
        StaffAction.DISABLED,
        "annonce",
    ]
    entries = audit_entries(hub)
    assert entries[0] == AuditEntry(clock.moment, "admin@mairie-trilport.fr", "annonce",
                                    "« Travaux rue Jean Jaurès »")  # fmt: skip
    by_action = {entry.action: entry for entry in entries}
    assert by_action[StaffAction.ADDED].actor == CLI_ACTOR
    assert by_action[StaffAction.ADDED].detail == f"{EMAIL} (editor)"
    assert by_action[StaffAction.LOGGED_IN].actor == EMAIL
    assert by_action[StaffAction.LOGGED_IN].detail == f"client {CLIENT}"
    assert by_action[StaffAction.LOCKED].detail == f"compte {EMAIL}, pour 15 minutes"
    failures = [e for e in entries if e.action == StaffAction.LOGIN_FAILED]
    assert {e.actor for e in failures} == {"inconnu"}
    assert f"adresse inconnue ; client {CLIENT}" in {e.detail for e in failures}
    for entry in entries:
        text = f"{entry.actor} {entry.action} {entry.detail}"
        assert PASSWORD not in text and OTHER not in text and link not in text
    assert len(audit_entries(hub, limit=3)) == 3


# --- the second factor (TOTP) --------------------------------------------------------------
# Codes are computed with pyotp at the test clock's moment, as the person's app would.


def app_code(secret: str, at: datetime) -> str:
    """The code an authenticator app shows at AT."""
    return pyotp.TOTP(secret).at(at)


def wrong_code(secret: str, at: datetime) -> str:
    """A well-formed code valid for no step of the window around AT."""
    valid = {app_code(secret, at + timedelta(seconds=offset)) for offset in (-30, 0, 30)}
    return next(code for code in (f"{n:06d}" for n in range(1000)) if code not in valid)


def enrolled(hub: Hub, clock: FakeClock, email: str = EMAIL) -> str:
    """EMAIL's second factor set up and confirmed; its secret. The clock moves on a step, so
    that the confirming code is not the next log-in's."""
    account = next(a for a in list_staff(hub) if a.email == email)
    secret = totp_setup(hub, account).secret
    confirm_totp(hub, account, app_code(secret, clock.moment))
    clock.advance(30)
    return secret


def waiting(hub: Hub, email: str = EMAIL) -> str:
    """A log-in whose password is right: the token of its wait for the code."""
    with pytest.raises(CodeRequired) as wanted:
        log_in(hub, email, PASSWORD, client=CLIENT)
    return wanted.value.token


NOW = START
STEP = int(NOW.timestamp()) // 30
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


@pytest.mark.parametrize(
    ("code_at", "last_step", "expected"),
    [
        (0, None, STEP),  # the current code
        (29, None, STEP),  # the same step, later
        (-30, None, STEP - 1),  # the app a step behind (or typed as it changed)
        (30, None, STEP + 1),  # the app a step ahead
        (-60, None, None),  # too old
        (60, None, None),  # too far ahead
        (0, STEP, None),  # replayed: already accepted
        (-30, STEP - 1, None),  # replayed, the previous step
        (0, STEP - 1, STEP),  # the step after the last accepted
        (30, STEP, STEP + 1),  # the next one, a phone a little fast
    ],
)
def test_which_code_is_accepted(code_at: int, last_step: int | None, expected: int | None):
    code = app_code(SECRET, NOW + timedelta(seconds=code_at))
    assert accepted_step(SECRET, code, NOW, last_step) == expected


def test_a_code_of_no_step_of_the_window_is_refused():
    assert accepted_step(SECRET, wrong_code(SECRET, NOW), NOW, None) is None


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("123456", "123456"),
        (" 123 456 ", "123456"),
        ("123-456", "123456"),
        ("123\u00a0456", "123456"),
        ("12345", None),
        ("1234567", None),
        ("12345a", None),
        ("\uff11\uff12\uff13\uff14\uff15\uff16", None),  # full-width digits
        ("", None),
    ],
)
def test_a_typed_code_is_six_digits_whatever_the_spaces(typed: str, code: str | None):
    assert totp_code(typed) == code


@pytest.mark.parametrize(
    ("secret", "shown"),
    [(SECRET, "JBSW Y3DP EHPK 3PXP JBSW Y3DP EHPK 3PXP"), ("ABCDE", "ABCD E"), ("", "")],
)
def test_the_secret_is_shown_in_groups_of_four(secret: str, shown: str):
    assert grouped(secret) == shown


@pytest.mark.parametrize(
    ("until", "alive"),
    [
        (None, False),
        (NOW - timedelta(seconds=1), False),
        (NOW, False),
        (NOW + PENDING_LIFETIME, True),
    ],
)
def test_a_log_in_waits_for_its_code_until_its_end(until: datetime | None, alive: bool):
    assert pending_alive(until, NOW) is alive


@pytest.mark.parametrize(
    ("is_admin", "has_totp", "required", "expected"),
    [
        (True, False, True, True),
        (True, True, True, False),
        (False, False, True, False),  # compulsory for admins only
        (True, False, False, False),  # not compulsory at all
    ],
)
def test_who_must_set_up_a_second_factor_first(
    is_admin: bool, has_totp: bool, required: bool, expected: bool
):
    assert must_enrol(is_admin, has_totp, admins_required=required) is expected


def test_a_second_factor_is_active_once_its_first_code_is_typed(hub: Hub, clock: FakeClock):
    staff(hub)
    account = list_staff(hub)[0]
    setup = totp_setup(hub, account)
    assert totp_setup(hub, account) == setup  # reloading the page keeps the scanned secret
    assert re.fullmatch(r"[A-Z2-7]{32}", setup.secret)  # 160 bits
    assert setup.uri == (
        f"otpauth://totp/Trilport:agent%40mairie-trilport.fr?secret={setup.secret}&issuer=Trilport"
    )
    log_in(hub, EMAIL, PASSWORD, client=CLIENT)  # not active yet: no code asked
    with pytest.raises(CodeRefused):
        confirm_totp(hub, account, wrong_code(setup.secret, clock.moment))
    assert totp_active_since(hub, account) is None
    confirm_totp(hub, account, app_code(setup.secret, clock.moment))
    assert totp_active_since(hub, account) == clock.moment
    assert list_staff(hub)[0].has_totp
    with pytest.raises(Conflict):  # its secret is never shown again
        totp_setup(hub, account)
    with pytest.raises(Conflict):
        confirm_totp(hub, account, app_code(setup.secret, clock.moment))


def test_a_log_in_with_a_second_factor_opens_its_session_after_the_code(hub: Hub, clock: FakeClock):
    staff(hub)
    secret = enrolled(hub, clock)
    pending = waiting(hub)
    assert pending_email(hub, pending) == EMAIL
    token, session = log_in_code(hub, pending, app_code(secret, clock.moment), client=CLIENT)
    assert session_of(hub, token) == session and session.account.has_totp
    assert pending_email(hub, pending) is None  # the wait is over
    with pytest.raises(CodeExpired):
        log_in_code(hub, pending, app_code(secret, clock.moment), client=CLIENT)


def test_a_code_is_accepted_once(hub: Hub, clock: FakeClock):
    staff(hub)
    secret = enrolled(hub, clock)
    code = app_code(secret, clock.moment)
    log_in_code(hub, waiting(hub), code, client=CLIENT)
    with pytest.raises(CodeRefused):  # seen over a shoulder, played again at once
        log_in_code(hub, waiting(hub), code, client=CLIENT)
    clock.advance(30)
    log_in_code(hub, waiting(hub), app_code(secret, clock.moment), client=CLIENT)


def test_wrong_codes_count_towards_the_account_s_lock(hub: Hub, clock: FakeClock):
    staff(hub)
    secret = enrolled(hub, clock)
    pending = waiting(hub)
    refused(hub, OTHER)  # a wrong password and wrong codes count together
    for _ in range(3):
        with pytest.raises(CodeRefused):
            log_in_code(hub, pending, wrong_code(secret, clock.moment), client=CLIENT)
    with pytest.raises(AccountLocked):
        log_in_code(hub, pending, wrong_code(secret, clock.moment), client=CLIENT)
    with pytest.raises(AccountLocked):  # even the right code, while locked
        log_in_code(hub, pending, app_code(secret, clock.moment), client=CLIENT)
    assert actions(hub)[-8:] == [
        "double authentification activée",
        StaffAction.LOGIN_FAILED,
        *[StaffAction.CODE_FAILED] * 4,
        StaffAction.LOCKED,
        StaffAction.CODE_FAILED,  # the try while locked
    ]


def test_a_log_in_waits_five_minutes_for_its_code(hub: Hub, clock: FakeClock):
    staff(hub)
    secret = enrolled(hub, clock)
    pending = waiting(hub)
    clock.advance(PENDING_LIFETIME.total_seconds())
    with pytest.raises(CodeExpired):
        log_in_code(hub, pending, app_code(secret, clock.moment), client=CLIENT)
    newer = waiting(hub)
    with pytest.raises(CodeExpired):  # one wait per account: the newer replaces it
        log_in_code(hub, pending, app_code(secret, clock.moment), client=CLIENT)
    log_in_code(hub, newer, app_code(secret, clock.moment), client=CLIENT)


def test_removing_the_second_factor_asks_a_current_code(hub: Hub, clock: FakeClock):
    staff(hub)
    secret = enrolled(hub, clock)
    account = list_staff(hub)[0]
    with pytest.raises(CodeRefused):
        disable_totp(hub, account, wrong_code(secret, clock.moment))
    assert list_staff(hub)[0].has_totp
    disable_totp(hub, account, app_code(secret, clock.moment))
    assert not list_staff(hub)[0].has_totp
    log_in(hub, EMAIL, PASSWORD, client=CLIENT)  # the password alone again
    with pytest.raises(Conflict):
        disable_totp(hub, account, app_code(secret, clock.moment))
    assert totp_setup(hub, account).secret != secret  # a new phone gets a new secret


def test_reset_removes_the_second_factor_of_a_lost_phone(hub: Hub, clock: FakeClock):
    staff(hub)
    enrolled(hub, clock)
    pending = waiting(hub)
    link = reset_staff(hub, EMAIL, actor="admin@mairie-trilport.fr")
    assert not list_staff(hub)[0].has_totp
    assert pending_email(hub, pending) is None
    set_password(hub, link, OTHER)
    log_in(hub, EMAIL, OTHER, client=CLIENT)  # no code asked
    reset = next(e for e in audit_entries(hub) if e.action == StaffAction.RESET)
    assert reset.detail == f"{EMAIL} ; double authentification retirée"


def test_admins_must_set_up_a_second_factor_when_the_town_says_so(hub: Hub, clock: FakeClock):
    strict = make_test_hub(hub.settings.database_url, clock, staff_admin_totp=True)
    try:
        add_staff(strict, "admin@mairie-trilport.fr", "admin", PASSWORD, actor=CLI_ACTOR)
        staff(strict)
        token, session = log_in(strict, "admin@mairie-trilport.fr", PASSWORD, client=CLIENT)
        assert session.must_enrol
        assert not log_in(strict, EMAIL, PASSWORD, client=CLIENT)[1].must_enrol  # an editor
        assert not session_of(hub, token).must_enrol  # the same account, where not required
        enrolled(strict, clock, "admin@mairie-trilport.fr")
        found = session_of(strict, token)
        assert found is not None and not found.must_enrol
    finally:
        strict.close()


def test_the_secret_is_stored_encrypted_and_never_audited(hub: Hub, clock: FakeClock):
    staff(hub)
    account = list_staff(hub)[0]
    secret = totp_setup(hub, account).secret
    first = app_code(secret, clock.moment)
    confirm_totp(hub, account, first)
    clock.advance(30)
    with pytest.raises(CodeRefused):
        log_in_code(hub, waiting(hub), wrong_code(secret, clock.moment), client=CLIENT)
    with hub.db.reading() as session:
        row = session.scalars(select(StaffAccountRow)).one()
        stored = row.totp_secret
        assert stored is not None and secret not in stored
        assert Fernet(key_file(hub).read_bytes()).decrypt(stored.encode()).decode() == secret
    assert key_file(hub).stat().st_mode & 0o777 == 0o600
    texts = [f"{e.actor} {e.action} {e.detail}" for e in audit_entries(hub)]
    assert not [text for text in texts if secret in text or first in text]
    assert "double authentification activée" in {e.action for e in audit_entries(hub)}


def key_file(hub: Hub) -> Path:
    return hub.settings.data_dir / GENERATED_TOTP_KEY_FILE


def test_a_configured_key_encrypts_and_a_changed_one_is_said(hub: Hub, clock: FakeClock):
    first, second = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    keyed = make_test_hub(hub.settings.database_url, clock, staff_totp_key=first)
    rotated = make_test_hub(hub.settings.database_url, clock, staff_totp_key=f"{second} {first}")
    lost = make_test_hub(hub.settings.database_url, clock, staff_totp_key=second)
    try:
        staff(keyed)
        secret = enrolled(keyed, clock)
        code = app_code(secret, clock.moment)
        log_in_code(rotated, waiting(rotated), code, client=CLIENT)  # the old key still reads
        clock.advance(30)
        with pytest.raises(SecondFactorUnavailable, match="arobase staff reset"):
            log_in_code(lost, waiting(lost), app_code(secret, clock.moment), client=CLIENT)
    finally:
        for each in (keyed, rotated, lost):
            each.close()


def test_migration_0008_goes_down_and_up_keeping_the_accounts(hub: Hub, clock: FakeClock):
    staff(hub)
    enrolled(hub, clock)
    hub.db.dispose()  # no connection of ours in the way of the schema change
    command.downgrade(alembic_config(hub.settings.database_url), "0007")
    assert upgrade(hub.settings.database_url) == head_revision()
    (account,) = list_staff(hub)
    assert (account.email, account.has_totp) == (EMAIL, False)
    log_in(hub, EMAIL, PASSWORD, client=CLIENT)
