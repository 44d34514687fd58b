#!/usr/bin/env bash
# The one test command (README, CI): install what is needed, lint, then run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --browser
export NO_MKDOCS_2_WARNING=true
.venv/bin/ruff check scripts tests
.venv/bin/python -m pytest "$@"
