"""The staff aggregate in the database: console accounts, their sessions, and the audit.

Each function is a whole transaction. A change made by staff is written with its audit entry
in the same transaction: no action without its trace, no trace of an action undone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Select, delete, or_, select
from sqlalchemy.orm import Session

from notifications.decide.staff import FailureStep
from notifications.errors import Conflict, NotFound
from notifications.store.console_tables import StaffAccountRow, StaffAuditRow, StaffSessionRow
from notifications.store.database import Database

DETAIL_MAX = 1000  # characters of an audit entry's detail
CLIENT_MAX = 100  # characters of a session's client (StaffSessionRow.client)


class Role(StrEnum):
    """What a staff account may do in the console."""

    ADMIN = "admin"  # everything, the accounts included
    EDITOR = "editor"  # announcements, sources and the town content
    AGENT = "agent"  # the counter: enrols, finds, exports and erases residents' data


@dataclass(frozen=True)
class StaffAccount:
    id: int
    email: str
    role: Role
    active: bool
    has_password: bool  # False until its one-time link is followed
    created_at: datetime
    locked_until: datetime | None  # too many failed log-ins: refused until then
    has_totp: bool = False  # a second factor (TOTP) confirmed: each log-in asks its code


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    actor: str  # a staff e-mail, "cli" or "inconnu"
    action: str
    detail: str


@dataclass(frozen=True)
class Credentials:
    """What checking a log-in needs of an account."""

    account: StaffAccount
    password_hash: str | None


@dataclass(frozen=True)
class SessionState:
    """A stored session, before the idle and lifetime rules are applied to it."""

    id: int
    account: StaffAccount
    csrf: str
    created_at: datetime
    last_used_at: datetime


@dataclass(frozen=True)
class NewSession:
    """A session to store: the hash of the browser's token, its CSRF token, its client."""

    token_hash: str
    csrf: str
    client: str


def account_info(row: StaffAccountRow) -> StaffAccount:
    return StaffAccount(
        id=row.id,
        email=row.email,
        role=Role(row.role),
        active=row.active,
        has_password=row.password_hash is not None,
        created_at=row.created_at,
        locked_until=row.locked_until,
        has_totp=row.totp_confirmed_at is not None,
    )


def _note(session: Session, entry: AuditEntry) -> None:
    session.add(StaffAuditRow(**{**asdict(entry), "detail": entry.detail[:DETAIL_MAX]}))


def _by_email(session: Session, email: str) -> StaffAccountRow:
    row = session.scalars(
        select(StaffAccountRow).where(StaffAccountRow.email == email).with_for_update()
    ).one_or_none()
    if row is None:
        raise NotFound(f"aucun compte « {email} »")
    return row


def _end_sessions(session: Session, account_id: int) -> None:
    session.execute(delete(StaffSessionRow).where(StaffSessionRow.account_id == account_id))


# --- accounts ------------------------------------------------------------------------------


def add(
    db: Database,
    email: str,
    role: Role,
    password_hash: str | None,
    link: tuple[str, datetime] | None,
    note: AuditEntry,
) -> StaffAccount:
    """A new account with a password, or a LINK (token hash, expiry) to set it; Conflict
    when EMAIL has one already."""
    with db.session() as session:
        if session.scalar(select(StaffAccountRow.id).where(StaffAccountRow.email == email)):
            raise Conflict(f"un compte existe déjà pour « {email} »")
        row = StaffAccountRow(
            email=email,
            role=role,
            password_hash=password_hash,
            active=True,
            failures=0,
            link_hash=link[0] if link else None,
            link_expires_at=link[1] if link else None,
            created_at=note.at,
        )
        session.add(row)
        _note(session, note)
        session.flush()
        return account_info(row)


def list_all(db: Database) -> list[StaffAccount]:
    with db.reading() as session:
        rows = session.scalars(select(StaffAccountRow).order_by(StaffAccountRow.email))
        return [account_info(row) for row in rows]


def credentials(db: Database, email: str) -> Credentials | None:
    with db.reading() as session:
        row = session.scalars(
            select(StaffAccountRow).where(StaffAccountRow.email == email)
        ).one_or_none()
        return Credentials(account_info(row), row.password_hash) if row else None


def disable(db: Database, email: str, note: AuditEntry) -> StaffAccount:
    """The account EMAIL can no longer log in: its sessions and its link end now."""
    with db.session() as session:
        row = _by_email(session, email)
        row.active, row.link_hash, row.link_expires_at = False, None, None
        _end_sessions(session, row.id)
        _note(session, note)
        return account_info(row)


