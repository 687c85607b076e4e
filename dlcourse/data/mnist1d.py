"""MNIST-1D (Greydanus, 2020), generated locally: ten 12-point templates, one per digit,
made hard to classify by padding, dilation, scaling, translation, correlated and i.i.d.
noise, and shear, then resampled to 40 points. The pipeline and its parameters follow
the paper; the templates are our own drawings, so accuracies are close to, not equal to,
the published ones (logistic ~32%, MLP ~68%, CNN ~94%)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.ndimage import gaussian_filter1d

TEMPLATES = np.array([
    [5.0, 6.0, 6.5, 7.0, 7.0, 7.0, 7.0, 7.0, 7.0, 6.5, 6.0, 5.0],   # 0: a wide plateau
    [0.0, 0.0, 0.0, 0.0, 1.0, 7.0, 7.0, 1.0, 0.0, 0.0, 0.0, 0.0],   # 1: one narrow spike
    [6.0, 6.0, 5.0, 4.0, 3.0, 2.0, 1.0, 0.0, -1.0, 0.0, 5.0, 6.0],  # 2: down, then a sharp rise
    [4.0, 6.0, 6.0, 4.0, 2.0, 2.0, 2.0, 4.0, 6.0, 6.0, 4.0, 2.0],   # 3: two bumps
    [1.0, 1.0, 1.0, 1.0, 6.0, 6.0, 6.0, 6.0, 6.0, 6.0, 1.0, 1.0],   # 4: a long step
    [6.0, 6.0, 6.0, 6.0, 3.0, 0.0, 0.0, 3.0, 5.0, 5.0, 3.0, 0.0],   # 5: high, a hole, a bump
    [6.0, 4.0, 2.0, 1.0, 1.0, 1.0, 2.0, 4.0, 6.0, 6.0, 4.0, 2.0],   # 6: a valley, then a hump
    [7.0, 7.0, 7.0, 6.0, 0.0, -1.0, -1.0, -1.0, -1.0, -1.0, -1.0, -1.0],  # 7: high then low
    [5.0, 2.0, 5.0, 7.0, 5.0, 2.0, 5.0, 7.0, 5.0, 2.0, 5.0, 7.0],   # 8: three waves
    [1.0, 4.0, 6.0, 7.0, 6.0, 4.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0],   # 9: a wide early hump, then flat
])


@dataclass(frozen=True)
class MNIST1DConfig:
    """The paper's default parameters."""

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


def normalized_templates(templates: np.ndarray = TEMPLATES) -> np.ndarray:
    """As in the paper: whiten each template, shift it to start at 0, and scale by 1/6, so
    the digits differ only in shape, at an amplitude comparable to the noise."""
    x = (templates - templates.mean(1, keepdims=True)) / templates.std(1, keepdims=True)
    return (x - x[:, :1]) / 6.0


def _resample(x: np.ndarray, n: int) -> np.ndarray:
    return np.interp(np.linspace(0, 1, n), np.linspace(0, 1, len(x)), x)


def _transform(template: np.ndarray, cfg: MNIST1DConfig, rng: np.random.Generator) -> np.ndarray:
    lo, hi = cfg.padding
    x = np.concatenate([template + 1e-8, np.zeros(rng.integers(lo, hi + 1))])  # pad
    x = _resample(x, len(template) + hi)  # dilate to a common length
    x = x * (1 + cfg.scale_coeff * (rng.random() - 0.5))  # scale
    x = np.roll(x, rng.integers(cfg.max_translation))  # translate (circularly)
    background = x == 0
    noise = gaussian_filter1d(cfg.corr_noise_scale * rng.standard_normal(len(x)), 2)
    x = np.where(background, noise, x)  # correlated noise where no signal
    x = x + cfg.iid_noise_scale * rng.standard_normal(len(x))
    x = x - cfg.shear_scale * (rng.random() - 0.5) * np.linspace(-0.5, 0.5, len(x))  # shear
    return _resample(x, cfg.final_seq_length)


def make_mnist1d(
    config: MNIST1DConfig = MNIST1DConfig(),
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(X_train, y_train, X_test, y_test), X of shape (N, 40), classes balanced, standardised."""
    rng = np.random.default_rng(config.seed)
    templates = normalized_templates()
    y = np.arange(config.num_samples) % 10
    X = np.stack([_transform(templates[c], config, rng) for c in y])
    order = rng.permutation(config.num_samples)
    X, y = X[order], y[order]
    X = (X - X.mean()) / X.std()  # the whole set centred, standard deviation 1
    n_train = int(config.train_split * config.num_samples)
    return X[:n_train], y[:n_train], X[n_train:], y[n_train:]
