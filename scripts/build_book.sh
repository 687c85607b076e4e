#!/usr/bin/env bash
# Builds the course site into _build/html, warnings as errors; notebooks run through
# jupyter-cache, so an unchanged chapter is not executed again.
#   --instructor   the instructor edition instead, into _build/instructor/_build/html: the same
#                  site, with the homework notebooks' solutions and hidden tests. Never publish it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export TF_CPP_MIN_LOG_LEVEL=3 PYDEVD_DISABLE_FILE_VALIDATION=1
out=()
if [ "${1:-}" = "--instructor" ]; then
  shift
  export DLCOURSE_BOOK_EDITION=instructor
  out=(--path-output _build/instructor)
fi
# the student site offers the student versions of the homework, generated from the instructor's notebooks
bash scripts/release_assignments.sh
exec .venv/bin/jupyter-book build . -W -n --keep-going "${out[@]}" "$@"
