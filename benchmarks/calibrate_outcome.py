"""Calibration of the outcome exercises (hw3's MLP on MNIST-1D; chapter 12's diverging
configuration): the reference and every declared wrong answer judged over many gradings, each
with its own secret, graded training set, held-out set and seeds; prints each answer's median
outcome and the misgrade rate of the bands (see dlcourse.grading.outcome.calibration and
configured_calibration). One BLAS thread, as a sandboxed run has.

Run: OMP_NUM_THREADS=1 .venv/bin/python benchmarks/calibrate_outcome.py [--gradings 20] [--exercise mlp|diverging]

On this machine (2 shared cores, one thread), the bands of 58% (full) and 45% (half):

    test_outcome_mlp: 20 gradings, 3 seeds each, held-out 2000; bands >= 58%: 1, >= 45%: 0.5; control bound 14.8%
    answer              median          range  mean credit  control max  misgraded  CPU s/run
    reference            64.2%    62.3%-65.4%         1.00        11.1%       0/20       0.42
    under_trained        53.2%    51.3%-54.6%         0.50        13.1%       0/20       0.06
    summed_gradient      10.0%    10.0%-10.0%         0.00        10.0%       0/20       0.44
    majority             10.0%    10.0%-10.0%         0.00        10.0%       0/20       0.00
    misgrade rate: 0/80 = 0.0%

The full band sits midway: the reference's lowest median is 4.3 points above it, the subtle
answer's highest 3.4 below. (With a full band of 61%, the reference's lowest was 1.3 points
above it here, and in a sample class one honest notebook of about thirty got half credit, at
60.8%: a student's own seeds move the median too.) Moving the threshold, the budget or the
reference means running this again.

The diverging configuration (its answers trained by the grader's trainer), bands of 59% (full)
and 35% (half); the other right answers must earn full credit as the reference does:

    test_outcome_diverging: 20 gradings, 3 seeds each, held-out 2000; bands >= 59%: 1, >= 35%: 0.5; control bound 14.8%
    answer              median          range  mean credit  control max  misgraded  CPU s/run
    reference            64.5%    62.5%-66.1%         1.00        11.6%       0/20       0.29
    lowered_too_far      55.0%    53.7%-56.6%         0.50        12.0%       0/20       0.29
    barely_lowered       27.1%    25.1%-29.9%         0.00        10.9%       0/20       0.28
    batchnorm_only       46.8%    38.6%-51.5%         0.50        11.0%       0/20       0.59
    adam_same_rate       10.0%    10.0%-10.0%         0.00        10.1%       0/20       0.42
    misgrade rate: 0/100 = 0.0%
    other right answers (misgraded below full credit):
    no_momentum          64.5%    61.2%-67.3%         1.00                    0/20
    adam                 63.9%    62.6%-66.7%         1.00                    0/20
    batchnorm            64.7%    62.5%-67.0%         1.00                    0/20
    misgrade rate, every declared answer: 0/160 = 0.0%
    estimated CPU s/run (budget 4 s): reference 0.76, lowered_too_far 0.76, barely_lowered 0.76, ...
    (365 s)

The full band sits midway, as hw3's does: the right answers' lowest median is 2.2 points above
it (SGD without momentum), the subtle answer's highest 2.4 below (at 60% the first margin was
1.2 points); BatchNorm alone at 1.0 stays 3.6 points above the half band, a learning rate of 0.5
5.1 below it. A submission costs its (seeds + 1) runs: about 1.2 s of CPU for the reference, 16
s at most by the budget. The budget check's estimate (arithmetic and each update's fixed cost)
is two to three times the CPU a run took here.
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
from dlcourse.trainer import estimated_cpu_seconds

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
