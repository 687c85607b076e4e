"""A validation split for choosing a learning rate or an optimiser, so that the test set is
not used to choose: the digits' training part is split again, and the test part stays as
``load_digits`` gives it. The curves of a run name the validation split as such."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from matplotlib.figure import Figure

from dlcourse.data import load_digits
from dlcourse.train import History

VALIDATION_SIZE = 0.2


@dataclass
class Split:
    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray


def digits_split(seed: int = 0, images: bool = False, validation_size: float = VALIDATION_SIZE) -> Split:
    """The digits' training part split into training and validation (stratified, ``seed``);
    the test part is ``load_digits(seed=seed)``'s, untouched."""
    from sklearn.model_selection import train_test_split

    Xtr, ytr, Xte, yte = load_digits(seed=seed, images=images)
    Xtr, Xval, ytr, yval = train_test_split(Xtr, ytr, test_size=validation_size, random_state=seed, stratify=ytr)
    return Split(Xtr, ytr, Xval, yval, Xte, yte)


@dataclass
class Curves:
    """Per epoch, the training loss and accuracy and the validation loss and accuracy; and the
    test accuracy of the final model, measured once, after training."""
    loss: list[float]
    accuracy: list[float]
    val_loss: list[float]
    val_accuracy: list[float]
    test_accuracy: float

    @classmethod
    def from_history(cls, history: History, test_accuracy: float) -> Curves:
        """``history`` from a ``fit`` whose held-out set was the validation split."""
        return cls(history.loss, history.accuracy, history.test_loss, history.test_accuracy, test_accuracy)


def accuracy(scores: np.ndarray, y: np.ndarray) -> float:
    """The fraction of rows whose largest score is at the label."""
    return float((np.asarray(scores).argmax(axis=1) == y).mean())


def best(curves: dict[str, Curves]) -> str:
    """The run of highest final validation accuracy: the choice the test set plays no part in."""
    return max(curves, key=lambda name: curves[name].val_accuracy[-1])


def plot(curves: dict[str, Curves], title: str = "") -> Figure:
    """Training loss, training accuracy and validation accuracy per epoch, one line per run."""
    from dlcourse.plots import plot_histories

    return plot_histories(curves, title, panels=(("loss", "training loss"), ("accuracy", "training accuracy"),
                                                 ("val_accuracy", "validation accuracy")))
