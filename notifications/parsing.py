"""Read fetched feeds in a child process: off the event loop, bounded in time and memory.

A feed is outside input: 178 bytes of ICS can expand for minutes, 18,000 RSS items parse for
seconds, and on the worker's event loop either would stop every channel meanwhile. So each
parse runs in a process of its own, and:
- the event loop only waits for the child's answer on a pipe: channels keep sending;
- past `timeout` seconds, or when the poll is cancelled, the child is killed (RLIMIT_CPU
  also ends it should we die first); signals meant for the whole process group (Ctrl-C,
  `make run` stopping) do not end it, so that a sound feed is never recorded as failing;
- RLIMIT_AS caps its memory: a parse that needs more gets MemoryError, told in French;
- at most `concurrency` parses run at once (one a core), so polls cannot starve the sends.

One short-lived process a parse, not a pool reused across polls. The children are forked by
multiprocessing's fork server, a small process (50 MB) that has imported the parsers once
(forking the worker itself would copy its threads' locks). Measured on the 2-core machine,
a small feed costs 25-40 ms this way, 5 ms in a reused pool, 400 ms in a fresh interpreter:
with most polls answering 304, that difference is noise. In exchange a runaway parse is
stopped by killing its own process, where in a stdlib pool that kill breaks the pool for
the parses queued behind it; and all its memory goes back to the system when it ends,
where a pool worker keeps the peak of the largest feed it ever read (about 130 MB for
18,000 items) for as long as it lives. Worst case: `concurrency` children at MEMORY each
(2 × 512 MB), within the worker's budget.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import multiprocessing
import resource
import signal
import sys
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from multiprocessing.connection import Connection
from multiprocessing.context import ForkServerContext
from multiprocessing.process import BaseProcess
from types import ModuleType

from arobase.settings import Settings
from notifications.errors import FetchError, HubError
from notifications.records import ParsedFeed, SourceConfig
from notifications.sources import DEFAULT_MAX_ITEMS, get_kind, source_kinds

MIB = 1024 * 1024
MEMORY = 512 * MIB  # address space of one parse: 4 times what 18,000 RSS items take
CONCURRENCY = 2  # parses at once: the server's cores


@dataclass(frozen=True)
class ParseJob:
    """What a child needs to read a feed: its kind, the bytes, and the moment of the poll."""

    kind: str
    body: bytes
    config: SourceConfig
    now: datetime  # the council kind expands recurring meetings around it
    max_items: int = DEFAULT_MAX_ITEMS


@dataclass(frozen=True)
class ParseLimits:
    timeout: float = 20.0  # seconds for one parse, from the child's start
    memory: int = MEMORY  # bytes of address space for one parse
    concurrency: int = CONCURRENCY

    @classmethod
    def from_settings(cls, settings: Settings, concurrency: int = CONCURRENCY) -> ParseLimits:
        return cls(timeout=settings.feed_parse_timeout, concurrency=concurrency)


def parse_job(job: ParseJob) -> ParsedFeed:
    """Parse in this process (the child's work; tests call it directly)."""
    kinds = source_kinds(clock=lambda: job.now, max_items=job.max_items)
    return get_kind(job.kind, kinds).parse(job.body, job.config)


class Parser:
    """Runs parses in child processes, at most `limits.concurrency` at a time."""

    def __init__(self, limits: ParseLimits | None = None) -> None:
        self.limits = limits or ParseLimits()
        self._gate = asyncio.Semaphore(self.limits.concurrency)

    async def parse(self, job: ParseJob) -> ParsedFeed:
        """The parsed feed; FetchError with the reason in French when it cannot be read."""
        async with self._gate:
            outcome = await run_child(job, self.limits)
        if isinstance(outcome, str):
            raise FetchError(outcome)
        return outcome


async def run_child(job: ParseJob, limits: ParseLimits) -> ParsedFeed | str:
    """Parse JOB in a child process: the feed, or the French reason it could not be read."""
    context = fork_server()
    answer, child_end = context.Pipe(duplex=False)
    child = context.Process(
        target=child_main,
        args=(job, child_end, limits.memory, cpu_seconds(limits.timeout)),
        name=f"arobase-parse-{job.config.name}",
        daemon=True,
    )
    # start() hands the body to the fork server and waits for the child's pid: not on the
    # loop (the first call also waits for the fork server to import the parsers).
    starting = asyncio.ensure_future(asyncio.to_thread(child.start))
    try:
        # Shielded: cancelled meanwhile, the start goes on in its thread, and the child it
        # makes must still be killed below, its pipe closed only once handed over.
        await asyncio.shield(starting)
        child_end.close()  # ours: the pipe reads as closed once the child is gone
        try:
            async with asyncio.timeout(limits.timeout):
                await readable(answer)
        except TimeoutError:
            return too_slow(limits.timeout)
        try:
            outcome: ParsedFeed | str = answer.recv()
        except EOFError:  # the child ended without answering: killed by a limit or a signal
            await asyncio.to_thread(child.join, 5)
            return died(child.exitcode, limits)
        return outcome
    finally:
        if not starting.done():
            await asyncio.wait([starting])
        child_end.close()
        answer.close()
        await end(child)


async def readable(connection: Connection) -> None:
    """Wait, without a thread, until CONNECTION has data or its other end is closed."""
    loop = asyncio.get_running_loop()
    ready = loop.create_future()
    loop.add_reader(connection.fileno(), lambda: ready.done() or ready.set_result(None))
    try:
        await ready
    finally:
        loop.remove_reader(connection.fileno())


async def end(child: BaseProcess) -> None:
    """Kill CHILD if still running, then collect it."""
    if child.pid is None:  # never started
        return
    if child.exitcode is None:
        child.kill()
    await asyncio.to_thread(child.join, 5)


def too_slow(timeout: float) -> str:
    seconds = f"{timeout:g}".replace(".", ",")
    return f"flux trop long à lire (plus de {seconds} s de calcul)"


def too_big(memory: int) -> str:
    return f"flux trop lourd à lire (plus de {memory // MIB} Mo de mémoire)"


def died(exitcode: int | None, limits: ParseLimits) -> str:
    """Why a child ended without an answer, from its exit code."""
    if exitcode == -signal.SIGXCPU:
        return too_slow(limits.timeout)
    return f"la lecture du flux s'est arrêtée net (code {exitcode})"


def cpu_seconds(timeout: float) -> int:
    """The child's own CPU limit: past the parent's timeout, should the parent be gone."""
    return math.ceil(timeout) + 2


@cache
def fork_server() -> ForkServerContext:
    """The fork server, told to import the parsers and what the main program needs, once."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__, *main_imports(sys.modules["__main__"])])
    return context


def main_imports(main: ModuleType) -> list[str]:
    """The modules a child needs to set up the parent's main program again, cheaply.

    Each child runs the parent's main script again (or imports its main module) before its
    task. "__main__" in the preload list would do that once in the fork server, but Python
    3.11 ignores it (it looks for a key the preparation data never has), so a child of
    `arobase worker` would import the cli package and all it imports: 0.7-1 s a parse. With
    the modules the script imported already loaded, running it again takes a millisecond.
    Not the main module itself (`python -m bench.hub_bench`): the child runs it as __main__,
    and runpy warns when it was imported under its own name first.
    """
    own = getattr(main.__spec__, "name", None)
    names = set()
    for key, value in vars(main).items():
        if key.startswith("__"):  # __loader__, __builtins__…: not what the script imported
            continue
        module = value if isinstance(value, ModuleType) else None
        name = module.__name__ if module else getattr(value, "__module__", None)
        if isinstance(name, str) and name not in ("__main__", "builtins", own):
            names.add(name)
    return sorted(names)


# --- in the child ----------------------------------------------------------------------------


def child_main(job: ParseJob, answer: Connection, memory: int, cpu: int) -> None:
    """Parse JOB within the limits and send back the feed or the reason."""
    # The parent decides when a parse ends (it kills it past its time, or when cancelled;
    # RLIMIT_CPU if it died). Ctrl-C and `make run`'s stop signal the whole process group:
    # killed by them, a sound feed would be recorded as failing.
    for stop in (signal.SIGINT, signal.SIGTERM):
        signal.signal(stop, signal.SIG_IGN)
    limit(resource.RLIMIT_AS, memory)
    limit(resource.RLIMIT_CPU, cpu)
    outcome: ParsedFeed | str
    try:
        outcome = parse_job(job)
    except HubError as error:  # FetchError: the reason; InvalidInput: an unknown kind
        outcome = str(error)
    except MemoryError:
        outcome = too_big(memory)
    except RecursionError:
        outcome = "flux illisible : trop imbriqué"
    except Exception as error:  # a parser's bug on odd input: this feed fails, nothing else
        outcome = f"flux illisible : erreur inattendue ({type(error).__name__})"
    with contextlib.suppress(BrokenPipeError):  # the parent gave up waiting
        answer.send(outcome)


def limit(kind: int, value: int) -> None:
    """Lower the soft limit KIND to VALUE (never above the hard limit)."""
    _, hard = resource.getrlimit(kind)
    resource.setrlimit(kind, (value if hard == resource.RLIM_INFINITY else min(value, hard), hard))
