"""The script the sandbox's Python runs: ``python -I <job>/<package>/launch.py <job>``.

``-I`` puts neither the script's folder nor the working directory on ``sys.path``; this puts the
job folder there, in front, so that the package (beside ``hwcheck.py``, the checker) is
imported from the job and from nowhere else, before any of the student's code runs.
"""
import importlib
import os
import sys

if __name__ == "__main__":
    sys.path.insert(0, sys.argv[1])
    package = os.path.basename(os.path.dirname(os.path.abspath(__file__)))
    importlib.import_module(f"{package}.main").main(sys.argv[1])
