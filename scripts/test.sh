#!/usr/bin/env bash
# `make test`: set up what is missing (both environments, Chromium, PostgreSQL), lint, then run
# every test.
# The Rasa model is trained at most once per run (cached by the fingerprint of its inputs).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh app rasa browser postgres
.venv/bin/ruff check .
exec .venv/bin/python -m pytest "$@"
