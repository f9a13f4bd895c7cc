"""Real `arobase worker` processes for tests and benchmarks, and waiting on their progress."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from arobase.settings import ROOT
from tests.fakes.telegram_api import FakeTelegram
from tests.hub_support import TOWN_FILE


def worker_env(
    database_url: str, telegram: FakeTelegram | None = None, **settings: str
) -> dict[str, str]:
    """The environment of a worker on DATABASE_URL (AROBASE_* variables of ours only)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AROBASE_")}
    env.update(
        AROBASE_ENV_FILE="/dev/null",  # a developer's .env stays out of the tests
        AROBASE_DATABASE_URL=database_url,
        AROBASE_TOWN_FILE=str(TOWN_FILE),
        AROBASE_WORKER_TICK="0.05",
        AROBASE_APPRISE_BROADCAST="",
    )
    if telegram is not None:
        env.update(
            AROBASE_TELEGRAM_TOKEN=telegram.token, AROBASE_TELEGRAM_BASE_URL=telegram.base_url
        )
    env.update({f"AROBASE_{key.upper()}": value for key, value in settings.items()})
    return env


@contextmanager
def workers(count: int, env: dict[str, str], logs: Path) -> Iterator[list[subprocess.Popen]]:
    """COUNT `arobase worker --no-poll` processes, stopped (SIGTERM) at the end if alive."""
    processes = []
    with ExitStack() as stack:
        for number in range(count):
            log = stack.enter_context((logs / f"worker-{number}.log").open("a"))
            processes.append(
                subprocess.Popen(
                    [str(ROOT / ".venv" / "bin" / "arobase"), "worker", "--no-poll"],
                    cwd=ROOT,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                )
            )
        try:
            yield processes
        finally:
            for process in processes:
                if process.poll() is None:
                    process.terminate()
            for process in processes:
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()


def wait_until(
    condition: Callable[[], bool],
    timeout: float,
    what: str,
    processes: list[subprocess.Popen] | None = None,
) -> None:
    """Check CONDITION (a database or fake-server state) until it holds; fail at once if a
    worker process died."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} not reached within {timeout} s")
        if any(p.poll() is not None for p in processes or []):
            raise RuntimeError(f"a worker exited early ({what}): see its log")
        time.sleep(0.02)
