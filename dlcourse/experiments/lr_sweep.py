"""Syllabus 12, first bullet: one MLP trained at several learning rates; per epoch the
training accuracy, training loss and test accuracy of each run."""
from __future__ import annotations

from collections.abc import Sequence

from matplotlib.figure import Figure

from dlcourse import models, optim
from dlcourse.data import load_digits
from dlcourse.plots import plot_histories
from dlcourse.train import History, fit

SIZES = [64, 64, 10]


def run(learning_rates: Sequence[float] = (0.001, 0.01, 0.1), epochs: int = 15, backend: str = "numpy",
        seed: int = 0) -> dict[float, History]:
    """SGD on digits with each learning rate, same initial weights and batch order per run."""
    Xtr, ytr, Xte, yte = load_digits(seed=seed)
    out = {}
    for lr in learning_rates:
        if backend == "numpy":
            out[lr] = fit(models.mlp(SIZES, seed=seed), Xtr, ytr, optim.SGD(lr), epochs=epochs, batch_size=32,
                          test=(Xte, yte), seed=seed, progress=False)
        elif backend == "tf":
            from dlcourse.tf import keras
            from dlcourse.tf import models as tf_models
            from dlcourse.tf import train as tf_train

            keras.utils.set_random_seed(seed)
            out[lr] = tf_train.fit(tf_models.mlp(SIZES), Xtr, ytr, keras.optimizers.SGD(lr), epochs=epochs,
                                   batch_size=32, test=(Xte, yte), seed=seed, progress=False)
        else:
            raise ValueError(f"backend must be 'numpy' or 'tf', got {backend!r}")
    return out


def plot(results: dict[float, History]) -> Figure:
    return plot_histories({f"lr = {lr:g}": h for lr, h in results.items()}, "MLP on digits, SGD")
