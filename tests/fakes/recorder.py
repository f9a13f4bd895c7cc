"""Thread-safe pieces the fakes share: what they received, and failures scripted in advance."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class Recorder(Generic[T]):
    """What a fake received, appended by the server thread and awaited by the test."""

    def __init__(self, what: str = "items") -> None:
        self._what = what
        self._items: list[T] = []
        self._changed = threading.Condition()

    def add(self, item: T) -> None:
        with self._changed:
            self._items.append(item)
            self._changed.notify_all()

    def items(self) -> list[T]:
        with self._changed:
            return list(self._items)

    def clear(self) -> None:
        with self._changed:
            self._items.clear()

    def __len__(self) -> int:
        with self._changed:
            return len(self._items)

    def wait_for(self, count: int, timeout: float = 10.0) -> list[T]:
        """Block until `count` items arrived; TimeoutError (with what came) otherwise.

        Blocks the calling thread: from a coroutine, use `asyncio.to_thread`.
        """
        with self._changed:
            if not self._changed.wait_for(lambda: len(self._items) >= count, timeout):
                raise TimeoutError(
                    f"expected {count} {self._what} within {timeout} s, "
                    f"got {len(self._items)}: {self._items!r}"
                )
            return list(self._items)

    def wait_until(
        self, predicate: Callable[[list[T]], bool], timeout: float = 10.0, what: str = ""
    ) -> list[T]:
        """Block until PREDICATE holds for the items received; TimeoutError otherwise."""
        with self._changed:
            if not self._changed.wait_for(lambda: predicate(self._items), timeout):
                raise TimeoutError(
                    f"{what or 'condition'} not met within {timeout} s; "
                    f"{self._what} received: {self._items!r}"[:4000]
                )
            return list(self._items)


class FailureScript:
    """Failures to serve on the next calls, in order (e.g. two 429s, then one 500)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queue: deque[dict[str, Any]] = deque()

    def add(self, count: int, **failure: Any) -> None:
        with self._lock:
            self._queue.extend(dict(failure) for _ in range(count))

    def take(self) -> dict[str, Any] | None:
        """The failure to serve now, or None to answer normally."""
        with self._lock:
            return self._queue.popleft() if self._queue else None

    def clear(self) -> None:
        with self._lock:
            self._queue.clear()


class SlidingWindow:
    """Counts events over the last `period` seconds, as a rate-limited platform does."""

    def __init__(self, limit: int | None, period: float = 1.0) -> None:
        self.limit = limit
        self.period = period
        self._lock = threading.Lock()
        self._times: deque[float] = deque()

    def admit(self) -> bool:
        """Count one event now; False (not counted) when the window is full."""
        if self.limit is None:
            return True
        now = time.monotonic()
        with self._lock:
            while self._times and self._times[0] <= now - self.period:
                self._times.popleft()
            if len(self._times) >= self.limit:
                return False
            self._times.append(now)
            return True

    def clear(self) -> None:
        with self._lock:
            self._times.clear()
