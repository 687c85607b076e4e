"""The data and the seeds an outcome exercise is graded with, all made from the course secret.

- The held-out set: ``heldout_size`` MNIST-1D signals from the paper's generator (the
  student's distribution), seeded by HMAC(secret, "<assignment>/<grade id>/held-out"). It is
  made at grading time, never written into the kit, and differs from the paper's own data
  set (``make_dataset()``'s seed 42, training and test splits alike): a ``predict`` that looks
  up the public signals finds none of these.
- The graded training set: drawn like the student's (same generator, same size), from its own
  secret seed. So a ``train`` cannot tell a graded run from the permuted-label control by
  comparing its labels with the public ones.
- The seeds of the student's runs and of the control (its seed and its label permutation):
  per student, as hidden cases are (``dlcourse.grading.cases``).

Both sets are the same for the whole class (one held-out set: every student is measured on
the same data), so a grader makes them once per exercise (``grading_data`` is cached).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np

from dlcourse.data.mnist1d import MNIST1DConfig, make_mnist1d
from dlcourse.grading.cases import _seed
from dlcourse.grading.outcome.exercise import Outcome


@dataclass(frozen=True)
class GradingData:
    X_train: np.ndarray
    y_train: np.ndarray
    X_heldout: np.ndarray
    y_heldout: np.ndarray


@dataclass(frozen=True)
class RunSeeds:
    runs: tuple[int, ...]  # the seed passed to the student's train, one per graded run
    control: int  # the control run's seed
    permutation: int  # the seed of the control's label permutation


def _generator_seed(secret_seed: int, public: MNIST1DConfig) -> int:
    """A seed the generator accepts (it reseeds NumPy's global generator: below 2^32), never the
    public one."""
    seed = secret_seed % 2**32
    return seed + 1 if seed == public.seed else seed


@lru_cache(maxsize=4)
def _draw(config: MNIST1DConfig) -> tuple[np.ndarray, ...]:
    """A draw of the generator, kept for the next submission: read-only, so that no caller
    changes what the next one is graded on."""
    arrays = make_mnist1d(config)
    for a in arrays:
        a.flags.writeable = False
    return arrays


def student_data(outcome: Outcome) -> tuple[np.ndarray, np.ndarray]:
    """The training data the student is given: the training split of the declared data set."""
    X, y, _, _ = _draw(outcome.data)
    return X, y


def grading_data(outcome: Outcome, secret: bytes, assignment: str) -> GradingData:
    """The graded training set and the held-out set of ``outcome`` (see the module's docstring)."""
    public = outcome.data
    train_seed = _generator_seed(_seed(secret, assignment, outcome.grade_id, "training"), public)
    heldout_seed = _generator_seed(_seed(secret, assignment, outcome.grade_id, "held-out"), public)
    X_train, y_train, _, _ = _draw(replace(public, seed=train_seed))
    # train_split 0: the whole draw lands in the test split, exactly heldout_size / 10 per class
    _, _, X_heldout, y_heldout = _draw(replace(public, seed=heldout_seed, num_samples=outcome.heldout_size,
                                               train_split=0.0))
    return GradingData(X_train, y_train, X_heldout, y_heldout)


def run_seeds(outcome: Outcome, secret: bytes, assignment: str, student: str) -> RunSeeds:
    """The seeds of one student's graded runs and control, below 2^32 (``np.random.seed`` takes them)."""
    def seed(part: str) -> int:
        return _seed(secret, assignment, outcome.grade_id, student, part) % 2**32

    return RunSeeds(tuple(seed(f"run {k}") for k in range(outcome.seeds)), seed("control"), seed("permutation"))
