"""The sources aggregate in the database: the feeds read, their settings and poll state (their
items: store/items.py).

A function taking the `Database` is a whole transaction; one taking a `Session` is a helper of
the storage package. Rows never leave it (the frozen records below do).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from notifications.errors import Conflict, NotFound
from notifications.records import SourceConfig, SourceOrigin
from notifications.store.database import Database
from notifications.store.tables import SourceRow

ERROR_MAX = 1000  # characters of a reason kept in last_error


@dataclass(frozen=True)
class SourceSpec:
    """What staff or the town file say about a source, before it is stored."""

    name: str
    kind: str
    url: str
    topic: str
    categories: dict[str, str]
    options: dict[str, Any]


@dataclass(frozen=True)
class SourceInfo:
    id: int
    name: str
    kind: str
    url: str
    topic: str
    origin: str
    primed: bool
    failures: int
    last_error: str | None
    last_ok_at: datetime | None
    next_poll_at: datetime

    @property
    def state(self) -> str:
        if self.failures:
            return f"en échec ({self.failures}) : {self.last_error}"
        if self.last_error:  # a warning on a feed that still works (bozo)
            return f"ok, avec un avertissement : {self.last_error}"
        return "ok" if self.last_ok_at else "jamais lue"


@dataclass(frozen=True)
class DueSource:
    """A source whose poll time has come, as the poller needs it."""

    id: int
    config: SourceConfig
    etag: str | None
    last_modified: str | None
    primed: bool
    failures: int


@dataclass(frozen=True)
class Reading:
    """A poll that succeeded: when, when the next is due, and the feed's HTTP validators."""

    at: datetime
    next_poll_at: datetime
    etag: str | None
    last_modified: str | None


def source_info(row: SourceRow) -> SourceInfo:
    return SourceInfo(**{f.name: getattr(row, f.name) for f in fields(SourceInfo)})


def source_config(row: SourceRow) -> SourceConfig:
    categories, options = dict(row.categories), dict(row.options)
    return SourceConfig(row.name, row.kind, row.url, row.topic, categories, options)


# --- polling -------------------------------------------------------------------------------


def claim_due(db: Database, now: datetime, lease: timedelta, limit: int) -> list[DueSource]:
    """Sources whose poll time has come, pushed LEASE into the future so no one else polls."""
    with db.session() as session:
        rows = session.scalars(
            select(SourceRow)
            .where(SourceRow.next_poll_at <= now)
            .order_by(SourceRow.next_poll_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
        for row in rows:
            row.next_poll_at = now + lease
        return [
            DueSource(r.id, source_config(r), r.etag, r.last_modified, r.primed, r.failures)
            for r in rows
        ]


def record_failure(
    db: Database, source_id: int, failures: int, reason: str, now: datetime, retry_at: datetime
) -> None:
    """The poll failed (FAILURES in a row): REASON kept, the next poll at RETRY_AT."""
    with db.session() as session:
        session.execute(
            update(SourceRow)
            .where(SourceRow.id == source_id)
            .values(
                failures=failures,
                last_error=reason[:ERROR_MAX],
                last_polled_at=now,
                next_poll_at=retry_at,
            )
        )


def mark_read(session: Session, source_id: int, reading: Reading, **values: object) -> None:
    """A poll of SOURCE_ID succeeded: its failures forgotten, its next poll planned."""
    session.execute(
        update(SourceRow)
        .where(SourceRow.id == source_id)
        .values(
            failures=0,
            last_polled_at=reading.at,
            last_ok_at=reading.at,
            next_poll_at=reading.next_poll_at,
            etag=reading.etag,
            last_modified=reading.last_modified,
            **values,
        )
    )


def record_not_modified(db: Database, source_id: int, reading: Reading, clear_error: bool) -> None:
    """The feed has not changed; CLEAR_ERROR after failures (the reason kept was theirs)."""
    with db.session() as session:
        mark_read(session, source_id, reading, **({"last_error": None} if clear_error else {}))


# --- staff's sources -----------------------------------------------------------------------


def _row(spec: SourceSpec, origin: SourceOrigin, now: datetime) -> SourceRow:
    return SourceRow(
        **{f.name: getattr(spec, f.name) for f in fields(SourceSpec)},
        origin=origin,
        primed=False,
        next_poll_at=now,
        failures=0,
        created_at=now,
    )


def add(db: Database, spec: SourceSpec, origin: SourceOrigin, now: datetime) -> SourceInfo:
    """Store a new source; Conflict when its name or its address is taken."""
    with db.session() as session:
        if session.scalar(select(SourceRow.id).where(SourceRow.name == spec.name)) is not None:
            raise Conflict(f"une source s'appelle déjà « {spec.name} »")
        taken = session.scalar(select(SourceRow.name).where(SourceRow.url == spec.url))
        if taken is not None:
            raise Conflict(f"cette adresse est déjà suivie par la source « {taken} »")
        row = _row(spec, origin, now)
        session.add(row)
        session.flush()
        return source_info(row)


def list_all(db: Database) -> list[SourceInfo]:
    with db.reading() as session:
        return [source_info(r) for r in session.scalars(select(SourceRow).order_by(SourceRow.name))]


def _by_name(session: Session, name: str) -> SourceRow:
    row = session.scalars(select(SourceRow).where(SourceRow.name == name)).one_or_none()
    if row is None:
        raise NotFound(f"aucune source « {name} »")
    return row


def get(db: Database, name: str) -> tuple[SourceInfo, SourceConfig]:
    with db.reading() as session:
        row = _by_name(session, name)
        return source_info(row), source_config(row)


def remove(db: Database, name: str) -> None:
    """Forget a source and its items (messages already sent stay)."""
    with db.session() as session:
        session.delete(_by_name(session, name))


def sync(
    db: Database, wanted: Mapping[str, SourceSpec], now: datetime
) -> tuple[list[str], list[str]]:
    """Make the town file's sources those WANTED: the names changed, and the names skipped
    because a staff's source has them."""
    changed: list[str] = []
    skipped: list[str] = []
    with db.session() as session:
        rows = {row.name: row for row in session.scalars(select(SourceRow))}
        for row in rows.values():
            if row.origin == SourceOrigin.TOWN and row.name not in wanted:
                session.delete(row)
                changed.append(row.name)
        for name, spec in wanted.items():
            row = rows.get(name)
            if row is None:
                session.add(_row(spec, SourceOrigin.TOWN, now))
                changed.append(name)
            elif row.origin != SourceOrigin.TOWN:
                skipped.append(name)
            elif _differs(row, spec):
                if row.url != spec.url:  # another feed: its first poll must be silent again
                    row.primed, row.etag, row.last_modified = False, None, None
                row.kind, row.url, row.topic = spec.kind, spec.url, spec.topic
                row.categories, row.options = spec.categories, spec.options
                changed.append(name)
    return changed, skipped


def _differs(row: SourceRow, spec: SourceSpec) -> bool:
    return (row.kind, row.url, row.topic, row.categories, row.options) != (
        spec.kind,
        spec.url,
        spec.topic,
        spec.categories,
        spec.options,
    )
