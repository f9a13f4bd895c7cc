"""The staff accounts' second factor (TOTP) in the database: its encrypted secret, its
confirmation, the last time step accepted, and the log-in waiting for its code.

A code is accepted by storing its time step under the account's row lock, and only when it
comes after the last one: two requests carrying the same code cannot both succeed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from notifications.errors import Conflict, NotFound
from notifications.store.console_tables import StaffAccountRow
from notifications.store.database import Database
from notifications.store.staff import AuditEntry, StaffAccount, _note, account_info


@dataclass(frozen=True)
class TotpState:
    """An account's second factor as stored: SEALED is its secret, encrypted."""

    account: StaffAccount
    sealed: str | None
    confirmed_at: datetime | None
    last_step: int | None
    pending_until: datetime | None


def _state(row: StaffAccountRow) -> TotpState:
    return TotpState(
        account_info(row),
        row.totp_secret,
        row.totp_confirmed_at,
        row.totp_last_step,
        row.totp_pending_until,
    )


def _locked(session: Session, account_id: int) -> StaffAccountRow:
    row = session.get(StaffAccountRow, account_id, with_for_update=True)
    if row is None:
        raise NotFound("ce compte n'existe plus")
    return row


def _accept(row: StaffAccountRow, step: int) -> bool:
    """Whether STEP comes after the last accepted one; it becomes the last."""
    if row.totp_last_step is not None and step <= row.totp_last_step:
        return False
    row.totp_last_step = step
    return True


def _clear(row: StaffAccountRow) -> None:
    row.totp_secret = row.totp_confirmed_at = row.totp_last_step = None
    row.totp_pending_hash = row.totp_pending_until = None


def state(db: Database, account_id: int) -> TotpState:
    with db.reading() as session:
        row = session.get(StaffAccountRow, account_id)
        if row is None:
            raise NotFound("ce compte n'existe plus")
        return _state(row)


def begin(db: Database, account_id: int, sealed: str) -> TotpState:
    """The secret being set up: the one already waiting for its confirmation, else SEALED
    (so that reloading the page keeps the code already scanned). Conflict when a second
    factor is active."""
    with db.session() as session:
        row = _locked(session, account_id)
        if row.totp_confirmed_at is not None:
            raise Conflict("la double authentification est déjà active sur ce compte")
        if row.totp_secret is None:
            row.totp_secret, row.totp_last_step = sealed, None
        return _state(row)


def confirm(db: Database, account_id: int, sealed: str, step: int, note: AuditEntry) -> bool:
    """The secret SEALED active from now, its first code's STEP accepted (NOTE written);
    False when it is no longer the one waiting, or the step was already used."""
    with db.session() as session:
        row = _locked(session, account_id)
        if row.totp_confirmed_at is not None or row.totp_secret != sealed:
            return False
        if not _accept(row, step):
            return False
        row.totp_confirmed_at = note.at
        _note(session, note)
        return True


def disable(db: Database, account_id: int, step: int, note: AuditEntry) -> bool:
    """The second factor removed after a code of STEP (NOTE written); False when none is
    active or the step was already used."""
    with db.session() as session:
        row = _locked(session, account_id)
        if row.totp_confirmed_at is None or not _accept(row, step):
            return False
        _clear(row)
        _note(session, note)
        return True


def await_code(db: Database, account_id: int, pending_hash: str, until: datetime) -> None:
    """A log-in whose password was right now waits for its code until UNTIL (one at a time
    per account: a newer one replaces it)."""
    with db.session() as session:
        row = _locked(session, account_id)
        row.totp_pending_hash, row.totp_pending_until = pending_hash, until


def pending(db: Database, pending_hash: str) -> TotpState | None:
    """The account whose log-in waits with this token hash, whatever its expiry."""
    with db.reading() as session:
        row = session.scalars(
            select(StaffAccountRow).where(StaffAccountRow.totp_pending_hash == pending_hash)
        ).one_or_none()
        return _state(row) if row is not None else None


def finish(db: Database, account_id: int, pending_hash: str, step: int) -> bool:
    """The waiting log-in's code (of STEP) accepted and the wait ended; False when the wait
    ended meanwhile or the step was already used."""
    with db.session() as session:
        row = _locked(session, account_id)
        if row.totp_pending_hash != pending_hash or row.totp_confirmed_at is None:
            return False
        if not _accept(row, step):
            return False
        row.totp_pending_hash = row.totp_pending_until = None
        return True
