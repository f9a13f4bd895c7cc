"""The hub's SQLite sessions: writers queue for the lock, readers never wait for them; the
database file (personal data) and the data folder are readable by their owner only."""

from __future__ import annotations

import sqlite3
import stat
import threading
from contextlib import closing
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from cli import app as cli_app
from notifications.store.database import Database, make_engine
from notifications.store.migrate import head_revision, upgrade
from tests.hub_support import TOWN_FILE


def test_a_reader_does_not_wait_for_a_writer(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'hub.db'}")
    with db.session() as session:
        session.execute(text("CREATE TABLE t (x INTEGER)"))
        session.execute(text("INSERT INTO t VALUES (1)"))
    writing, finish = threading.Event(), threading.Event()

    def writer() -> None:
        with db.session() as session:
            session.execute(text("INSERT INTO t VALUES (2)"))
            writing.set()
            finish.wait(30)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert writing.wait(30)
        with db.reading() as session:  # would wait 30 s for the lock with BEGIN IMMEDIATE
            seen = session.execute(text("SELECT count(*) FROM t")).scalar()
        assert not finish.is_set() and seen == 1  # read before the writer committed
    finally:
        finish.set()
        thread.join()
    with db.reading() as session:
        assert session.execute(text("SELECT count(*) FROM t")).scalar() == 2
    db.dispose()


# --- Data at rest: owner-only files -------------------------------------------------------------


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_database_and_its_folder_are_owner_only(tmp_path: Path) -> None:
    folder = tmp_path / "donnees"
    url = f"sqlite:///{folder / 'hub.db'}"

    upgrade(url)
    db = Database(url)
    with db.session() as session:  # the -wal and -shm files exist while a connection is open
        session.execute(text("CREATE TABLE t (x INTEGER)"))
        session.execute(text("INSERT INTO t VALUES (1)"))
        files = {path.name: mode(path) for path in folder.iterdir()}
    db.dispose()

    assert mode(folder) == 0o700
    assert files == {"hub.db": 0o600, "hub.db-wal": 0o600, "hub.db-shm": 0o600}


def test_a_world_readable_database_is_tightened(tmp_path: Path) -> None:
    path = tmp_path / "hub.db"
    with closing(sqlite3.connect(path)) as made_by_an_older_version:
        made_by_an_older_version.execute("PRAGMA journal_mode=WAL")
        made_by_an_older_version.execute("CREATE TABLE t (x INTEGER)")
        made_by_an_older_version.execute("INSERT INTO t VALUES (1)")
        made_by_an_older_version.commit()
        files = [path, tmp_path / "hub.db-wal", tmp_path / "hub.db-shm"]
        for file in files:
            file.chmod(0o644)
        tmp_path.chmod(0o755)

        engine = make_engine(f"sqlite:///{path}")
        with engine.connect() as connection:
            assert connection.execute(text("SELECT x FROM t")).scalar() == 1
        engine.dispose()

        assert [mode(file) for file in files] == [0o600, 0o600, 0o600]
    # The folder existed: it may be shared (/tmp) or another program's; it is left alone.
    assert mode(tmp_path) == 0o755


def test_db_upgrade_makes_the_data_folder_owner_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "var"
    data.mkdir(mode=0o755)
    data.chmod(0o755)
    (data / "journal.txt").write_text("")
    monkeypatch.setenv("AROBASE_ENV_FILE", "/dev/null")
    monkeypatch.setenv("AROBASE_DATA_DIR", str(data))
    monkeypatch.delenv("AROBASE_DATABASE_URL", raising=False)
    monkeypatch.setenv("AROBASE_TOWN_FILE", str(TOWN_FILE))

    result = CliRunner().invoke(cli_app, ["db", "upgrade"])

    assert result.exit_code == 0, result.output
    assert result.output == f"Base de données à jour (révision {head_revision()}).\n"
    assert (mode(data), mode(data / "arobase.db")) == (0o700, 0o600)
