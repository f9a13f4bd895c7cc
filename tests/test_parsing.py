"""Parsing in child processes: same result as in this process, stopped past its time or its
memory, no process left behind, the event loop free meanwhile."""

from __future__ import annotations

import asyncio
import importlib.util
import multiprocessing
import multiprocessing.forkserver
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from multiprocessing.process import BaseProcess
from pathlib import Path
from types import ModuleType
from typing import TypeVar

import pytest

from notifications.errors import FetchError
from notifications.parsing import (
    MIB,
    ParseJob,
    ParseLimits,
    Parser,
    died,
    main_imports,
    parse_job,
    run_child,
)
from notifications.records import ParsedFeed, SourceConfig
from tests.fakes.feed_server import FEEDS_DIR, long_feed

T = TypeVar("T")
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
NEWS = SourceConfig("site", "rss", "https://trilport.example/feed/", "actualites")
COUNCIL = SourceConfig("conseil", "council", "https://trilport.example/conseil.ics", "conseil")
# One article whose text is 4 MB of words: reading it takes well over 150 MB.
HEAVY = (
    b'<rss version="2.0"><channel><title>Lourd</title><item><title>T</title><description>'
    + b"mot " * 1_000_000
    + b"</description></item></channel></rss>"
)


def job(config: SourceConfig, body: bytes, max_items: int = 50) -> ParseJob:
    return ParseJob(config.kind, body, config, NOW, max_items)


def parse_children() -> list[str]:
    return [p.name for p in multiprocessing.active_children() if p.name.startswith("arobase-")]


def facts(feed: ParsedFeed) -> list[dict[str, object]]:
    return [item.facts for item in feed.items]  # not part of ParsedItem's equality


@pytest.mark.parametrize(
    ("config", "file"),
    [(NEWS, "trilport-actualites.rss"), (COUNCIL, "conseil-municipal.ics")],
)
async def test_a_child_reads_a_feed_as_this_process_does(config: SourceConfig, file: str) -> None:
    work = job(config, (FEEDS_DIR / file).read_bytes())
    feed = await Parser().parse(work)
    here = parse_job(work)
    assert feed == here and facts(feed) == facts(here)
    assert len(feed.items) >= 3
    assert parse_children() == []


async def longest_pause(work: asyncio.Task[T]) -> float:
    """The longest the event loop went without waking a 10 ms ticker while WORK ran: what a
    channel's sends would have waited."""
    longest = 0.0
    while not work.done():
        before = time.monotonic()
        await asyncio.sleep(0.01)
        longest = max(longest, time.monotonic() - before)
    return longest


async def test_a_parse_past_its_time_is_stopped_and_leaves_no_process() -> None:
    started = time.monotonic()
    # 18,000 articles take seconds to read: far more than 0.3 s.
    parsing = asyncio.create_task(run_child(job(NEWS, long_feed(18_000)), ParseLimits(0.3)))
    pause = await longest_pause(parsing)
    assert await parsing == "flux trop long à lire (plus de 0,3 s de calcul)"
    assert time.monotonic() - started < 5
    assert pause < 1, f"the event loop was held {pause:.2f} s"  # parsing takes seconds
    assert parse_children() == []


async def test_a_parse_past_its_memory_is_stopped() -> None:
    heavy = job(NEWS, HEAVY)
    outcome = await run_child(heavy, ParseLimits(memory=150 * MIB))
    assert outcome == "flux trop lourd à lire (plus de 150 Mo de mémoire)"
    feed = await run_child(heavy, ParseLimits())  # within the usual 512 MB
    assert isinstance(feed, ParsedFeed) and len(feed.items) == 1


async def test_errors_of_the_child_come_back_as_fetch_errors() -> None:
    parser = Parser()
    with pytest.raises(FetchError, match=r"^flux illisible : ni titre ni article"):
        await parser.parse(job(NEWS, b"<html><body>Bienvenue</body></html>"))
    unknown = ParseJob("podcast", b"", NEWS, NOW)
    with pytest.raises(FetchError, match=r"^type de source inconnu « podcast » : rss, youtube"):
        await parser.parse(unknown)


@pytest.mark.parametrize(
    ("exitcode", "reason"),
    [
        (-signal.SIGXCPU, "flux trop long à lire (plus de 20 s de calcul)"),
        (-signal.SIGKILL, "la lecture du flux s'est arrêtée net (code -9)"),
        (1, "la lecture du flux s'est arrêtée net (code 1)"),
    ],
)
def test_a_child_that_ends_without_answering_says_why(exitcode: int, reason: str) -> None:
    assert died(exitcode, ParseLimits()) == reason


