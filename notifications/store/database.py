"""The hub's database: engine and sessions for SQLite (default) or PostgreSQL.

A SQLite file holds personal data: it is readable by its owner only (0600), and so are its
-wal and -shm files, which SQLite creates with the database file's own mode.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from arobase.data_files import FILE_MODE, owner_only_dir, tighten
from notifications.errors import StorageConflict, StorageError

SQLITE_BUSY_MS = 30_000
SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")  # files SQLite keeps beside the database


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # pysqlite's own transaction handling is switched off so ours (BEGIN IMMEDIATE) rules.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    # WAL lets readers (Database.reading) go on while the worker writes.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


READ_ONLY = "arobase_read_only"  # execution option of the engine behind Database.reading()


def _sqlite_begin(connection: Any) -> None:
    # A writing transaction takes the write lock when it starts, not at its first write: two
    # workers claiming deliveries then queue instead of failing with "database is locked".
    # A reading one does not, so that with WAL it never waits for a writer.
    read_only = connection.get_execution_options().get(READ_ONLY, False)
    connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def missing_sqlite_file(url: str) -> str | None:
    """The path of URL's SQLite file when it does not exist (opening it would create an empty
    database: an absent file means the hub is not set up here); None otherwise."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    if parsed.database == ":memory:" or Path(parsed.database).is_file():
        return None
    return parsed.database


def private_sqlite_file(path: Path) -> None:
    """PATH and its companions owner-only before SQLite opens them: a missing file is made
    empty (a valid empty database) with mode 0600, an existing one tightened.

    A missing folder is made owner-only (0700). An existing one is left as it is: it may be
    shared (/tmp) or served by another program; the files inside are owner-only anyway.
    """
    if not path.parent.is_dir():
        owner_only_dir(path.parent)
    with suppress(FileExistsError):  # O_EXCL: never a window with the umask's mode
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
    for file in (path, *(path.with_name(path.name + suffix) for suffix in SQLITE_COMPANIONS)):
        tighten(file, FILE_MODE)


def make_engine(url: str) -> Engine:
    """An engine for URL; a SQLite file (and a missing folder) is made owner-only."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            private_sqlite_file(Path(parsed.database))
        # The busy timeout makes writers queue (from the first statement, the pragmas' too).
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_MS / 1000})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return create_engine(url, pool_pre_ping=True)


@contextmanager
def storage_errors() -> Iterator[None]:
    """The database library's errors as the hub's StorageError, the cause chained: callers
    outside this package never see SQLAlchemy."""
    try:
        yield
    except IntegrityError as error:
        raise StorageConflict(f"écriture refusée par la base : {error.orig!r}") from error
    except SQLAlchemyError as error:
        raise StorageError(f"la base de données a échoué : {error.__class__.__name__}") from error


class Database:
    """An engine and its session factory; one per process, built by the runtime's factory."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._readers = sessionmaker(
            self.engine.execution_options(**{READ_ONLY: True}), expire_on_commit=False
        )

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A transaction: committed when the block ends, rolled back on error."""
        with storage_errors(), self._sessions.begin() as session:
            yield session

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A transaction that only reads: on SQLite it does not queue behind the writers."""
        # Closing it ends the transaction, writing nothing.
        with storage_errors(), self._readers() as session:
            yield session

    def dispose(self) -> None:
        self.engine.dispose()
