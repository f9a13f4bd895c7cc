#!/usr/bin/env bash
# Creates or updates the two Python environments from their lock files (idempotent).
#   .venv       app environment (Python >= 3.11): our code, the action server, the web app
#   .venv-rasa  Rasa engine (Python 3.10, rasa==3.6.21): train, run, test, validate
#   node_modules  axe-core for the accessibility tests, from package-lock.json (npm ci)
# Usage: scripts/setup.sh [app|rasa|browser|axe|postgres|faketime|all]   (default: app rasa)
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '[setup] %s\n' "$*"; }
die() { printf '[setup] ERREUR / ERROR: %s\n' "$*" >&2; exit 1; }

lock_hash() { sha256sum "$@" | sha256sum | cut -c1-16; }

python_at_least() {  # python_at_least EXE MAJOR MINOR [EXACT]
  "$1" -c "import sys; v=sys.version_info[:2]; sys.exit(0 if (v == ($2, $3) if '${4:-}' else v >= ($2, $3)) else 1)" 2>/dev/null
}

find_app_python() {
  local c
  for c in "${AROBASE_APP_PYTHON:-}" python3 python3.13 python3.12 python3.11; do
    [ -n "$c" ] && command -v "$c" >/dev/null 2>&1 && python_at_least "$c" 3 11 && { command -v "$c"; return; }
  done
  die "Python >= 3.11 introuvable / not found. Install it (e.g. 'pyenv install 3.11') or set AROBASE_APP_PYTHON."
}

find_rasa_python() {
  local c v root
  for c in "${AROBASE_RASA_PYTHON:-}" python3.10; do
    [ -n "$c" ] && command -v "$c" >/dev/null 2>&1 && python_at_least "$c" 3 10 exact && { command -v "$c"; return; }
  done
  if command -v pyenv >/dev/null 2>&1; then
    root=$(pyenv root)
    for v in $(pyenv versions --bare 2>/dev/null | grep -E '^3\.10(\.[0-9]+)?$' | sort -V -r); do
      c="$root/versions/$v/bin/python3.10"
      [ -x "$c" ] && python_at_least "$c" 3 10 exact && { echo "$c"; return; }
    done
  fi
  die "Rasa 3.6 needs Python 3.10, which was not found (tried \$AROBASE_RASA_PYTHON, python3.10 on PATH, pyenv).
  Install one with 'pyenv install 3.10.13' (or your system's python3.10 package),
  or point AROBASE_RASA_PYTHON at a python3.10 executable, then run the command again."
}

ensure_venv() {  # ensure_venv DIR PYTHON STAMP_HASH INSTALL_CMD...
  local dir=$1 py=$2 want=$3; shift 3
  if [ -f "$dir/.installed" ] && [ "$(cat "$dir/.installed")" = "$want" ] && [ -x "$dir/bin/python" ]; then
    return
  fi
  say "installing $dir from its lock file, with $("$py" --version 2>&1) ($py)"
  [ -x "$dir/bin/python" ] || "$py" -m venv "$dir"
  "$dir/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade "pip==24.2"
  "$@"
  echo "$want" > "$dir/.installed"
  say "$dir ready"
}

setup_app() {
  local py; py=$(find_app_python)
  ensure_venv .venv "$py" "$(lock_hash requirements.lock pyproject.toml)" \
    sh -c '.venv/bin/pip install --quiet --disable-pip-version-check -r requirements.lock &&
           .venv/bin/pip install --quiet --disable-pip-version-check --no-deps -e .'
}

setup_rasa() {
  local py; py=$(find_rasa_python)
  ensure_venv .venv-rasa "$py" "$(lock_hash requirements-rasa.lock)" \
    .venv-rasa/bin/pip install --quiet --disable-pip-version-check -r requirements-rasa.lock
  # Our Rasa add-ons (the importer named in config.yml, the tracker store named in
  # endpoints.yml) on the engine's path.
  .venv-rasa/bin/python -c 'import site, sys; print(site.getsitepackages()[0])' |
    { read -r site_dir; echo "$PWD/rasa_addons" > "$site_dir/arobase-addons.pth"; }
}

apt_updated=""  # apt-get update runs at most once per invocation of this script

need_root_apt() {  # need_root_apt PACKAGE... : installs Debian packages when missing
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  command -v apt-get >/dev/null 2>&1 || die "missing system packages: ${missing[*]} (install them by hand)"
  say "installing system packages: ${missing[*]}"
  if [ -z "$apt_updated" ]; then
    $sudo apt-get update -qq >/dev/null
    apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}

setup_browser() { need_root_apt chromium; }

# axe-core (the accessibility tests inject it into Chromium), pinned by package-lock.json;
# stamped like the venvs, so npm runs only when the lock file changed.
setup_axe() {
  local want; want=$(lock_hash package.json package-lock.json)
  if [ -f node_modules/.installed ] && [ "$(cat node_modules/.installed)" = "$want" ] &&
     [ -f node_modules/axe-core/axe.min.js ]; then
    return
  fi
  command -v npm >/dev/null 2>&1 || die "npm introuvable / not found: the accessibility tests need Node.js >= 18 and npm
  (e.g. 'apt-get install -y nodejs npm'), then run the command again."
  say "installing node_modules from package-lock.json, with Node.js $(node --version)"
  npm ci --no-audit --no-fund --silent
  echo "$want" > node_modules/.installed
  say "node_modules ready"
}

# PostgreSQL server binaries for the hub's tests (each test run starts its own private cluster).
setup_postgres() { need_root_apt postgresql; }

# libfaketime: `make test` runs the hub's delivery tests again with the clock at 03:00.
setup_faketime() { need_root_apt faketime; }

targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(app rasa)
for t in "${targets[@]}"; do
  case "$t" in
    app) setup_app ;;
    rasa) setup_rasa ;;
    browser) setup_browser ;;
    axe) setup_axe ;;
    postgres) setup_postgres ;;
    faketime) setup_faketime ;;
    all) setup_app; setup_rasa; setup_browser; setup_axe; setup_postgres; setup_faketime ;;
    *) die "unknown target: $t" ;;
  esac
done
