"""Benchmarks of the assistant: training time, latency, throughput, memory. One figure per line."""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from arobase.model import ModelInputs, ensure_model
from arobase.settings import ROOT
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
    "je veux parler à quelqu'un",
    "merci beaucoup",
]
LATENCY_SAMPLES = 500
CONCURRENT_USERS = 20
MESSAGES_PER_USER = 30


def figure(name: str, value: float, unit: str) -> None:
    print(f"{name}: {value:.1f} {unit}", flush=True)


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
    async with httpx.AsyncClient(base_url=stack.rasa_url, timeout=30) as client:

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


def main() -> None:
    measure_training()
    model, _ = ensure_model(quiet=True)
    logs = ROOT / "var" / "bench-logs"
    with running_stack(model, logs) as stack:
        port = free_port()
        env = {**stack.env, "AROBASE_WEB_PORT": str(port)}
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
            figure(
                f"web_api_throughput_{CONCURRENT_USERS}_users",
                asyncio.run(throughput(web_url)),
                "msg/s",
            )
            for name, pid in stack.pids.items():
                figure(f"rss_{name}", rss_mb(pid), "MB")
            figure("rss_web", rss_mb(web.pid), "MB")
        finally:
            web.terminate()
            web.wait(timeout=20)


if __name__ == "__main__":
    main()
