#!/usr/bin/env bash
# Releases every assignment (dlcourse release): the check kit (hwcheck.py and the visible
# cases) beside each source notebook, nbgrader generate_assignment into autograder/release/
# (solutions stripped, grade cells registered in the gradebook), and the kit zipped into
# autograder/downloads/<assignment>.zip for the site.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t assignments < <(find autograder/source -mindepth 1 -maxdepth 1 -type d -printf '%f\n' | sort)
.venv/bin/dlcourse release "${assignments[@]}" --course autograder
