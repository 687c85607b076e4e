#!/usr/bin/env bash
# The main job: set up, build the course site (offline, warnings as errors), and grade the
# bundled sample class.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build_book.sh
bash scripts/grade_sample_class.sh
echo "The site: _build/html/index.html. The grades: autograder/reports/<homework>/summary.html (hw1, hw2, hw3)."
