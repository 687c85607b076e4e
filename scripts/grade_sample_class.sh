#!/usr/bin/env bash
# Grades the bundled sample class: 30 synthetic submissions of hw1 (honest, wrong, broken
# and hostile), sandboxed, on a local Dask cluster, into autograder/gradebook.db and
# autograder/reports/hw1/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/release_assignments.sh
[ -d autograder/submitted ] || .venv/bin/dlcourse sample-class hw1 --course autograder -n 30
PATH="$PWD/.venv/bin:$PATH" .venv/bin/dlcourse grade hw1 --course autograder
