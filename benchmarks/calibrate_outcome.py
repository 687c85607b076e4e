"""Calibration of hw3's outcome exercise (an MLP on MNIST-1D): the reference and every declared
wrong answer judged over many gradings, each with its own secret, graded training set,
held-out set and seeds; prints each answer's median outcome and the misgrade rate of the bands
(see dlcourse.grading.outcome.calibration). One BLAS thread, as a sandboxed run has.

Run: OMP_NUM_THREADS=1 .venv/bin/python benchmarks/calibrate_outcome.py [--gradings 20]

On this machine (2 shared cores, one thread), the bands of 61% (full) and 45% (half):

    test_outcome_mlp: 20 gradings, 3 seeds each, held-out 2000; bands >= 61%: 1, >= 45%: 0.5; control bound 14.8%
    answer              median          range  mean credit  control max  misgraded  CPU s/run
    reference            64.2%    62.3%-65.4%         1.00        11.1%       0/20       0.53
    no_momentum          58.9%    56.9%-60.2%         0.50        12.6%       0/20       0.50
    under_trained        58.5%    56.5%-60.0%         0.50        12.7%       0/20       0.15
    summed_gradient      10.0%    10.0%-10.0%         0.00        10.0%       0/20       0.55
    majority             10.0%    10.0%-10.0%         0.00        10.0%       0/20       0.00
    misgrade rate: 0/100 = 0.0%

The margins are narrow: the reference's lowest median is 1.3 points above the full band, the
subtle answers' highest 0.8 below it. Moving the threshold, the budget or the reference means
running this again.
"""
from __future__ import annotations

import argparse
import time
import warnings

from threadpoolctl import threadpool_limits

from dlcourse.grading.outcome.calibration import calibrate, table
from dlcourse.grading.outcome.configured_calibration import calibrate_configured, configurations, configured_table
from dlcourse.grading.outcome.diverging import DIVERGING_MLP
from dlcourse.grading.outcome.hw3 import MLP_MNIST1D
from dlcourse.grading.outcome.trainer import estimated_cpu_seconds

EXERCISES = ("mlp", "diverging")


def estimates() -> str:
    """What the budget check expects each of the configuration exercise's answers to take a run."""
    o = DIVERGING_MLP.outcome
    expected = {name: estimated_cpu_seconds(c, DIVERGING_MLP.n_train, o.data.final_seq_length)
                for name, c in configurations(DIVERGING_MLP).items()}
    return (f"estimated CPU s/run (budget {o.budget.cpu_seconds:g} s): "
            + ", ".join(f"{name} {s:.2f}" for name, s in expected.items()))


def main(gradings: int, exercises: list[str]) -> None:
    # a diverging answer (the summed gradient, a learning rate too high) overflows on purpose:
    # its warnings are expected
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        if "mlp" in exercises:
            start = time.perf_counter()
            print(table(MLP_MNIST1D, calibrate(MLP_MNIST1D, gradings)))
            print(f"({time.perf_counter() - start:.0f} s)")
        if "diverging" in exercises:
            start = time.perf_counter()
            print(configured_table(DIVERGING_MLP, calibrate_configured(DIVERGING_MLP, gradings)))
            print(estimates())
            print(f"({time.perf_counter() - start:.0f} s)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gradings", type=int, default=20)
    parser.add_argument("--exercise", choices=EXERCISES, action="append",
                        help="calibrate only this exercise (may be repeated; default: all)")
    args = parser.parse_args()
    main(args.gradings, args.exercise or list(EXERCISES))
