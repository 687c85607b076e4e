#!/usr/bin/env bash
# The test command: set up, lint, then the two tiers of the test suite: the fast tier (unit tests
# of every module, -m "not slow", about two minutes) and the slow tier (end to end: sandboxed
# gradings, book builds, Chromium, PostgreSQL, Dask, trainings). Every step runs even when one
# before it failed, so CI shows them all. Extra arguments go to both pytest runs.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --tests || exit 1
export TF_CPP_MIN_LOG_LEVEL=3 TF_ENABLE_ONEDNN_OPTS=0
# matplotlib's font cache in the clone, not the user's: a stale ~/.cache/matplotlib list that
# lacks matplotlib's own fonts makes every figure warn on stderr, which fails the strict build
export MPLCONFIGDIR="$PWD/_build/matplotlib"

bash scripts/lint.sh
lint=$?
.venv/bin/python -m pytest -m "not slow" "$@"
fast=$?
.venv/bin/python -m pytest -m slow "$@"
slow=$?

verdict() {
  case "$1" in
    0) echo "passed" ;;
    5) echo "no test selected" ;;  # arguments that pick tests of the other tier only
    *) echo "FAILED (status $1)" ;;
  esac
}
echo "test.sh: lint $(verdict "$lint"); fast tier $(verdict "$fast"); slow tier $(verdict "$slow")"
if [ "$fast" -eq 5 ] && [ "$slow" -eq 5 ]; then
  exit 5
fi
for status in "$lint" "$fast" "$slow"; do
  if [ "$status" -ne 0 ] && [ "$status" -ne 5 ]; then
    exit 1
  fi
done
