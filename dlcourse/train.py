"""A small trainer for ``nn.Sequential`` models: seeded mini-batches, a per-epoch history,
an optional tqdm progress bar, and evaluation."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from tqdm import tqdm  # the plain bar: tqdm.auto would need ipywidgets in notebooks

from dlcourse import losses, optim
from dlcourse.nn import Sequential

LossFn = Callable[[np.ndarray, np.ndarray], tuple[float, np.ndarray]]


@dataclass
class History:
    """Per-epoch means: training loss/accuracy over the epoch's batches, test on the test set."""

    loss: list[float] = field(default_factory=list)
    accuracy: list[float] = field(default_factory=list)
    test_loss: list[float] = field(default_factory=list)
    test_accuracy: list[float] = field(default_factory=list)

    def latest(self) -> dict[str, str]:
        """The last epoch's numbers, formatted for a progress bar."""
        shown = {"loss": (self.loss, ".4f"), "acc": (self.accuracy, ".3f"), "test_acc": (self.test_accuracy, ".3f")}
        return {name: format(values[-1], fmt) for name, (values, fmt) in shown.items() if values}


def batches(n: int, batch_size: int, rng: np.random.Generator | None) -> list[np.ndarray]:
    """Index arrays of the mini-batches of one epoch, shuffled when ``rng`` is given."""
    order = rng.permutation(n) if rng is not None else np.arange(n)
    return [order[i : i + batch_size] for i in range(0, n, batch_size)]


def evaluate(
    model: Sequential, X: np.ndarray, y: np.ndarray, loss_fn: LossFn = losses.softmax_cross_entropy,
    batch_size: int = 1024,
) -> tuple[float, float]:
    """Mean loss and accuracy of ``model`` in evaluation mode."""
    total_loss, correct = 0.0, 0
    for idx in batches(len(X), batch_size, None):
        scores = model.forward(X[idx], training=False)
        total_loss += loss_fn(scores, y[idx])[0] * len(idx)
        correct += int((scores.argmax(axis=1) == y[idx]).sum())
    return total_loss / len(X), correct / len(X)


def train_step(
    model: Sequential, optimizer: optim.UpdateRule, state: optim.OptState, X: np.ndarray, y: np.ndarray,
    loss_fn: LossFn = losses.softmax_cross_entropy,
) -> tuple[float, np.ndarray, optim.OptState]:
    """One update: forward, loss, backward (no input gradient), the optimiser's step; the model
    gets the new parameters. Returns the loss, the scores and the optimiser's new state."""
    scores = model.forward(X, training=True)
    loss, dscores = loss_fn(scores, y)
    _, grads = model.backward(dscores, need_dx=False)
    params, state = optimizer.step(model.parameters(), grads, state)
    model.load_parameters(params)
    return loss, scores, state


def fit(
    model: Sequential,
    X: np.ndarray,
    y: np.ndarray,
    optimizer: optim.UpdateRule,
    epochs: int = 10,
    batch_size: int = 64,
    loss_fn: LossFn = losses.softmax_cross_entropy,
    test: tuple[np.ndarray, np.ndarray] | None = None,
    seed: int | None = 0,
    progress: bool = True,
) -> History:
    """Trains ``model`` in place with ``optimizer`` (an update rule of ``dlcourse.optim``) and
    returns its history; ``dlcourse.tf.train.fit`` is its Keras twin.

    ``seed`` fixes the shuffling (None keeps the data order).
    """
    rng = np.random.default_rng(seed) if seed is not None else None
    state = optimizer.init(model.parameters())
    hist = History()
    bar = tqdm(range(epochs), desc="training", unit="epoch", disable=not progress)
    for _ in bar:
        ep_loss, ep_correct = 0.0, 0
        for idx in batches(len(X), batch_size, rng):
            loss, scores, state = train_step(model, optimizer, state, X[idx], y[idx], loss_fn)
            ep_loss += loss * len(idx)
            ep_correct += int((scores.argmax(axis=1) == y[idx]).sum())
        hist.loss.append(ep_loss / len(X))
        hist.accuracy.append(ep_correct / len(X))
        if test is not None:
            tl, ta = evaluate(model, *test, loss_fn=loss_fn)
            hist.test_loss.append(tl)
            hist.test_accuracy.append(ta)
        bar.set_postfix(hist.latest())
    return hist
