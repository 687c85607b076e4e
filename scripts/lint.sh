#!/usr/bin/env bash
# Lint, after scripts/setup.sh: ruff on the Python tree with the rules pyproject.toml names, then on
# the code cells of the book's pages (the labs), which students copy: at 100 characters a line,
# each finding named by its page's .md file and line. Exit status 1 on any finding.
set -uo pipefail
cd "$(dirname "$0")/.."
status=0
echo "lint: ruff check on the Python tree"
.venv/bin/ruff check . || status=1
echo "lint: ruff check on the book's code cells"
.venv/bin/python scripts/lint_pages.py || status=1
exit "$status"
