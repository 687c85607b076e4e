"""Numerical derivatives by central differences, and the relative error used to compare them.

Convention (syllabus 1): for f: R^n -> R^m the Jacobian is J in R^{m x n}, J_ij = df_i/dx_j,
with matrix inputs and outputs flattened row-major.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np


def numerical_jacobian(f: Callable[[np.ndarray], np.ndarray], x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """J_ij ~ (f(x + h e_j)_i - f(x - h e_j)_i) / (2h), shape (f(x).size, x.size)."""
    x = np.array(x, dtype=np.float64)
    flat = x.reshape(-1)
    cols = []
    for j in range(flat.size):
        old = flat[j]
        flat[j] = old + h
        plus = np.array(f(x), dtype=np.float64).reshape(-1)
        flat[j] = old - h
        minus = np.array(f(x), dtype=np.float64).reshape(-1)
        flat[j] = old
        cols.append((plus - minus) / (2 * h))
    return np.stack(cols, axis=1)


def numerical_gradient(f: Callable[[np.ndarray], float], x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """Gradient of a scalar function, shaped like x."""
    return numerical_jacobian(f, x, h).reshape(np.shape(x))


def numerical_vjp(
    f: Callable[[np.ndarray], np.ndarray], x: np.ndarray, dout: np.ndarray, h: float = 1e-6
) -> np.ndarray:
    """The gradient of sum(f(x) * dout) in x: what a backward pass returns for upstream dout."""
    return numerical_gradient(lambda z: float(np.sum(f(z) * dout)), x, h)


def numerical_hessian(grad: Callable[[np.ndarray], np.ndarray], x: np.ndarray, h: float = 1e-5) -> np.ndarray:
    """The Hessian is the Jacobian of the gradient: H(f) = J(grad f) (syllabus 1)."""
    return numerical_jacobian(grad, x, h)


def rel_error(a: np.ndarray, b: np.ndarray, floor: float = 1e-8) -> float:
    """max abs(a - b) / max(max(abs(a) + abs(b)), floor), the scale-free error of every gradient check.

    The floor keeps two gradients that are both zero up to rounding (say 1e-17 and 0) from
    counting as 100% apart.
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"shapes differ: {a.shape} vs {b.shape}")
    if not a.size:
        return 0.0
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(a) + np.abs(b)), floor))
