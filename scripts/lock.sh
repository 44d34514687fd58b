#!/usr/bin/env bash
# Regenerates requirements.txt, the lock every install uses (scripts/setup.sh, the workflows), from
# pyproject.toml: exact versions and their hashes for the project and its `test` extra. Run it after changing a
# dependency in pyproject.toml; pass --upgrade to move every pin to the newest version the ranges allow.
# Dependabot (.github/dependabot.yml) regenerates the same file with the same options, read from its header.
set -euo pipefail
cd "$(dirname "$0")/.."
tools=$(mktemp -d)
trap 'rm -rf "$tools"' EXIT
python3 -m venv "$tools"
"$tools/bin/pip" install --quiet --upgrade pip 'pip-tools==7.7.0'
# The header of requirements.txt keeps pip-compile's own command line: Dependabot reads its options from there.
"$tools/bin/pip-compile" --quiet \
  --extra=test --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links \
  --output-file=requirements.txt "$@" pyproject.toml
