"""Even pacing on a grid, with explicit times; the rate limit and LRU cache helpers."""

from __future__ import annotations

import asyncio

import pytest

from notifications.channels.pacing import LruCache, Pacer, rate_limit


def test_slots_are_evenly_spaced_when_sends_queue_up() -> None:
    pacer = Pacer(rate=4)
    assert [pacer.take_slot(10.0) for _ in range(4)] == [10.0, 10.25, 10.5, 10.75]


def test_a_late_wake_up_is_made_up_by_the_next_slot() -> None:
    pacer = Pacer(rate=4)
    assert pacer.take_slot(10.0) == 10.0
    # The sender asks late (10.3 instead of 10.25): it goes now, and the grid keeps its step.
    assert pacer.take_slot(10.3) == 10.3
    assert pacer.take_slot(10.31) == pytest.approx(10.55)


def test_after_an_idle_spell_the_grid_restarts_without_a_burst() -> None:
    pacer = Pacer(rate=4)
    pacer.take_slot(10.0)
    assert pacer.take_slot(20.0) == 20.0
    assert pacer.take_slot(20.0) == 20.25


def test_no_one_second_window_holds_more_than_the_rate_rounded_up() -> None:
    pacer = Pacer(rate=29)
    slots = [pacer.take_slot(0.0) for _ in range(300)]
    most = max(sum(1 for s in slots if start <= s < start + 1) for start in slots)
    assert most == 30


def test_senders_waking_late_together_do_not_burst_past_the_window() -> None:
    pacer = Pacer(rate=29)  # at most 30 sends in 1.03 s
    for moment in range(30):
        assert pacer.guard_delay(moment / 29) == 0
        pacer._sent.append(moment / 29)
    # A stall: the 31st send would come right after the 30th.
    assert pacer.guard_delay(29 / 29 + 0.001) == pytest.approx(1.03 - (29 / 29 + 0.001))


async def test_paced_sends_keep_to_the_window() -> None:
    pacer = Pacer(rate=200, burst=5, window=0.05)
    sent = []
    loop = asyncio.get_running_loop()
    for _ in range(20):
        await pacer.wait()
        sent.append(loop.time())
    assert all(
        later - earlier >= 0.05 - 1e-6 for earlier, later in zip(sent, sent[5:], strict=False)
    )


async def test_rate_limit_waits_only_with_a_rate() -> None:
    unlimited = rate_limit(None)
    for _ in range(100):  # reusable, and never waits
        async with unlimited:
            pass
    limited = rate_limit(50)
    loop = asyncio.get_running_loop()
    start = loop.time()
    for _ in range(60):
        async with limited:
            pass
    assert loop.time() - start >= 0.1  # 10 beyond the first second's 50


def test_lru_cache_keeps_the_most_recently_used() -> None:
    made: list[str] = []

    def make(key: str) -> object:
        made.append(key)
        return object()

    cache = LruCache(make, size=2)
    first = cache.get("a")
    cache.get("b")
    assert cache.get("a") is first  # used again: now the most recent
    cache.get("c")

    assert len(cache) == 2 and "b" not in cache and "a" in cache
    assert made == ["a", "b", "c"]
    cache.clear()
    assert len(cache) == 0


def test_lru_cache_does_not_keep_nothing() -> None:
    cache: LruCache[str, object | None] = LruCache(lambda _key: None, size=2)
    assert cache.get("invalid") is None
    assert "invalid" not in cache
