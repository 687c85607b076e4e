#!/usr/bin/env bash
# An instructor's week on the bundled sample class: 30 synthetic submissions of every homework
# (honest, wrong, broken, hostile; some late), written by `python -m sample_class` (the tests'
# fixture, sample_class/ at the repository's root, not in the installed package), released with a
# due date, graded sandboxed on a local Dask cluster into autograder/gradebook.db; then, on hw1, an
# extension, a TA's override, a hand grade, the feedback again, the similarity report and the LMS
# exports.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"
due="2026-12-01 23:59:00 UTC"
mapfile -t assignments < <(find autograder/source -mindepth 1 -maxdepth 1 -type d -printf '%f\n' | sort)

dlcourse release "${assignments[@]}" --course autograder --due "$due"
for a in "${assignments[@]}"; do
  if [ ! -d "autograder/submitted/student0000/$a" ]; then
    .venv/bin/python -m sample_class "$a" --course autograder -n 30 --due "$due" --ids autograder/lms_ids.csv
  fi
  dlcourse extend "$a" student0009 --days 2 --course autograder  # handed in a day and 2 hours late
  dlcourse grade "$a" --course autograder
done

# the TA's part, on hw1: what a week of questions and hand grading leaves in the gradebook
dlcourse override hw1 student0001 test_affine_backward --score 1 --course autograder \
  --reason "dw is right; dx was reshaped by hand instead of from the cache (see the forum post)"
dlcourse override hw1 student0000 proof_line_search --score 3 --course autograder \
  --reason "complete: the upper model, the bound on the interval, and alpha < 1/2"
dlcourse feedback hw1 --course autograder
dlcourse similarity hw1 --course autograder
for lms in canvas moodle csv; do
  dlcourse export hw1 --to "$lms" --ids autograder/lms_ids.csv --course autograder
done
