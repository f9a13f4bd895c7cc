"""Staff accounts of the console: add one, set its password through a one-time link, log in
and out, sessions that lapse when idle, disable, reset, and the audit of it all.

Passwords are hashed with argon2id and never stored, logged nor audited in clear; the tokens
given to a browser or put in a link are kept only as SHA-256 digests, so that a copy of the
database opens no session and sets no password (notifications/staff_secrets.py). An account
with a second factor gets its session only once its code is right (staff_totp.py).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import NoReturn

from arobase.hours_text import duration_text
from notifications.channels.base import AddressContext
from notifications.channels.email import email_address
from notifications.decide.staff import (
    PENDING_LIFETIME,
    SESSION_LIFETIME,
    LockPolicy,
    after_failure,
    locked_for,
    must_enrol,
    normalized_password,
    password_problem,
    session_alive,
    session_expiry,
)
from notifications.errors import HubError, InvalidAddress, InvalidInput
from notifications.hub import Hub
from notifications.staff_secrets import digest as _digest
from notifications.staff_secrets import hasher as _hasher
from notifications.staff_secrets import verified as _verified
from notifications.store import staff as store
from notifications.store import staff_totp as totp_store
from notifications.store.staff import AuditEntry, NewSession, Role, StaffAccount

CLI_ACTOR = "cli"  # what the commands did
UNKNOWN_ACTOR = "inconnu"  # someone not logged in (a failed log-in)
LINK_INVALID = (
    "ce lien n'est plus valable (déjà utilisé ou expiré) : "
    "demandez-en un nouveau à un administrateur"
)


class StaffAction(StrEnum):
    """What the audit records of the accounts (in French: staff read it)."""

    ADDED = "ajout de compte"
    DISABLED = "désactivation de compte"
    RESET = "réinitialisation de compte"
    PASSWORD_SET = "mot de passe défini"
    LOGGED_IN = "connexion"
    LOGGED_OUT = "déconnexion"
    LOGIN_FAILED = "échec de connexion"
    LOCKED = "compte bloqué"
    CODE_FAILED = "code de double authentification refusé"


class LoginRefused(HubError):
    """Wrong e-mail or password, account disabled or without a password yet: one message for
    all, which tells nobody whether an account exists."""

    def __init__(self) -> None:
        super().__init__("adresse e-mail ou mot de passe incorrect")


class CodeRequired(HubError):
    """The password was right, and the account asks for its second factor's code: TOKEN
    names this log-in until the code comes (PENDING_LIFETIME)."""

    def __init__(self, token: str) -> None:
        super().__init__("saisissez le code à six chiffres de votre application")
        self.token = token


class AccountLocked(HubError):
    """Too many failed log-ins in a row: the account refuses any for SECONDS more."""

    def __init__(self, seconds: int) -> None:
        super().__init__(
            f"trop d'essais manqués : ce compte est bloqué, réessayez dans {duration_text(seconds)}"
        )
        self.seconds = seconds


@dataclass(frozen=True)
class StaffSession:
    account: StaffAccount
    csrf: str  # the form token of this session
    expires_at: datetime  # when it lapses unless used again
    must_enrol: bool = False  # an admin without a second factor where admins need one


def _email(address: str) -> str:
    """ADDRESS normalized as the e-mail channel does, then in lower case: staff type theirs
    in any case, and one address is one account."""
    try:
        email, _ = email_address(address, {}, AddressContext())
    except InvalidAddress as error:
        raise InvalidInput(str(error)) from error
    return email.lower()


def _role(value: str) -> Role:
    try:
        return Role(value)
    except ValueError:
        names = ", ".join(role.value for role in Role)
        raise InvalidInput(f"rôle inconnu « {value} » : {names}") from None


def _hashed(password: str, email: str) -> str:
    """The hash of PASSWORD for the account EMAIL; InvalidInput when it is not acceptable."""
    password = normalized_password(password)
    if problem := password_problem(password, email):
        raise InvalidInput(problem)
    return _hasher().hash(password)


def _note(hub: Hub, actor: str, action: StaffAction, detail: str = "") -> AuditEntry:
    return AuditEntry(hub.now(), actor, action, detail)


def _new_link(hub: Hub) -> tuple[str, tuple[str, datetime]]:
    """A one-time link's token, and what is stored of it: its digest and its expiry."""
    token = secrets.token_urlsafe(32)
    expiry = hub.now() + timedelta(hours=hub.settings.staff_link_hours)
    return token, (_digest(token), expiry)


