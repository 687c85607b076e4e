#!/usr/bin/env bash
# Generates the student version of every assignment (nbgrader generate_assignment) into
# autograder/release/: solutions and hidden tests stripped, grade cells registered in the
# gradebook.
set -euo pipefail
cd "$(dirname "$0")/../autograder"
export PATH="$PWD/../.venv/bin:$PATH"
for dir in source/*/; do
  nbgrader generate_assignment "$(basename "$dir")" --force --log-level=WARN
done
