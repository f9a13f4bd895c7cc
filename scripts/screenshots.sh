#!/usr/bin/env bash
# Refreshes the staff guide's screenshots (docs/guide/*.png, linked from the README): the
# console of a seeded town in Chromium, with a fixed clock, so an unchanged page gives the
# same image. Ordinary test runs write them to var/test-logs/screenshots instead (out of git).
# Arguments go to pytest (e.g. -k message).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh app browser
AROBASE_SCREENSHOTS=docs/guide exec .venv/bin/python -m pytest -q \
  tests/test_staff_guide_screens.py "$@"
