"""Pacing of sends: an even grid (Pacer), a plain per-second limit, and a small LRU cache.

Pacer: even pacing of sends at a fixed rate, that never exceeds a platform's per-second window.

aiolimiter's leaky bucket with a capacity of 1 spaces sends evenly too, but every timer
overshoot (a millisecond or two on a busy machine) is lost for good: at 29.5 a second it
delivered about 27.8. Here each send takes the next slot of a grid (previous slot +
1/rate), so a late wake-up is made up by the next send instead of lowering the rate; and a
guard on the actual send times keeps any `window` seconds to at most `burst` sends, so
senders waking late together after a stall do not burst past the platform's limit.
"""

from __future__ import annotations

import asyncio
import math
from collections import OrderedDict, deque
from collections.abc import Callable, Hashable
from contextlib import AbstractAsyncContextManager, nullcontext
from typing import Generic, TypeVar

from aiolimiter import AsyncLimiter

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Pacer:
    """About `rate` sends a second, evenly spaced; never more than `burst` in `window` s."""

    def __init__(self, rate: float, burst: int | None = None, window: float = 1.03) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.interval = 1 / rate
        self.burst = burst or math.floor(rate) + 1
        self.window = window
        self._next_slot = 0.0
        self._sent: deque[float] = deque(maxlen=self.burst)

    def take_slot(self, now: float) -> float:
        """Reserve the next slot of the grid; the time at which it starts."""
        slot = max(now, self._next_slot)
        self._next_slot = slot + self.interval
        return slot

    def guard_delay(self, now: float) -> float:
        """Seconds to wait before sending at NOW without exceeding `burst` per `window`."""
        if len(self._sent) < self.burst:
            return 0.0
        return max(0.0, self._sent[0] + self.window - now)

    async def wait(self) -> None:
        """Wait for this send's turn; record the send time when it comes."""
        loop = asyncio.get_running_loop()
        now = loop.time()
        delay = self.take_slot(now) - now
        if delay > 0:
            await asyncio.sleep(delay)
        while (delay := self.guard_delay(loop.time())) > 0:
            await asyncio.sleep(delay)
        self._sent.append(loop.time())  # no await since the check: no one slipped in between


def rate_limit(rate: float | None) -> AbstractAsyncContextManager[object]:
    """`async with` it around each send: at most `rate` a second; no limit when None or 0."""
    return AsyncLimiter(rate, 1) if rate else nullcontext()


class LruCache(Generic[K, V]):
    """Values made on first use by `make`; only the `size` most recently used are kept.

    A None from `make` (nothing usable for that key) is returned but not kept.
    """

    def __init__(self, make: Callable[[K], V], size: int) -> None:
        self._make = make
        self._size = size
        self._items: OrderedDict[K, V] = OrderedDict()

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def get(self, key: K) -> V:
        """The value for KEY, made if needed; it becomes the most recently used."""
        if key in self._items:
            self._items.move_to_end(key)
            return self._items[key]
        value = self._make(key)
        if value is not None:
            self._items[key] = value
            if len(self._items) > self._size:
                self._items.popitem(last=False)
        return value

    def clear(self) -> None:
        self._items.clear()
