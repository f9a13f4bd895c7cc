"""Start the real action server and Rasa server on free loopback ports, for integration tests."""

from __future__ import annotations

import os
import secrets
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from arobase.settings import ROOT
from tests.hub_support import migrated_sqlite
from tests.servers import free_port

# A fixed moment for every answer that depends on the clock: Wednesday 25 November 2026, 10:00.
FROZEN_NOW = "2026-11-25T10:00:00+01:00"


@dataclass(frozen=True)
class RasaStack:
    rasa_url: str
    actions_url: str
    token: str
    actions_token: str  # what Rasa sends to the action server (endpoints.yml)
    model: Path
    env: dict[str, str]
    pids: dict[str, int]


def wait_until_ready(url: str, process: subprocess.Popen, log: Path, timeout: float = 240) -> None:
    """Poll URL until it answers 200; fail early with the log if the process dies."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"{url} exited with {process.returncode}:\n{log.read_text()[-4000:]}"
            )
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    raise TimeoutError(f"{url} not ready after {timeout} s:\n{log.read_text()[-4000:]}")


def stack_env(
    actions_port: int,
    rasa_port: int,
    token: str,
    database_url: str,
    actions_token: str = "",
) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        AROBASE_ENV_FILE="/dev/null",  # a developer's .env stays out of the tests
        AROBASE_DATABASE_URL=database_url,
        AROBASE_TOWN_FILE=str(ROOT / "town" / "trilport.yml"),
        AROBASE_NOW=FROZEN_NOW,
        AROBASE_ACTIONS_PORT=str(actions_port),
        AROBASE_ACTIONS_URL=f"http://127.0.0.1:{actions_port}/webhook",
        AROBASE_RASA_PORT=str(rasa_port),
        AROBASE_RASA_URL=f"http://127.0.0.1:{rasa_port}",
        AROBASE_RASA_TOKEN=token,
        AROBASE_ACTIONS_TOKEN=actions_token or actions_token_for_tests(),
        TF_CPP_MIN_LOG_LEVEL="3",
    )
    return env


def actions_token_for_tests() -> str:
    """A secret for the action server that starts with "-" and holds characters special in
    URLs, YAML and shells: every run proves any such token goes through untouched."""
    return "-" + secrets.token_urlsafe(24) + "+/=&%#?:'\""


@contextmanager
def running_stack(
    model: Path, logs: Path, extra_env: dict[str, str] | None = None
) -> Iterator[RasaStack]:
    """Rasa and the action server on free loopback ports; EXTRA_ENV overrides their
    environment (e.g. smaller conversation limits)."""
    actions_port, rasa_port = free_port(), free_port()
    # A random token may start with "-" (1 in 64): this one always does, so that every run
    # proves the server's command line takes it as a value, not as an option.
    token = "-" + secrets.token_urlsafe(24)
    logs.mkdir(parents=True, exist_ok=True)
    # The actions read and write the hub's database (alerts from Telegram, news): a fresh one.
    database_url = migrated_sqlite(logs / "hub.db")
    env = stack_env(actions_port, rasa_port, token, database_url)
    env.update(extra_env or {})
    actions_log, rasa_log = logs / "actions.log", logs / "rasa.log"
    python = str(ROOT / ".venv" / "bin" / "python")
    with actions_log.open("w") as a_out, rasa_log.open("w") as r_out:
        actions = subprocess.Popen(
            [python, "-m", "actions.server"],
            cwd=ROOT,
            env=env,
            stdout=a_out,
            stderr=subprocess.STDOUT,
        )
        rasa = subprocess.Popen(
            [str(ROOT / "scripts" / "rasa-server.sh")],
            cwd=ROOT,
            env=env,
            stdout=r_out,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_until_ready(f"http://127.0.0.1:{actions_port}/health", actions, actions_log)
            wait_until_ready(f"http://127.0.0.1:{rasa_port}/status?token={token}", rasa, rasa_log)
            yield RasaStack(
                rasa_url=f"http://127.0.0.1:{rasa_port}",
                actions_url=env["AROBASE_ACTIONS_URL"],
                token=token,
                actions_token=env["AROBASE_ACTIONS_TOKEN"],
                model=model,
                env=env,
                pids={"rasa": rasa.pid, "actions": actions.pid},
            )
        finally:
            for process in (rasa, actions):
                process.terminate()
            for process in (rasa, actions):
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
