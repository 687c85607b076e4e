#!/usr/bin/env bash
# Builds the course site into _build/html, warnings as errors; notebooks run through
# jupyter-cache, so an unchanged chapter is not executed again.
#   --instructor   the instructor edition instead, into _build/instructor/_build/html: the same
#                  site, with the homework notebooks' solutions. Never publish it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export TF_CPP_MIN_LOG_LEVEL=3 PYDEVD_DISABLE_FILE_VALIDATION=1
# the build's own matplotlib font cache (see scripts/test.sh): a stale user cache fails the build
export MPLCONFIGDIR="$PWD/_build/matplotlib"
out=()
if [ "${1:-}" = "--instructor" ]; then
  shift
  export DLCOURSE_BOOK_EDITION=instructor
  out=(--path-output _build/instructor)
fi
# the student site offers each homework's kit, made from the instructor's notebooks in a scratch
# copy: building the site never writes to the course, its gradebook or its release folder
mapfile -t assignments < <(find autograder/source -mindepth 1 -maxdepth 1 -type d -printf '%f\n' | sort)
.venv/bin/dlcourse site-kits "${assignments[@]}" --course autograder --out _build/kits
# the site offers the student library (book/running-labs.md): the wheel with the open homework's
# functions stubbed, never the full library; a fresh folder, so the site links exactly one wheel
rm -rf _build/student
.venv/bin/python -c 'import sys; from pathlib import Path; from dlcourse.grading.student_library import build
print(build(Path("autograder"), Path(sys.argv[1])).wheel)' _build/student
exec .venv/bin/jupyter-book build . -W -n --keep-going "${out[@]}" "$@"
