"""A private PostgreSQL cluster on loopback for the tests (Debian's server binaries).

`scripts/setup.sh postgres` installs the package; this starts `initdb` + `pg_ctl` in a
temporary folder, as the `postgres` user when the tests run as root (the server refuses
to run as root), and stops it at the end.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg

from tests.servers import free_port

USER = "arobase"


def server_bin() -> Path:
    """The newest installed server's bin folder; a clear message when there is none."""
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=_version)
    if not versions:
        raise RuntimeError(
            "PostgreSQL server not installed: run `scripts/setup.sh postgres` (make test does)"
        )
    return versions[-1].parent


def _version(pg_ctl: Path) -> tuple[int, ...]:
    """The numeric version of /usr/lib/postgresql/<version>/bin/pg_ctl (9.6 < 10 < 16)."""
    folder = pg_ctl.parent.parent.name
    return tuple(int(part) for part in folder.split(".") if part.isdigit())


def _as_server_user(command: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", "postgres", "--", *command]


def _hand_to_server_user(folder: Path) -> None:
    if os.geteuid() == 0:
        entry = pwd.getpwnam("postgres")
        os.chown(folder, entry.pw_uid, entry.pw_gid)


@contextmanager
def running_postgres() -> Iterator[str]:
    """Start a throw-away cluster; yield an admin URL (database `postgres`)."""
    bindir = server_bin()
    base = Path(tempfile.mkdtemp(prefix="arobase-pg-"))
    data, log = base / "data", base / "server.log"
    try:
        _hand_to_server_user(base)
        port = free_port()
        options = (
            f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        _run(
            [str(bindir / "initdb"), "-D", str(data), "-U", USER, "-A", "trust", "-E", "UTF8"],
            log,
        )
        _run(
            [str(bindir / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options, "-w", "start"],
            log,
        )
        yield f"postgresql+psycopg://{USER}@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            _as_server_user([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
            check=False,
            capture_output=True,
        )
        shutil.rmtree(base, ignore_errors=True)


def _run(command: list[str], log: Path) -> None:
    """Run a server command; on failure, raise with its output and the end of the server log."""
    done = subprocess.run(_as_server_user(command), capture_output=True, text=True)
    if done.returncode != 0:
        server_log = log.read_text(errors="replace")[-4000:] if log.exists() else "(none)"
        raise RuntimeError(
            f"{Path(command[0]).name} failed ({done.returncode}):\n"
            f"{done.stdout[-2000:]}{done.stderr[-2000:]}\nserver.log:\n{server_log}"
        )


def fresh_database(admin_url: str, name: str) -> str:
    """Create an empty database NAME on the cluster; its URL."""
    plain = admin_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')
    return admin_url.rsplit("/", 1)[0] + f"/{name}"
