"""Syllabus 12, first bullet: one MLP trained at several learning rates; per epoch the
training accuracy, training loss and validation accuracy of each run, and the final model's
test accuracy. The rates are compared on the validation split (``validation``), never on
the test set."""
from __future__ import annotations

from collections.abc import Sequence

from matplotlib.figure import Figure

from dlcourse import models, optim
from dlcourse.experiments import validation
from dlcourse.experiments.validation import Curves
from dlcourse.train import evaluate, fit

SIZES = [64, 64, 10]


def run(learning_rates: Sequence[float] = (0.001, 0.01, 0.1), epochs: int = 15, backend: str = "numpy",
        seed: int = 0) -> dict[float, Curves]:
    """SGD on digits with each learning rate, same initial weights and batch order per run."""
    d = validation.digits_split(seed)
    out = {}
    for lr in learning_rates:
        if backend == "numpy":
            model = models.mlp(SIZES, seed=seed)
            history = fit(model, d.X_train, d.y_train, optim.SGD(lr), epochs=epochs, batch_size=32,
                          test=(d.X_val, d.y_val), seed=seed, progress=False)
            _, test_accuracy = evaluate(model, d.X_test, d.y_test)
        elif backend == "tf":
            from dlcourse.tf import keras
            from dlcourse.tf import models as tf_models
            from dlcourse.tf import train as tf_train

            keras.utils.set_random_seed(seed)
            model = tf_models.mlp(SIZES)
            history = tf_train.fit(model, d.X_train, d.y_train, keras.optimizers.SGD(lr), epochs=epochs,
                                   batch_size=32, test=(d.X_val, d.y_val), seed=seed, progress=False)
            scores = model(d.X_test.astype(model.inputs[0].dtype), training=False).numpy()
            test_accuracy = validation.accuracy(scores, d.y_test)
        else:
            raise ValueError(f"backend must be 'numpy' or 'tf', got {backend!r}")
        out[lr] = Curves.from_history(history, test_accuracy)
    return out


def plot(results: dict[float, Curves]) -> Figure:
    return validation.plot({f"lr = {lr:g}": c for lr, c in results.items()}, "MLP on digits, SGD")
