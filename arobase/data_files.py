"""The data folder: personal data and generated secrets, readable by their owner only."""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from collections.abc import Callable
from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600


def owner_only_dir(path: Path) -> Path:
    """PATH as a folder only its owner may enter (created if missing, tightened if not)."""
    path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    tighten(path, DIR_MODE)
    return path


def owner_only_file(path: Path) -> Path:
    """PATH as a file only its owner may read (created empty if missing, tightened if not).

    Made before SQLite opens it: SQLite creates a missing file with the umask (0644), and
    its journal and WAL files with the database file's own mode.
    """
    owner_only_dir(path.parent)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
    tighten(path, FILE_MODE)
    return path


def tighten(path: Path, mode: int) -> None:
    """Remove group and other permissions from PATH when we own it (never widen them).

    A shared folder with the sticky bit (/tmp, given as a data folder by mistake) is left
    as it is: closing it would break every other program that uses it.
    """
    with contextlib.suppress(OSError):
        status = path.stat()
        if status.st_mode & stat.S_ISVTX:
            return
        if status.st_uid == os.getuid() and status.st_mode & 0o077:
            path.chmod(status.st_mode & mode & 0o777)


def generated_secret(folder: Path, name: str, make: Callable[[], str]) -> str:
    """The secret kept in FOLDER/NAME, made by MAKE the first time it is needed.

    Written to a temporary file then linked into place: processes that start together
    agree on one secret (the first link wins, the others read it), and none reads a
    half-written file.
    """
    path = owner_only_dir(folder) / name
    if not path.exists():
        temporary = folder / f".{name}.{secrets.token_hex(8)}"
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
        try:
            with os.fdopen(descriptor, "w", encoding="utf-8") as file:
                file.write(make())
            with contextlib.suppress(FileExistsError):
                os.link(temporary, path)
        finally:
            temporary.unlink(missing_ok=True)
    tighten(path, FILE_MODE)
    return path.read_text(encoding="utf-8")
