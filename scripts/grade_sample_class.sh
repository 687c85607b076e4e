#!/usr/bin/env bash
# Grades the bundled sample class: 30 synthetic submissions of every homework (honest, wrong,
# broken and hostile), sandboxed, on a local Dask cluster, into autograder/gradebook.db and
# autograder/reports/<assignment>/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/release_assignments.sh
for dir in autograder/source/*/; do
  a=$(basename "$dir")
  [ -d "autograder/submitted/student0000/$a" ] || .venv/bin/dlcourse sample-class "$a" --course autograder -n 30
  PATH="$PWD/.venv/bin:$PATH" .venv/bin/dlcourse grade "$a" --course autograder
done
