#!/usr/bin/env bash
# `make test`: set up what is missing (both environments, Chromium, axe-core, PostgreSQL,
# faketime), lint, run every test, then run the hub's delivery tests again with the clock at
# 03:00 in the town (quiet hours): CI runs at any hour, and a test that forgot to inject its
# clock or to choose its message's urgency would fail at night only.
# The Rasa model is trained at most once per run (cached by the fingerprint of its inputs).
# With arguments, they go to pytest and the night pass is skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh app rasa browser axe postgres faketime
.venv/bin/ruff check .
if [ $# -gt 0 ]; then
  exec .venv/bin/python -m pytest "$@"
fi
.venv/bin/python -m pytest
scripts/test-at-night.sh
