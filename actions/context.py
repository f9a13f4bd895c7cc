"""What the actions need at run time: settings, the town content (the file reloaded on edit,
with the console's edits merged over it), the assistant's clock and the hub, built once per
process by `runtime()`; `reset()` for tests."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from arobase.errors import TownContentError
from arobase.settings import Settings, load_settings
from arobase.town import Town, load_town
from notifications import (
    Hub,
    HubUnavailable,
    StorageError,
    TownEdits,
    assistant_clock,
    content_revision,
    effective_town,
    open_hub,
    town_edits,
)

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    """The actions' state in this process. Actions run in worker threads: one lock guards it.

    The hub's database is judged (`open_hub`'s check, by `hub_problem`) until it can serve,
    then kept: an absent SQLite file is never created here (the hub is not set up here).

    The town is the file's, read again when its modification time changes, with the console's
    edits merged over it (`effective_town`). Whether there are newer edits is asked at most
    every `content_refresh` seconds, with one cheap query (`content_revision`): an edit reaches
    the answers within that time, with no retraining (the model holds no content).
    """

    settings: Settings
    monotonic: Callable[[], float] = time.monotonic
    _file: tuple[int, Town] | None = None  # the file's mtime_ns when read, its content
    _edits: TownEdits | None = None  # the console's edits last read
    _merged: tuple[Town, TownEdits | None, Town] | None = None  # file, edits → effective
    _looked_at: float | None = None  # when the revision was last asked (monotonic)
    _problem: str | None = None  # why the edits could not be read, last time
    _hub: Hub | None = None
    _lock: threading.RLock = field(default_factory=threading.RLock)

    def town(self) -> Town:
        """The town content: the file (read again whenever staff edit it) with the console's
        edits; the file alone while the hub's database cannot serve and none was ever read."""
        with self._lock:
            file_town = self._file_town()
            edits = self._fresh_edits()
            merged = self._merged
            if merged is None or merged[0] is not file_town or merged[1] is not edits:
                self._merged = (file_town, edits, self._merge(file_town, edits))
            return self._merged[2]

    def _file_town(self) -> Town:
        path = self.settings.town_file
        version = path.stat().st_mtime_ns
        if self._file is None or self._file[0] != version:
            self._file = (version, load_town(path))
        return self._file[1]

    def _fresh_edits(self) -> TownEdits | None:
        """The console's edits, read again when their revision changed (asked at most every
        `content_refresh` seconds); the last ones read while the database fails."""
        now = self.monotonic()
        if self._looked_at is not None and now - self._looked_at < self.settings.content_refresh:
            return self._edits
        self._looked_at = now
        try:
            hub = self._open_hub()
            if self._edits is None or content_revision(hub) != self._edits.revision:
                self._edits = town_edits(hub)
            self._problem = None
        except (HubUnavailable, StorageError) as problem:
            if str(problem) != self._problem:  # once, not at every look
                log.warning("Console edits of the town content not read: %s", problem)
            self._problem = str(problem)
        return self._edits

    def _merge(self, file_town: Town, edits: TownEdits | None) -> Town:
        if edits is None:
            return file_town
        try:
            return effective_town(self._open_hub(), edits)
        except TownContentError as problem:
            # The file changed under the edits (a service or a procedure removed): answer
            # with the file rather than not at all; the console shows the same problem.
            log.error("Console edits of the town content set aside: %s", problem)
            return file_town

    def _open_hub(self) -> Hub:
        """The hub on the file's town (the edits are merged apart), its engine kept across
        edits of the file; HubUnavailable while its database cannot serve."""
        town = self._file_town()
        clock = assistant_clock(self.settings, town)
        if self._hub is None:
            self._hub = open_hub(self.settings, clock, town=town, check=True)
        elif self._hub.town is not town:  # the file was edited: same database engine
            self._hub = open_hub(self.settings, clock, town=town, database=self._hub.db)
        return self._hub

    def now(self) -> datetime:
        return assistant_clock(self.settings, self.town())()

    def hub(self) -> Hub:
        """The hub with the town file's content and the assistant's clock; HubUnavailable
        (the reason in French) while its database cannot serve."""
        with self._lock:
            return self._open_hub()

    def close(self) -> None:
        if self._hub is not None:
            self._hub.close()


_runtime: Runtime | None = None
_runtime_lock = threading.Lock()


def runtime() -> Runtime:
    """This process' runtime, built on first use from the environment's settings."""
    global _runtime
    with _runtime_lock:
        if _runtime is None:
            _runtime = Runtime(load_settings())
        return _runtime


def reset() -> None:
    """Forget the runtime (its database engine closed): the next use reads the settings again."""
    global _runtime
    with _runtime_lock:
        if _runtime is not None:
            _runtime.close()
        _runtime = None
