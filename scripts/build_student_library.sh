#!/usr/bin/env bash
# Builds the student library into dist/student/: a wheel of dlcourse without dlcourse/grading/, in
# which every function and class that an open assignment (autograder/course.toml) grades is a stub
# raising NotImplementedError. Prints the wheel's path and what was stubbed for which assignment.
#   --course DIR   the nbgrader course folder (default autograder)
#   --out DIR      where the wheel goes (default dist/student)
set -euo pipefail
cd "$(dirname "$0")/.."
exec .venv/bin/dlcourse student-library "$@"
