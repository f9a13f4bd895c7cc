"""The staff's optional second factor (TOTP codes from an authenticator app): set it up,
confirm it with a first code, remove it with a current one, and finish a log-in with it.

Any account may turn it on; AROBASE_STAFF_ADMIN_TOTP makes it compulsory for admins
(staff.StaffSession.must_enrol). A code is accepted once (the account keeps the last time
step accepted); a wrong code at log-in counts towards the account's lock as a wrong password
does. Neither the secret nor a code is ever logged or audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pyotp

from notifications.decide.staff import accepted_step, pending_alive, totp_code
from notifications.errors import Conflict, HubError
from notifications.hub import Hub
from notifications.staff import (
    StaffAccount,
    StaffAction,
    StaffSession,
    audit,
    check_lock,
    open_session,
    refuse,
)
from notifications.staff_secrets import digest, seal, unseal
from notifications.store import staff_totp as store
from notifications.store.staff import AuditEntry
from notifications.store.staff_totp import TotpState

ENROLLED = "double authentification activée"
DISABLED = "double authentification désactivée"


class CodeRefused(HubError):
    """A code that is not the app's current one, or was already used."""

    def __init__(self) -> None:
        super().__init__(
            "ce code n'est pas le bon, ou il a déjà servi : saisissez le code que votre "
            "application affiche maintenant"
        )


class CodeExpired(HubError):
    """The log-in waiting for its code is unknown, ended or too old."""

    def __init__(self) -> None:
        super().__init__(
            "cette connexion a expiré : saisissez de nouveau votre adresse e-mail et votre "
            "mot de passe"
        )


@dataclass(frozen=True)
class TotpSetup:
    """A secret waiting for its first code: typed (base32) or scanned (its otpauth URI)."""

    secret: str
    uri: str


def totp_active_since(hub: Hub, account: StaffAccount) -> datetime | None:
    """When ACCOUNT's second factor was confirmed; None when it has none."""
    return store.state(hub.db, account.id).confirmed_at


def totp_setup(hub: Hub, account: StaffAccount) -> TotpSetup:
    """The secret ACCOUNT's app is to learn: the one already waiting, else a new one
    (160 random bits). Conflict when its second factor is already active."""
    state = store.begin(hub.db, account.id, seal(hub.settings, pyotp.random_base32()))
    secret = unseal(hub.settings, state.sealed or "")
    issuer = hub.town.commune.name  # the app lists the code under the town's name
    uri = pyotp.TOTP(secret).provisioning_uri(name=account.email, issuer_name=issuer)
    return TotpSetup(secret, uri)


def _step(hub: Hub, state: TotpState, code: str) -> int | None:
    """The time step of CODE for STATE's secret now, if it is a valid and unused one."""
    typed = totp_code(code)
    if typed is None or state.sealed is None:
        return None
    return accepted_step(unseal(hub.settings, state.sealed), typed, hub.now(), state.last_step)


def _failed(hub: Hub, account: StaffAccount, during: str) -> CodeRefused:
    audit(hub, account.email, StaffAction.CODE_FAILED, during)
    return CodeRefused()


def confirm_totp(hub: Hub, account: StaffAccount, code: str) -> None:
    """The waiting secret active from now on, CODE being its app's current code; CodeRefused
    when it is not (audited), Conflict when nothing waits."""
    state = store.state(hub.db, account.id)
    if state.confirmed_at is not None or state.sealed is None:
        raise Conflict("aucune clé n'attend d'être activée : rechargez la page")
    step = _step(hub, state, code)
    note = AuditEntry(hub.now(), account.email, ENROLLED, "")
    if step is None or not store.confirm(hub.db, account.id, state.sealed, step, note):
        raise _failed(hub, account, "activation")


def disable_totp(hub: Hub, account: StaffAccount, code: str) -> None:
    """The second factor removed, CODE being its app's current code; CodeRefused when it is
    not (audited), Conflict when none is active."""
    state = store.state(hub.db, account.id)
    if state.confirmed_at is None:
        raise Conflict("la double authentification n'est pas active sur ce compte")
    step = _step(hub, state, code)
    note = AuditEntry(hub.now(), account.email, DISABLED, "")
    if step is None or not store.disable(hub.db, account.id, step, note):
        raise _failed(hub, account, "désactivation")


def _waiting(hub: Hub, token: str) -> TotpState:
    """The active account whose log-in TOKEN waits for its code; CodeExpired if none."""
    state = store.pending(hub.db, digest(token))
    if state is None or not pending_alive(state.pending_until, hub.now()):
        raise CodeExpired
    if not state.account.active or state.confirmed_at is None:
        raise CodeExpired
    return state


def pending_email(hub: Hub, token: str) -> str | None:
    """The e-mail of the account whose log-in TOKEN waits for its code, if it still does."""
    try:
        return _waiting(hub, token).account.email
    except CodeExpired:
        return None


def log_in_code(hub: Hub, token: str, code: str, *, client: str) -> tuple[str, StaffSession]:
    """The session of the log-in TOKEN (staff.CodeRequired) once CODE is right: its token,
    and the session. CodeExpired; CodeRefused or AccountLocked (a failure counted)."""
    state = _waiting(hub, token)
    account = state.account
    check_lock(hub, account, client, StaffAction.CODE_FAILED)
    step = _step(hub, state, code)
    if step is None or not store.finish(hub.db, account.id, digest(token), step):
        refuse(hub, account, client, refusal=CodeRefused(), action=StaffAction.CODE_FAILED)
    return open_session(hub, account, client)
