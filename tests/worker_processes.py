"""Real `arobase worker` and `arobase telegram` processes for tests and benchmarks, and waiting
on their progress."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import IO, Protocol

from arobase.settings import ROOT
from tests.fakes.telegram_api import FakeTelegram
from tests.hub_support import TOWN_FILE, data_dir_for_tests

AROBASE = ROOT / ".venv" / "bin" / "arobase"


def environ_without_ours() -> dict[str, str]:
    """This process's environment less its AROBASE_* variables."""
    return {k: v for k, v in os.environ.items() if not k.startswith("AROBASE_")}


def worker_env(
    database_url: str, telegram: FakeTelegram | None = None, **settings: str
) -> dict[str, str]:
    """The environment of a worker on DATABASE_URL (AROBASE_* variables of ours only)."""
    env = environ_without_ours()
    env.update(
        AROBASE_ENV_FILE="/dev/null",  # a developer's .env stays out of the tests
        AROBASE_DATABASE_URL=database_url,
        AROBASE_DATA_DIR=str(data_dir_for_tests(database_url)),
        AROBASE_TOWN_FILE=str(TOWN_FILE),
        AROBASE_WORKER_TICK="0.05",
        AROBASE_FEEDS_ALLOW_LOCAL="true",  # the feed server listens on loopback
        AROBASE_APPRISE_BROADCAST="",
    )
    if telegram is not None:
        env.update(
            AROBASE_TELEGRAM_TOKEN=telegram.token, AROBASE_TELEGRAM_BASE_URL=telegram.base_url
        )
    env.update({f"AROBASE_{key.upper()}": value for key, value in settings.items()})
    return env


def bot_env(
    telegram: FakeTelegram, rasa_url: str, database_url: str, **settings: str
) -> dict[str, str]:
    """The environment of `arobase telegram` polling TELEGRAM and asking Rasa at RASA_URL."""
    defaults = {
        "rasa_url": rasa_url,
        "rasa_token": "jeton-de-test",
        "rasa_timeout": "3",
        "public_url": "https://www.trilport.example",
    }
    return worker_env(database_url, telegram, **(defaults | settings))


def start(command: str, env: dict[str, str], out: IO[str]) -> subprocess.Popen:
    """`arobase COMMAND…` in the project folder, its output to OUT."""
    return subprocess.Popen(
        [str(AROBASE), *command.split()],
        cwd=ROOT,
        env=env,
        stdout=out,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    )


def stop(processes: list[subprocess.Popen], timeout: float) -> None:
    """SIGTERM to those alive, then SIGKILL to any still running after TIMEOUT seconds."""
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()


@contextmanager
def workers(count: int, env: dict[str, str], logs: Path) -> Iterator[list[subprocess.Popen]]:
    """COUNT `arobase worker --no-poll` processes, stopped (SIGTERM) at the end if alive."""
    processes = []
    with ExitStack() as stack:
        for number in range(count):
            log = stack.enter_context((logs / f"worker-{number}.log").open("a"))
            processes.append(start("worker --no-poll", env, log))
        try:
            yield processes
        finally:
            stop(processes, timeout=30)


@contextmanager
def running_bot(
    env: dict[str, str], telegram: FakeTelegram, log: Path
) -> Iterator[subprocess.Popen]:
    """`arobase telegram` until the block ends; ready once it registered its commands."""
    before = len(telegram.calls_of("setMyCommands"))
    with log.open("w") as out:
        process = start("telegram", env, out)
        try:
            telegram.calls.wait_until(
                lambda calls: sum(c.method == "setMyCommands" for c in calls) > before,
                timeout=60,
                what="the bot registering its commands",
            )
            yield process
        finally:
            stop([process], timeout=20)


def wait_until(
    condition: Callable[[], bool],
    timeout: float,
    what: str,
    processes: list[subprocess.Popen] | None = None,
    every: float = 0.02,
) -> None:
    """Check CONDITION (a database or fake-server state) every EVERY seconds until it holds;
    fail at once if a worker process died."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} not reached within {timeout} s")
        if any(p.poll() is not None for p in processes or []):
            raise RuntimeError(f"a worker exited early ({what}): see its log")
        time.sleep(every)


class FarEnd(Protocol):
    """A fake service whose answers can be stalled (the fake Bot API, the fake webhook)."""

    def hold(self) -> None: ...

    def release(self) -> None: ...


def crash_mid_send_then_resume(
    env: dict[str, str],
    logs: Path,
    far_end: FarEnd,
    arrived: Callable[[], int],
    counted: Callable[[str], int],
    total: int,
) -> int:
    """One worker sends until a third of TOTAL ARRIVED at FAR_END, whose answers then stall;
    once every answered send is COUNTED "sent", the worker is SIGKILLed, the sends in flight
    dying unanswered. A second worker then finishes. Returns how many were in flight."""
    with workers(1, env, logs) as (worker,):
        wait_until(lambda: arrived() >= total // 3, 180, f"{total // 3} sends", [worker])
        far_end.hold()
        answered = arrived()
        wait_until(lambda: counted("sent") >= answered, 30, "answered sends recorded")
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    in_flight = counted("sending")
    assert 0 < counted("sent") < total
    far_end.release()
    with workers(1, env, logs) as second:
        wait_until(lambda: counted("sent") == total, 120, "all recorded", second)
    return in_flight
