"""Drives rasa_addons/arobase_tracker_store.py inside the Rasa environment (.venv-rasa, Python
3.10), for tests/test_rasa_memory.py, which runs it once for all its cases.

Reads on stdin a JSON object {case: {"limits": {...}, "env": {...}, "steps": [...]}} and
writes on stdout {case: [observation, ...]}. The store gets a fake clock; steps are
["say", sender, text] (a message saved), ["create", sender] (Rasa creating a tracker: an
empty save), ["erase", sender] (PUT .../tracker/events with []), ["wait", seconds], and
observations ["read", sender] (the user texts kept, or null), ["keys"], ["stored"] (how
many conversations are in memory), ["sweep"] (the minute timer's sweep: how many it forgot)
and ["limits"]; a last {"stored": count} ends each. A store that refuses its limits gives
{"error": message}.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from typing import Any

from arobase_tracker_store import RecentTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def run_case(case: dict[str, Any]) -> Any:
    """The observations of one case."""
    os.environ.update(case.get("env", {}))
    clock = FakeClock()
    try:
        store = RecentTrackerStore(Domain.empty(), clock=clock, **case.get("limits", {}))
    except ValueError as error:
        return {"error": str(error)}
    finally:
        for name in case.get("env", {}):
            del os.environ[name]
    seen: list[Any] = []
    for step, *args in case["steps"]:
        if step == "say":
            tracker = await store.get_or_create_tracker(args[0], append_action_listen=False)
            tracker.update(UserUttered(args[1]))
            await store.save(tracker)
        elif step == "create":
            await store.get_or_create_tracker(args[0], append_action_listen=False)
        elif step == "erase":
            await store.save(store.init_tracker(args[0]))
        elif step == "wait":
            clock.now += args[0]
        elif step == "read":
            tracker = await store.retrieve(args[0])
            texts = (
                [e.text for e in tracker.events if isinstance(e, UserUttered)] if tracker else None
            )
            seen.append(texts)
        elif step == "sweep":  # what the store's minute timer does
            seen.append(store.sweep_idle())
        elif step == "stored":
            seen.append(len(store.store))
        elif step == "keys":
            seen.append(sorted(await store.keys()))
        elif step == "limits":
            seen.append([store.idle_seconds, store.max_conversations, store.max_events])
        else:
            raise ValueError(f"unknown step {step!r}")
    seen.append({"stored": len(store.store)})
    return seen


async def main() -> None:
    cases = json.load(sys.stdin)
    results = {name: await run_case(case) for name, case in cases.items()}
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    asyncio.run(main())
