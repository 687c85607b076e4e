#!/usr/bin/env bash
# Sets up everything the project needs on a fresh Debian machine: apt packages, a virtual
# environment in .venv with requirements.txt, and dlcourse installed editable.
# Safe to run again: each step is skipped when it is already done.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the project needs: Chromium and its driver for the site's browser tests,
# bubblewrap for the grader's sandbox, a PostgreSQL server for the gradebook's tests; for the
# course's JupyterHub, Node.js and npm (configurable-http-proxy) and python3-venv (the students'
# environment is made from Debian's Python, which every account can run).
APT_PACKAGES=(chromium chromium-driver bubblewrap postgresql python3-venv)
command -v npm >/dev/null 2>&1 || APT_PACKAGES+=(nodejs npm)
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing apt packages: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# --tests: also what only the test suite needs (requirements-test.txt: a reference of gigabytes
# elsewhere), which scripts/test.sh asks for and the quickstart does not.
requirements=(requirements.txt)
[ "${1:-}" = "--tests" ] && requirements+=(requirements-test.txt)

PYTHON=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
stamp=.venv/.requirements.sha256
want=$(cat "${requirements[@]}" pyproject.toml | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "setup: installing Python packages into .venv (first run takes a few minutes)"
  .venv/bin/python -m pip install -q --disable-pip-version-check -U pip
  for file in "${requirements[@]}"; do
    .venv/bin/python -m pip install -q --disable-pip-version-check -r "$file"
  done
  .venv/bin/python -m pip install -q --disable-pip-version-check --no-deps -e .
  echo "$want" > "$stamp"
fi

# JupyterHub's proxy, from npm into .hub/: configurable-http-proxy 5.3 needs Node.js 20 (Debian 12's
# apt has 18, where 5.1, the last for Node.js 18, is taken instead).
node_major=$(node -p 'process.versions.node.split(".")[0]')
chp_version=5.3.0
[ "$node_major" -ge 20 ] || chp_version=5.1.0
if [ "$(cat .hub/.version 2>/dev/null)" != "$chp_version" ]; then
  echo "setup: installing configurable-http-proxy $chp_version into .hub/ (npm)"
  mkdir -p .hub
  npm install --prefix .hub --no-audit --no-fund --silent "configurable-http-proxy@$chp_version"
  echo "$chp_version" > .hub/.version
fi
