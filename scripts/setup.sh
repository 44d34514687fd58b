#!/usr/bin/env bash
# Installs everything the project needs into .venv (idempotent). With --browser, also Debian's Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
stamp=.venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)
if [ ! -f "$stamp" ]; then
  .venv/bin/pip install --quiet --upgrade pip
  .venv/bin/pip install --quiet -e '.[test]'
  rm -f .venv/.installed-* && touch "$stamp"
fi

if [ "${1:-}" = "--browser" ]; then
  browser=${KB_CHROMIUM:-/usr/bin/chromium}
  if [ ! -x "$browser" ]; then
    echo "setup: installing Debian's chromium for the browser tests" >&2
    if [ "$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
  fi
fi