def reset(db: Database, email: str, link: tuple[str, datetime], note: AuditEntry) -> StaffAccount:
    """The account EMAIL starts again: no password, a new LINK to set one, no session, no
    lock, no second factor (a lost phone), active again if it was disabled."""
    with db.session() as session:
        row = _by_email(session, email)
        row.password_hash, row.active, row.failures, row.locked_until = None, True, 0, None
        row.link_hash, row.link_expires_at = link
        row.totp_secret = row.totp_confirmed_at = row.totp_last_step = None
        row.totp_pending_hash = row.totp_pending_until = None
        _end_sessions(session, row.id)
        _note(session, note)
        return account_info(row)


def _link_query(link_hash: str, now: datetime) -> Select[tuple[StaffAccountRow]]:
    return select(StaffAccountRow).where(
        StaffAccountRow.link_hash == link_hash,
        StaffAccountRow.link_expires_at > now,
        StaffAccountRow.active.is_(True),
    )


def by_link(db: Database, link_hash: str, now: datetime) -> StaffAccount | None:
    """The active account whose one-time link has this hash and has not expired."""
    with db.reading() as session:
        row = session.scalars(_link_query(link_hash, now)).one_or_none()
        return account_info(row) if row else None


def set_password(
    db: Database, link_hash: str, password_hash: str, note: AuditEntry
) -> StaffAccount | None:
    """The password set through the link, which is spent; None when the link is no longer
    valid (used meanwhile, expired)."""
    with db.session() as session:
        row = session.scalars(_link_query(link_hash, note.at).with_for_update()).one_or_none()
        if row is None:
            return None
        row.password_hash, row.link_hash, row.link_expires_at = password_hash, None, None
        row.failures, row.locked_until = 0, None
        _note(session, note)
        return account_info(row)


def record_failure(
    db: Database,
    account_id: int,
    step: Callable[[int], FailureStep],
    failed: AuditEntry,
    locked: AuditEntry,
) -> datetime | None:
    """One more failed log-in (FAILED noted), counted under a row lock so that concurrent
    tries all count; STEP decides the lock (LOCKED noted then). The lock's end, if any."""
    with db.session() as session:
        row = session.get(StaffAccountRow, account_id, with_for_update=True)
        if row is None:
            return None
        after = step(row.failures)
        row.failures = after.failures
        _note(session, failed)
        if after.locked_until is not None:
            row.locked_until = after.locked_until
            _note(session, locked)
        return after.locked_until


# --- sessions ------------------------------------------------------------------------------


def open_session(
    db: Database,
    account_id: int,
    new: NewSession,
    note: AuditEntry,
    *,
    rehashed: str | None,
    stale: tuple[datetime, datetime],
) -> None:
    """A log-in that succeeded: its session stored, failures forgotten, the hash replaced by
    REHASHED when given. Sessions idle since, or opened before, STALE are forgotten."""
    idle_since, opened_before = stale
    with db.session() as session:
        session.execute(
            delete(StaffSessionRow).where(
                or_(
                    StaffSessionRow.last_used_at < idle_since,
                    StaffSessionRow.created_at < opened_before,
                )
            )
        )
        row = session.get(StaffAccountRow, account_id, with_for_update=True)
        if row is None:
            raise NotFound("ce compte n'existe plus")
        row.failures, row.locked_until = 0, None
        if rehashed is not None:
            row.password_hash = rehashed
        values = {**asdict(new), "client": new.client[:CLIENT_MAX], "account_id": account_id}
        session.add(StaffSessionRow(**values, created_at=note.at, last_used_at=note.at))
        _note(session, note)


def session_state(db: Database, token_hash: str) -> SessionState | None:
    with db.reading() as session:
        found = session.execute(
            select(StaffSessionRow, StaffAccountRow)
            .join(StaffAccountRow, StaffAccountRow.id == StaffSessionRow.account_id)
            .where(StaffSessionRow.token_hash == token_hash)
        ).one_or_none()
        if found is None:
            return None
        row, account = found
        return SessionState(
            row.id, account_info(account), row.csrf, row.created_at, row.last_used_at
        )


def touch(db: Database, session_id: int, now: datetime) -> None:
    with db.session() as session:
        row = session.get(StaffSessionRow, session_id)
        if row is not None:
            row.last_used_at = now


def close_session(db: Database, session_id: int, note: AuditEntry) -> None:
    with db.session() as session:
        session.execute(delete(StaffSessionRow).where(StaffSessionRow.id == session_id))
        _note(session, note)


# --- audit ---------------------------------------------------------------------------------


def write_audit(db: Database, entry: AuditEntry) -> None:
    with db.session() as session:
        _note(session, entry)


def audit_entries(db: Database, limit: int) -> list[AuditEntry]:
    """The LIMIT latest entries, newest first."""
    with db.reading() as session:
        rows = session.scalars(
            select(StaffAuditRow)
            .order_by(StaffAuditRow.at.desc(), StaffAuditRow.id.desc())
            .limit(limit)
        )
        return [AuditEntry(r.at, r.actor, r.action, r.detail) for r in rows]
