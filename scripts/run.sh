#!/usr/bin/env bash
# `make run`: set up what is missing, bring the database up to date, train the model if its
# inputs changed, then start Rasa, the action server, the web app, the notification worker and,
# when AROBASE_TELEGRAM_TOKEN is set, the Telegram bot, with honcho; Ctrl-C stops them all.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh app rasa

[ -f .env ] && { set -a; . ./.env; set +a; }
export AROBASE_RASA_PORT="${AROBASE_RASA_PORT:-5005}"
export AROBASE_RASA_URL="${AROBASE_RASA_URL:-http://127.0.0.1:$AROBASE_RASA_PORT}"
export AROBASE_ACTIONS_PORT="${AROBASE_ACTIONS_PORT:-5055}"
export AROBASE_ACTIONS_URL="${AROBASE_ACTIONS_URL:-http://127.0.0.1:$AROBASE_ACTIONS_PORT/webhook}"
export AROBASE_WEB_HOST="${AROBASE_WEB_HOST:-127.0.0.1}"
export AROBASE_WEB_PORT="${AROBASE_WEB_PORT:-8000}"
# No token configured: one made once and kept in the data folder (owner-only), so that Rasa's
# HTTP API is never left open, Rasa and the action server share theirs, and a command typed
# later in another terminal (`arobase subscribers erase`) finds Rasa's (arobase/tokens.py).
AROBASE_RASA_TOKEN="${AROBASE_RASA_TOKEN:-$(.venv/bin/python -m arobase.tokens rasa)}"
AROBASE_ACTIONS_TOKEN="${AROBASE_ACTIONS_TOKEN:-$(.venv/bin/python -m arobase.tokens actions)}"
export AROBASE_RASA_TOKEN AROBASE_ACTIONS_TOKEN

.venv/bin/arobase town check
.venv/bin/arobase db upgrade
.venv/bin/arobase model train

processes=(rasa actions web worker)
if [ -n "${AROBASE_TELEGRAM_TOKEN:-}" ]; then
  processes+=(telegram)
  telegram_line="    - Telegram                    : écrivez à votre robot (jeton AROBASE_TELEGRAM_TOKEN)"
else
  telegram_line="    - Telegram : pas lancé, AROBASE_TELEGRAM_TOKEN est vide (voir le README, « Telegram »)"
fi

cat <<MSG

  Arobase démarre (Rasa, actions, site web, envoi des alertes). Quand tout est prêt :
    - discuter dans le navigateur : http://$AROBASE_WEB_HOST:$AROBASE_WEB_PORT/
    - discuter dans un terminal   : .venv/bin/arobase chat
    - s'abonner aux alertes       : http://$AROBASE_WEB_HOST:$AROBASE_WEB_PORT/alertes
    - écrire une annonce          : .venv/bin/arobase announce "Titre" --body "…" --topic travaux
$telegram_line
  Ctrl-C arrête tout.

MSG
# -e /dev/null: honcho would read .env again with its own parser (which drops spaces and cuts
# at #), overriding the values exported above; the processes inherit this environment.
exec .venv/bin/honcho start -e /dev/null -f Procfile "${processes[@]}"
