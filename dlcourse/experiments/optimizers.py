"""Syllabus 12, the CNN experiment of seed 004 (there on CIFAR-10: SGD lr 0.005 -> 49.91%,
Adam lr 5e-5 -> 62.49%, Adam lr 0.005 -> 13.63%, then BatchNorm + Dropout), reproduced in
shape on 8x8 digits in Keras: Adam beats SGD at a small rate, a too-large rate fails."""
from __future__ import annotations

from dataclasses import dataclass

from dlcourse.data import load_digits
from dlcourse.train import History

# name -> (optimiser, learning rate, batchnorm + dropout)
SETTINGS = {
    "SGD, lr 0.005": ("SGD", 0.005, False),
    "Adam, lr 0.001": ("Adam", 0.001, False),
    "Adam, lr 0.5 (too large)": ("Adam", 0.5, False),
    "Adam, lr 0.001, BatchNorm + Dropout": ("Adam", 0.001, True),
}


@dataclass
class Row:
    name: str
    history: History

    @property
    def final_test_accuracy(self) -> float:
        return self.history.test_accuracy[-1]


def run(epochs: int = 8, seed: int = 0) -> list[Row]:
    from dlcourse.tf import keras
    from dlcourse.tf import models as tf_models
    from dlcourse.tf import train as tf_train

    Xtr, ytr, Xte, yte = load_digits(images=True, seed=seed)
    rows = []
    for name, (opt, lr, regularised) in SETTINGS.items():
        keras.utils.set_random_seed(seed)
        model = tf_models.cnn((8, 8, 1), 10, batchnorm=regularised, dropout=0.3 if regularised else 0.0)
        optimizer = getattr(keras.optimizers, opt)(learning_rate=lr)
        history = tf_train.fit(model, Xtr, ytr, optimizer, epochs=epochs, batch_size=32, test=(Xte, yte), seed=seed,
                               progress=False)
        rows.append(Row(name, history))
    return rows


def table(rows: list[Row]) -> str:
    """A Markdown table of final test accuracies and the gap to the best run."""
    best = max(r.final_test_accuracy for r in rows)
    lines = ["| setting | test accuracy | gap to best |", "|---|---:|---:|"]
    lines += [f"| {r.name} | {100 * r.final_test_accuracy:.2f}% | {100 * (best - r.final_test_accuracy):.2f} |"
              for r in rows]
    return "\n".join(lines)
