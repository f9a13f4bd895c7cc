"""The hub's SQLite sessions: writers queue for the lock, readers never wait for them."""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import text

from notifications.db import Database


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
