#!/usr/bin/env bash
# `make bench`: one figure per line (training time, latency, throughput, memory).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh app rasa >&2
exec .venv/bin/python -m bench.assistant_bench
