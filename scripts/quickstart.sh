#!/usr/bin/env bash
# The main job: set up, then train the reference MLP on digits and print its test accuracy.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/dlcourse train-digits "$@"
