#!/usr/bin/env bash
# The one site command (README): install what is needed, then build and serve with live reload.
# `bash scripts/serve.sh build` builds site/ instead of serving.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if [ "${1:-serve}" = "build" ]; then
  exec .venv/bin/kb build
fi
exec .venv/bin/kb serve "${@:2}"
