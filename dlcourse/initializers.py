"""Weight initialisers ``init(shape, rng) -> array``; fan_in and fan_out read Keras-style from
the shape: dense (in, out), conv (KH, KW, C_in, C_out)."""
from __future__ import annotations

import numpy as np


def _fans(shape: tuple[int, ...]) -> tuple[int, int]:
    receptive = int(np.prod(shape[:-2])) if len(shape) > 2 else 1
    return shape[-2] * receptive, shape[-1] * receptive


def zeros(shape: tuple[int, ...], rng: np.random.Generator | None = None) -> np.ndarray:
    """All zeros: every unit of a layer stays identical (the symmetry problem)."""
    return np.zeros(shape)


def constant(value: float):
    """All equal to ``value``: symmetric too, so units never differentiate."""
    return lambda shape, rng=None: np.full(shape, float(value))


def normal(std: float = 0.05):
    """N(0, std^2); too small a std vanishes the signal, too large explodes it."""
    return lambda shape, rng=None: std * np.random.default_rng(rng).standard_normal(shape)


def glorot_uniform(shape: tuple[int, ...], rng: np.random.Generator | int | None = None) -> np.ndarray:
    """U(-a, a), a = sqrt(6 / (fan_in + fan_out)): keeps the variance through tanh-like layers."""
    fan_in, fan_out = _fans(shape)
    a = np.sqrt(6.0 / (fan_in + fan_out))
    return np.random.default_rng(rng).uniform(-a, a, shape)


def glorot_normal(shape: tuple[int, ...], rng: np.random.Generator | int | None = None) -> np.ndarray:
    """N(0, 2 / (fan_in + fan_out))."""
    fan_in, fan_out = _fans(shape)
    return np.sqrt(2.0 / (fan_in + fan_out)) * np.random.default_rng(rng).standard_normal(shape)


def he_normal(shape: tuple[int, ...], rng: np.random.Generator | int | None = None) -> np.ndarray:
    """N(0, 2 / fan_in): keeps the variance through ReLU layers (He et al., 2015)."""
    fan_in, _ = _fans(shape)
    return np.sqrt(2.0 / fan_in) * np.random.default_rng(rng).standard_normal(shape)


def fan_in_uniform(shape: tuple[int, ...], rng: np.random.Generator | int | None = None) -> np.ndarray:
    """U(-a, a), a = 1 / sqrt(fan_in): PyTorch's default for dense and convolution layers (its
    biases too), so the models of papers written in PyTorch start where theirs did."""
    fan_in, _ = _fans(shape)
    a = 1.0 / np.sqrt(fan_in)
    return np.random.default_rng(rng).uniform(-a, a, shape)
