#!/usr/bin/env bash
# Starts the Rasa server on loopback with the current model; its HTTP API needs the token, and
# it calls the action server with AROBASE_ACTIONS_TOKEN.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${AROBASE_RASA_TOKEN:?AROBASE_RASA_TOKEN must be set (make run sets one)}"
# endpoints.yml sends it to the action server, which serves no one else.
: "${AROBASE_ACTIONS_TOKEN:?AROBASE_ACTIONS_TOKEN must be set (make run sets one)}"
: "${AROBASE_ACTIONS_URL:=http://127.0.0.1:${AROBASE_ACTIONS_PORT:-5055}/webhook}"
export AROBASE_ACTIONS_URL
port="${AROBASE_RASA_PORT:-5005}"
# Rasa would report usage and crashes (conversations' metadata) to its makers: never.
export RASA_TELEMETRY_ENABLED=false
model="$(.venv/bin/arobase model path)"
[ -f "$model" ] || { echo "model $model missing: run 'make run' or '.venv/bin/arobase model train'" >&2; exit 1; }
exec .venv-rasa/bin/rasa run --model "$model" --endpoints endpoints.yml --credentials credentials.yml \
  --enable-api --auth-token="$AROBASE_RASA_TOKEN" -i 127.0.0.1 -p "$port" --response-timeout 30
