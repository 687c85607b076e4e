"""Outcome exercises (issue 23): the judge scores what the student's ``train`` learned on secret
held-out data, over several seeds, with a permuted-label control; hostile answers (pasted
weights, memorising predictors, the training labels, lazy objects) get nothing from it; and the
bands of hw3's MLP exercise separate its reference from every declared wrong answer."""
from __future__ import annotations

import secrets
import time
from dataclasses import replace

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from dlcourse.data.mnist1d import make_mnist1d
from dlcourse.errors import DeclarationError
from dlcourse.grading.outcome import (
    AnswerRefused,
    Band,
    Budget,
    GradingData,
    RunSeeds,
    chance_bound,
    define,
    grading_data,
    judge,
    labels,
    run_seeds,
    student_data,
)
from dlcourse.grading.outcome.calibration import REFERENCE, calibrate, calibration_secret, misgraded
from dlcourse.grading.outcome.hw3 import MLP_MNIST1D

OUTCOME = MLP_MNIST1D


@pytest.fixture(scope="module")
def secret() -> bytes:
    """A fixed secret (a fresh one per run would make the reference's score a draw too): one the
    calibration does not use."""
    return calibration_secret(1000)


@pytest.fixture(scope="module")
def data(secret: bytes) -> GradingData:
    return grading_data(OUTCOME, secret, "hw3")


@pytest.fixture(scope="module")
def seeds(secret: bytes) -> RunSeeds:
    return run_seeds(OUTCOME, secret, "hw3", "alice")


@pytest.fixture(scope="module")
def public() -> tuple[np.ndarray, ...]:
    """The paper's data set, which students have: (X_train, y_train, X_test, y_test)."""
    return make_mnist1d()


@pytest.fixture(scope="module")
def public_predict():
    """A predict trained elsewhere: the reference, on the public training split."""
    X, y = student_data(OUTCOME)
    with threadpool_limits(1):
        return define(OUTCOME.solution, "train")(X, y, 0)


def _rows(X: np.ndarray) -> set[bytes]:
    return {row.tobytes() for row in X}


def _nearest(X: np.ndarray, P: np.ndarray) -> np.ndarray:
    """Each row's distance to its nearest row of P."""
    squared = (X**2).sum(1)[:, None] + (P**2).sum(1)[None] - 2 * X @ P.T
    return np.sqrt(np.maximum(squared, 0).min(axis=1))