def test_the_fork_server_preloads_what_the_main_program_imported() -> None:
    """A child sets up the parent's main program again: with these already imported, that
    costs a millisecond instead of importing the whole CLI for each parse."""
    script = ModuleType("__main__")  # like .venv/bin/arobase
    exec("import re, sys\nfrom notifications.errors import FetchError as main", vars(script))
    assert main_imports(script) == ["notifications.errors", "re", "sys"]
    # Like `python -m bench.hub_bench`: what it imported, not itself (the child runs it as
    # __main__, and runpy warns when it was imported under its own name first).
    module = ModuleType("__main__")
    module.__spec__ = importlib.util.find_spec("bench.hub_bench")
    exec("import json\nfrom tests.fakes.feed_server import FeedServer", vars(module))
    vars(module)["itself"] = type("Itself", (), {"__module__": "bench.hub_bench"})
    assert main_imports(module) == ["json", "tests.fakes.feed_server"]


# --- the child's life is the parent's ---------------------------------------------------------


async def until(condition: Callable[[], bool], timeout: float = 30) -> None:
    """Wait until CONDITION holds (a state of another process: nothing to be told by)."""
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.01)


def ignored_signals(pid: int) -> set[int]:
    """The signals process PID ignores, from the kernel's own record."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("SigIgn:"):
            mask = int(line.split()[1], 16)
            return {n for n in range(1, 65) if mask >> (n - 1) & 1}
    return set()


def the_child() -> BaseProcess | None:
    children = [p for p in multiprocessing.active_children() if p.name.startswith("arobase-")]
    return children[0] if children else None


def ignores_stop_signals(child: BaseProcess | None) -> bool:
    """CHILD set up to ignore Ctrl-C and stop signals (its first act)."""
    if child is None or child.pid is None:
        return False
    return {signal.SIGINT, signal.SIGTERM} <= ignored_signals(child.pid)


async def test_stop_signals_to_the_process_group_do_not_fail_a_sound_feed() -> None:
    """Ctrl-C in a terminal, and `make run`'s stop (honcho signals each process group), reach
    the parse children too: the feed is read all the same, not recorded as failing with
    « s'est arrêtée net (code -15) »."""
    parsing = asyncio.create_task(run_child(job(NEWS, long_feed(6000), 3), ParseLimits(120)))
    await until(lambda: ignores_stop_signals(the_child()))
    child = the_child()
    assert child is not None and child.pid is not None
    for stop in (signal.SIGINT, signal.SIGTERM):
        os.kill(child.pid, stop)

    feed = await parsing

    assert isinstance(feed, ParsedFeed)
    assert [item.title for item in feed.items] == [f"Article {i}" for i in (5997, 5998, 5999)]
    assert parse_children() == []


@pytest.fixture
def slow_start(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[threading.Event, ...]]:
    """Holds the first child start just after the fork, until told: (entered, proceed, done)."""
    entered, proceed, done = threading.Event(), threading.Event(), threading.Event()
    read_signed, start = multiprocessing.forkserver.read_signed, BaseProcess.start

    def held_read_signed(fd: int) -> int:
        if not entered.is_set():  # the start's read of the new child's pid
            entered.set()
            proceed.wait(30)
        return read_signed(fd)

    def watched_start(self: BaseProcess) -> None:
        try:
            start(self)
        finally:
            done.set()

    monkeypatch.setattr(multiprocessing.forkserver, "read_signed", held_read_signed)
    monkeypatch.setattr(BaseProcess, "start", watched_start)
    yield entered, proceed, done
    proceed.set()
    for child in multiprocessing.active_children():  # left behind by a failure
        if child.name.startswith("arobase-"):
            child.kill()
            child.join(5)


async def test_a_parse_cancelled_while_its_child_starts_leaves_no_process(
    slow_start: tuple[threading.Event, ...],
) -> None:
    """Cancelled (Ctrl-C on `arobase sources check`) while the fork server is making the child:
    the start goes on in its thread, and that child is killed all the same."""
    entered, proceed, done = slow_start
    parsing = asyncio.create_task(run_child(job(NEWS, long_feed(18_000)), ParseLimits(120)))
    await asyncio.to_thread(entered.wait, 30)

    parsing.cancel()
    proceed.set()
    with pytest.raises(asyncio.CancelledError):
        await parsing

    assert await asyncio.to_thread(done.wait, 30)
    assert parse_children() == []


async def test_a_parse_cancelled_while_reading_kills_its_child() -> None:
    parsing = asyncio.create_task(run_child(job(NEWS, long_feed(18_000)), ParseLimits(120)))
    await until(lambda: the_child() is not None)

    parsing.cancel()
    with pytest.raises(asyncio.CancelledError):
        await parsing

    assert parse_children() == []
