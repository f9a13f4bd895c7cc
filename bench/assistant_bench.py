"""Benchmarks of the assistant: training time, latency, throughput, memory. One figure per line.

The web app runs with chat limits far above what the bench sends (AROBASE_CHAT_RATE_IP and
AROBASE_CHAT_RATE_SESSION in its environment): all its users come from 127.0.0.1, and the
latency run sends 500 messages in one conversation; the limits themselves are tested in
tests/test_web.py. Rasa runs with the default conversation limits (1,800 s idle, 5,000 kept).
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from arobase.masking import mask
from arobase.model import ModelInputs, ensure_model
from arobase.settings import ROOT, Settings
from tests.stack import RasaStack, free_port, running_stack, wait_until_ready

MESSAGES = [
    "bonjour",
    "la mairie est ouverte samedi ?",
    "horaires de la médiathèque mercredi",
    "comment refaire ma carte d'identité ?",
    "jveux refaire mon passeport",
    "quel est le numéro du CCAS ?",
    "on a eu un bébé hier",
    "c ouvert la poste demain matin",
    # Not « je veux parler à quelqu'un »: since issue 11 it hands the conversation over to an
    # agent, and the session's next messages would bypass the assistant being measured.
    "quand passe le camion poubelle ?",
    "merci beaucoup",
]
LATENCY_SAMPLES = 500
CONCURRENT_USERS = 20
THROUGHPUT_RUNS = 3
MESSAGES_PER_USER = 30
# Far above what this bench sends, as every one of its users comes from 127.0.0.1.
BENCH_CHAT_LIMITS = {
    "AROBASE_CHAT_RATE_IP": "1000000/minute",
    "AROBASE_CHAT_RATE_SESSION": "1000000/minute",
}
CONVERSATIONS = 50_000
CONVERSATION_WRITERS = 16
# Rasa with the default conversation limits, whatever this shell's environment says.
DEFAULT_CONVERSATION_LIMITS = {
    "AROBASE_CONVERSATION_IDLE": str(Settings.model_fields["conversation_idle"].default),
    "AROBASE_CONVERSATION_MAX": str(Settings.model_fields["conversation_max"].default),
}


def figure(name: str, value: float, unit: str) -> None:
    print(f"{name}: {value:.1f} {unit}", flush=True)


def measure_masking() -> None:
    """Masking a hostile message at the chat's limit (separators and digits, runs of @ and -),
    as every recorded question is masked: it must stay linear (tests/test_masking.py checks
    the result)."""
    hostile = ("1 " * 499 + "a") * 2 + "@" * 1000 + "-" * 1000
    started = time.perf_counter()
    for _ in range(100):
        mask(hostile)
    figure("mask_hostile_message", (time.perf_counter() - started) * 10, "ms")


def measure_training() -> None:
    """Train from scratch into a scratch folder: neither the cached model nor Rasa's cache of
    trained components (RASA_CACHE_DIRECTORY) is used or touched."""
    with tempfile.TemporaryDirectory() as scratch:
        cache = os.environ.get("RASA_CACHE_DIRECTORY")
        os.environ["RASA_CACHE_DIRECTORY"] = str(Path(scratch) / "cache")
        try:
            started = time.perf_counter()
            ensure_model(ModelInputs(), Path(scratch), quiet=True)
            figure("training_time", time.perf_counter() - started, "s")
        finally:
            if cache is None:
                os.environ.pop("RASA_CACHE_DIRECTORY")
            else:
                os.environ["RASA_CACHE_DIRECTORY"] = cache


def percentile(samples: list[float], share: float) -> float:
    return statistics.quantiles(samples, n=100)[int(share * 100) - 1]


async def latencies(send, count: int) -> list[float]:
    samples = []
    for index in range(count):
        started = time.perf_counter()
        await send(MESSAGES[index % len(MESSAGES)])
        samples.append((time.perf_counter() - started) * 1000)
    return samples


async def web_latency(web_url: str) -> list[float]:
    async with httpx.AsyncClient(base_url=web_url, timeout=30) as client:

        async def send(text: str) -> None:
            (await client.post("/api/chat", json={"message": text})).raise_for_status()

        return await latencies(send, LATENCY_SAMPLES)


async def rasa_latency(stack: RasaStack) -> list[float]:
    async with httpx.AsyncClient(
        base_url=stack.rasa_url, timeout=30, headers=_bearer(stack)
    ) as client:

        async def send(text: str) -> None:
            response = await client.post(
                "/webhooks/rest/webhook", json={"sender": "bench", "message": text}
            )
            response.raise_for_status()

        return await latencies(send, LATENCY_SAMPLES)


async def throughput(web_url: str) -> float:
    """Messages per second with CONCURRENT_USERS residents, each with their own session."""

    async def user(number: int) -> None:
        async with httpx.AsyncClient(base_url=web_url, timeout=60) as client:
            for index in range(MESSAGES_PER_USER):
                text = MESSAGES[(number + index) % len(MESSAGES)]
                (await client.post("/api/chat", json={"message": text})).raise_for_status()

    started = time.perf_counter()
    await asyncio.gather(*(user(n) for n in range(CONCURRENT_USERS)))
    return CONCURRENT_USERS * MESSAGES_PER_USER / (time.perf_counter() - started)


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children (the action server forks a worker)."""
    total = 0
    pids = [pid]
    while pids:
        current = pids.pop()
        status = Path(f"/proc/{current}/status")
        if not status.exists():
            continue
        for line in status.read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
        children = Path(f"/proc/{current}/task/{current}/children")
        if children.exists():
            pids.extend(int(p) for p in children.read_text().split())
    return total / 1024


