"""Hostile feeds against the real programs: `arobase sources check` and `sources add` run as
processes, and a real `arobase worker` that polls an agenda bomb beside a good feed."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from notifications.hub import Hub, system_clock
from notifications.source_admin import SourceInfo, add_source, list_sources, make_spec
from notifications.store.tables import ItemRow, MessageRow
from tests.fakes.feed_server import FeedServer, feed_server
from tests.hub_support import make_test_hub, migrated_sqlite
from tests.test_hub_poller import AGENDA_BOMBS
from tests.worker_processes import AROBASE, start, stop, wait_until, worker_env


@pytest.fixture(scope="module")
def server() -> Iterator[FeedServer]:
    with feed_server() as running:
        for name, (body, _) in AGENDA_BOMBS.items():
            running.put(f"{name}.ics", body)
        yield running


@pytest.fixture
def database(tmp_path: Path) -> str:
    return migrated_sqlite(tmp_path / "hub.db")


def arobase(
    database: str, *args: str, **settings: str
) -> tuple[subprocess.CompletedProcess, float]:
    """Run `arobase ARGS…` on DATABASE; its result and how long it took."""
    started = time.monotonic()
    done = subprocess.run(
        [str(AROBASE), *args],
        env=worker_env(database, **settings),
        capture_output=True,
        text=True,
        timeout=120,
    )
    return done, time.monotonic() - started


def test_sources_check_answers_the_agenda_bomb_in_seconds(
    server: FeedServer, database: str
) -> None:
    url = f"{server.url}/eclair.ics"
    done, seconds = arobase(database, "sources", "check", url, "--kind", "council")
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == f"Erreur : {AGENDA_BOMBS['eclair'][1]}\n"
    assert seconds < 15  # before: still expanding after 60 s, at 1.3 GB


def test_sources_check_shows_a_long_feed_cut_to_its_newest_items(
    server: FeedServer, database: str
) -> None:
    url = f"{server.url}/items/18000.rss"
    # The parse takes a few seconds; a loaded test machine may need more than 20.
    done, _ = arobase(
        database, "sources", "check", url, feed_max_items="3", feed_parse_timeout="120"
    )
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.splitlines() == [
        "Archives : 3 entrées.",
        "Avertissement : flux de 18\u00a0000 entrées : seules les 3 plus récentes sont lues",
        "- Article 17997 [actualites]",
        "  https://long.example/17997",
        "- Article 17998 [actualites]",
        "  https://long.example/17998",
        "- Article 17999 [actualites]",
        "  https://long.example/17999",
    ]


def test_sources_add_refuses_this_machine_at_once(database: str) -> None:
    """(127.1, [::1], a private network…: tests/test_hub_poller.py, on the same use case.)"""
    url = "http://localhost:8080/flux.rss"
    done, _ = arobase(database, "sources", "add", "locale", "--url", url, feeds_allow_local="false")
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == (
        f"Erreur : adresse refusée « {url} » : elle désigne cette machine ou un réseau privé, "
        "et seuls les flux publics sont lus\n"
    )
    hub = make_test_hub(database)
    try:
        assert list_sources(hub) == []
    finally:
        hub.close()


def by_name(hub: Hub) -> dict[str, SourceInfo]:
    return {source.name: source for source in list_sources(hub)}


def count(hub: Hub, table: type[ItemRow] | type[MessageRow]) -> int:
    with hub.db.session() as session:
        return session.scalar(select(func.count()).select_from(table)) or 0


def test_a_worker_polls_its_other_feeds_beside_agenda_bombs(
    server: FeedServer, database: str, tmp_path: Path
) -> None:
    hub = make_test_hub(database, system_clock)  # the worker's clock: sources due now
    try:
        for name in AGENDA_BOMBS:
            spec = make_spec(hub, name, "council", url=f"{server.url}/{name}.ics")
            add_source(hub, spec)
        add_source(hub, make_spec(hub, "actus", "rss", url=f"{server.url}/trilport-actualites.rss"))
        with (tmp_path / "worker.log").open("w") as log:
            worker = start("worker", worker_env(database), log)
            try:
                wait_until(
                    lambda: (
                        by_name(hub)["actus"].last_ok_at is not None
                        and all(by_name(hub)[name].failures for name in AGENDA_BOMBS)
                    ),
                    timeout=60,
                    what="every source polled once",
                    processes=[worker],
                )
                assert worker.poll() is None  # alive
                sources = by_name(hub)
                assert {name: sources[name].last_error for name in AGENDA_BOMBS} == {
                    name: reason for name, (_, reason) in AGENDA_BOMBS.items()
                }
                assert count(hub, ItemRow) == 6  # the articles of "actus", none of the bombs
                assert count(hub, MessageRow) == 0  # no reminder scheduled
            finally:
                stop([worker], timeout=30)
        assert worker.returncode == 0, (tmp_path / "worker.log").read_text()
    finally:
        hub.close()