def _idle(hub: Hub) -> timedelta:
    return timedelta(seconds=hub.settings.staff_idle)


# --- accounts ------------------------------------------------------------------------------


def add_staff(
    hub: Hub, email: str, role: str, password: str | None = None, *, actor: str
) -> tuple[StaffAccount, str | None]:
    """A new account; without PASSWORD, the token of a one-time link to set it as well
    (valid `staff_link_hours`)."""
    email, role = _email(email), _role(role)
    password_hash = _hashed(password, email) if password is not None else None
    token, link = _new_link(hub) if password is None else (None, None)
    note = _note(hub, actor, StaffAction.ADDED, f"{email} ({role})")
    return store.add(hub.db, email, role, password_hash, link, note), token


def set_password(hub: Hub, token: str, password: str) -> StaffAccount:
    """The password chosen through a one-time link, which is spent; InvalidInput for a weak
    password or a link unknown, used or expired."""
    link_hash = _digest(token)
    account = store.by_link(hub.db, link_hash, hub.now())
    if account is None:
        raise InvalidInput(LINK_INVALID)
    password_hash = _hashed(password, account.email)
    note = _note(hub, account.email, StaffAction.PASSWORD_SET)
    done = store.set_password(hub.db, link_hash, password_hash, note)
    if done is None:  # spent meanwhile by another request
        raise InvalidInput(LINK_INVALID)
    return done


def list_staff(hub: Hub) -> list[StaffAccount]:
    """Every account, by e-mail."""
    return store.list_all(hub.db)


def disable_staff(hub: Hub, email: str, *, actor: str) -> StaffAccount:
    """The account can no longer log in; its sessions end now. NotFound when there is none."""
    email = _email(email)
    return store.disable(hub.db, email, _note(hub, actor, StaffAction.DISABLED, email))


def reset_staff(hub: Hub, email: str, *, actor: str) -> str:
    """A new one-time link's token for the account, whose password is cleared and sessions
    ended (it is active again if it was disabled). NotFound when there is none."""
    email = _email(email)
    token, link = _new_link(hub)
    found = store.credentials(hub.db, email)
    cleared = " ; double authentification retirée" if found and found.account.has_totp else ""
    store.reset(hub.db, email, link, _note(hub, actor, StaffAction.RESET, email + cleared))
    return token


# --- sessions ------------------------------------------------------------------------------


def log_in(hub: Hub, email: str, password: str, *, client: str) -> tuple[str, StaffSession]:
    """A new session: the token to give the browser, and the session. LoginRefused, or
    AccountLocked after too many failures in a row; CLIENT is noted in the audit. An account
    with a second factor: CodeRequired, whose log-in staff_totp.log_in_code finishes."""
    now = hub.now()
    try:
        found = store.credentials(hub.db, _email(email))
    except InvalidInput:
        found = None
    if found:
        check_lock(hub, found.account, client)
    password = normalized_password(password)
    password_hash = found.password_hash if found else None
    # Checked even without a hash, so that a missing account takes as long as a wrong password.
    verified = _verified(password_hash, password)
    if found is None or password_hash is None or not (verified and found.account.active):
        refuse(hub, found.account if found else None, client)
    if found.account.has_totp:  # the session waits for the code (staff_totp.log_in_code)
        pending = secrets.token_urlsafe(32)
        totp_store.await_code(hub.db, found.account.id, _digest(pending), now + PENDING_LIFETIME)
        raise CodeRequired(pending)
    rehashed = None
    if _hasher().check_needs_rehash(password_hash):  # the parameters grew since
        rehashed = _hasher().hash(password)
    return open_session(hub, found.account, client, rehashed=rehashed)


