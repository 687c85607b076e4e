"""Lipschitz constants (syllabus 8): spectral norms, the product bound, and a sampled estimate."""
from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

ACTIVATION_LIPSCHITZ = {"relu": 1.0, "leaky_relu": 1.0, "tanh": 1.0, "sigmoid": 0.25, "linear": 1.0}


def spectral_norm(W: np.ndarray, n_iter: int = 100, rng: np.random.Generator | int | None = 0) -> float:
    """sigma_max(W) by power iteration on W^T W: v <- W^T W v / ||W^T W v||, sigma = ||W v||."""
    rng = np.random.default_rng(rng)
    v = rng.standard_normal(W.shape[1])
    v /= np.linalg.norm(v)
    for _ in range(n_iter):
        v = W.T @ (W @ v)
        norm = np.linalg.norm(v)
        if norm == 0:
            return 0.0
        v /= norm
    return float(np.linalg.norm(W @ v))


def product_bound(weights: Sequence[np.ndarray], activations: Sequence[str] | None = None) -> float:
    """L <= prod_i L_h_i sigma_max(W_i) for x -> h_n(W_n ... h_1(W_1 x)); W_i as (out, in) or (in, out)."""
    activations = activations or ["relu"] * len(weights)
    bound = 1.0
    for W, act in zip(weights, activations):
        bound *= ACTIVATION_LIPSCHITZ[act] * float(np.linalg.norm(W, 2))
    return bound


def empirical_lipschitz(
    f: Callable[[np.ndarray], np.ndarray],
    dim: int,
    n_pairs: int = 1000,
    scale: float = 1.0,
    rng: np.random.Generator | int | None = 0,
) -> float:
    """A lower estimate of L: max over random pairs of ||f(x1) - f(x2)|| / ||x1 - x2||.

    ``f`` maps a batch (n, dim) to (n, ...). Pairs are close (x2 = x1 + small step), where
    the ratio approaches the local gradient norm.
    """
    rng = np.random.default_rng(rng)
    x1 = scale * rng.standard_normal((n_pairs, dim))
    x2 = x1 + 1e-3 * scale * rng.standard_normal((n_pairs, dim))
    num = np.linalg.norm((f(x1) - f(x2)).reshape(n_pairs, -1), axis=1)
    den = np.linalg.norm(x1 - x2, axis=1)
    return float(np.max(num / den))