def test_heldout_is_secret_fresh_and_balanced(secret: bytes, data: GradingData, public) -> None:
    # a draw from the public seed holds the public signals again, standardised a little differently:
    # at a distance of about 0.03 of them, where other signals are 2 or more apart
    seen = np.vstack(public[::2])
    assert _nearest(data.X_heldout, seen).min() > 1.0, "held-out signals found in the public data set"
    assert _nearest(data.X_train, seen).min() > 1.0, "graded training signals found in the public data set"
    assert np.bincount(data.y_heldout).tolist() == [OUTCOME.heldout_size // 10] * 10
    with pytest.raises(ValueError, match="read-only"):  # kept for the next submission: nobody writes into it
        data.y_heldout[0] = 0
    assert len(data.X_train) == len(student_data(OUTCOME)[0])
    other = grading_data(OUTCOME, secrets.token_bytes(32), "hw3")  # another course's secret
    assert not _rows(other.X_heldout) & _rows(data.X_heldout)
    assert run_seeds(OUTCOME, secret, "hw3", "bob") != run_seeds(OUTCOME, secret, "hw3", "alice")


class Lazy:
    """A 'prediction' that computes at comparison time: equal to anything."""

    touched = False

    def __eq__(self, other: object) -> bool:
        Lazy.touched = True
        return True

    __hash__ = None  # type: ignore[assignment]

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        Lazy.touched = True
        raise AssertionError("the judge called the student's __array__")

    def __len__(self) -> int:
        Lazy.touched = True
        return 0


class AlwaysEqual(np.ndarray):
    def __eq__(self, other: object) -> np.ndarray:  # type: ignore[override]
        return np.ones(np.shape(other), dtype=bool)


@pytest.mark.parametrize("make", [
    lambda y: Lazy(),
    lambda y: y.view(AlwaysEqual),  # a subclass whose == says yes
    lambda y: y.astype(object),
    lambda y: y.astype(float),
    lambda y: list(y),
    lambda y: y[:-1],  # one label short
    lambda y: y.reshape(-1, 1),
    lambda y: y + 10,  # labels out of range
], ids=["lazy", "subclass", "object", "float", "list", "short", "column", "range"])
def test_labels_refuses_what_is_not_plain_integer_labels(make) -> None:
    y = np.arange(20) % 10
    with pytest.raises(AnswerRefused):
        labels(make(y), len(y))
    assert not Lazy.touched


def test_labels_copies_what_it_accepts() -> None:
    y = np.arange(20, dtype=np.int32) % 10
    out = labels(y, 20)
    y[:] = 0
    assert out.tolist() == (np.arange(20) % 10).tolist()


def test_a_lazy_answer_is_refused_by_the_judge(data: GradingData, seeds: RunSeeds) -> None:
    def train(X, y, seed):
        return lambda X_new: Lazy()

    verdict = judge(OUTCOME, train, data, seeds)
    assert verdict.score == 0
    assert all("Lazy" in r.error for r in verdict.runs)
    assert not Lazy.touched


def test_control_catches_pasted_weights(data: GradingData, seeds: RunSeeds, public_predict) -> None:
    def train(X, y, seed):  # ignores its data: returns weights trained elsewhere
        return public_predict

    verdict = judge(OUTCOME, train, data, seeds)
    assert verdict.median >= OUTCOME.bands[-1].threshold  # good predictions...
    assert verdict.flagged  # ...that did not come from training on the given data
    assert verdict.score == 0
    assert "did not come from training" in verdict.feedback()


def test_the_reference_is_not_flagged_and_earns_full_credit(data: GradingData, seeds: RunSeeds) -> None:
    with threadpool_limits(1):
        verdict = judge(OUTCOME, define(OUTCOME.solution, "train"), data, seeds)
    assert not verdict.flagged, verdict.feedback()
    assert verdict.control.accuracy <= verdict.control_bound
    assert verdict.score == OUTCOME.points, verdict.feedback()
    assert all(r.cpu_seconds <= OUTCOME.budget.cpu_seconds for r in verdict.runs)


def test_memorising_predictors_score_at_chance(data: GradingData, seeds: RunSeeds, public) -> None:
    X_train, y_train, X_test, y_test = public
    table = {x.tobytes(): int(label) for x, label in zip(np.vstack([X_train, X_test]), np.hstack([y_train, y_test]))}

    def memorise(X_new):
        return np.array([table.get(x.tobytes(), 0) for x in X_new])

    assert (memorise(X_test) == y_test).all()  # it does memorise the public data set
    verdict = judge(OUTCOME, lambda X, y, seed: memorise, data, seeds)
    assert verdict.median <= chance_bound(len(data.y_heldout))
    assert verdict.score == 0


def test_returning_the_training_labels_scores_at_chance(data: GradingData, seeds: RunSeeds) -> None:
    def train(X, y, seed):
        return lambda X_new: y[:len(X_new)].copy()

    verdict = judge(OUTCOME, train, data, seeds)
    assert all(r.error is None for r in verdict.runs)
    assert verdict.median <= chance_bound(len(data.y_heldout))
    assert verdict.score == 0


def test_chance_bound_holds_for_predictions_that_know_nothing(rng: np.random.Generator) -> None:
    n = OUTCOME.heldout_size
    y = np.repeat(np.arange(10), n // 10)
    skewed = rng.choice(10, size=(5000, n), p=np.linspace(1, 3, 10) / 20)  # any predictions, even skewed ones
    accuracies = (skewed == y).mean(axis=1)
    assert accuracies.max() <= chance_bound(n)
    assert abs(accuracies.mean() - 0.1) < 0.002
    assert chance_bound(4 * n) < chance_bound(n)


def test_a_run_over_budget_earns_nothing(data: GradingData, seeds: RunSeeds) -> None:
    def train(X, y, seed):
        end = time.process_time() + 0.05
        while time.process_time() < end:
            pass
        return lambda X_new: np.zeros(len(X_new), dtype=int)

    verdict = judge(replace(OUTCOME, budget=Budget(cpu_seconds=0.01, memory_mb=1024)), train, data, seeds)
    assert all("over the budget" in r.error for r in verdict.runs)


def test_a_failing_train_is_reported_not_raised(data: GradingData, seeds: RunSeeds) -> None:
    def train(X, y, seed):
        X[0, 0] = 1.0  # the judge's data is read-only to the student

    verdict = judge(OUTCOME, train, data, seeds)
    assert verdict.score == 0
    assert all("read-only" in r.error for r in verdict.runs)
    assert "read-only" in verdict.feedback()


def test_declaration_checks_its_bands() -> None:
    with pytest.raises(DeclarationError, match="highest threshold first"):
        replace(OUTCOME, bands=(Band(0.4, 0.5), Band(0.6, 1.0)))
    with pytest.raises(DeclarationError, match="multiple"):
        replace(OUTCOME, heldout_size=1995)


@pytest.mark.slow
def test_bands_separate_the_reference_from_every_wrong_answer() -> None:
    """A few calibration gradings (benchmarks/calibrate_outcome.py runs 20): none misgraded, and
    every wrong answer's median outcome below the reference's lowest."""
    with threadpool_limits(1), np.errstate(all="ignore"):
        verdicts = calibrate(OUTCOME, 3)
    assert set(verdicts) == {REFERENCE, *OUTCOME.wrong_answers}
    for name, vs in verdicts.items():
        assert not any(misgraded(name, v) for v in vs), [v.feedback() for v in vs]
        assert not any(v.flagged for v in vs), name
    lowest_reference = min(v.median for v in verdicts[REFERENCE])
    for name in OUTCOME.wrong_answers:
        assert max(v.median for v in verdicts[name]) < lowest_reference, name
