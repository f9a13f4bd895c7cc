#!/usr/bin/env bash
# The hub's delivery tests with every clock of the run (this process, the workers, the fake
# services, PostgreSQL) set to 03:00 today in the town's zone, then running on: what a CI run
# at night sees (the tests that send through real workers, on the system clock, or whose
# messages meet quiet hours). libfaketime (Debian's faketime) fakes the system clock for all of them.
# Extra arguments go to pytest (e.g. -k exactly_once).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v faketime >/dev/null || { echo "faketime missing: run scripts/setup.sh faketime" >&2; exit 1; }
# An offset, not a start time: every process of the run (started at any moment) must agree
# on the time, as processes do on a real night; "@date" would start each one at 03:00.
offset="$(.venv/bin/python -c '
from datetime import UTC, datetime
from zoneinfo import ZoneInfo
now = datetime.now(ZoneInfo("Europe/Paris"))
night = now.replace(hour=3, minute=0, second=0, microsecond=0)
print(f"{(night - now).total_seconds():+.0f}")')"
tests=(tests/test_hub_exactly_once.py tests/test_hub_outbox.py tests/test_worker_stop.py
       tests/test_no_hostage.py tests/test_hub_email_journey.py tests/test_hub_retention.py
       tests/test_hub_cli.py tests/test_quiet_hours_stored.py tests/test_telegram_bot.py)
echo "[test] the hub's delivery tests again at 03:00 in Trilport (faketime ${offset} s)"
# The clock runs on from there (a frozen one would stop every timeout).
exec faketime -f "${offset}" .venv/bin/python -m pytest -p no:cacheprovider "${tests[@]}" "$@"