async def one_message_conversations(stack: RasaStack) -> list[bytes]:
    """The events of a real one-message conversation for each of MESSAGES (through NLU,
    policies and actions), as JSON bodies for Rasa's conversation API."""
    bodies = []
    async with httpx.AsyncClient(
        base_url=stack.rasa_url, timeout=60, headers=_bearer(stack)
    ) as rasa:
        for number, text in enumerate(MESSAGES):
            sender = f"bench-sample-{number}"
            message = {"sender": sender, "message": text}
            (await rasa.post("/webhooks/rest/webhook", json=message)).raise_for_status()
            tracker = await rasa.get(f"/conversations/{sender}/tracker", params=_token(stack))
            bodies.append(json.dumps(tracker.raise_for_status().json()["events"]).encode())
    return bodies


def _token(stack: RasaStack) -> dict[str, str]:
    return {"token": stack.token}


def _bearer(stack: RasaStack) -> dict[str, str]:
    """Rasa's REST channel serves a conversation other than web:… or terminal:… with its
    token only (rasa_addons/arobase_channels.py)."""
    return {"Authorization": f"Bearer {stack.token}"}


async def store_conversations(stack: RasaStack, bodies: list[bytes], count: int) -> None:
    """COUNT conversations, each a copy of a real one-message one, stored by Rasa through its
    conversation API: the same tracker store save() that ends every message, without the
    ~20 ms of NLU and policies per message (50,000 through NLU would take ~18 minutes)."""
    numbers = iter(range(count))
    headers = {"content-type": "application/json"}
    async with httpx.AsyncClient(base_url=stack.rasa_url, timeout=60, params=_token(stack)) as rasa:

        async def writer() -> None:
            for number in numbers:
                path = f"/conversations/bench-{number}/tracker/events"
                body = bodies[number % len(bodies)]
                (await rasa.put(path, content=body, headers=headers)).raise_for_status()

        await asyncio.gather(*(writer() for _ in range(CONVERSATION_WRITERS)))


async def messages_held(stack: RasaStack, sender: str) -> int:
    """How many messages of the person Rasa holds for SENDER (0: it forgot SENDER)."""
    async with httpx.AsyncClient(base_url=stack.rasa_url, timeout=60) as rasa:
        response = await rasa.get(
            f"/conversations/{sender}/tracker", params={**_token(stack), "include_events": "ALL"}
        )
    events = response.raise_for_status().json()["events"]
    return sum(event["event"] == "user" for event in events)


def measure_rasa_memory(stack: RasaStack) -> None:
    """Rasa's resident memory idle, then after CONVERSATIONS one-message conversations."""
    bodies = asyncio.run(one_message_conversations(stack))
    idle = rss_mb(stack.pids["rasa"])
    started = time.perf_counter()
    asyncio.run(store_conversations(stack, bodies, CONVERSATIONS))
    elapsed = time.perf_counter() - started
    after = rss_mb(stack.pids["rasa"])
    # The oldest were forgotten (over 5,000 kept), the latest are held as a message left them.
    first, last = "bench-0", f"bench-{CONVERSATIONS - 1}"
    held = asyncio.run(messages_held(stack, first)), asyncio.run(messages_held(stack, last))
    figure("rss_rasa_idle", idle, "MB")
    figure(f"rss_rasa_after_{CONVERSATIONS}_conversations", after, "MB")
    figure(f"rss_rasa_growth_{CONVERSATIONS}_conversations", after - idle, "MB")
    figure("rasa_conversations_stored_per_second", CONVERSATIONS / elapsed, "conv/s")
    if held != (0, 1):
        raise RuntimeError(f"Rasa holds {held} user messages for {first} and {last}, not (0, 1)")


def main() -> None:
    measure_masking()
    measure_training()
    model, _ = ensure_model(quiet=True)
    logs = ROOT / "var" / "bench-logs"
    with running_stack(model, logs, DEFAULT_CONVERSATION_LIMITS) as stack:
        port = free_port()
        env = {**stack.env, **BENCH_CHAT_LIMITS, "AROBASE_WEB_PORT": str(port)}
        with (logs / "web.log").open("w") as out:
            web = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "uvicorn",
                    "--factory",
                    "bot.web.app:create_app",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                    "--no-access-log",
                ],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        web_url = f"http://127.0.0.1:{port}"
        try:
            wait_until_ready(f"{web_url}/healthz", web, logs / "web.log")
            for name, samples in (
                ("web_api", asyncio.run(web_latency(web_url))),
                ("rasa_rest", asyncio.run(rasa_latency(stack))),
            ):
                figure(f"{name}_latency_p50_1_user", percentile(samples, 0.50), "ms")
                figure(f"{name}_latency_p95_1_user", percentile(samples, 0.95), "ms")
            # The median of three runs: one 15 s run on 2 shared cores varies by ±15 %.
            runs = [asyncio.run(throughput(web_url)) for _ in range(THROUGHPUT_RUNS)]
            figure(f"web_api_throughput_{CONCURRENT_USERS}_users", statistics.median(runs), "msg/s")
            for name, pid in stack.pids.items():
                figure(f"rss_{name}", rss_mb(pid), "MB")
            figure("rss_web", rss_mb(web.pid), "MB")
            measure_rasa_memory(stack)
        finally:
            web.terminate()
            web.wait(timeout=20)


if __name__ == "__main__":
    main()
