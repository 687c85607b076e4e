"""Syllabus 12, the CNN experiment of seed 004 (there on CIFAR-10: SGD lr 0.005 -> 49.91%,
Adam lr 5e-5 -> 62.49%, Adam lr 0.005 -> 13.63%, then BatchNorm + Dropout), reproduced in
shape on 8x8 digits in Keras: Adam beats SGD at a small rate, and a too-large rate fails.
The seed's failing rate, Adam at 0.005, is run too: at this scale it trains. The settings are
compared on a validation split; the test set only scores each final model once."""
from __future__ import annotations

from dataclasses import dataclass

from dlcourse.experiments import validation
from dlcourse.experiments.validation import Curves

# name -> (optimiser, learning rate, batchnorm + dropout)
SETTINGS = {
    "SGD, lr 0.005": ("SGD", 0.005, False),
    "Adam, lr 0.001": ("Adam", 0.001, False),
    "Adam, lr 0.005 (the seed's failing rate)": ("Adam", 0.005, False),
    "Adam, lr 0.5 (too large)": ("Adam", 0.5, False),
    "Adam, lr 0.001, BatchNorm + Dropout": ("Adam", 0.001, True),
}


@dataclass
class Row:
    name: str
    curves: Curves

    @property
    def final_val_accuracy(self) -> float:
        return self.curves.val_accuracy[-1]


def run(epochs: int = 8, seed: int = 0) -> list[Row]:
    from dlcourse.tf import keras
    from dlcourse.tf import models as tf_models
    from dlcourse.tf import train as tf_train

    d = validation.digits_split(seed, images=True)
    rows = []
    for name, (opt, lr, regularised) in SETTINGS.items():
        keras.utils.set_random_seed(seed)
        model = tf_models.cnn((8, 8, 1), 10, batchnorm=regularised, dropout=0.3 if regularised else 0.0)
        optimizer = getattr(keras.optimizers, opt)(learning_rate=lr)
        history = tf_train.fit(model, d.X_train, d.y_train, optimizer, epochs=epochs, batch_size=32,
                               test=(d.X_val, d.y_val), seed=seed, progress=False)
        scores = model(d.X_test.astype(model.inputs[0].dtype), training=False).numpy()
        rows.append(Row(name, Curves.from_history(history, validation.accuracy(scores, d.y_test))))
    return rows


def table(rows: list[Row]) -> str:
    """A Markdown table of final validation accuracies and the gap to the best run."""
    best = max(r.final_val_accuracy for r in rows)
    lines = ["| setting | validation accuracy | gap to best |", "|---|---:|---:|"]
    lines += [f"| {r.name} | {100 * r.final_val_accuracy:.2f}% | {100 * (best - r.final_val_accuracy):.2f} |"
              for r in rows]
    return "\n".join(lines)
