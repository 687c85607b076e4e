"""Calibration of hw3's outcome exercise (an MLP on MNIST-1D): the reference and every declared
wrong answer judged over many gradings, each with its own secret, graded training set,
held-out set and seeds; prints each answer's median outcome and the misgrade rate of the bands
(see dlcourse.grading.outcome.calibration). One BLAS thread, as a sandboxed run has.

Run: OMP_NUM_THREADS=1 .venv/bin/python benchmarks/calibrate_outcome.py [--gradings 20]
"""
from __future__ import annotations

import argparse
import time
import warnings

from threadpoolctl import threadpool_limits

from dlcourse.grading.outcome.calibration import calibrate, table
from dlcourse.grading.outcome.hw3 import MLP_MNIST1D


def main(gradings: int) -> None:
    start = time.perf_counter()
    # a diverging answer (the summed gradient) overflows on purpose: its warnings are expected
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        verdicts = calibrate(MLP_MNIST1D, gradings)
    print(table(MLP_MNIST1D, verdicts))
    print(f"({time.perf_counter() - start:.0f} s)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gradings", type=int, default=20)
    main(parser.parse_args().gradings)
