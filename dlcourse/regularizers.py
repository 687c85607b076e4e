"""Regularisers as ``value, grad = <name>(w, ...)``, and noise injection (syllabus 1, 8)."""
from __future__ import annotations

import numpy as np

SYMMETRY_S = np.array([[1.0, -1.0], [-1.0, 1.0]])  # w^T S w = (w1 - w2)^2 (syllabus 1)


def l2(w: np.ndarray, lam: float) -> tuple[float, np.ndarray]:
    """R = lam ||w||^2 (Keras's L2);  dR/dw = 2 lam w. Weight decay by another name for SGD."""
    return float(lam * np.sum(w * w)), 2.0 * lam * w


def l1(w: np.ndarray, lam: float) -> tuple[float, np.ndarray]:
    """R = lam ||w||_1;  dR/dw = lam sign(w) (the subgradient 0 at w = 0)."""
    return float(lam * np.sum(np.abs(w))), lam * np.sign(w)


def quadratic_form(w: np.ndarray, S: np.ndarray = SYMMETRY_S, lam: float = 1.0) -> tuple[float, np.ndarray]:
    """R = lam w^T S w;  dR/dw = lam (S + S^T) w. With S = [[1,-1],[-1,1]] it penalises w1 != w2."""
    return float(lam * w @ S @ w), lam * (S + S.T) @ w


def additive_noise(x: np.ndarray, sigma: float, rng: np.random.Generator | int | None = None) -> np.ndarray:
    """x + e, e ~ N(0, sigma^2 I): through a linear map ||W e|| <= sigma_max(W) ||e||."""
    rng = np.random.default_rng(rng)
    return x + sigma * rng.standard_normal(x.shape)


def multiplicative_noise(x: np.ndarray, s: float, rng: np.random.Generator | int | None = None) -> np.ndarray:
    """x * d, d ~ N(1, s^2): in squared loss, E[grad] gains s^2 w_i x_i^2, an L2-like penalty."""
    rng = np.random.default_rng(rng)
    return x * (1.0 + s * rng.standard_normal(x.shape))