def check_lock(
    hub: Hub, account: StaffAccount, client: str, action: StaffAction = StaffAction.LOGIN_FAILED
) -> None:
    """AccountLocked (ACTION noted) while ACCOUNT is locked."""
    if wait := locked_for(account.locked_until, hub.now()):
        detail = f"compte {account.email} bloqué ; client {client}"
        store.write_audit(hub.db, _note(hub, UNKNOWN_ACTOR, action, detail))
        raise AccountLocked(wait)


def open_session(
    hub: Hub, account: StaffAccount, client: str, *, rehashed: str | None = None
) -> tuple[str, StaffSession]:
    """A session for ACCOUNT, whose log-in succeeded: its token and the session."""
    now = hub.now()
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    account = replace(account, locked_until=None)
    note = _note(hub, account.email, StaffAction.LOGGED_IN, f"client {client}")
    stale = (now - _idle(hub), now - SESSION_LIFETIME)
    new = NewSession(_digest(token), csrf, client)
    store.open_session(hub.db, account.id, new, note, rehashed=rehashed, stale=stale)
    expiry = session_expiry(now, now, _idle(hub))
    return token, StaffSession(account, csrf, expiry, _must_enrol(hub, account))


def _must_enrol(hub: Hub, account: StaffAccount) -> bool:
    required = hub.settings.staff_admin_totp
    return must_enrol(account.role is Role.ADMIN, account.has_totp, admins_required=required)


def refuse(
    hub: Hub,
    account: StaffAccount | None,
    client: str,
    *,
    refusal: HubError | None = None,
    action: StaffAction = StaffAction.LOGIN_FAILED,
) -> NoReturn:
    """Note a failed log-in (ACTION, counted against ACCOUNT, which it may lock) and refuse
    it: REFUSAL (LoginRefused by default), or AccountLocked."""
    if account is None:
        detail = f"adresse inconnue ; client {client}"
        store.write_audit(hub.db, _note(hub, UNKNOWN_ACTOR, action, detail))
        raise LoginRefused
    now, settings = hub.now(), hub.settings
    policy = LockPolicy(settings.staff_max_failures, timedelta(seconds=settings.staff_lock_seconds))
    failed = f"compte {account.email} ; client {client}"
    locked = f"compte {account.email}, pour {duration_text(settings.staff_lock_seconds)}"
    until = store.record_failure(
        hub.db,
        account.id,
        lambda failures: after_failure(failures, now, policy),
        _note(hub, UNKNOWN_ACTOR, action, failed),
        _note(hub, UNKNOWN_ACTOR, StaffAction.LOCKED, locked),
    )
    if until is not None:
        raise AccountLocked(locked_for(until, now))
    raise refusal or LoginRefused()


def session_of(hub: Hub, token: str) -> StaffSession | None:
    """The session of a browser's TOKEN, its idle time starting again; None when unknown,
    ended, idle too long, past its lifetime, or its account disabled."""
    state = store.session_state(hub.db, _digest(token))
    now, idle = hub.now(), _idle(hub)
    if state is None or not state.account.active:
        return None
    if not session_alive(state.created_at, state.last_used_at, idle, now):
        return None
    store.touch(hub.db, state.id, now)
    expiry = session_expiry(state.created_at, now, idle)
    return StaffSession(state.account, state.csrf, expiry, _must_enrol(hub, state.account))


def log_out(hub: Hub, token: str) -> None:
    """End the session of TOKEN (nothing happens for an unknown one)."""
    state = store.session_state(hub.db, _digest(token))
    if state is not None:
        note = _note(hub, state.account.email, StaffAction.LOGGED_OUT)
        store.close_session(hub.db, state.id, note)


# --- audit ---------------------------------------------------------------------------------


def audit(hub: Hub, actor: str, action: str, detail: str = "") -> None:
    """Note what ACTOR (a staff e-mail, "cli") did; DETAIL never holds a secret."""
    store.write_audit(hub.db, AuditEntry(hub.now(), actor, action, detail))


def audit_entries(hub: Hub, limit: int = 200) -> list[AuditEntry]:
    """The LIMIT latest audit entries, newest first."""
    return store.audit_entries(hub.db, limit)
