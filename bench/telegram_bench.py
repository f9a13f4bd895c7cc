"""Benchmark of the Telegram bot: round trip from an update served by the fake Bot API to the
bot's reply received there, with 20 residents chatting at once, through the real bot, Rasa and
action servers. One figure per line.

Two loads: residents who read each answer for about two seconds before asking the next
question (as people do; the round trip is then what one of them waits), and the same 20
sending back to back without any pause (a stress: the round trip is then bound by how many
messages a second the whole chain serves on this machine).
"""

from __future__ import annotations

import random
import statistics
import tempfile
import threading
import time
from pathlib import Path

from arobase.model import ensure_model
from arobase.settings import ROOT
from bench.assistant_bench import figure, rss_mb
from bot.telegram.texts import SLOW_DOWN
from tests.fakes.telegram_api import FakeTelegram, running_fake_telegram
from tests.stack import running_stack
from tests.worker_processes import bot_env, running_bot

CHATS = 20
MESSAGES_PER_CHAT = 25
READING = (1.5, 2.5)  # seconds a resident reads an answer before the next question
# Questions answered by exactly one message (procedures answer with two).
# The start of arobase.replies.apology: the bot's answer when Rasa could not answer.
APOLOGY = "Désolé, l'assistant ne répond pas"
QUESTIONS = [
    "bonjour",
    "la mairie est ouverte samedi ?",
    "horaires de la médiathèque mercredi",
    "quel est le numéro du CCAS ?",
    "c ouvert la poste demain matin",
    "je veux parler à quelqu'un",
    "merci beaucoup",
]


def replies_to(telegram: FakeTelegram, chat: int) -> list[float]:
    return [m.at for m in telegram.messages.items() if m.chat_id == chat]


def resident(
    telegram: FakeTelegram,
    chat: int,
    samples: list[float],
    lock: threading.Lock,
    reading: tuple[float, float] | None,
) -> None:
    """Ask one question at a time, each after the previous answer came (and was read)."""
    pause = random.Random(chat)
    if reading:
        time.sleep(pause.uniform(0, reading[1]))  # residents do not all start together
    for number in range(MESSAGES_PER_CHAT):
        sent = time.monotonic()
        telegram.push_text(chat, QUESTIONS[(chat + number) % len(QUESTIONS)])
        arrived = telegram.messages.wait_until(
            lambda items, n=number: sum(m.chat_id == chat for m in items) > n, timeout=60
        )
        reply = [m for m in arrived if m.chat_id == chat][number]
        if reply.text.startswith((APOLOGY, SLOW_DOWN)):  # those would measure no answer
            raise RuntimeError(f"chat {chat}: the assistant did not answer: {reply.text}")
        at = reply.at
        with lock:
            samples.append((at - sent) * 1000)
        if reading:
            time.sleep(pause.uniform(*reading))


def round_trips(
    telegram: FakeTelegram, first_chat: int, reading: tuple[float, float] | None
) -> list[float]:
    samples: list[float] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def one(chat: int) -> None:
        try:
            resident(telegram, chat, samples, lock, reading)
        except BaseException as error:  # a thread's failure must fail the benchmark
            errors.append(error)

    threads = [threading.Thread(target=one, args=(first_chat + n,)) for n in range(CHATS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise RuntimeError(f"{len(errors)} residents failed; the first: {errors[0]}")
    return samples


def main() -> None:
    model, _ = ensure_model(quiet=True)
    logs = ROOT / "var" / "bench-logs"
    with (
        running_stack(model, logs) as stack,
        running_fake_telegram() as telegram,
        tempfile.TemporaryDirectory() as scratch,
    ):
        # Rasa's channel speaks for a Telegram chat only with its token.
        env = bot_env(
            telegram,
            stack.rasa_url,
            stack.env["AROBASE_DATABASE_URL"],
            rasa_timeout="30",
            rasa_token=stack.token,
            # A resident here asks up to 40 questions a minute: measure Rasa's answers, not
            # the flood control's « patientez » (nor its silence after it).
            telegram_flood_per_minute="1000",
        )
        with running_bot(env, telegram, Path(scratch) / "bot.log") as bot:
            for label, first_chat, reading in (
                (f"{CHATS}_chats", 900_000, READING),
                (f"{CHATS}_chats_no_pause", 910_000, None),
            ):
                cuts = statistics.quantiles(round_trips(telegram, first_chat, reading), n=100)
                figure(f"telegram_round_trip_p50_{label}", cuts[49], "ms")
                figure(f"telegram_round_trip_p95_{label}", cuts[94], "ms")
            figure("rss_telegram_bot", rss_mb(bot.pid), "MB")


if __name__ == "__main__":
    main()
