"""MNIST-1D (Greydanus, 2020): the paper's own data set, made locally by the paper's package
(``mnist1d`` on PyPI) from its ten 12-point templates, with its random padding, dilation,
scaling, translation, correlated and i.i.d. noise and shear, resampled to 40 points.

Only the package's ``make_dataset`` is used: its ``get_dataset`` downloads by default. Nothing
is downloaded here."""
from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass

import numpy as np


@dataclass(frozen=True)
class MNIST1DConfig:
    """The paper's default parameters (the package's ``get_dataset_args``, less its download URL)."""

    num_samples: int = 5000
    train_split: float = 0.8
    padding: tuple[int, int] = (36, 60)
    scale_coeff: float = 0.4
    max_translation: int = 48
    corr_noise_scale: float = 0.25
    iid_noise_scale: float = 2e-2
    shear_scale: float = 0.75
    final_seq_length: int = 40
    seed: int = 42


@contextmanager
def global_rngs_kept() -> Iterator[None]:
    """Restores Python's and NumPy's global random generators on leaving: ``make_dataset``
    reseeds both, which would otherwise make every later unseeded draw of the caller's
    process repeat from the data set's seed."""
    python_state, numpy_state = random.getstate(), np.random.get_state()
    try:
        yield
    finally:
        random.setstate(python_state)
        np.random.set_state(numpy_state)


def make_mnist1d(
    config: MNIST1DConfig = MNIST1DConfig(),
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(X_train, y_train, X_test, y_test) of the paper's generator: X of shape (N, 40), the
    whole set standardised, classes balanced; the default config gives the paper's data set."""
    # imported here, so that the rest of dlcourse.data (digits, MNIST, CIFAR-10) needs no mnist1d
    from mnist1d.data import get_dataset_args, make_dataset
    from mnist1d.utils import ObjectView

    args = {**get_dataset_args(as_dict=True), **asdict(config), "padding": list(config.padding)}
    args.pop("url")  # make_dataset never reads it; nothing here may download
    with global_rngs_kept():
        data = make_dataset(ObjectView(args))
    return data["x"], data["y"], data["x_test"], data["y_test"]
