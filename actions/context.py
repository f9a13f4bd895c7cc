"""What the actions need at run time: settings, the town content (reloaded on edit), the
assistant's clock and the hub, built once per process by `runtime()`; `reset()` for tests."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime

from arobase.settings import Settings, load_settings
from arobase.town import Town, load_town
from notifications import Hub, assistant_clock, open_hub


@dataclass
class Runtime:
    """The actions' state in this process. Actions run in worker threads: one lock guards it.

    The hub's database is judged (`open_hub`'s check, by `hub_problem`) until it can serve,
    then kept: an absent SQLite file is never created here (the hub is not set up here).
    """

    settings: Settings
    _town: tuple[int, Town] | None = None  # the file's mtime_ns when read, its content
    _hub: Hub | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def town(self) -> Town:
        """The town content, read again whenever staff edit the file (no retraining needed)."""
        path = self.settings.town_file
        version = path.stat().st_mtime_ns
        with self._lock:
            if self._town is None or self._town[0] != version:
                self._town = (version, load_town(path))
            return self._town[1]

    def now(self) -> datetime:
        return assistant_clock(self.settings, self.town())()

    def hub(self) -> Hub:
        """The hub with the current town content and the assistant's clock; HubUnavailable
        (the reason in French) while its database cannot serve."""
        town = self.town()
        clock = assistant_clock(self.settings, town)
        with self._lock:
            if self._hub is None:
                self._hub = open_hub(self.settings, clock, town=town, check=True)
            elif self._hub.town is not town:  # the file was edited: same database engine
                self._hub = open_hub(self.settings, clock, town=town, database=self._hub.db)
            return self._hub

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
