#!/usr/bin/env bash
# `make bench`: one figure per line — the assistant (training time, latency, throughput,
# memory), the notification hub (fan-out rates, poll cycle, worker memory), then the
# Telegram bot (round trip with 20 residents at once).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh app rasa >&2
.venv/bin/python -m bench.assistant_bench
.venv/bin/python -m bench.hub_bench
.venv/bin/python -m bench.telegram_bench
.venv/bin/python -m bench.console_bench
