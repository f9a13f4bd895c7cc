"""Staff accounts of the console, on SQLite and PostgreSQL: one-time links, log-in and its
lock, sessions that lapse or are ended, and an audit that holds no password."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from notifications.errors import Conflict, InvalidInput, NotFound
from notifications.hub import Hub
from notifications.staff import (
    CLI_ACTOR,
    LINK_INVALID,
    AccountLocked,
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
from notifications.store import staff as store
from notifications.store.staff import AuditEntry
from notifications.store.tables import StaffAccountRow, StaffSessionRow
from tests.hub_support import FakeClock

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
